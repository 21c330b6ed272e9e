#!/usr/bin/env bash
# The `lint` suite of `make test`: every check runs even when an earlier one failed.
#   rustfmt   cargo fmt --check on the workspace and on fuzz/ (its own workspace)
#   clippy    cargo clippy --workspace --all-targets -- -D warnings
#   php -l    every PHP file git tracks
# Counted by tests/lib/suites.sh: the last line is `lint: N passed, M failed, K not run`; exit 1
# if any failed. Each check's output is also in tests/artifacts/lint/.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

# shellcheck source=tests/lib/suites.sh
. tests/lib/suites.sh
suites_init lint lint "$root/tests/artifacts/lint"

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

run rustfmt      cargo fmt --all --check
run rustfmt-fuzz cargo fmt --manifest-path fuzz/Cargo.toml --check
run clippy       cargo clippy --workspace --all-targets -- -D warnings
run php-l        php_lint

suites_summary
