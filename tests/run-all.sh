#!/usr/bin/env bash
# `make test`: build (debug), then every suite in order. Every suite runs even when an earlier
# one failed; a suite script that does not exist is a FAILED suite, never a skipped one. A
# suite that exits 77 could not run (it says why): it is counted as NOT RUN, never as passed.
# The last line is exactly `suites: N passed, M failed, K not run`; the exit status is 1 if
# M > 0. A not-run suite does not fail the run (its inputs, e.g. ../shared, may be absent on a
# developer's machine), but it is never reported as passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export WU_RUNCLOUD_EXT="$root/target/debug/libwu_runcloud.so"
export RUNCLOUD_SIM_BIN="$root/target/debug/runcloud-sim"
logs="$root/tests/artifacts/logs"
mkdir -p "$logs"

passed=0 failed=0 not_run=0 report=()

# run NAME COMMAND... : runs one suite, output to the terminal and to tests/artifacts/logs/NAME.log
run() {
  local name=$1; shift
  local start=$SECONDS rc
  echo
  echo "=== suite $name: $* ==="
  if [ ! -e "$1" ] && ! command -v "$1" >/dev/null 2>&1; then
    echo "FAILED: suite script $1 does not exist" | tee "$logs/$name.log"
    rc=127
  else
    "$@" </dev/null 2>&1 | tee "$logs/$name.log"
    rc=${PIPESTATUS[0]}
  fi
  local took=$((SECONDS - start))
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); report+=("PASS  $name (${took}s)")
  elif [ "$rc" = 77 ]; then
    not_run=$((not_run + 1)); report+=("NOT RUN  $name (${took}s, log: tests/artifacts/logs/$name.log)")
  else
    failed=$((failed + 1)); report+=("FAIL  $name (exit $rc, ${took}s, log: tests/artifacts/logs/$name.log)")
  fi
}

run build     cargo build -p wu_runcloud -p runcloud-sim
run rust      cargo test --workspace
run lint      tests/lint/run.sh
run stubs     tests/php/check-stubs.sh
run build-rs  tests/dist/build-rs.sh
run php       tests/php/run.sh
run wordpress tests/wordpress/run.sh
run um-compat tests/wordpress/run.sh um-signatures um-compat
run php84     tests/php84/run.sh
run php84-um-compat tests/php84/run.sh um-signatures um-compat
run e2e       tests/e2e/run.sh
run install   tests/install/run.sh
run dist      tests/dist/run.sh
run hardening tests/hardening/run.sh
run fuzz      fuzz/run.sh
run bench     bench/run.sh --smoke

echo
echo "=== summary ==="
printf '%s\n' "${report[@]}"
echo "suites: $passed passed, $failed failed, $not_run not run"
[ "$failed" = 0 ]
