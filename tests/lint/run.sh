#!/usr/bin/env bash
# The `lint` suite of `make test`: every check runs even when an earlier one failed.
#   rustfmt   cargo fmt --check on the workspace and on fuzz/ (its own workspace)
#   clippy    cargo clippy --workspace --all-targets -- -D warnings
#   php -l    every PHP file git tracks
# Last line: `lint: N passed, M failed`; exit 1 if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

passed=0 failed=0 report=()
check() {
  local name=$1; shift
  echo "--- lint/$name: $*"
  if "$@"; then
    passed=$((passed + 1)); report+=("PASS  $name")
  else
    failed=$((failed + 1)); report+=("FAIL  $name")
  fi
}

php_lint() {
  local files bad=0
  mapfile -d '' files < <(git ls-files -z -- '*.php')
  if [ "${#files[@]}" = 0 ]; then
    echo "no tracked PHP file found (not a git checkout?)"
    return 1
  fi
  for f in "${files[@]}"; do
    out=$(php -n -l "$f" 2>&1) || { echo "$out"; bad=$((bad + 1)); }
  done
  echo "php -l: ${#files[@]} files, $bad with errors"
  [ "$bad" = 0 ]
}

check rustfmt      cargo fmt --all --check
check rustfmt-fuzz cargo fmt --manifest-path fuzz/Cargo.toml --check
check clippy       cargo clippy --workspace --all-targets -- -D warnings
check php-l        php_lint

printf '%s\n' "${report[@]}"
echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
