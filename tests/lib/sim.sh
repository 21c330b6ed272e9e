#!/usr/bin/env bash
# The RunCloud simulator (tests/runcloud-sim) for the tests, the demo and the benchmarks: the
# one way to start and stop it (PHP: tests/lib/php/SimProcess.php calls this script).
#
#   tests/lib/sim.sh start DIR [SIM_ARGS...]  starts it on 127.0.0.1:0, waits for its start line,
#                                             prints its URL
#   tests/lib/sim.sh stop DIR                 stops the one started from DIR, by its pid
#   tests/lib/sim.sh info DIR [KEY]           its start line ({"url","ca_file","pid","dns","https_port",
#                                             "sites_ca_file"}), or one key
#   tests/lib/sim.sh call DIR METHOD PATH [JSON]
#                                             its control API (/_sim/PATH, see its README): prints
#                                             the answer; fails on anything but 2xx
#
# The binary is RUNCLOUD_SIM_BIN (default target/debug/runcloud-sim of this checkout). DIR gets
# stdout.log (the start line first), stderr.log and sim.pid. SIM_DETACH=1 starts it in a
# session of its own, so it outlives the shell that started it (the demo); it is stopped by
# pid all the same.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
usage="usage: $0 start DIR [SIM_ARGS...] | stop DIR | info DIR [KEY] | call DIR METHOD PATH [JSON]"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "$usage" >&2; exit 2; }
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${RUNCLOUD_SIM_BIN:-$root/target/debug/runcloud-sim}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/sim.pid"

# Running = the pid file names a live runcloud-sim (a stale file may name an unrelated process).
running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = runcloud-sim ]
}

# field KEY: one value of the start line, '' for null (the JSON is the simulator's own: flat,
# nothing to unescape)
field() {
  head -n 1 "$dir/stdout.log" 2>/dev/null | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | sed '/^null$/d'
}

case "$cmd" in
  info)
    if [ -n "${1:-}" ]; then field "$1"; else head -n 1 "$dir/stdout.log"; fi ;;
  start)
    if running; then field url; exit 0; fi
    [ -x "$bin" ] || { echo "sim.sh: simulator binary $bin not found (build it: cargo build -p runcloud-sim)" >&2; exit 1; }
    rm -f "$pidfile"
    launch=()
    [ "${SIM_DETACH:-0}" = 1 ] && launch=(setsid)
    "${launch[@]}" "$bin" --listen 127.0.0.1:0 "$@" >"$dir/stdout.log" 2>"$dir/stderr.log" </dev/null &
    launcher=$!
    for _ in $(seq 1 100); do
      [ -n "$(field pid)" ] && break
      kill -0 "$launcher" 2>/dev/null || break
      sleep 0.1
    done
    url=$(field url) pid=$(field pid)
    if [ -z "$url" ] || [ -z "$pid" ]; then
      echo "sim.sh: $bin printed no start line {url,ca_file,pid} within 10 s; stderr:" >&2
      tail -n 20 "$dir/stderr.log" >&2 || true
      kill -TERM "$launcher" 2>/dev/null || true
      exit 1
    fi
    echo "$pid" >"$pidfile"
    echo "$url"
    ;;
  stop)
    running || { rm -f "$pidfile"; exit 0; }
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; exit 0; }; sleep 0.1; done
    echo "sim.sh: the simulator (pid $pid) did not stop in 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    ;;
  call)
    [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
    url=$(field url)
    [ -n "$url" ] || { echo "sim.sh: no simulator was started from $dir" >&2; exit 1; }
    ca=$(field ca_file)
    curl -fsS --noproxy '*' ${ca:+--cacert "$ca"} -X "$1" -H 'Content-Type: application/json' \
      ${3:+--data "$3"} "$url/_sim/${2#/}"
    ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
