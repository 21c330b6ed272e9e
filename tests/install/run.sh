#!/usr/bin/env bash
# `make install` / `make uninstall` (scripts/install.sh) on the real Debian PHP layout, without
# touching this machine's PHP: inside a private mount namespace, /etc/php, /var/lib/php and
# PHP's extension dir are replaced by throw-away copies (bind mounts), so phpenmod, php and
# php-fpm see exactly what a production install would give them, and nothing outlives the test.
#
#   tests/install/run.sh        (root; uses WU_RUNCLOUD_EXT, default target/debug/libwu_runcloud.so)
#
# Checks: install puts wu_runcloud.so in the extension dir and mods-available/wu_runcloud.ini,
# enables it for CLI and FPM, `php -m` and `php-fpm8.2 -m` list the module; uninstall removes
# all of it; a .so PHP cannot load is refused before anything is written.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ext=${WU_RUNCLOUD_EXT:-$root/target/debug/libwu_runcloud.so}

if [ "${WU_INSTALL_TEST_INNER:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "tests/install: needs root (mount namespaces)"; exit 1; }
  [ -f "$ext" ] || { echo "tests/install: extension not built: $ext"; exit 1; }
  command -v unshare >/dev/null || { echo "tests/install: unshare (util-linux) is missing"; exit 1; }
  exec env WU_INSTALL_TEST_INNER=1 WU_RUNCLOUD_EXT="$ext" unshare --mount --propagation private "$0" "$@"
fi

passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what  (command: $*)"; fi
}

work=$(mktemp -d /tmp/wu-install-test.XXXXXX)
trap 'umount -l /etc/php /var/lib/php "$ext_dir" 2>/dev/null; rm -rf "$work"' EXIT
ext_dir=$(php-config8.2 --extension-dir)
for d in /etc/php /var/lib/php "$ext_dir"; do
  mkdir -p "$work$d" "$d"
  cp -a "$d/." "$work$d/"
  mount --bind "$work$d" "$d" || { echo "tests/install: cannot bind-mount over $d"; exit 1; }
done
# A system install from an earlier run must not make the test pass by itself.
check "no wu_runcloud before install" bash -c "! php -m | grep -qx wu_runcloud"

out=$("$root/scripts/install.sh" install "$ext" 2>&1); rc=$?
echo "$out" | sed 's/^/    install: /'
check "scripts/install.sh install exits 0" test "$rc" = 0
check "the .so is in PHP's extension dir" test -f "$ext_dir/wu_runcloud.so"
check "no temporary file is left in the extension dir" bash -c "! ls -a '$ext_dir' | grep -q '^\.wu_runcloud'"
check "mods-available/wu_runcloud.ini loads it" grep -qx "extension=wu_runcloud.so" /etc/php/8.2/mods-available/wu_runcloud.ini
check "enabled for the CLI" test -L /etc/php/8.2/cli/conf.d/20-wu_runcloud.ini
check "enabled for FPM" test -L /etc/php/8.2/fpm/conf.d/20-wu_runcloud.ini
check "php -m lists wu_runcloud" bash -c "php -m | grep -qx wu_runcloud"
check "php-fpm8.2 -m lists wu_runcloud" bash -c "php-fpm8.2 -m | grep -qx wu_runcloud"
check "php --ri shows the phpinfo section" bash -c "php --ri wu_runcloud | grep -q 'wu_runcloud.timeout'"
check "the output says to reload php-fpm" bash -c "grep -q 'reload php-fpm' <<<\"\$0\"" "$out"

out=$("$root/scripts/install.sh" uninstall 2>&1); rc=$?
echo "$out" | sed 's/^/    uninstall: /'
check "scripts/install.sh uninstall exits 0" test "$rc" = 0
check "the .so is gone" test ! -e "$ext_dir/wu_runcloud.so"
check "the ini is gone" test ! -e /etc/php/8.2/mods-available/wu_runcloud.ini
check "CLI and FPM links are gone" bash -c "! ls /etc/php/8.2/cli/conf.d /etc/php/8.2/fpm/conf.d | grep -q wu_runcloud"
check "php -m no longer lists wu_runcloud" bash -c "! php -m | grep -qx wu_runcloud"

bogus="$work/not-an-extension.so"
echo "not a shared object" >"$bogus"
out=$("$root/scripts/install.sh" install "$bogus" 2>&1); rc=$?
check "a .so PHP cannot load is refused" test "$rc" != 0
check "the refusal says why" bash -c "grep -q 'cannot load' <<<\"\$0\"" "$out"
check "nothing was installed by the refused attempt" test ! -e "$ext_dir/wu_runcloud.so"

echo "install: $passed passed, $failed failed"
[ "$failed" = 0 ]
