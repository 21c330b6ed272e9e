#!/usr/bin/env bash
# `make demo` / `make demo-stop` / `make demo-status`.
#
#   scripts/demo.sh up      start the stack in .data/demo (release build), run the scenario,
#                           leave everything running and print the admin URL and login
#   scripts/demo.sh down    stop every process the demo started (by pid)
#   scripts/demo.sh status  which of them are running
#
# The network is http://wu-demo.localhost/ (nginx on 127.0.0.1:80; *.localhost resolves to
# loopback in browsers and curl). Override with DEMO_ADDR / DEMO_PORT, DEMO_AUTH=basic for the
# legacy key + secret instead of the v3 token, DEMO_DIR another data dir (default .data/demo).
# Every `up` starts from a fresh network.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${DEMO_DIR:-$root/.data/demo}
domain=wu-demo.localhost
addr=${DEMO_ADDR:-127.0.0.1}
port=${DEMO_PORT:-80}
ext=${WU_RUNCLOUD_EXT:-$root/target/release/libwu_runcloud.so}
sim=${RUNCLOUD_SIM_BIN:-$root/target/release/runcloud-sim}

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

case "${1:-}" in
  down) exec "$root/scripts/stack.sh" down --dir "$dir" ;;
  status) exec "$root/scripts/stack.sh" status --dir "$dir" ;;
  up) ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac

password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-14)
bold "Starting the stack: RunCloud simulator, MariaDB, WordPress multisite, php-fpm + wu_runcloud, nginx"
"$root/scripts/stack.sh" up --dir "$dir" --ext "$ext" --sim "$sim" --addr "$addr" --port "$port" \
  --domain "$domain" --auth "${DEMO_AUTH:-token}" --admin-password "$password"
# shellcheck disable=SC1091
. "$dir/stack.env"
wp="$STACK_WP_DIR"
echo "$domain" >"$wp/.demo-domain"

# Demo-only tuning (not the plugin): redeploy SSL right after an add instead of the default
# 60 s coalescing window, so the redeploy shows up in this run.
mkdir -p "$wp/wp-content/mu-plugins"
cat >"$wp/wp-content/mu-plugins/wu-demo.php" <<'EOF'
<?php
// Written by scripts/demo.sh: no SSL coalescing delay in the demo.
add_filter('wu_runcloud_ssl_redeploy_delay', static fn() => 0);
EOF

resolve=(--resolve "$domain:$port:$addr")
# The CLI gets exactly the php-fpm configuration of the stack (its extension set + wu_runcloud).
php_cli() { PHP_INI_SCAN_DIR="$STACK_PHP_SCAN_DIR" php -c "$STACK_PHP_INI" -d display_errors=stderr "$root/scripts/demo.php" "$wp" "$@"; }
seq=0
# What RunCloud (the simulator) received since the last call.
show_runcloud() {
  local json
  json=$("$root/tests/lib/sim.sh" call "$dir/sim" GET "requests?since=$seq")
  seq=$(php -r '$l = json_decode($argv[1], true); $m = (int) $argv[2]; foreach ($l as $e) { $m = max($m, (int) $e["seq"]); } echo $m;' "$json" "$seq")
  php -r '
    $l = json_decode($argv[1], true);
    if (!$l) { echo "   (nothing)\n"; }
    foreach ($l as $e) {
      $body = $e["body"] === null ? "" : " " . (is_string($e["body"]) ? $e["body"] : json_encode($e["body"], JSON_UNESCAPED_SLASHES));
      printf("   %-6s %s%s -> %s%s\n", $e["method"], $e["path"], $e["query"] ? "?" . $e["query"] : "", $e["status"], $body);
    }' "$json"
}
# The plugin queues work; WP-Cron runs it. DISABLE_WP_CRON is set, so run it here, through
# nginx + php-fpm like a system cron would, until nothing is due.
run_queue() {
  for _ in 1 2 3 4 5; do
    [ "$(php_cli waiting)" = 0 ] && return 0
    curl -fsS --noproxy '*' "${resolve[@]}" -o /dev/null "http://$domain/wp-cron.php" || echo "   wp-cron.php request failed"
  done
}

bold "Enable the integration (Network Admin -> Settings -> RunCloud -> Enable)"
php_cli enable
show_runcloud >/dev/null   # ignore anything before the scenario

bold "1. A customer maps shop.example.com to the main site (Ultimate Multisite fires wu_add_domain)"
php_cli map shop.example.com 1
run_queue
echo "  RunCloud received:"; show_runcloud

bold "2. A new site is created: blog.$domain (subdomain install)"
php_cli create-site blog
run_queue
echo "  RunCloud received:"; show_runcloud

bold "3. The mapping of shop.example.com is removed (wu_remove_domain)"
php_cli unmap shop.example.com 1
run_queue
echo "  RunCloud received:"; show_runcloud

bold "Domains of web application 940288 in RunCloud now"
"$root/tests/lib/sim.sh" call "$dir/sim" GET servers/11667/webapps/940288/domains \
  | php -r 'foreach (json_decode(stream_get_contents(STDIN), true) as $d) { printf("   #%-4s %s%s\n", $d["id"], $d["name"], !empty($d["www"]) ? " (+www)" : ""); }'

bold "The plugin's status (wp runcloud status)"
php_cli status

url="http://$domain$([ "$port" = 80 ] || echo ":$port")"
bold "The demo keeps running"
cat <<EOF
  Network admin:  $url/wp-admin/network/settings.php?page=wu-runcloud
  Login:          admin / $password
  RunCloud sim:   $STACK_SIM_URL   (request log: $STACK_SIM_URL/_sim/requests)
  Logs:           $dir/php-fpm/php-fpm.log, $dir/nginx/logs/, $dir/wordpress/debug.log
  (*.localhost resolves to loopback in Chromium, Firefox and curl; elsewhere add
   "$addr $domain blog.$domain" to /etc/hosts.)
  Stop everything: make demo-stop
EOF
