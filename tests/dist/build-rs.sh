#!/usr/bin/env bash
# build.rs's refusals, by running the build script cargo compiled for target/debug (the `build`
# suite's) with the environment cargo gives it, against php-configs describing PHPs this
# machine does not have (a throw-away script answering --version, --phpapi, --include-dir and
# --php-binary, and a php_config.h). Each refusal must be one sentence naming the PHP.
#  - PHP 8.0 (API 20200930) is refused: ext-php-rs 0.16.4 needs 8.1;
#  - a thread-safe (ZTS) PHP 8.2 is refused;
#  - PHP_CONFIG for one PHP with PHP (the binary ext-php-rs asks) of another is refused;
#  - this machine's PHP 8.2 is accepted and named "built for PHP 8.2 (API N)".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
script=$(ls -t target/debug/build/wu_runcloud-*/build-script-build 2>/dev/null | head -n1)
[ -x "$script" ] || { echo "tests/dist/build-rs: build.rs is not compiled: cargo build -p wu_runcloud"; exit 1; }

passed=0 failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok    $what"
  else failed=$((failed + 1)); echo "FAIL  $what  (command: $*)"; fi
}
host=$(rustc -vV | sed -n 's/^host: //p')
work=$(mktemp -d /tmp/wu-build-rs.XXXXXX)
trap 'rm -rf "$work"' EXIT

# fake NAME VERSION API ZTS(0|1): a php-config for a PHP that is not installed here.
fake() {
  local d=$work/$1
  mkdir -p "$d/include/main"
  if [ "$4" = 1 ]; then echo "#define ZTS 1" >"$d/include/main/php_config.h"
  else echo "/* #undef ZTS */" >"$d/include/main/php_config.h"; fi
  cat >"$d/php-config" <<SH
#!/bin/sh
case "\$1" in
  --version) echo $2 ;;
  --phpapi) echo $3 ;;
  --include-dir) echo $d/include ;;
  --php-binary) echo $d/php ;;
  *) exit 1 ;;
esac
SH
  printf '#!/bin/sh\necho "PHP API => %s"\n' "$3" >"$d/php"
  chmod +x "$d/php-config" "$d/php"
  echo "$d"
}

# run_script PHP_CONFIG PHP: the build script's exit status, stdout and stderr in $work/out.*
run_script() {
  mkdir -p "$work/outdir"
  env -i PATH="$PATH" OUT_DIR="$work/outdir" CARGO_MANIFEST_DIR="$root" PHP_CONFIG="$1" PHP="$2" \
    TARGET="$host" HOST="$host" OPT_LEVEL=0 DEBUG=false PROFILE=debug \
    "$script" >"$work/out.stdout" 2>"$work/out.stderr"
  echo $? >"$work/out.rc"
  sed 's/^/    stderr: /' "$work/out.stderr"
}
refused() { # refused FRAGMENT: non-zero exit, one "error: " line, the fragment in it, no rustc-env
  [ "$(cat "$work/out.rc")" != 0 ] && [ "$(grep -c '^error: ' "$work/out.stderr")" = 1 ] \
    && grep -qF -- "$1" "$work/out.stderr" && ! grep -q 'rustc-env' "$work/out.stdout"
}

d=$(fake php80 8.0.30 20200930 0)
run_script "$d/php-config" "$d/php"
check "PHP 8.0 is refused in one sentence naming it" refused "wu_runcloud needs PHP 8.1 or newer (ext-php-rs 0.16.4), but $d/php-config is PHP 8.0 (API 20200930)."

d=$(fake php82zts 8.2.29 20220829 1)
run_script "$d/php-config" "$d/php"
check "a thread-safe (ZTS) PHP 8.2 is refused in one sentence" refused "$d/php-config is a thread-safe (ZTS) PHP 8.2."

d=$(fake php84 8.4.27 20240924 0)
run_script /usr/bin/php-config8.2 "$d/php"
check "php-config of PHP 8.2 with php of PHP 8.4 is refused, naming both" \
  refused "/usr/bin/php-config8.2 is PHP 8.2 (API $(php-config8.2 --phpapi)) but $d/php is another PHP (API 20240924)"

run_script /usr/bin/php-config8.2 /usr/bin/php8.2
check "this machine's PHP 8.2 is accepted" test "$(cat "$work/out.rc")" = 0
check "and named: built for PHP 8.2 (API N)" grep -qx "cargo:rustc-env=WU_RUNCLOUD_BUILT_FOR=built for PHP 8.2 (API $(php-config8.2 --phpapi))" "$work/out.stdout"

echo "build-rs: $passed passed, $failed failed"
[ "$failed" = 0 ]
