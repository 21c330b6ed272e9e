#!/usr/bin/env bash
# `make install` / `make uninstall` (scripts/install.sh) for real, on the two layouts they know,
# without touching this machine: everything runs in a throw-away copy-on-write view of / (an
# overlay whose writes go to a tmpfs) in private mount, PID and network namespaces; only the
# repository is bind-mounted through, so the release build persists.
#
#   tests/install/run.sh      (root)
#
# Inside that view:
#  - Debian layout: the machine's PHP 8.2 (/etc/php/8.2, phpenmod, php-fpm8.2).
#  - RunCloud layout made from the same PHP, as RunCloud's builds lay it out (README
#    "Installing on a production server" gives the sources): /RunCloud/Packages/php82rc/
#    bin/php, bin/php-config, sbin/php-fpm, include/php, lib/php/extensions/
#    no-debug-non-zts-<API>/, and /etc/php82rc/{php.ini,conf.d/,fpm.conf,fpm.d/}. bin/php and
#    sbin/php-fpm are Debian's binaries started with RunCloud's ini paths (-c, PHP_INI_SCAN_DIR),
#    php-config is Debian's with RunCloud's prefix and paths. Its php-fpm runs before the
#    install and is asked over FastCGI (tests/install/fpm-probe.php) whether its workers have
#    the module, before and after the reload command the install prints.
#
# Checks: install for one PHP (PHP_CONFIG) touches only that one; install for all PHPs puts the
# .so in each extension dir (no temporary file left), enables it (mods-available + phpenmod
# links; RunCloud conf.d), CLI and FPM list it, the running php-fpm's workers have it after a
# reload, the output names each FPM service's exact reload command; a .so built for PHP 8.4
# (tests/php84's) is refused naming both versions, a file PHP cannot load is refused, a PHP
# without php-config is refused, each before anything changes; uninstall removes all of it.
# Exit 77 (not run) only when the PHP 8.4 build for the cross-version check cannot be made
# (the Debian 13 root cannot be created) and everything else passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${WU_INSTALL_TEST_INNER:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "tests/install: needs root (namespaces, overlay mount)"; exit 1; }
  command -v unshare >/dev/null || { echo "tests/install: unshare (util-linux) is missing"; exit 1; }
  so84=$("$root/scripts/php84-root.sh" build) || so84=
  work=$(mktemp -d /tmp/wu-install-test.XXXXXX)
  unshare --mount --pid --net --fork --propagation private -- env WU_WORK="$work" WU_REPO="$root" \
    WU_SO84="$so84" SELF="$root/tests/install/run.sh" bash -euo pipefail -c '
      ip link set lo up
      mount -t tmpfs tmpfs "$WU_WORK"
      mkdir "$WU_WORK/upper" "$WU_WORK/work" "$WU_WORK/root"
      mount -t overlay overlay -o "lowerdir=/,upperdir=$WU_WORK/upper,workdir=$WU_WORK/work" "$WU_WORK/root"
      r=$WU_WORK/root
      mount -t proc proc "$r/proc"
      mount --rbind /dev "$r/dev"
      mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
      mount -t tmpfs tmpfs "$r/run"
      mkdir -p "$r$WU_REPO"
      mount --bind "$WU_REPO" "$r$WU_REPO"
      exec chroot "$r" env WU_INSTALL_TEST_INNER=1 CARGO_NET_OFFLINE=true WU_SO84="$WU_SO84" "$SELF"
    '
  rc=$?
  rmdir "$work" 2>/dev/null
  exit $rc
fi

cd "$root"
passed=0 failed=0 not_run=()
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what  (command: $*)"; fi
}
has() { grep -qF -- "$2" <<<"$1"; } # has TEXT FRAGMENT
show() { sed "s/^/    $1: /" <<<"$2"; }

api=$(php-config8.2 --phpapi)
deb_ext=$(php-config8.2 --extension-dir)
rc_dir=/RunCloud/Packages/php82rc
rc_etc=/etc/php82rc
rc_ext=$rc_dir/lib/php/extensions/no-debug-non-zts-$api
rc_config=$rc_dir/bin/php-config
rc_ini=$rc_etc/conf.d/20-wu_runcloud.ini
deb_ini=/etc/php/8.2/mods-available/wu_runcloud.ini
sock=/run/php82rc-app.sock
probe=/srv/wu-probe.php

# ---- a RunCloud php82rc made from the machine's PHP 8.2 ---------------------------------------
mkdir -p "$rc_dir/bin" "$rc_dir/sbin" "$rc_dir/include" "$rc_ext" "$rc_etc/conf.d" "$rc_etc/fpm.d" /srv
cp -a "/usr/include/php/$api" "$rc_dir/include/php"
cp -a "$deb_ext/." "$rc_ext/"
for bin in bin/php:/usr/bin/php8.2 sbin/php-fpm:/usr/sbin/php-fpm8.2; do
  printf '#!/bin/sh\n# php82rc for tests/install: Debian'\''s binary with the ini paths of RunCloud'\''s build\nPHP_INI_SCAN_DIR=%s exec %s -c %s "$@"\n' \
    "$rc_etc/conf.d" "${bin#*:}" "$rc_etc/php.ini" >"$rc_dir/${bin%%:*}"
  chmod 0755 "$rc_dir/${bin%%:*}"
done
sed -e "s|^prefix=\"/usr\"|prefix=\"$rc_dir\"|" \
    -e "s|^include_dir=.*|include_dir=\"\${prefix}/include/php\"|" \
    -e "s|^extension_dir=.*|extension_dir=\"$rc_ext\"|" \
    -e 's|^program_suffix="8.2"|program_suffix=""|' \
    -e "s|^php_sapis=\$(dpkg-query.*|php_sapis=\"cli fpm\"|" \
    -e "s|/etc/php/8.2/cli/conf.d|$rc_etc/conf.d|g" -e "s|/etc/php/8.2/cli|$rc_etc|g" \
    -e "s|'--prefix=/usr'|'--prefix=$rc_dir'|" /usr/bin/php-config8.2 >"$rc_config"
chmod 0755 "$rc_config"
{ cat /usr/lib/php/8.2/php.ini-production; echo "extension_dir = \"$rc_ext\""; } >"$rc_etc/php.ini"
cp -L /etc/php/8.2/fpm/conf.d/*.ini "$rc_etc/conf.d/"
printf '[global]\npid = /run/php82rc-fpm.pid\nerror_log = /tmp/php82rc-fpm.log\ninclude = %s/fpm.d/*.conf\n' "$rc_etc" >"$rc_etc/fpm.conf"
printf '[app]\nuser = nobody\ngroup = nogroup\nlisten = %s\nlisten.mode = 0666\npm = static\npm.max_children = 2\ncatch_workers_output = yes\n' "$sock" >"$rc_etc/fpm.d/app.conf"
cp tests/install/fpm-probe.php "$probe"
chmod 0644 "$probe"

check "the RunCloud php-config describes php82rc" bash -c "[ \"\$($rc_config --php-binary)\" = $rc_dir/bin/php ] && [ \"\$($rc_config --extension-dir)\" = $rc_ext ] && [ \"\$($rc_config --ini-dir)\" = $rc_etc/conf.d ]"
check "php82rc reads RunCloud's conf.d" bash -c "$rc_dir/bin/php --ini | grep -q 'Scan for additional .ini files in: $rc_etc/conf.d'"

"$rc_dir/sbin/php-fpm" --fpm-config "$rc_etc/fpm.conf" --nodaemonize &
fpm=$!
trap 'kill -QUIT "$fpm" 2>/dev/null; wait "$fpm" 2>/dev/null' EXIT
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done

# The module as one of php82rc-fpm's workers sees it: {"pid":…,"loaded":…,"version":…,"build":…}
ask() { php -n tests/install/fpm-probe.php "$sock" "$probe"; }
# What `systemctl reload php82rc-fpm` does (ExecReload: SIGUSR2 to the master); waits for the
# new workers.
reload_fpm() {
  local old now p stale
  old=" $(pgrep -P "$fpm" | tr '\n' ' ')"
  kill -USR2 "$fpm" || return 1
  for _ in $(seq 1 100); do
    sleep 0.1
    now=$(pgrep -P "$fpm" | tr '\n' ' ')
    [ -n "$now" ] && [ -S "$sock" ] || continue
    stale=0
    for p in $now; do [[ "$old" == *" $p "* ]] && stale=1; done
    [ $stale = 0 ] && return 0
  done
  return 1
}
sum() { sha256sum "$@" 2>/dev/null; }

check "php82rc-fpm answers over FastCGI, without the module" bash -c "php -n tests/install/fpm-probe.php $sock $probe | grep -q '\"loaded\":false'"
check "no wu_runcloud in either PHP before install" bash -c "! php -m | grep -qx wu_runcloud && ! $rc_dir/bin/php -m | grep -qx wu_runcloud"

# ---- make install PHP_CONFIG=<RunCloud php-config>: that PHP only ------------------------------
out=$(make -s install PHP_CONFIG="$rc_config" 2>&1); rc=$?
show "install php82rc" "$(grep -v '^ *Compiling\|^ *Finished\|^ *Running' <<<"$out")"
check "make install PHP_CONFIG=php82rc exits 0" test "$rc" = 0
check "php82rc: the .so is in its extension dir" test -f "$rc_ext/wu_runcloud.so"
check "php82rc: enabled by $rc_ini" grep -qx "extension=wu_runcloud.so" "$rc_ini"
check "php82rc: built with its own php-config" has "$out" "with $rc_config"
check "php82rc: its CLI lists wu_runcloud" bash -c "$rc_dir/bin/php -m | grep -qx wu_runcloud"
check "php82rc: its CLI says which PHP the .so was built for" bash -c "$rc_dir/bin/php --ri wu_runcloud | grep -qx 'build => built for PHP 8.2 (API $api)'"
check "the Debian PHP was not touched" bash -c "[ ! -e '$deb_ext/wu_runcloud.so' ] && [ ! -e '$deb_ini' ] && ! php -m | grep -qx wu_runcloud"
check "the output gives php82rc-fpm's exact reload command" has "$out" "  systemctl reload php82rc-fpm"
check "and no other" bash -c "! grep -q 'systemctl reload php8.2-fpm' <<<\"\$0\"" "$out"
check "the running php82rc-fpm's workers do not have it before the reload" bash -c "php -n tests/install/fpm-probe.php $sock $probe | grep -q '\"loaded\":false'"
check "php82rc-fpm reloads (SIGUSR2, as systemctl reload does)" reload_fpm
answer=$(ask)
show "php82rc-fpm worker" "$answer"
check "after the reload its workers have the module" has "$answer" '"loaded":true'
check "and run it: wu_runcloud_version() answers" has "$answer" "\"version\":\"$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)\""
check "the workers' module was built for this PHP" has "$answer" "\"build\":\"built for PHP 8.2 (API $api)\""

out=$(make -s uninstall PHP_CONFIG="$rc_config" 2>&1); rc=$?
show "uninstall php82rc" "$out"
check "make uninstall PHP_CONFIG=php82rc exits 0" test "$rc" = 0
check "php82rc: the .so and its ini are gone" bash -c "[ ! -e '$rc_ext/wu_runcloud.so' ] && [ ! -e '$rc_ini' ]"
check "the uninstall output gives php82rc-fpm's reload command" has "$out" "  systemctl reload php82rc-fpm"
reload_fpm
check "after the reload php82rc-fpm's workers no longer have it" bash -c "php -n tests/install/fpm-probe.php $sock $probe | grep -q '\"loaded\":false'"

# ---- make install: every PHP found -------------------------------------------------------------
out=$(make -s install 2>&1); rc=$?
show "install" "$(grep -v '^ *Compiling\|^ *Finished\|^ *Running' <<<"$out")"
check "make install exits 0" test "$rc" = 0
check "Debian: the .so is in PHP's extension dir" test -f "$deb_ext/wu_runcloud.so"
check "RunCloud: the .so is in php82rc's extension dir" test -f "$rc_ext/wu_runcloud.so"
check "no temporary file is left in either extension dir" bash -c "! ls -a '$deb_ext' '$rc_ext' | grep -q '^\.wu_runcloud'"
check "Debian: mods-available/wu_runcloud.ini loads it" grep -qx "extension=wu_runcloud.so" "$deb_ini"
check "Debian: enabled for the CLI" test -L /etc/php/8.2/cli/conf.d/20-wu_runcloud.ini
check "Debian: enabled for FPM" test -L /etc/php/8.2/fpm/conf.d/20-wu_runcloud.ini
check "Debian: php -m lists wu_runcloud" bash -c "php -m | grep -qx wu_runcloud"
check "Debian: php-fpm8.2 -m lists wu_runcloud" bash -c "php-fpm8.2 -m | grep -qx wu_runcloud"
check "Debian: php --ri shows the phpinfo section" bash -c "php --ri wu_runcloud | grep -q 'wu_runcloud.timeout'"
check "RunCloud: enabled by its conf.d, CLI and FPM list it" bash -c "grep -qx extension=wu_runcloud.so '$rc_ini' && $rc_dir/bin/php -m | grep -qx wu_runcloud && $rc_dir/sbin/php-fpm -m | grep -qx wu_runcloud"
check "the output gives both exact reload commands" bash -c "grep -qx '  systemctl reload php8.2-fpm' <<<\"\$0\" && grep -qx '  systemctl reload php82rc-fpm' <<<\"\$0\"" "$out"
reload_fpm
check "after the reload php82rc-fpm's workers have it again" bash -c "php -n tests/install/fpm-probe.php $sock $probe | grep -q '\"loaded\":true'"

# ---- refusals: each before anything changes -----------------------------------------------------
before=$(sum "$deb_ext/wu_runcloud.so" "$rc_ext/wu_runcloud.so" "$deb_ini" "$rc_ini")
if [ -n "${WU_SO84:-}" ] && [ -f "$WU_SO84" ]; then
  out=$(make -s install PHP_CONFIG="$rc_config" SO="$WU_SO84" 2>&1); rc=$?
  show "install the PHP 8.4 .so" "$out"
  check "a .so built for PHP 8.4 is refused for php82rc" test "$rc" != 0
  check "the refusal names the .so's PHP" has "$out" "built for PHP 8.4 (API 20240924)"
  check "and this PHP's" has "$out" "is PHP 8.2 (API $api)"
else
  not_run+=("a .so built for another PHP is refused (no PHP 8.4 build: the Debian 13 root could not be made)")
fi
bogus=/tmp/not-an-extension.so
echo "not a shared object" >"$bogus"
out=$(make -s install SO="$bogus" 2>&1); rc=$?
show "install a bogus .so" "$out"
check "a file PHP cannot load is refused" test "$rc" != 0
check "the refusal says why" has "$out" "cannot load"
mv "$rc_config" "$rc_config.away"
out=$(make -s install 2>&1); rc=$?
mv "$rc_config.away" "$rc_config"
show "install without php82rc's php-config" "$out"
check "a PHP without php-config is refused" test "$rc" != 0
check "the refusal names the missing php-config" has "$out" "has no $rc_config"
check "none of the refused attempts changed anything" test "$(sum "$deb_ext/wu_runcloud.so" "$rc_ext/wu_runcloud.so" "$deb_ini" "$rc_ini")" = "$before"

# ---- make uninstall: every PHP -------------------------------------------------------------------
# A systemd whose php82rc-fpm unit cannot reload (nothing documents ExecReload for RunCloud's
# units) and whose php8.2-fpm can, as Debian's: install.sh asks systemctl which command works.
printf '#!/bin/sh
# stand-in for tests/install: answers only `systemctl show -p CanReload --value UNIT`
[ "$1 $2 $3 $4" = "show -p CanReload --value" ] || exit 1
case "$5" in php82rc-fpm) echo no ;; *) echo yes ;; esac
' >/usr/local/bin/systemctl
chmod 0755 /usr/local/bin/systemctl
out=$(make -s uninstall 2>&1); rc=$?
rm -f /usr/local/bin/systemctl
show "uninstall" "$out"
check "make uninstall exits 0" test "$rc" = 0
check "both .so files are gone" bash -c "[ ! -e '$deb_ext/wu_runcloud.so' ] && [ ! -e '$rc_ext/wu_runcloud.so' ]"
check "both inis are gone" bash -c "[ ! -e '$deb_ini' ] && [ ! -e '$rc_ini' ]"
check "Debian CLI and FPM links are gone" bash -c "! ls /etc/php/8.2/cli/conf.d /etc/php/8.2/fpm/conf.d | grep -q wu_runcloud"
check "no PHP lists wu_runcloud any more" bash -c "! php -m | grep -qx wu_runcloud && ! $rc_dir/bin/php -m | grep -qx wu_runcloud"
check "the output reloads php8.2-fpm, whose unit can reload" bash -c "grep -qx '  systemctl reload php8.2-fpm' <<<\"\$0\"" "$out"
check "and restarts php82rc-fpm, whose unit cannot" bash -c "grep -qx '  systemctl restart php82rc-fpm' <<<\"\$0\"" "$out"
reload_fpm
check "after the reload php82rc-fpm's workers no longer have it" bash -c "php -n tests/install/fpm-probe.php $sock $probe | grep -q '\"loaded\":false'"

echo "install: $passed passed, $failed failed${not_run:+, ${#not_run[@]} not run}"
for n in "${not_run[@]}"; do echo "NOT RUN  $n"; done
[ "$failed" = 0 ] || exit 1
[ ${#not_run[@]} = 0 ] || exit 77
