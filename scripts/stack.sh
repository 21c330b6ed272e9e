#!/usr/bin/env bash
# The local production-shaped stack, shared by `make demo` and the end-to-end tests:
#   RunCloud simulator -> MariaDB -> WordPress multisite (subdomain install, plugin
#   network-activated, configured against the simulator) -> php-fpm (extension loaded in the
#   master) -> nginx on ADDR:PORT.
#
#   scripts/stack.sh up --dir DIR [options]   start everything (DIR is wiped and re-created)
#   scripts/stack.sh down --dir DIR           stop every process started from DIR, by pid
#   scripts/stack.sh status --dir DIR         which of them are running
#
# Options of `up`:
#   --ext PATH          the extension .so (default target/release/libwu_runcloud.so)
#   --sim PATH          the runcloud-sim binary (default target/release/runcloud-sim)
#   --addr IP           nginx listen address (default 127.0.0.1; any 127.x.y.z)
#   --port N            nginx port (default 80: multisite network installs need 80 or 443)
#   --domain NAME       network domain (default wu-demo.localhost); sites are *.NAME
#   --auth token|basic  v3 token (default) or legacy v2 key + secret in wp-config
#   --workers N         php-fpm static workers (default 2)
#   --terminate S       php-fpm request_terminate_timeout in seconds (default 60)
#   --sim-args "..."    extra simulator arguments (e.g. "--rate-limit off")
#   --probe             also install the e2e probe endpoint and a second pool that recycles
#                       its workers every 3 requests (tests/e2e only; never in production)
#   --admin-password P  WordPress `admin` password (default: admin)
#
# DIR/stack.env (shell syntax) records what was started: URLs, pids, paths.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "stack: $*" >&2; exit 1; }

cmd=${1:-}; shift || true
dir='' ext="$root/target/release/libwu_runcloud.so" sim="$root/target/release/runcloud-sim"
addr=127.0.0.1 port=80 domain=wu-demo.localhost auth=token workers=2 terminate=60
sim_args='' probe=0 admin_pw=admin
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --ext) ext=$2; shift 2 ;;
    --sim) sim=$2; shift 2 ;;
    --addr) addr=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --domain) domain=$2; shift 2 ;;
    --auth) auth=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --terminate) terminate=$2; shift 2 ;;
    --sim-args) sim_args=$2; shift 2 ;;
    --probe) probe=1; shift ;;
    --admin-password) admin_pw=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$dir" ] || die "usage: $0 up|down|status --dir DIR [options]"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid NAME PIDFILE SIGNAL PATTERN: signal the pid in PIDFILE and wait up to 15 s for it to
# go. A pid whose command line does not contain PATTERN is a stale file (the pid was reused by
# another process) and is left alone.
stop_pid() {
  local name=$1 file=$2 sig=$3 pattern=$4 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  if pid_alive "$pid" && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"; then
    echo "stack: $file names pid $pid, which is not our $name; not signalling it" >&2
    rm -f "$file"
    return 0
  fi
  if pid_alive "$pid"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
      echo "stack: $name (pid $pid) did not stop in 15 s; sending KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

down() {
  stop_pid nginx "$dir/nginx/nginx.pid" QUIT "$dir/nginx"
  stop_pid php-fpm "$dir/php-fpm/php-fpm.pid" QUIT "$dir/php-fpm"
  "$root/tests/lib/mariadb.sh" stop "$dir/mariadb" || true
  "$root/tests/lib/sim.sh" stop "$dir/sim" || true
}

status() {
  local rc=0 name file pid
  for pair in "runcloud-sim:$dir/sim/sim.pid" "mariadb:$dir/mariadb/mysqld.pid" \
              "php-fpm:$dir/php-fpm/php-fpm.pid" "nginx:$dir/nginx/nginx.pid"; do
    name=${pair%%:*} file=${pair#*:}
    pid=$(cat "$file" 2>/dev/null || true)
    if pid_alive "$pid"; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; rc=1; fi
  done
  return $rc
}

# Refuse early, with the owner's name, when the nginx address is taken (a system nginx or
# apache usually holds 0.0.0.0:80, which also blocks every 127.x address).
check_port_free() {
  local holders
  holders=$(ss -Hltnp "sport = :$port" 2>/dev/null | awk -v a="$addr:$port" '$4 == a || $4 == "0.0.0.0:'"$port"'" || $4 == "*:'"$port"'" || $4 == "[::]:'"$port"'" {print $4, $6}')
  if [ -n "$holders" ]; then
    die "port $port on $addr is taken by: $holders
  Stop that service (e.g. 'systemctl stop nginx' or 'systemctl stop apache2'), or use another
  loopback address: make demo DEMO_ADDR=127.0.0.5 / make test E2E_ADDR=127.0.0.6 (the port
  stays 80: WordPress multisite needs it for a network install)."
  fi
}

start_sim() {
  # Detached: the stack outlives the shell that started it (make demo); it is stopped by pid.
  # shellcheck disable=SC2086
  sim_url=$(SIM_DETACH=1 RUNCLOUD_SIM_BIN="$sim" "$root/tests/lib/sim.sh" start "$dir/sim" $sim_args) \
    || die "the RunCloud simulator did not start (see $dir/sim/stderr.log)"
  sim_pid=$(cat "$dir/sim/sim.pid")
}

write_wp_extra_config() {
  local f=$1
  {
    echo "<?php"
    echo "// Written by scripts/stack.sh: the plugin's constants, pointed at the local RunCloud simulator."
    if [ "$auth" = basic ]; then
      echo "define('WU_RUNCLOUD_API_KEY', 'sim-key');"
      echo "define('WU_RUNCLOUD_API_SECRET', 'sim-secret');"
    else
      echo "define('WU_RUNCLOUD_API_TOKEN', 'sim-token');"
    fi
    echo "define('WU_RUNCLOUD_SERVER_ID', '11667');"
    echo "define('WU_RUNCLOUD_APP_ID', '940288');"
    echo "define('WU_RUNCLOUD_API_URL', '$sim_url');"
    # The DNS gate and HTTPS checks ask the simulator's DNS server and HTTPS port (loopback only).
    echo "define('WU_RUNCLOUD_DNS_SERVERS', '$("$root/tests/lib/sim.sh" info "$dir/sim" dns)');"
    echo "define('WU_RUNCLOUD_HTTPS_PORT', $("$root/tests/lib/sim.sh" info "$dir/sim" https_port));"
    echo "define('WU_RUNCLOUD_CA_FILE', '$("$root/tests/lib/sim.sh" info "$dir/sim" sites_ca_file)');"
  } >"$f"
}

# The private php.ini + scan dir: the system's FPM extension set (mysqli, curl, xml, …) minus
# any installed wu_runcloud.ini, plus the extension under test, loaded in the master.
write_php_config() {
  local d="$dir/php-fpm"
  mkdir -p "$d/conf.d"
  local f
  for f in /etc/php/8.2/fpm/conf.d/*.ini; do
    case "$(basename "$f")" in *wu_runcloud*) continue ;; esac
    ln -sf "$f" "$d/conf.d/$(basename "$f")"
  done
  # Load a private copy, as make install does: a rebuild in target/ (which may rewrite the
  # file in place) must never change a .so that running workers have mapped.
  install -m 0644 "$ext" "$d/wu_runcloud.so.new"
  mv -f "$d/wu_runcloud.so.new" "$d/wu_runcloud.so"
  printf 'extension=%s\n' "$d/wu_runcloud.so" >"$d/conf.d/99-wu_runcloud.ini"
  cat >"$d/php.ini" <<EOF
; Written by scripts/stack.sh
memory_limit = 256M
display_errors = Off
log_errors = On
error_log = $d/php-errors.log
max_execution_time = 30
upload_max_filesize = 8M
post_max_size = 8M
date.timezone = UTC
EOF
  local user_line=''
  if [ "$(id -u)" = 0 ]; then user_line=$'user = root\ngroup = root'; fi
  cat >"$d/php-fpm.conf" <<EOF
; Written by scripts/stack.sh
[global]
pid = $d/php-fpm.pid
error_log = $d/php-fpm.log
; debug in e2e: php-fpm logs workers' exits during a reload or stop only at debug level
log_level = $( [ "$probe" = 1 ] && echo debug || echo notice )
daemonize = yes
; graceful reload/stop: workers get SIGQUIT and 10 s to finish before SIGTERM
process_control_timeout = 10s

[wu]
$user_line
listen = $d/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = $workers
pm.max_requests = 0
catch_workers_output = yes
decorate_workers_output = no
; above the extension's client timeouts, so a slow RunCloud ends in our exception, not a kill
request_terminate_timeout = ${terminate}s
clear_env = yes
EOF
  if [ "$probe" = 1 ]; then
    cat >>"$d/php-fpm.conf" <<EOF

; e2e only: a pool whose workers are recycled every 3 requests (pm.max_requests)
[recycle]
$user_line
listen = $d/php-fpm-recycle.sock
listen.mode = 0666
pm = static
pm.max_children = 2
pm.max_requests = 3
catch_workers_output = yes
decorate_workers_output = no
request_terminate_timeout = ${terminate}s
clear_env = yes
EOF
  fi
}

start_fpm() {
  local d="$dir/php-fpm" flags=()
  [ "$(id -u)" = 0 ] && flags+=(--allow-to-run-as-root)
  PHP_INI_SCAN_DIR="$d/conf.d" php-fpm8.2 -c "$d/php.ini" -y "$d/php-fpm.conf" -t >"$d/configtest.log" 2>&1 \
    || { cat "$d/configtest.log" >&2; die "php-fpm configuration test failed"; }
  PHP_INI_SCAN_DIR="$d/conf.d" setsid php-fpm8.2 "${flags[@]}" -c "$d/php.ini" -y "$d/php-fpm.conf" </dev/null \
    || { tail -n 20 "$d/php-fpm.log" >&2; die "php-fpm did not start"; }
  for _ in $(seq 1 100); do [ -S "$d/php-fpm.sock" ] && [ -s "$d/php-fpm.pid" ] && break; sleep 0.1; done
  [ -s "$d/php-fpm.pid" ] || { tail -n 20 "$d/php-fpm.log" >&2; die "php-fpm wrote no pid file"; }
  # The master must have the module: it is loaded in MINIT before the workers fork.
  PHP_INI_SCAN_DIR="$d/conf.d" php-fpm8.2 -c "$d/php.ini" -m >"$d/modules.txt" 2>&1
  grep -qx wu_runcloud "$d/modules.txt" \
    || { grep -i 'warning\|error' "$d/modules.txt" >&2; die "php-fpm does not list the wu_runcloud module with $ext (a copy in $d)"; }
}

write_nginx_config() {
  local d="$dir/nginx" wp="$dir/wordpress" user_line=''
  mkdir -p "$d/logs" "$d/tmp"
  [ "$(id -u)" = 0 ] && user_line='user root root;'
  local probe_locations=''
  if [ "$probe" = 1 ]; then
    probe_locations="
    # e2e only: the probe served by the recycling pool
    location = /wu-e2e-probe-recycle.php {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root/wu-e2e-probe.php;
      fastcgi_pass unix:$dir/php-fpm/php-fpm-recycle.sock;
      fastcgi_read_timeout ${terminate}s;
    }"
  fi
  cat >"$d/nginx.conf" <<EOF
# Written by scripts/stack.sh
$user_line
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $d/logs/access.log;
  client_body_temp_path $d/tmp/body;
  fastcgi_temp_path $d/tmp/fastcgi;
  proxy_temp_path $d/tmp/proxy;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  client_max_body_size 8m;

  server {
    # default_server: the network domain, every subdomain site and every mapped domain
    listen $addr:$port default_server;
    server_name $domain *.$domain _;
    root $wp;
    index index.php;

    location / { try_files \$uri \$uri/ /index.php?\$args; }
    location ~ \.php\$ {
      try_files \$uri =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_pass unix:$dir/php-fpm/php-fpm.sock;
      # longer than php-fpm's request_terminate_timeout: php-fpm, not nginx, bounds a request
      fastcgi_read_timeout $((terminate + 10))s;
    }$probe_locations
  }
}
EOF
}

start_nginx() {
  local d="$dir/nginx"
  nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" -t >"$d/configtest.log" 2>&1 \
    || { cat "$d/configtest.log" >&2; die "nginx configuration test failed"; }
  setsid nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" </dev/null \
    || { tail -n 20 "$d/logs/error.log" >&2; die "nginx did not start (see $d/logs/error.log)"; }
  for _ in $(seq 1 50); do [ -s "$d/nginx.pid" ] && break; sleep 0.1; done
  [ -s "$d/nginx.pid" ] || die "nginx wrote no pid file"
}

up() {
  command -v php-fpm8.2 >/dev/null || die "php-fpm8.2 is not installed (run: make deps)"
  command -v nginx >/dev/null || die "nginx is not installed (run: make deps)"
  [ -f "$ext" ] || die "extension $ext not found (build it: make release, or cargo build -p wu_runcloud)"
  ext=$(cd "$(dirname "$ext")" && pwd)/$(basename "$ext")
  case "$addr" in 127.*) ;; *) die "--addr must be a loopback address (127.x.y.z), got $addr" ;; esac
  if [ "$port" -lt 1024 ] && [ "$(id -u)" != 0 ]; then
    die "nginx must listen on port $port, which needs root (WordPress multisite network installs need port 80).
  Run as root, e.g. sudo make demo / sudo make test."
  fi

  down   # a previous run from the same DIR never survives
  check_port_free
  find "$dir" -mindepth 1 -maxdepth 1 ! -name mariadb -exec rm -rf {} +
  # Any failure from here on (die/exit or a failing command) stops what was already started.
  trap 'rc=$?; if [ $rc != 0 ]; then echo "stack: start failed; stopping what was started" >&2; down; fi' EXIT

  start_sim
  local sock; sock=$("$root/tests/lib/mariadb.sh" start "$dir/mariadb")
  write_wp_extra_config "$dir/wp-config-extra.php"
  "$root/tests/lib/wp-install.sh" --dir "$dir/wordpress" --socket "$sock" --db wu_stack \
    --domain "$domain" --mode subdomain --extra-config "$dir/wp-config-extra.php" \
    --plugin "$root/wordpress-plugin" --activate --admin-password "$admin_pw"
  if [ "$probe" = 1 ]; then
    cp "$root/tests/e2e/wu-e2e-probe.php" "$dir/wordpress/wu-e2e-probe.php"
    # e2e only: no coalescing window before a certificate order or the HTTPS check after it
    cp "$root/tests/e2e/wu-e2e-no-wait.php" "$dir/wordpress/wp-content/mu-plugins/wu-e2e-no-wait.php"
  fi
  write_php_config
  start_fpm
  write_nginx_config
  start_nginx

  cat >"$dir/stack.env" <<EOF
# Written by scripts/stack.sh up
STACK_DIR='$dir'
STACK_ADDR='$addr'
STACK_PORT='$port'
STACK_DOMAIN='$domain'
STACK_URL='http://$domain$( [ "$port" = 80 ] || echo ":$port")'
STACK_ADMIN_USER='admin'
STACK_ADMIN_PASSWORD='$admin_pw'
STACK_AUTH='$auth'
STACK_WP_DIR='$dir/wordpress'
STACK_EXT='$dir/php-fpm/wu_runcloud.so'
STACK_EXT_SOURCE='$ext'
STACK_PHP_SCAN_DIR='$dir/php-fpm/conf.d'
STACK_PHP_INI='$dir/php-fpm/php.ini'
STACK_FPM_LOG='$dir/php-fpm/php-fpm.log'
STACK_FPM_PIDFILE='$dir/php-fpm/php-fpm.pid'
STACK_FPM_CONF='$dir/php-fpm/php-fpm.conf'
STACK_NGINX_PIDFILE='$dir/nginx/nginx.pid'
STACK_MARIADB_SOCKET='$sock'
STACK_SIM_URL='$sim_url'
STACK_SIM_PID='$sim_pid'
EOF
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 up|down|status --dir DIR [options]" ;;
esac
