#!/usr/bin/env bash
# Fails (with the diff) when php-stubs/wu_runcloud.stubs.php is not what `cargo php stubs`
# generates from the current Rust doc comments. Regenerate with:
#   cargo php stubs --manifest Cargo.toml -o php-stubs/wu_runcloud.stubs.php
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
committed=php-stubs/wu_runcloud.stubs.php

if ! cargo php --help >/dev/null 2>&1; then
  echo "check-stubs: cargo-php is missing; installing cargo-php 0.2.2 (matches ext-php-rs 0.16.4)" >&2
  cargo install cargo-php --version 0.2.2 --locked
fi
if [ ! -f "$committed" ]; then
  echo "check-stubs: FAIL: $committed does not exist" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo php stubs --manifest Cargo.toml -o "$tmp/wu_runcloud.stubs.php"

if diff -u "$committed" "$tmp/wu_runcloud.stubs.php"; then
  echo "check-stubs: OK: $committed matches the Rust doc comments"
else
  echo "check-stubs: FAIL: $committed is out of date (diff above: - committed, + generated)." >&2
  echo "Regenerate: cargo php stubs --manifest Cargo.toml -o $committed" >&2
  exit 1
fi
