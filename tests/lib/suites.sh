# shellcheck shell=bash
# How a list of suites is run and counted, shared by tests/run-all.sh (`make test`) and
# tests/hardening/run.sh. Source it, then:
#
#   suites_init ONE ALL LOGDIR  ONE heads each run ("=== suite NAME: …"), ALL the last line;
#                               each suite's output is also kept in LOGDIR/NAME.log
#   run NAME COMMAND...         runs one suite (stdin /dev/null), whatever happened before
#   suites_summary              prints each result, then alone on the last line
#                               `ALL: N passed, M failed, K not run`; returns 1 if M > 0
#
# A suite passes when COMMAND exits 0. One that exits 77 could not run (it says why): it is
# counted as NOT RUN, never as passed, and does not fail the list. Anything else fails it, and
# so does a COMMAND that does not exist.

suites_init() {
  suites_one=$1 suites_all=$2 suites_logs=$3
  mkdir -p "$suites_logs"
  suites_passed=0 suites_failed=0 suites_not_run=0 suites_report=()
}

run() {
  local name=$1; shift
  local start=$SECONDS rc log="$suites_logs/$name.log"
  local shown=${log#"$PWD/"}
  echo
  echo "=== $suites_one $name: $* ==="
  if [ ! -e "$1" ] && ! command -v "$1" >/dev/null 2>&1; then
    echo "FAILED: suite script $1 does not exist" | tee "$log"
    rc=127
  else
    "$@" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
  fi
  local took=$((SECONDS - start))
  if [ "$rc" = 0 ]; then
    suites_passed=$((suites_passed + 1)); suites_report+=("PASS  $name (${took}s)")
  elif [ "$rc" = 77 ]; then
    suites_not_run=$((suites_not_run + 1)); suites_report+=("NOT RUN  $name (${took}s, log: $shown)")
  else
    suites_failed=$((suites_failed + 1)); suites_report+=("FAIL  $name (exit $rc, ${took}s, log: $shown)")
  fi
}

suites_summary() {
  echo
  echo "=== summary ==="
  printf '%s\n' "${suites_report[@]}"
  echo "$suites_all: $suites_passed passed, $suites_failed failed, $suites_not_run not run"
  [ "$suites_failed" = 0 ]
}
