#!/usr/bin/env bash
# A private MariaDB server for tests and the demo: its own data dir, unix socket and pid file
# under DIR, no TCP port, root without password (reachable only through the socket).
#
#   tests/lib/mariadb.sh start DIR   # initialises DIR/data on first use, starts, waits until ready
#   tests/lib/mariadb.sh stop DIR    # stops the server started from DIR, by its pid
#   tests/lib/mariadb.sh socket DIR  # prints the socket path (DIR/mysqld.sock)
#
# Clients: `mariadb --socket=DIR/mysqld.sock -uroot`; WordPress: DB_HOST 'localhost:DIR/mysqld.sock'.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|socket DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"

# Running = the pid file names a live mariadbd (a stale file may name an unrelated process).
running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ]
}

case "$cmd" in
  socket) echo "$sock" ;;
  start)
    if running; then echo "$sock"; exit 0; fi
    if [ ! -d "$dir/data/mysql" ]; then
      mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
        || { echo "mariadb-install-db failed, see $dir/install.log" >&2; tail -n 20 "$dir/install.log" >&2; exit 1; }
    fi
    # --no-defaults: never read /etc/mysql, so the system instance's settings cannot leak in.
    mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --pid-file="$pidfile" \
      --skip-networking --user=root --log-error="$dir/error.log" \
      --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
      >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
      if [ -S "$sock" ] && mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
        echo "$sock"; exit 0
      fi
      sleep 0.1
    done
    echo "MariaDB did not become ready in 30 s; last lines of $dir/error.log:" >&2
    tail -n 20 "$dir/error.log" >&2 || true
    exit 1
    ;;
  stop)
    running || exit 0
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "MariaDB (pid $pid) did not stop in 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop|socket DIR" >&2; exit 2 ;;
esac
