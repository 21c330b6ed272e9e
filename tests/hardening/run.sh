#!/usr/bin/env bash
# Hardening suite (see tests/hardening/README.md). Every part runs even if an earlier one
# failed (tests/lib/suites.sh); the last line is `hardening: N passed, M failed, K not run`;
# exit 1 if any failed.
#   WU_RUNCLOUD_EXT   the extension (default target/debug/libwu_runcloud.so)
#   RUNCLOUD_SIM_BIN  the simulator (default target/debug/runcloud-sim)
#   HARDENING_PARTS   space-separated subset of: php memory wordpress secrets (default: all; secrets last)
#   MEMORY_CALLS, VALGRIND_CALLS   see tests/php/memory/run.sh
# Build first: cargo build -p wu_runcloud -p runcloud-sim.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export WU_RUNCLOUD_EXT="${WU_RUNCLOUD_EXT:-$root/target/debug/libwu_runcloud.so}"
export RUNCLOUD_SIM_BIN="${RUNCLOUD_SIM_BIN:-$root/target/debug/runcloud-sim}"
for f in "$WU_RUNCLOUD_EXT" "$RUNCLOUD_SIM_BIN"; do
  if [ ! -e "$f" ]; then
    echo "tests/hardening/run.sh: $f does not exist; run: cargo build -p wu_runcloud -p runcloud-sim" >&2
    exit 2
  fi
done
art="$root/tests/artifacts/hardening"
rm -rf "$art"
mkdir -p "$art"

# Distinctive credentials for this run: the simulators accept only these, and the secrets
# scan looks for them in everything the suite produced. Never written to a file.
rand() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export WU_HARDENING_TOKEN="sec-TOKEN-$(rand)"
export WU_HARDENING_KEY="sec-KEY-$(rand)"
export WU_HARDENING_SECRET="sec-SECRET-$(rand)"

parts="${HARDENING_PARTS:-php memory wordpress secrets}"
# shellcheck source=tests/lib/suites.sh
. tests/lib/suites.sh
suites_init hardening hardening "$art"
part() { # part NAME COMMAND...: one part, unless HARDENING_PARTS leaves it out
  case " $parts " in *" $1 "*) run "$@" ;; esac
}

part php        php -d extension="$WU_RUNCLOUD_EXT" /usr/bin/phpunit -c tests/php/hardening/phpunit.xml
part memory     tests/php/memory/run.sh
part wordpress  tests/wordpress/run.sh hardening
part secrets    tests/hardening/secrets/scan.sh

suites_summary
