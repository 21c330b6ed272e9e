#!/usr/bin/env bash
# Release build of the extension for one PHP, named by its php-config:
#
#   scripts/build-ext.sh --php-config PATH [--target-dir DIR]     prints the .so's path
#
# PHP_CONFIG and PHP (`php-config --php-binary`) name the same installation, as build.rs
# requires; PATH is fixed, because ext-php-rs and build.rs rebuild whenever PHP, PHP_CONFIG or
# PATH differ from the last build in that target dir. Default target dir: target/php<X.Y>, one
# per PHP minor version, so builds for different PHPs never reuse each other's artefacts.
# Everything but the path goes to stderr. Run as the user who owns the checkout, not as root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
php_config= target_dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --php-config) php_config=$2; shift 2 ;;
    --target-dir) target_dir=$2; shift 2 ;;
    *) echo "build-ext.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$php_config" ] || { echo "usage: $0 --php-config PATH [--target-dir DIR]" >&2; exit 2; }
[ -x "$php_config" ] || { echo "build-ext.sh: $php_config is not an executable php-config" >&2; exit 1; }
php_config=$(readlink -f "$php_config")
php=$("$php_config" --php-binary)
minor=$("$php_config" --version | cut -d. -f1,2)
target_dir=${target_dir:-target/php$minor}
case "$target_dir" in /*) ;; *) target_dir=$repo/$target_dir ;; esac

cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
[ -x "$cargo" ] || { echo "build-ext.sh: cargo not found; install Rust >= 1.85 with rustup (https://rustup.rs)" >&2; exit 1; }

echo "build-ext.sh: building wu_runcloud (release) for PHP $minor with $php_config into $target_dir" >&2
(cd "$repo" && env PHP_CONFIG="$php_config" PHP="$php" CARGO_TARGET_DIR="$target_dir" \
  PATH="$(dirname "$cargo"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  "$cargo" build --release --locked -p wu_runcloud >&2)
echo "$target_dir/release/libwu_runcloud.so"
