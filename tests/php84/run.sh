#!/usr/bin/env bash
# The second platform: PHP 8.4 with WordPress 6.8, as Debian 13 "trixie" ships them, in the
# cached root of scripts/php84-root.sh (created on first use: see README "Tests").
#
#   tests/php84/run.sh                          build for PHP 8.4, tests/php/run.sh, tests/wordpress/run.sh
#   tests/php84/run.sh um-signatures um-compat  build, then only these tests/wordpress/run.sh suites
#
# The suites are the same scripts the machine's PHP 8.2 runs, called inside the root (private
# mount, PID and network namespaces) with the release .so built there for PHP 8.4 (the one
# `make dist` ships) and the RunCloud simulator built on the host. It first checks that the
# root really has PHP 8.4 and WordPress 6.8, so a changed archive cannot pass for them.
# Exit: 0 passed; 1 failed; 77 could not run (not root, or the root could not be created: the
# reason is printed), or tests/wordpress/run.sh could not run a suite (no Ultimate Multisite
# release folders).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
sim=${RUNCLOUD_SIM_BIN:-$root/target/debug/runcloud-sim}
case "$sim" in /*) ;; *) sim=$root/$sim ;; esac

[ "$(id -u)" = 0 ] || { echo "tests/php84: NOT RUN: needs root (mmdebstrap, chroot, namespaces)"; exit 77; }
[ -x "$sim" ] || { echo "tests/php84: the simulator is not built: $sim (cargo build -p runcloud-sim)"; exit 1; }

start=$SECONDS
if ! scripts/php84-root.sh ensure >/dev/null; then
  echo "tests/php84: NOT RUN: the Debian 13 root could not be created (see above)"
  exit 77
fi
echo "tests/php84: root ready in $((SECONDS - start)) s"

versions=$(scripts/php84-root.sh run php -r 'include "/usr/share/wordpress/wp-includes/version.php"; echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION, " ", $wp_version;') \
  || { echo "tests/php84: FAIL: cannot run php inside the root"; exit 1; }
echo "tests/php84: the root has PHP and WordPress: $versions"
[[ "$versions" =~ ^8\.4\ 6\.8(\.|$) ]] || { echo "tests/php84: FAIL: expected PHP 8.4 and WordPress 6.8, the root has $versions"; exit 1; }

start=$SECONDS
ext=$(scripts/php84-root.sh build) || { echo "tests/php84: FAIL: the build for PHP 8.4 failed"; exit 1; }
echo "tests/php84: built $ext in $((SECONDS - start)) s"

inside() { WU_RUNCLOUD_EXT=$ext RUNCLOUD_SIM_BIN=$sim scripts/php84-root.sh run "$@"; }
failed=() not_run=()
# suite NAME COMMAND...: one part, counted by its exit status (77: could not run)
suite() {
  local name=$1 rc start=$SECONDS; shift
  echo "== tests/php84: $name (PHP 8.4)"
  inside "$@"; rc=$?
  echo "== tests/php84: $name exited $rc after $((SECONDS - start)) s"
  case "$rc" in 0) ;; 77) not_run+=("$name") ;; *) failed+=("$name") ;; esac
}

if [ $# -gt 0 ]; then
  suite "tests/wordpress/run.sh $*" tests/wordpress/run.sh "$@"
else
  suite tests/php/run.sh tests/php/run.sh
  suite tests/wordpress/run.sh tests/wordpress/run.sh
fi

if [ ${#failed[@]} -gt 0 ]; then echo "tests/php84: FAILED: ${failed[*]}"; exit 1; fi
if [ ${#not_run[@]} -gt 0 ]; then echo "tests/php84: NOT RUN: ${not_run[*]}"; exit 77; fi
echo "tests/php84: passed on PHP 8.4 with WordPress 6.8"
