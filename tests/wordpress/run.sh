#!/usr/bin/env bash
# The plugin's PHPUnit suites inside real WordPress multisites.
#
#   tests/wordpress/run.sh [SUITE...]     default: subdomain cli subdirectory ultimate-multisite
#                                         ultimate-multisite-untyped ultimate-multisite-legacy
#                                         ultimate-multisite-legacy-untyped no-extension
#   tests/wordpress/run.sh um-signatures um-compat
#                                         Ultimate Multisite's real releases (see below)
#   tests/wordpress/run.sh hardening      the plugin's hardening tests (fault recovery, foreign
#                                         domains, access control, WP-CLI output), run by
#                                         tests/hardening/run.sh; what they write, WordPress's
#                                         debug.log and the simulator's output go to
#                                         ${WU_HARDENING_ARTIFACTS:-tests/artifacts/hardening/wordpress}
#   tests/wordpress/run.sh --measure      prints figures (hook cost, worker throughput, big reconcile, big status page)
#
# Starts a private MariaDB and the RunCloud simulator in a temp dir, installs WordPress twice
# (subdomain and subdirectory network, the plugin linked and network-activated), runs each
# suite in its own PHP process with the real extension loaded (except no-extension), stops
# everything it started by pid, and exits non-zero on any failure.
#
# The ultimate-multisite* suites load the test double of Ultimate Multisite's framework in a
# version profile (doubles/ultimate-multisite: 2.5.1 typed registry, 2.9 untyped registry,
# 2.4 typed host providers, 2.3 untyped host providers).
#
# um-signatures and um-compat judge against the real framework files of every release folder
# in ${WU_UM_FRAMEWORKS:-<repo>/../shared/ultimate-multisite}: um-signatures compares our
# classes' declarations with each release's parents by reflection (no WordPress needed);
# um-compat runs compat/tests for each release x credential set (token, key_secret, none),
# each in its own PHP process, and prints a release x check table. Without any release folder
# they do not run: the script says so and exits 77 (unless another suite failed: then 1).
#
# WP-CLI: the cli suite, and the tests of group wp-cli in the others, run the real `wp` (the
# phar tests/lib/wp-cli.sh verifies: ../shared/tools/wp-cli.phar or WU_WP_CLI_PHAR, SHA-512
# checked) against the test network. Without it they do not run: the cli suite is skipped,
# the others exclude that group, the script says so and exits 77 unless a suite failed. A phar
# that does not match its checksum fails the run.
#
# Environment: WU_RUNCLOUD_EXT (default target/debug/libwu_runcloud.so),
# RUNCLOUD_SIM_BIN (default target/debug/runcloud-sim), WU_UM_FRAMEWORKS, KEEP=1 keeps the
# temp dir, FILTER=REGEX runs only the matching tests (PHPUnit --filter).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ext=${WU_RUNCLOUD_EXT:-target/debug/libwu_runcloud.so}
measure=0
if [ "${1:-}" = --measure ]; then measure=1; shift; set -- subdomain; fi
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(subdomain cli subdirectory ultimate-multisite ultimate-multisite-untyped ultimate-multisite-legacy ultimate-multisite-legacy-untyped no-extension)

export WU_UM_FRAMEWORKS=${WU_UM_FRAMEWORKS:-$root/../shared/ultimate-multisite}
# "version dir" per line, oldest first (compat/release.php decides what a release folder is).
releases=$(php -r 'require "tests/wordpress/compat/release.php"; foreach (wu_compat_release_dirs() as $v => $d) { echo "$v $d\n"; }')
not_run=() run_suites=()
wp_cli_exclude=()
wp_cli_rc=0
wp_cli=$(tests/lib/wp-cli.sh phar 2>/tmp/wu-wp-cli-why.$$) || wp_cli_rc=$?
why=$(cat /tmp/wu-wp-cli-why.$$)
rm -f /tmp/wu-wp-cli-why.$$
if [ "$wp_cli_rc" = 0 ]; then
  export WU_TEST_WP_CLI=$wp_cli
elif [ "$wp_cli_rc" != 77 ]; then
  echo "tests/wordpress: FAILED: $why" >&2
  exit 1
else
  wp_cli_exclude=(--exclude-group wp-cli)
  for s in "${suites[@]}"; do
    case "$s" in subdomain|hardening|no-extension) not_run+=("the WP-CLI tests of $s ($why)") ;; esac
  done
fi
for s in "${suites[@]}"; do
  case "$s" in
    cli)
      if [ -z "${WU_TEST_WP_CLI:-}" ]; then
        echo "tests/wordpress: suite cli NOT RUN: $why" >&2
        not_run+=("cli ($why)")
        continue
      fi ;;
    um-signatures|um-compat)
      if [ -z "$releases" ]; then
        echo "tests/wordpress: suite $s NOT RUN: no Ultimate Multisite release folder in $WU_UM_FRAMEWORKS (set WU_UM_FRAMEWORKS)" >&2
        not_run+=("$s")
        continue
      fi ;;
  esac
  run_suites+=("$s")
done
suites=("${run_suites[@]}")
finish() { # after the suites that ran: 1 if any failed, else 77 if any could not run, else 0
  if [ ${#failed[@]} -gt 0 ]; then
    echo "tests/wordpress: FAILED suites: ${failed[*]}" >&2
    exit 1
  fi
  if [ ${#not_run[@]} -gt 0 ]; then
    echo "tests/wordpress: NOT RUN: ${not_run[*]}${suites[*]:+ (passed: ${suites[*]})}" >&2
    exit 77
  fi
  echo "tests/wordpress: all suites passed (${suites[*]})"
  exit 0
}
failed=()
[ ${#suites[@]} -gt 0 ] || finish

# The signature guard needs neither WordPress nor the extension: run it first, alone.
if [[ " ${suites[*]} " == *" um-signatures "* ]]; then
  echo "== tests/wordpress: suite um-signatures"
  php /usr/bin/phpunit -c tests/wordpress/compat/signatures.xml || failed+=(um-signatures)
  rest=()
  for s in "${suites[@]}"; do [ "$s" = um-signatures ] || rest+=("$s"); done
  [ ${#rest[@]} -gt 0 ] || { suites=(um-signatures); finish; }
fi

case "$ext" in /*) ;; *) ext=$root/$ext ;; esac
[ -f "$ext" ] || { echo "tests/wordpress: extension not built: $ext (run: cargo build -p wu_runcloud)" >&2; exit 1; }
php -d extension="$ext" -r 'exit(extension_loaded("wu_runcloud") ? 0 : 1);' 2>/dev/null \
  || { echo "tests/wordpress: $ext does not load as the wu_runcloud PHP extension" >&2; exit 1; }

work=$(mktemp -d /tmp/wu-wp-tests.XXXXXX)
cleanup() {
  local rc=$?
  tests/lib/sim.sh stop "$work/sim" || true
  tests/lib/mariadb.sh stop "$work/db" || true
  if [ -n "${WU_HARDENING_ARTIFACTS:-}" ]; then # for the secrets scan
    cp "$work/wp-subdomain/debug.log" "$WU_HARDENING_ARTIFACTS/wordpress-debug.log" 2>/dev/null || true
    cp "$work/sim/stdout.log" "$WU_HARDENING_ARTIFACTS/sim.out" 2>/dev/null || true
    cp "$work/sim/stderr.log" "$WU_HARDENING_ARTIFACTS/sim.err" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "tests/wordpress: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sock=$(tests/lib/mariadb.sh start "$work/db")
sim_url=$(tests/lib/sim.sh start "$work/sim" --rate-limit off)

cat >"$work/extra-config.php" <<PHP
<?php
// Written by tests/wordpress/run.sh: the simulator's default credentials (not secrets).
// WU_TEST_CREDENTIALS (the um-compat suite) picks the kind: token (default), key_secret, none.
switch (getenv('WU_TEST_CREDENTIALS') ?: 'token') {
  case 'token':
    define('WU_RUNCLOUD_API_TOKEN', 'sim-token');
    break;
  case 'key_secret':
    define('WU_RUNCLOUD_API_KEY', 'sim-key');
    define('WU_RUNCLOUD_API_SECRET', 'sim-secret');
    break;
}
define('WU_RUNCLOUD_SERVER_ID', '11667');
define('WU_RUNCLOUD_APP_ID', '940288');
define('WU_RUNCLOUD_API_URL', '$sim_url');
// The DNS gate and the HTTPS check ask the simulator's DNS server and HTTPS port, never the
// machine's resolver; its CA signs what that port serves.
define('WU_RUNCLOUD_DNS_SERVERS', '$(tests/lib/sim.sh info "$work/sim" dns)');
define('WU_RUNCLOUD_HTTPS_PORT', $(tests/lib/sim.sh info "$work/sim" https_port));
define('WU_RUNCLOUD_CA_FILE', '$(tests/lib/sim.sh info "$work/sim" sites_ca_file)');
PHP

install() { # mode dir db
  tests/lib/wp-install.sh --dir "$2" --socket "$sock" --db "$3" --domain network.test --mode "$1" \
    --extra-config "$work/extra-config.php" --plugin wordpress-plugin --activate
}

need_subdomain=0 need_subdirectory=0
for s in "${suites[@]}"; do
  case "$s" in
    subdirectory) need_subdirectory=1 ;;
    subdomain|cli|ultimate-multisite*|no-extension|um-compat|hardening) need_subdomain=1 ;;
    um-signatures) ;;
    *) echo "tests/wordpress: unknown suite $s" >&2; exit 2 ;;
  esac
done
[ $need_subdomain = 0 ] || install subdomain "$work/wp-subdomain" wu_test_subdomain
[ $need_subdirectory = 0 ] || install subdirectory "$work/wp-subdirectory" wu_test_subdirectory

if [ $measure = 1 ]; then
  WU_TEST_WP_DIR=$work/wp-subdomain WU_TEST_SIM_URL=$sim_url php -d "extension=$ext" tests/wordpress/lib/measure.php
  exit $?
fi

# um-compat: every release folder x credential set, each in its own PHP process.
run_um_compat() {
  local out=$work/compat start=$SECONDS version dir creds excludes exclude_args g registry host core rc phpunit_major
  phpunit_major=$(php /usr/bin/phpunit --version | sed -n 's/^PHPUnit \([0-9]*\)\..*/\1/p')
  mkdir -p "$out"
  while read -r version dir; do
    read -r registry host core < <(php -r 'require "tests/wordpress/compat/release.php"; echo implode(" ", array_map("intval", wu_compat_release_features($argv[1]))), "\n";' "$dir" </dev/null)
    for creds in token key_secret none; do
      # Checks of a framework the release does not ship, or of credentials this run lacks, are n/a.
      excludes=()
      [ "$registry" = 1 ] || excludes+=(registry)
      [ "$host" = 1 ] || excludes+=(host-provider)
      [ "$core" = 1 ] || excludes+=(core-provider)
      if [ "$creds" = none ]; then excludes+=(credentials); else excludes+=(no-credentials); fi
      # PHPUnit 9 (Debian 12) takes one comma-separated --exclude-group; 11 (Debian 13) one per group.
      exclude_args=()
      if [ "$phpunit_major" -ge 10 ]; then for g in "${excludes[@]}"; do exclude_args+=(--exclude-group "$g"); done
      else exclude_args=(--exclude-group "$(IFS=,; echo "${excludes[*]}")"); fi
      echo "== tests/wordpress: um-compat: Ultimate Multisite $version, credentials $creds ($dir)"
      : >"$work/wp-subdomain/debug.log"
      rc=0
      WU_TEST_WP_DIR=$work/wp-subdomain WU_TEST_SIM_URL=$sim_url WU_TEST_UM_RELEASE=$dir WU_TEST_CREDENTIALS=$creds \
        WU_TEST_COMPAT_FATAL_FILE=$out/$version.$creds.fatal \
        php -d "extension=$ext" /usr/bin/phpunit -c tests/wordpress/compat/phpunit.xml \
          "${exclude_args[@]}" --log-junit "$out/$version.$creds.xml" </dev/null || rc=$?
      if [ "$rc" != 0 ]; then
        failed+=("um-compat($version,$creds)")
        grep -h "wu-runcloud\|PHP Fatal" "$work/wp-subdomain/debug.log" 2>/dev/null | tail -n 10 >&2 || true
      fi
    done
  done <<<"$releases"
  php tests/wordpress/compat/report.php "$out"
  echo "tests/wordpress: um-compat took $((SECONDS - start)) s for $(wc -l <<<"$releases") releases x 3 credential sets"
}

for s in "${suites[@]}"; do
  wp_dir=$work/wp-subdomain um=0 um_version=2.5.1 php_ext=(-d "extension=$ext") testsuite=$s
  case "$s" in
    um-signatures) continue ;; # ran above
    um-compat) run_um_compat; continue ;;
    subdirectory) wp_dir=$work/wp-subdirectory ;;
    ultimate-multisite) um=1 ;;
    ultimate-multisite-untyped) um=1 um_version=2.9 testsuite=ultimate-multisite ;;
    ultimate-multisite-legacy) um=1 um_version=2.4 ;;
    ultimate-multisite-legacy-untyped) um=1 um_version=2.3 testsuite=ultimate-multisite-legacy ;;
    no-extension) php_ext=() ;;
    hardening)
      export WU_HARDENING_ARTIFACTS=${WU_HARDENING_ARTIFACTS:-$root/tests/artifacts/hardening/wordpress}
      mkdir -p "$WU_HARDENING_ARTIFACTS" ;;
  esac
  echo "== tests/wordpress: suite $s"
  : >"$wp_dir/debug.log" # so a fatal below is this suite's, not an earlier one's
  if WU_TEST_WP_DIR=$wp_dir WU_TEST_SIM_URL=$sim_url WU_TEST_UM=$um WU_TEST_UM_VERSION=$um_version \
     php "${php_ext[@]}" /usr/bin/phpunit -c tests/wordpress/phpunit.xml --testsuite "$testsuite" "${wp_cli_exclude[@]}" ${FILTER:+--filter "$FILTER"}; then
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

finish
