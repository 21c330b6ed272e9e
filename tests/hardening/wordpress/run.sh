#!/usr/bin/env bash
# Plugin-level hardening inside a real WordPress multisite (subdomain install): fault recovery
# through the plugin's queue, and access control of every admin page, admin-post and AJAX
# action found at run time. Reuses tests/lib (MariaDB, WordPress install) and the plugin
# suite's bootstrap and TestCase. Stops everything it started by pid. Copies WordPress's
# debug.log, the plugin log and the admin HTML it rendered to tests/artifacts/hardening/wordpress/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
ext=${WU_RUNCLOUD_EXT:-$root/target/debug/libwu_runcloud.so}
sim=${RUNCLOUD_SIM_BIN:-$root/target/debug/runcloud-sim}
art="$root/tests/artifacts/hardening/wordpress"
mkdir -p "$art"

work=$(mktemp -d /tmp/wu-hardening-wp.XXXXXX)
sim_pid=
cleanup() {
  local rc=$?
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then kill -TERM "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; fi
  tests/lib/mariadb.sh stop "$work/db" >/dev/null 2>&1 || true
  [ -f "$work/wp/debug.log" ] && cp "$work/wp/debug.log" "$art/wordpress-debug.log"
  cp "$work/sim.out" "$work/sim.err" "$art/" 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sock=$(tests/lib/mariadb.sh start "$work/db")
"$sim" --listen 127.0.0.1:0 --rate-limit off >"$work/sim.out" 2>"$work/sim.err" </dev/null &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
sim_url=$(head -n1 "$work/sim.out" | php -r 'echo json_decode(stream_get_contents(STDIN), true)["url"] ?? "";')
[ -n "$sim_url" ] || { echo "FAILED: the simulator printed no URL" >&2; exit 1; }

# The plugin suite's TestCase resets the simulator to its default credentials before each
# test, so the site uses them; the secrets scan looks for these values too.
cat >"$work/extra-config.php" <<PHP
<?php
define('WU_RUNCLOUD_API_TOKEN', 'sim-token');
define('WU_RUNCLOUD_SERVER_ID', '11667');
define('WU_RUNCLOUD_APP_ID', '940288');
define('WU_RUNCLOUD_API_URL', '$sim_url');
PHP
tests/lib/wp-install.sh --dir "$work/wp" --socket "$sock" --db wu_hardening --domain network.test --mode subdomain \
  --extra-config "$work/extra-config.php" --plugin wordpress-plugin --activate >"$art/install.log" 2>&1 \
  || { tail -20 "$art/install.log"; echo "FAILED: WordPress install"; exit 1; }

WU_TEST_WP_DIR=$work/wp WU_TEST_SIM_URL=$sim_url WU_HARDENING_ARTIFACTS=$art \
  php -d extension="$ext" /usr/bin/phpunit -c tests/hardening/wordpress/phpunit.xml
