#!/usr/bin/env bash
# Installs only what is missing, idempotently (used by `make deps|test|demo|install` and .ci/run):
#  - Debian 12 packages (one `apt-get update`, then one `apt-get install`, only if any is missing);
#  - cargo-php 0.2.2 (stub generation / drift check) from crates.io;
#  - playwright-core for the browser test, pinned by tests/e2e/package-lock.json (npm ci).
# Debian starts nginx / MariaDB / php-fpm services on install; our stack never uses them, and a
# system nginx on port 80 would block the demo, so services are kept from starting during our
# install (temporary policy-rc.d, removed afterwards).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  php8.2-cli php8.2-dev php8.2-fpm php8.2-mysql php8.2-curl php8.2-xml php8.2-mbstring
  clang libclang-dev build-essential pkg-config
  mariadb-server mariadb-client nginx wordpress
  chromium chromium-driver phpunit
  curl ca-certificates procps iproute2 python3
  valgrind strace
  mmdebstrap zip unzip binutils
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

# Node.js >= 18 with npm (Debian's nodejs + npm, or an existing install that bundles npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing missing Debian packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, written by wu-runcloud scripts/deps.sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  cleanup() { if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup EXIT
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # WordPress depends on "apache2 | httpd" and, through php, on "libapache2-mod-php | php-fpm":
  # installing nginx and php8.2-fpm first satisfies both, so apt does not pull in Apache (which
  # would otherwise hold port 80 after the next boot).
  first=() later=()
  for p in "${missing[@]}"; do if [ "$p" = wordpress ]; then later+=("$p"); else first+=("$p"); fi; done
  for batch in first later; do
    declare -n pkgs=$batch
    [ ${#pkgs[@]} -gt 0 ] || continue
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" </dev/null
  done
  cleanup; trap - EXIT
fi

# Rust: edition 2024 needs rustc >= 1.85, newer than Debian 12's own rustc, so it comes from rustup.
if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  echo "deps: cargo not found. Install Rust >= 1.85 with rustup (https://rustup.rs), then re-run." >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "$rust_minor" -lt 85 ]; then
  echo "deps: $(rustc --version) is too old; this workspace uses edition 2024 (rustc >= 1.85). Run: rustup update stable" >&2
  exit 1
fi

if ! cargo php --version 2>/dev/null | grep -q '0\.2\.2'; then
  echo "deps: installing cargo-php 0.2.2 (crates.io)"
  cargo install cargo-php --version 0.2.2 --locked --quiet
fi

# playwright-core drives Debian's chromium; it never downloads a browser of its own.
e2e="$root/tests/e2e"
if [ -f "$e2e/package-lock.json" ]; then
  stamp="$e2e/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$e2e/package-lock.json" -nt "$stamp" ]; then
    echo "deps: npm ci in tests/e2e"
    (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
