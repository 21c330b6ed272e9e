#!/usr/bin/env bash
# Production install of wu_runcloud.so into every PHP on the machine (`make install`,
# `make uninstall`):
#
#   scripts/install.sh list                  the PHPs found, and which ones have it installed
#   scripts/install.sh install [--so FILE]   build for each PHP (or take a prebuilt FILE), install, enable
#   scripts/install.sh uninstall             remove it from each PHP found
#   PHP_CONFIG=/path/to/php-config scripts/install.sh …     only that PHP
#
# PHPs found (README "Installing on a production server" gives the sources for each layout):
#   Debian/Ubuntu packages  /usr/bin/phpX.Y with /etc/php/X.Y and /usr/bin/php-configX.Y
#                           (phpX.Y-dev); enabled with phpenmod for cli and fpm; FPM service
#                           phpX.Y-fpm.
#   RunCloud builds         /RunCloud/Packages/phpXYrc/bin/php and bin/php-config; enabled by an
#                           ini in the conf.d the build scans (php-config --ini-dir,
#                           /etc/phpXYrc/conf.d), shared by its CLI and FPM; FPM service phpXYrc-fpm.
# A PHP the extension cannot serve (older than 8.1, or thread-safe) is skipped with a note.
#
# install: builds once per PHP version with that PHP's php-config (scripts/build-ext.sh, as the
# invoking user), then, before writing anything, checks that each PHP is the one its .so was
# built for ("built for PHP X.Y (API N)", baked in by build.rs) and that it loads it. Then, as
# root: copies the .so into the PHP's extension dir atomically (temporary file + rename, so a
# running php-fpm never maps a half-written file), enables it, checks that the CLI and FPM
# binaries list the module (a PHP that does not is put back as it was), and prints the reload
# command of every FPM service it touched: the master loads extensions, workers inherit them.
# uninstall: disables it, removes the ini and the .so, prints the same reload commands.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prog=install.sh
ini_name=20-wu_runcloud.ini

die() { echo "$prog: $*" >&2; exit 1; }

# ---- discovery -------------------------------------------------------------------------------
# One PHP per index: kind (debian|runcloud), name, binary, php-config, FPM binary (checked with
# -m when present), FPM service (every RunCloud PHP has one; a Debian PHP when php-fpmX.Y is in),
# version X.Y, API number, thread safety, and a reason when the extension cannot serve it.
kinds=() names=() phps=() configs=() fpms=() services=() minors=() apis=() unsupported=()

# add KIND NAME PHP PHP_CONFIG FPM SERVICE
add() {
  local info version api zts why=
  info=$("$3" -n -i 2>/dev/null) || { echo "$prog: note: skipping $3: it does not run" >&2; return 0; }
  version=$(sed -n 's/^PHP Version => //p' <<<"$info" | head -n1)
  api=$(sed -n 's/^PHP API => //p' <<<"$info" | head -n1)
  zts=$(sed -n 's/^Thread Safety => //p' <<<"$info" | head -n1)
  version=$(cut -d. -f1,2 <<<"$version")
  if [ "$zts" = enabled ]; then why="it is a thread-safe (ZTS) build; php-fpm and wu_runcloud use non-thread-safe PHP"
  elif [ "${api:-0}" -lt 20210902 ]; then why="wu_runcloud needs PHP 8.1 or newer"; fi
  kinds+=("$1") names+=("$2") phps+=("$3") configs+=("$4") fpms+=("$5") services+=("$6")
  minors+=("$version") apis+=("$api") unsupported+=("$why")
}

discover() {
  local p v d tag
  for p in /usr/bin/php[0-9]*.[0-9]*; do
    v=${p#/usr/bin/php}
    [[ "$v" =~ ^[0-9]+\.[0-9]+$ ]] && [ -x "$p" ] && [ -d "/etc/php/$v" ] || continue
    add debian "PHP $v of Debian/Ubuntu" "$p" "/usr/bin/php-config$v" \
      "$([ -x "/usr/sbin/php-fpm$v" ] && [ -d "/etc/php/$v/fpm" ] && echo "/usr/sbin/php-fpm$v")" \
      "$([ -x "/usr/sbin/php-fpm$v" ] && [ -d "/etc/php/$v/fpm" ] && echo "php$v-fpm")"
  done
  for d in /RunCloud/Packages/php[0-9]*rc; do
    tag=${d##*/}
    [ -x "$d/bin/php" ] || continue
    add runcloud "RunCloud $tag" "$d/bin/php" "$d/bin/php-config" \
      "$([ -x "$d/sbin/php-fpm" ] && echo "$d/sbin/php-fpm")" "$tag-fpm"
  done
}

# Keeps only the PHP that PHP_CONFIG names; refuses a php-config of no known layout.
select_php_config() {
  local want i keep=
  want=$(readlink -f "$PHP_CONFIG" 2>/dev/null) || true
  [ -n "$want" ] && [ -x "$want" ] || die "PHP_CONFIG=$PHP_CONFIG is not an executable php-config"
  for i in "${!phps[@]}"; do
    [ "$(readlink -f "${configs[$i]}")" = "$want" ] && keep=$i
  done
  [ -n "$keep" ] || die "PHP_CONFIG=$PHP_CONFIG is neither a Debian/Ubuntu PHP (/usr/bin/php-configX.Y with /etc/php/X.Y) nor a RunCloud PHP (/RunCloud/Packages/phpXYrc/bin/php-config); install it by hand as the README describes"
  for a in kinds names phps configs fpms services minors apis unsupported; do
    declare -n arr=$a
    arr=("${arr[$keep]}")
  done
}

ext_dir_of() { # i
  if [ -x "${configs[$1]}" ]; then "${configs[$1]}" --extension-dir
  else "${phps[$1]}" -n -r 'echo PHP_EXTENSION_DIR;'; fi
}

# The ini that enables the extension: Debian's mods-available file (phpenmod links it into each
# SAPI's conf.d), or the file in the RunCloud build's own conf.d.
ini_of() { # i
  if [ "${kinds[$1]}" = debian ]; then echo "/etc/php/${minors[$1]}/mods-available/wu_runcloud.ini"
  else
    local dir
    dir=$("${configs[$1]}" --ini-dir 2>/dev/null) || true
    [ -n "$dir" ] || dir=/etc/$(basename "${phps[$1]%/bin/php}")/conf.d
    echo "$dir/$ini_name"
  fi
}

built_for() { LC_ALL=C grep -ao 'built for PHP [0-9][0-9.]* (API [0-9]*)' "$1" | head -n1 || true; }

# (Read all of `php -m` first: with pipefail, grep -q closing the pipe early fails the pipeline.)
lists_module() { local m; m=$("$@" -m 2>/dev/null) && grep -qx wu_runcloud <<<"$m"; }

need_root() {
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null || die "run as root (or install sudo)"
  exec sudo -E "$0" "$@"
}

# ---- install ---------------------------------------------------------------------------------
install_one() { # i so
  local i=$1 so=$2 ext_dir ini tmp prev= enabled=
  ext_dir=$(ext_dir_of "$i")
  ini=$(ini_of "$i")
  [ -d "$ext_dir" ] || die "${names[$i]}: extension dir $ext_dir does not exist"
  [ -d "$(dirname "$ini")" ] || die "${names[$i]}: $(dirname "$ini") does not exist"
  if [ -e "$ext_dir/wu_runcloud.so" ]; then
    prev="$ext_dir/.wu_runcloud.so.prev.$$"
    ln -f "$ext_dir/wu_runcloud.so" "$prev"
  fi
  tmp="$ext_dir/.wu_runcloud.so.new.$$"
  install -m 0644 "$so" "$tmp" && mv -f "$tmp" "$ext_dir/wu_runcloud.so" || { rm -f "$tmp"; return 1; }
  {
    echo "; wu_runcloud: RunCloud API client for the wu-runcloud WordPress plugin."
    echo "; Installed by wu-runcloud's make install; loaded in the php-fpm master, not per pool."
    [ "${kinds[$i]}" = debian ] && echo "; priority=20"
    echo "extension=wu_runcloud.so"
  } >"$ini.new.$$" && mv -f "$ini.new.$$" "$ini" || { rm -f "$ini.new.$$"; return 1; }
  local bad=
  if [ "${kinds[$i]}" = debian ]; then
    phpenmod -v "${minors[$i]}" -s cli wu_runcloud || bad="phpenmod failed for cli"
    if [ -z "$bad" ] && [ -n "${fpms[$i]}" ]; then phpenmod -v "${minors[$i]}" -s fpm wu_runcloud || bad="phpenmod failed for fpm"; fi
  fi
  [ -n "$bad" ] || lists_module "${phps[$i]}" || bad="its CLI (${phps[$i]} -m) does not list wu_runcloud"
  if [ -z "$bad" ] && [ -n "${fpms[$i]}" ] && ! lists_module "${fpms[$i]}"; then
    bad="its FPM (${fpms[$i]} -m) does not list wu_runcloud"
  fi
  if [ -n "$bad" ]; then
    # The ini is the same for every version: with the previous .so back, it is as it was.
    if [ -n "$prev" ]; then mv -f "$prev" "$ext_dir/wu_runcloud.so"; else remove_one "$i" >/dev/null || true; fi
    echo "$prog: ${names[$i]}: $bad after installing; put back as it was. Check: ${phps[$i]} --ri wu_runcloud" >&2
    return 1
  fi
  if [ -n "$prev" ]; then rm -f "$prev"; fi
  enabled=cli; [ -n "${services[$i]}" ] && enabled="cli, fpm"
  echo "${names[$i]}: installed $ext_dir/wu_runcloud.so, enabled by $ini ($enabled): $("${phps[$i]}" -r 'echo "wu_runcloud ", wu_runcloud_version();')"
}

cmd_install() {
  local so_given= built=() i j
  while [ $# -gt 0 ]; do
    case "$1" in
      --so) so_given=$2; shift 2 ;;
      --built) built+=("$2"); shift 2 ;; # PHP=SO, from the unprivileged half of this script
      *) die "unknown argument $1" ;;
    esac
  done
  local targets=()
  for i in "${!phps[@]}"; do
    if [ -n "${unsupported[$i]}" ]; then
      [ -z "${PHP_CONFIG:-}" ] || die "${names[$i]} (${phps[$i]}) cannot have wu_runcloud: ${unsupported[$i]}"
      echo "$prog: note: skipping ${names[$i]}: ${unsupported[$i]}" >&2
      continue
    fi
    targets+=("$i")
  done
  [ ${#targets[@]} -gt 0 ] || die "no PHP this extension supports was found (looked for /usr/bin/phpX.Y with /etc/php/X.Y, and /RunCloud/Packages/phpXYrc/bin/php)"

  # The .so for each PHP: given, built earlier (before sudo), or built now, once per version.
  local sos=()
  for i in "${targets[@]}"; do
    for j in "${built[@]}"; do [ "${j%%=*}" = "${phps[$i]}" ] && sos[$i]=${j#*=}; done
    [ -n "$so_given" ] && sos[$i]=$so_given
  done
  for i in "${targets[@]}"; do
    [ -n "${sos[$i]:-}" ] || [ -x "${configs[$i]}" ] || die "${names[$i]} (${phps[$i]}) has no ${configs[$i]} to build with: $([ "${kinds[$i]}" = debian ] && echo "apt-get install php${minors[$i]}-dev" || echo "reinstall this RunCloud PHP"), or choose PHPs with PHP_CONFIG=… (nothing was changed)"
  done
  for i in "${targets[@]}"; do
    [ -n "${sos[$i]:-}" ] && continue
    local so
    so=$("$repo/scripts/build-ext.sh" --php-config "${configs[$i]}") || die "the build for ${names[$i]} failed (nothing was changed)"
    for j in "${targets[@]}"; do
      [ "${minors[$j]}/${apis[$j]}" = "${minors[$i]}/${apis[$i]}" ] && [ -z "${sos[$j]:-}" ] && sos[$j]=$so
    done
  done

  # Every check before the first write: a refused PHP leaves every PHP as it was.
  local want have out
  for i in "${targets[@]}"; do
    [ -f "${sos[$i]}" ] || die "${sos[$i]} does not exist"
    sos[$i]=$(readlink -f "${sos[$i]}")
    want="built for PHP ${minors[$i]} (API ${apis[$i]})"
    have=$(built_for "${sos[$i]}")
    # No mark (not our build, or not a .so at all): PHP's own loading check below says why.
    [ -z "$have" ] || [ "$have" = "$want" ] || die "${sos[$i]} was $have, but ${names[$i]} (${phps[$i]}) is PHP ${minors[$i]} (API ${apis[$i]}); build it for this PHP: make install PHP_CONFIG=${configs[$i]} (nothing was changed)"
    out=$("${phps[$i]}" -n -d "extension=${sos[$i]}" -r 'echo extension_loaded("wu_runcloud") ? "loaded" : "not loaded";' 2>&1) || true
    [ "$out" = loaded ] || die "${names[$i]} (${phps[$i]}) cannot load ${sos[$i]}: $(tr '\n' ' ' <<<"$out") (nothing was changed)"
  done

  if [ "$(id -u)" != 0 ]; then
    local args=(install)
    for i in "${targets[@]}"; do args+=(--built "${phps[$i]}=${sos[$i]}"); done
    need_root "${args[@]}"
  fi

  local failed=0 reload=()
  for i in "${targets[@]}"; do
    if install_one "$i" "${sos[$i]}"; then
      [ -n "${services[$i]}" ] && reload+=("$(reload_command "${services[$i]}")")
    else failed=1; fi
  done
  print_reload "${reload[@]}"
  return "$failed"
}

# ---- uninstall -------------------------------------------------------------------------------
remove_one() { # i: prints what it removed; true if anything was installed
  local i=$1 ext_dir ini found=1
  ext_dir=$(ext_dir_of "$i")
  ini=$(ini_of "$i")
  if [ "${kinds[$i]}" = debian ] && [ -f "$ini" ]; then
    phpdismod -v "${minors[$i]}" -s ALL wu_runcloud || true
  fi
  [ -e "$ini" ] && { rm -f "$ini"; found=0; }
  [ -e "$ext_dir/wu_runcloud.so" ] && { rm -f "$ext_dir/wu_runcloud.so"; found=0; }
  [ $found = 0 ] && echo "${names[$i]}: removed $ext_dir/wu_runcloud.so and $ini"
  return $found
}

cmd_uninstall() {
  need_root uninstall
  local i reload=() removed=0
  for i in "${!phps[@]}"; do
    remove_one "$i" || continue
    removed=1
    if lists_module "${phps[$i]}"; then
      echo "$prog: ${names[$i]}: ${phps[$i]} -m still lists wu_runcloud: another ini loads it ($(${phps[$i]} --ini | sed -n 's/^Loaded Configuration File: *//p'), or its conf.d)" >&2
      return 1
    fi
    [ -n "${services[$i]}" ] && reload+=("$(reload_command "${services[$i]}")")
  done
  [ $removed = 1 ] || echo "wu_runcloud is not installed in any PHP found; nothing to do."
  print_reload "${reload[@]}"
}

# `systemctl reload` (SIGUSR2: the master re-reads its ini, loads extensions, replaces its
# workers gracefully) where the unit supports it; Debian's units do. Whether RunCloud's
# phpXYrc-fpm units define ExecReload is not documented: systemd says (CanReload), and a unit
# that cannot reload is restarted. Without a running systemd (containers, tests): reload.
reload_command() { # service
  local can
  can=$(systemctl show -p CanReload --value "$1" 2>/dev/null) || can=
  if [ "$can" = no ]; then echo "systemctl restart $1"; else echo "systemctl reload $1"; fi
}

print_reload() {
  [ $# -gt 0 ] || return 0
  echo "Now reload each php-fpm it touched, so its master (re)loads the extension and its workers inherit it:"
  printf '  %s\n' "$@"
}

cmd_list() {
  local i state
  for i in "${!phps[@]}"; do
    if [ -n "${unsupported[$i]}" ]; then state="not supported: ${unsupported[$i]}"
    elif [ -e "$(ext_dir_of "$i")/wu_runcloud.so" ]; then state="installed ($(built_for "$(ext_dir_of "$i")/wu_runcloud.so"))"
    else state="not installed"; fi
    printf '%s\t%s\tphp-config %s\tfpm %s (%s)\t%s\n' "${names[$i]}" "${phps[$i]}" "${configs[$i]}" \
      "${fpms[$i]:-none}" "${services[$i]:-no service}" "$state"
  done
}

discover
[ -z "${PHP_CONFIG:-}" ] || select_php_config
case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  uninstall) shift; cmd_uninstall ;;
  list) cmd_list ;;
  *) echo "usage: $0 install [--so FILE] | uninstall | list   (PHP_CONFIG=… picks one PHP)" >&2; exit 2 ;;
esac
