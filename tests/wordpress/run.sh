#!/usr/bin/env bash
# The plugin's PHPUnit suites inside real WordPress multisites.
#
#   tests/wordpress/run.sh [SUITE...]     suites: subdomain subdirectory ultimate-multisite ultimate-multisite-legacy no-extension
#   tests/wordpress/run.sh --measure      prints figures (hook cost, worker throughput, big reconcile, big status page)
#
# Starts a private MariaDB and the RunCloud simulator in a temp dir, installs WordPress twice
# (subdomain and subdirectory network, the plugin linked and network-activated), runs each
# suite in its own PHP process with the real extension loaded (except no-extension), stops
# everything it started by pid, and exits non-zero on any failure.
#
# Environment: WU_RUNCLOUD_EXT (default target/debug/libwu_runcloud.so),
# WU_RUNCLOUD_SIM (default target/debug/runcloud-sim), KEEP=1 keeps the temp dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ext=${WU_RUNCLOUD_EXT:-target/debug/libwu_runcloud.so}
sim=${WU_RUNCLOUD_SIM:-${RUNCLOUD_SIM_BIN:-target/debug/runcloud-sim}}
measure=0
if [ "${1:-}" = --measure ]; then measure=1; shift; set -- subdomain; fi
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(subdomain subdirectory ultimate-multisite ultimate-multisite-legacy no-extension)

case "$ext" in /*) ;; *) ext=$root/$ext ;; esac
[ -f "$ext" ] || { echo "tests/wordpress: extension not built: $ext (run: cargo build -p wu_runcloud)" >&2; exit 1; }
[ -x "$sim" ] || { echo "tests/wordpress: simulator not built: $sim (run: cargo build -p runcloud-sim)" >&2; exit 1; }
php -d extension="$ext" -r 'exit(extension_loaded("wu_runcloud") ? 0 : 1);' 2>/dev/null \
  || { echo "tests/wordpress: $ext does not load as the wu_runcloud PHP extension" >&2; exit 1; }

work=$(mktemp -d /tmp/wu-wp-tests.XXXXXX)
sim_pid=
cleanup() {
  local rc=$?
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  tests/lib/mariadb.sh stop "$work/db" || true
  if [ "${KEEP:-0}" = 1 ]; then echo "tests/wordpress: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sock=$(tests/lib/mariadb.sh start "$work/db")

"$sim" --listen 127.0.0.1:0 --rate-limit off >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
sim_url=$(head -n1 "$work/sim.out" | php -r '$j = json_decode(stream_get_contents(STDIN), true); echo $j["url"] ?? "";')
[ -n "$sim_url" ] || { echo "tests/wordpress: the simulator printed no URL; stderr:" >&2; cat "$work/sim.err" >&2; exit 1; }

cat >"$work/extra-config.php" <<PHP
<?php
// Written by tests/wordpress/run.sh: the simulator's default credentials (not secrets).
define('WU_RUNCLOUD_API_TOKEN', 'sim-token');
define('WU_RUNCLOUD_SERVER_ID', '11667');
define('WU_RUNCLOUD_APP_ID', '940288');
define('WU_RUNCLOUD_API_URL', '$sim_url');
PHP

install() { # mode dir db
  tests/lib/wp-install.sh --dir "$2" --socket "$sock" --db "$3" --domain network.test --mode "$1" \
    --extra-config "$work/extra-config.php" --plugin wordpress-plugin --activate
}

need_subdomain=0 need_subdirectory=0
for s in "${suites[@]}"; do
  case "$s" in
    subdirectory) need_subdirectory=1 ;;
    subdomain|ultimate-multisite|ultimate-multisite-legacy|no-extension) need_subdomain=1 ;;
    *) echo "tests/wordpress: unknown suite $s" >&2; exit 2 ;;
  esac
done
[ $need_subdomain = 0 ] || install subdomain "$work/wp-subdomain" wu_test_subdomain
[ $need_subdirectory = 0 ] || install subdirectory "$work/wp-subdirectory" wu_test_subdirectory

if [ $measure = 1 ]; then
  WU_TEST_WP_DIR=$work/wp-subdomain WU_TEST_SIM_URL=$sim_url php -d "extension=$ext" tests/wordpress/lib/measure.php
  exit $?
fi

failed=()
for s in "${suites[@]}"; do
  wp_dir=$work/wp-subdomain um=0 um_version=2.5 php_ext=(-d "extension=$ext")
  case "$s" in
    subdirectory) wp_dir=$work/wp-subdirectory ;;
    ultimate-multisite) um=1 ;;
    ultimate-multisite-legacy) um=1 um_version=2.4 ;;
    no-extension) php_ext=() ;;
  esac
  echo "== tests/wordpress: suite $s"
  if WU_TEST_WP_DIR=$wp_dir WU_TEST_SIM_URL=$sim_url WU_TEST_UM=$um WU_TEST_UM_VERSION=$um_version \
     php "${php_ext[@]}" /usr/bin/phpunit -c tests/wordpress/phpunit.xml --testsuite "$s"; then
    :
  else
    failed+=("$s")
  fi
  if [ -s "$wp_dir/debug.log" ] && grep -q "PHP Fatal" "$wp_dir/debug.log"; then
    echo "tests/wordpress: PHP fatal errors in $wp_dir/debug.log:" >&2
    grep "PHP Fatal" "$wp_dir/debug.log" | tail -n 5 >&2
    failed+=("$s(fatal)")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "tests/wordpress: FAILED suites: ${failed[*]}" >&2
  exit 1
fi
echo "tests/wordpress: all suites passed (${suites[*]})"
