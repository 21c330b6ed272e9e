#!/usr/bin/env bash
# Production install on Debian (`make install` / `make uninstall`), for every SAPI of PHP 8.2:
#
#   scripts/install.sh install target/release/libwu_runcloud.so
#   scripts/install.sh uninstall
#
# install:   copies the .so next to PHP's own extensions atomically (temp file + rename, so a
#            running php-fpm never maps a half-written file), writes mods-available/wu_runcloud.ini
#            and enables it for CLI and FPM with phpenmod, checks that the CLI loads it, and
#            says to reload php-fpm (the master loads extensions; workers inherit them).
# uninstall: phpdismod, removes the ini and the .so, and says to reload php-fpm.
# Env: PHP_VERSION (default 8.2), PHP_CONFIG (default php-config$PHP_VERSION).
set -euo pipefail

ver=${PHP_VERSION:-8.2}
php_config=${PHP_CONFIG:-php-config$ver}
mods="/etc/php/$ver/mods-available"
ini="$mods/wu_runcloud.ini"

need_root() {
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: run as root (or install sudo)" >&2; exit 1; }
    exec sudo -E "$0" "$@"
  fi
}

command -v "$php_config" >/dev/null || { echo "install.sh: $php_config not found (apt-get install php$ver-dev)" >&2; exit 1; }
ext_dir=$("$php_config" --extension-dir)

case "${1:-}" in
  install)
    so=${2:-}
    [ -f "$so" ] || { echo "install.sh: $so not found; build it first: make release" >&2; exit 1; }
    need_root "$@"
    so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")
    # Refuse a .so built for another PHP (API number / NTS-ZTS): PHP would refuse to load it.
    php -n -d "extension=$so" -r 'exit(extension_loaded("wu_runcloud") ? 0 : 1);' 2>/dev/null \
      || { echo "install.sh: php$ver cannot load $so (built for another PHP version or ZTS?)" >&2; exit 1; }
    tmp="$ext_dir/.wu_runcloud.so.new.$$"
    install -m 0644 "$so" "$tmp"
    mv -f "$tmp" "$ext_dir/wu_runcloud.so"
    cat >"$ini.new.$$" <<INI
; wu_runcloud: RunCloud API client for the wu-runcloud WordPress plugin.
; Installed by wu-runcloud's make install. Loaded in the php-fpm master (not per pool).
; priority=20
extension=wu_runcloud.so
INI
    mv -f "$ini.new.$$" "$ini"
    phpenmod -v "$ver" -s cli wu_runcloud
    [ -d "/etc/php/$ver/fpm" ] && phpenmod -v "$ver" -s fpm wu_runcloud
    enabled=$(for sapi in cli fpm; do [ -e "/etc/php/$ver/$sapi/conf.d/20-wu_runcloud.ini" ] && printf '%s ' "$sapi"; done)
    echo "Installed $ext_dir/wu_runcloud.so and $ini (enabled for: ${enabled:-nothing})."
    if php -m 2>/dev/null | grep -qx wu_runcloud; then
      echo "php (CLI) loads it: $(php -r 'echo "wu_runcloud ", wu_runcloud_version();')"
    else
      echo "WARNING: php (CLI) does not list the wu_runcloud module; check: php --ri wu_runcloud" >&2
      exit 1
    fi
    echo "Now reload php-fpm so its master loads it: systemctl reload php$ver-fpm (or kill -USR2 <master pid>)"
    ;;
  uninstall)
    need_root "$@"
    if [ -f "$ini" ]; then
      phpdismod -v "$ver" -s ALL wu_runcloud || true
      rm -f "$ini"
    fi
    rm -f "$ext_dir/wu_runcloud.so"
    echo "Removed wu_runcloud from PHP $ver. Now reload php-fpm: systemctl reload php$ver-fpm"
    ;;
  *) echo "usage: $0 install SO | uninstall" >&2; exit 2 ;;
esac
