#!/usr/bin/env bash
# `make bench`: release build, every measurement in one run, then bench/RESULTS.md.
#   bench/run.sh           full run (< 10 minutes on 2 cores), rewrites bench/RESULTS.md
#   bench/run.sh --smoke   < 60 s: same stack and correctness checks, tiny sizes, no figures kept
# Everything it starts (simulator, latency proxy, php-fpm, MariaDB) is stopped by pid at the end,
# on failure and on Ctrl-C (bench/lib/Procs.php). Scratch files live in bench/out/ (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
smoke=0
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    *) echo "usage: bench/run.sh [--smoke]" >&2; exit 2 ;;
  esac
done

start=$SECONDS
if [ "$smoke" = 1 ] && [ -n "${WU_RUNCLOUD_EXT:-}" ] && [ -n "${RUNCLOUD_SIM_BIN:-}" ]; then
  # `make test` passes its own (debug) build; the hand-off probe is built to match.
  if [ -z "${WU_RUNCLOUD_HANDOFF_BIN:-}" ]; then
    cargo build -q -p runcloud --example handoff
    export WU_RUNCLOUD_HANDOFF_BIN="$root/target/debug/examples/handoff"
  fi
else
  echo "== cargo build --release -p wu_runcloud -p runcloud-sim; -p runcloud --example handoff"
  cargo build --release -p wu_runcloud -p runcloud-sim
  cargo build --release -p runcloud --example handoff
  export WU_RUNCLOUD_EXT="$root/target/release/libwu_runcloud.so"
  export RUNCLOUD_SIM_BIN="$root/target/release/runcloud-sim"
  export WU_RUNCLOUD_HANDOFF_BIN="$root/target/release/examples/handoff"
fi
build_s=$((SECONDS - start))

args=()
[ "$smoke" = 1 ] && args+=(--smoke)
# No conf.d: the orchestrator needs only curl and posix (pcntl is built in).
status=0
PHP_INI_SCAN_DIR= php -d extension=curl -d extension=posix bench/bench.php "${args[@]}" || status=$?
# Certificate orders per added domain under each fault (ours only).
echo "== certificate orders per added domain, under each fault (bench/issuance.php)"
mkdir -p bench/out/run
iss_out=bench/out/run/issuance.json
[ "$smoke" = 1 ] && iss_out=bench/out/issuance-smoke.json
PHP_INI_SCAN_DIR= php -d extension=curl -d extension="$WU_RUNCLOUD_EXT" bench/issuance.php "${args[@]}" "$iss_out" || status=$?
# Requests and wall time per operation for 1, 2 and 4 targets (WU_RUNCLOUD_TARGETS).
echo "== several targets: requests and wall time per operation (bench/targets.php)"
tgt_out=bench/out/run/targets.md
[ "$smoke" = 1 ] && tgt_out=bench/out/targets-smoke.md
PHP_INI_SCAN_DIR= php -d extension=curl -d extension="$WU_RUNCLOUD_EXT" bench/targets.php "${args[@]}" "$tgt_out" || status=$?
if [ "$smoke" = 0 ] && [ -f bench/out/run/results.json ]; then
  { php bench/report.php bench/out/run/results.json "$build_s" "bench/run.sh"; echo; cat "$tgt_out"; } > bench/RESULTS.md.new
  mv bench/RESULTS.md.new bench/RESULTS.md
  echo "== wrote bench/RESULTS.md ($((SECONDS - start)) s in all)"
fi
exit "$status"
