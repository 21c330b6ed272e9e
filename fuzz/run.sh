#!/usr/bin/env bash
# Bounded fuzzing run for CI (`make test`): builds the cargo-fuzz targets and runs each for
# FUZZ_SECONDS (default 20) from the committed corpus (fuzz/corpus/<target>, read-only here;
# new inputs go to a temp dir). Any crash, panic, leak or timeout fails the suite; its input
# is copied to tests/artifacts/fuzz/. Last line: `fuzz: N targets, E executions, C crashes`.
#
# cargo-fuzz needs nightly flags (-Zsanitizer=address); only the stable toolchain is
# installed, so RUSTC_BOOTSTRAP=1 lets stable rustc accept them (see fuzz/README.md).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
seconds=${FUZZ_SECONDS:-20}
targets=(${FUZZ_TARGETS:-domain_name pagination error_body responses})
art="$root/tests/artifacts/fuzz"
rm -rf "$art"
mkdir -p "$art"
export RUSTC_BOOTSTRAP=1
# Build output under the repository's one target/ directory (sanitizer flags keep it apart).
target_dir="$root/target/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz 0.13.2 from crates.io"
  cargo install cargo-fuzz --version 0.13.2 --locked || { echo "FAILED: could not install cargo-fuzz"; exit 1; }
fi
if ! cargo fuzz build -O --target-dir "$target_dir" > "$art/build.log" 2>&1; then
  tail -40 "$art/build.log"
  echo "FAILED: cargo fuzz build (log: tests/artifacts/fuzz/build.log)"
  exit 1
fi

total=0 crashes=0 failed=()
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cargo fuzz run -O --target-dir "$target_dir" "$t" "$work" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art/$t-" > "$art/$t.log" 2>&1
  rc=$?
  rm -rf "$work"
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$art/$t.log" | awk '{print $2}' | tail -1)
  execs=${execs:-0}
  total=$((total + execs))
  if [ "$rc" != 0 ]; then
    crashes=$((crashes + 1)); failed+=("$t")
    grep -E -A12 'panicked|ERROR: libFuzzer|SUMMARY' "$art/$t.log" | head -30
    echo "FAIL  $t: exit $rc after $execs executions; input(s): $(ls "$art" | grep "^$t-" | tr '\n' ' ')"
    echo "      reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O --target-dir ../target/fuzz $t <input>"
  else
    echo "PASS  $t: $execs executions in ${seconds}s, no crash (corpus: $(ls "corpus/$t" | wc -l) seeds)"
  fi
done
echo "fuzz: ${#targets[@]} targets, $total executions, $crashes crashes" | tee "$art/summary.txt"
[ "$crashes" = 0 ]
