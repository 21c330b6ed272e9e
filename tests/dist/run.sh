#!/usr/bin/env bash
# `make dist` (scripts/dist.sh) and what it ships:
#  - one .so per PHP (8.2 from this machine, 8.4 from the Debian 13 root), named
#    wu_runcloud-<version>-php<X.Y>-<arch>-linux-gnu.so, each loading in its PHP and saying it
#    was built for it, none requiring a glibc newer than Ubuntu 22.04's 2.35 (read with readelf
#    from the .so's version needs; the same reading of the root's php8.4 must find more than
#    2.35, so the check can fail);
#  - the plugin zip: one top-level folder wu-runcloud/, no tests, installed into a fresh
#    WordPress multisite by WordPress's own Plugin_Upgrader (what the Upload Plugin screen
#    runs), network-activated, identical to wordpress-plugin/; then listed as active-network
#    and run by the real WP-CLI (tests/lib/wp-cli.sh: ../shared/tools/wp-cli.phar, its SHA-512 checked first);
#  - SHA256SUMS, which `sha256sum -c` accepts and which lists exactly those files.
# Exit 77 (not run) when the Debian 13 root cannot be made (no 8.4 .so to ship), or when
# WP-CLI is absent and everything else passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

[ "$(id -u)" = 0 ] || { echo "tests/dist: NOT RUN: make dist needs root for the Debian 13 root (chroot)"; exit 77; }
scripts/php84-root.sh ensure >/dev/null || { echo "tests/dist: NOT RUN: the Debian 13 root could not be created, so there is no PHP 8.4 .so to ship"; exit 77; }

passed=0 failed=0 not_run=()
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what  (command: $*)"; fi
}
has() { grep -qF -- "$2" <<<"$1"; }
# The newest GLIBC_x.y a binary requires, from readelf's version needs section.
needs_glibc() { readelf -V --wide "$1" | sed -n '/^Version needs section/,$p' | grep -o 'Name: GLIBC_[0-9][0-9.]*' | sed 's/Name: GLIBC_//' | sort -uV | tail -n1; }
at_most() { [ "$(printf '%s\n' "$1" "$2" | sort -V | tail -n1)" = "$2" ]; } # at_most VERSION LIMIT

work=$(mktemp -d /tmp/wu-dist-test.XXXXXX)
trap 'tests/lib/mariadb.sh stop "$work/db" >/dev/null 2>&1; rm -rf "$work"' EXIT

start=$SECONDS
out=$(make -s dist 2>&1); rc=$?
grep -v '^ *Compiling\|^ *Finished' <<<"$out" | sed 's/^/    make dist: /'
check "make dist exits 0" test "$rc" = 0
echo "    make dist took $((SECONDS - start)) s"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(uname -m)
so82=dist/wu_runcloud-$version-php8.2-$arch-linux-gnu.so
so84=dist/wu_runcloud-$version-php8.4-$arch-linux-gnu.so
zip=dist/wu-runcloud-$version.zip
for f in "$so82" "$so84" "$zip" dist/SHA256SUMS; do check "dist has $(basename "$f")" test -f "$f"; done

check "SHA256SUMS verifies" bash -c "cd dist && sha256sum --strict -c SHA256SUMS"
check "SHA256SUMS lists exactly the .so files and the zip" test "$(awk '{print $2}' dist/SHA256SUMS | sort | tr '\n' ' ')" = \
  "$(cd dist && ls wu_runcloud-*.so wu-runcloud-*.zip | sort | tr '\n' ' ')"

for so in "$so82" "$so84"; do
  need=$(needs_glibc "$so")
  echo "    $(basename "$so") requires glibc $need"
  check "$(basename "$so") requires no glibc newer than 2.35 (it requires ${need:-none})" bash -c "[ -n '$need' ] && $(declare -f at_most); at_most '$need' 2.35"
done
php84_bin=$(scripts/php84-root.sh ensure)/usr/bin/php8.4
check "the glibc check sees the Debian 13 php8.4's newer requirement ($(needs_glibc "$php84_bin"))" bash -c "$(declare -f at_most); ! at_most '$(needs_glibc "$php84_bin")' 2.35"
check "the PHP 8.2 .so loads in this machine's PHP 8.2 and says so" bash -c \
  "php -n -d extension=$root/$so82 --ri wu_runcloud | grep -qx 'build => built for PHP 8.2 (API $(php-config8.2 --phpapi))'"
check "the PHP 8.4 .so loads in Debian 13's PHP 8.4 and says so" bash -c \
  "scripts/php84-root.sh run php -n -d extension=$root/$so84 --ri wu_runcloud | grep -qx 'build => built for PHP 8.4 (API 20240924)'"

entries=$(unzip -Z1 "$zip")
check "every zip entry is under one top-level folder wu-runcloud/" bash -c "! grep -v '^wu-runcloud/' <<<\"\$0\"" "$entries"
check "the zip has the plugin's main file" has "$entries" "wu-runcloud/wu-runcloud.php"
check "the zip has no tests, PHPUnit files or dotfiles" bash -c "! grep -Ei '(^|/)(tests?|phpunit[^/]*|\.[^/]+)(/|$)' <<<\"\$0\"" "$entries"

# A fresh WordPress multisite, without the plugin; the plugin comes from the zip only.
sock=$(tests/lib/mariadb.sh start "$work/db") || { echo "FAIL  MariaDB did not start"; exit 1; }
wp=$work/wp
tests/lib/wp-install.sh --dir "$wp" --socket "$sock" --db wu_dist_test --domain dist.test --mode subdomain
check "the fresh WordPress has no wu-runcloud plugin" test ! -e "$wp/wp-content/plugins/wu-runcloud"
result=$(php -d "extension=$root/$so82" tests/dist/upload-plugin.php "$wp" "$root/$zip" dist.test 2>&1)
echo "    Plugin_Upgrader: $result"
check "Plugin_Upgrader installs the zip" has "$result" '"installed":true'
check "WordPress finds the plugin as wu-runcloud/wu-runcloud.php" has "$result" '"plugin":"wu-runcloud\/wu-runcloud.php"'
check "it network-activates" has "$result" '"activated":true'
check "the installed plugin is exactly wordpress-plugin/" diff -r wordpress-plugin "$wp/wp-content/plugins/wu-runcloud"

phar_rc=0
phar=$(tests/lib/wp-cli.sh phar 2>"$work/wp-cli.why") || phar_rc=$?
if [ "$phar_rc" != 77 ]; then
  [ "$phar_rc" = 0 ] || sed 's/^/    /' "$work/wp-cli.why"
  check "wp-cli.phar matches its published SHA-512" test "$phar_rc" = 0
  if [ "$phar_rc" = 0 ]; then
    wpcli() { php -d "extension=$root/$so82" "$phar" --allow-root --path="$wp" --url=http://dist.test "$@" 2>&1; }
    out=$(wpcli plugin list --skip-update-check --fields=name,status --format=csv); echo "    wp plugin list: $(tr '\n' ' ' <<<"$out")"
    check "WP-CLI lists wu-runcloud as active-network" has "$out" "wu-runcloud,active-network"
    out=$(wpcli runcloud status); rc=$?; echo "    wp runcloud status: $(head -n3 <<<"$out" | tr '\n' ' ')"
    check "WP-CLI runs the installed plugin's command with the shipped .so (wp runcloud status)" test "$rc" = 0
  fi
else
  not_run+=("WP-CLI checks: $(cat "$work/wp-cli.why")")
fi

echo "dist: $passed passed, $failed failed${not_run:+, ${#not_run[@]} not run}"
for n in "${not_run[@]}"; do echo "NOT RUN  $n"; done
[ "$failed" = 0 ] || exit 1
[ ${#not_run[@]} = 0 ] || exit 77
