#!/usr/bin/env bash
# A Debian 13 "trixie" root (PHP 8.4, WordPress 6.8, MariaDB, PHPUnit, clang) under .data/, made
# with mmdebstrap from Debian's archive and entered with unshare + chroot: the second PHP and
# WordPress that `make test` and `make dist` use. No container registry needed.
#
#   scripts/php84-root.sh ensure        create the root unless a complete one with the same
#                                       package list exists; prints its path
#   scripts/php84-root.sh run CMD...    run CMD inside the root (creates it first if needed)
#   scripts/php84-root.sh build         release build of the extension for PHP 8.4 inside the
#                                       root; prints the .so's path
#
# The root is cached in .data/php84-root/ and rebuilt only when the stamp written last inside it
# (a hash of suite, mirror, variant, package list and /etc/hosts) differs or is missing, so an interrupted
# creation is never reused. Creation goes to a temporary directory renamed into place.
#
# Inside: private mount, PID and network namespaces (only `lo`, so nothing reaches the outside
# and every process started inside dies with the command); the repository, ../shared (read-only)
# and the Rust toolchain (CARGO_HOME read-write for its registry cache, RUSTUP_HOME read-only)
# are bind-mounted at their own paths; /tmp is a fresh tmpfs. Needs root.
#
# Env: WU_PHP84_ROOT (default <repo>/.data/php84-root), WU_DEBIAN_MIRROR
# (default http://deb.debian.org/debian).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${WU_PHP84_ROOT:-$repo/.data/php84-root}
mirror=${WU_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
variant=apt
packages=(
  php8.4-cli php8.4-dev php8.4-mysql php8.4-curl php8.4-xml php8.4-mbstring
  phpunit wordpress mariadb-server mariadb-client
  clang libclang-dev build-essential pkg-config
  binutils procps curl
)
stamp_file=.wu-php84-root
# MariaDB's installer needs `localhost` to resolve; mmdebstrap writes no /etc/hosts.
hosts_hook='printf "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" >"$1/etc/hosts"'

die() { echo "php84-root: $*" >&2; exit 1; }

stamp() {
  printf '%s\n' "$suite" "$mirror" "$variant" "$hosts_hook" "${packages[@]}" | sort | sha256sum | cut -d' ' -f1
}

complete() { [ -f "$root/$stamp_file" ] && [ "$(cat "$root/$stamp_file")" = "$(stamp)" ]; }

ensure() {
  complete && return 0
  [ "$(id -u)" = 0 ] || die "creating the Debian 13 root needs root (mmdebstrap --mode=root, chroot)"
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: make deps"
  local tmp="$root.new.$$" start=$SECONDS
  mkdir -p "$(dirname "$root")"
  rm -rf "$tmp"
  echo "php84-root: creating Debian $suite in $root (${#packages[@]} packages from $mirror); cached for later runs" >&2
  # WordPress depends on "apache2 | httpd": nothing runs a web server in the root, but
  # policy-rc.d (mmdebstrap's default in root mode) keeps any service from starting.
  mmdebstrap --mode=root --variant="$variant" --components=main \
    --include="$(IFS=,; echo "${packages[*]}")" \
    --customize-hook="$hosts_hook" --aptopt='Acquire::Retries "3"' --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    "$suite" "$tmp" "$mirror" >&2 \
    || { rm -rf "$tmp"; die "mmdebstrap failed (is $mirror reachable?)"; }
  stamp >"$tmp/$stamp_file"
  if [ -e "$root" ]; then rm -rf "$root.old"; mv "$root" "$root.old"; fi
  mv "$tmp" "$root"
  rm -rf "$root.old"
  echo "php84-root: created in $((SECONDS - start)) s ($(du -sh "$root" | cut -f1))" >&2
}

# run_inside CMD...: the namespaces and mounts described above, then CMD as root in the chroot.
run_inside() {
  [ "$(id -u)" = 0 ] || die "entering the root needs root (unshare, chroot)"
  local cargo rustup_home cargo_home shared
  cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
  [ -x "$cargo" ] || die "cargo not found (install Rust with rustup)"
  cargo_home=${CARGO_HOME:-$HOME/.cargo}
  rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
  shared=$(cd "$repo/.." && pwd)/shared
  [ -d "$shared" ] || shared=
  unshare --mount --pid --net --fork --propagation private -- env \
    WU_ROOT="$root" WU_REPO="$repo" WU_SHARED="$shared" WU_CARGO_HOME="$cargo_home" \
    WU_RUSTUP_HOME="$rustup_home" WU_CARGO_BIN="$(dirname "$cargo")" \
    bash -euo pipefail -c '
      ip link set lo up
      bind() { mkdir -p "$WU_ROOT$2"; mount --rbind "$1" "$WU_ROOT$2"; }
      mount -t proc proc "$WU_ROOT/proc"
      bind /dev /dev
      mount -t tmpfs -o mode=1777 tmpfs "$WU_ROOT/tmp"
      bind "$WU_REPO" "$WU_REPO"
      bind "$WU_CARGO_HOME" "$WU_CARGO_HOME"
      bind "$WU_RUSTUP_HOME" "$WU_RUSTUP_HOME"
      mount -o remount,bind,ro "$WU_ROOT$WU_RUSTUP_HOME"
      if [ -n "$WU_SHARED" ]; then bind "$WU_SHARED" "$WU_SHARED"; mount -o remount,bind,ro "$WU_ROOT$WU_SHARED"; fi
      cd "$WU_REPO"
      exec chroot "$WU_ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
        PATH="$WU_CARGO_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        CARGO_HOME="$WU_CARGO_HOME" RUSTUP_HOME="$WU_RUSTUP_HOME" CARGO_NET_OFFLINE=true \
        WU_RUNCLOUD_EXT="${WU_RUNCLOUD_EXT:-}" RUNCLOUD_SIM_BIN="${RUNCLOUD_SIM_BIN:-}" \
        WU_UM_FRAMEWORKS="${WU_UM_FRAMEWORKS:-}" \
        /bin/bash -c "cd \"\$1\" && shift && exec \"\$@\"" - "$WU_REPO" "$@"
    ' - "$@"
}

case "${1:-}" in
  ensure) ensure; echo "$root" ;;
  run) shift; [ $# -gt 0 ] || die "usage: $0 run CMD..."; ensure; run_inside "$@" ;;
  build)
    ensure
    # Its own target dir: a build for another PHP or glibc must never reuse these artefacts.
    run_inside scripts/build-ext.sh --php-config /usr/bin/php-config8.4 --target-dir target/trixie-php8.4 >&2
    echo "$repo/target/trixie-php8.4/release/libwu_runcloud.so"
    ;;
  *) echo "usage: $0 ensure | run CMD... | build" >&2; exit 2 ;;
esac
