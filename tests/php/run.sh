#!/usr/bin/env bash
# PHPUnit suite of the wu_runcloud extension against the RunCloud simulator.
#   WU_RUNCLOUD_EXT   the extension to load   (default target/debug/libwu_runcloud.so)
#   RUNCLOUD_SIM_BIN  the simulator binary    (default target/debug/runcloud-sim)
# Build first: cargo build -p wu_runcloud -p runcloud-sim. Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ext="${WU_RUNCLOUD_EXT:-target/debug/libwu_runcloud.so}"
export RUNCLOUD_SIM_BIN="${RUNCLOUD_SIM_BIN:-target/debug/runcloud-sim}"
for f in "$ext" "$RUNCLOUD_SIM_BIN"; do
  if [ ! -e "$f" ]; then
    echo "tests/php/run.sh: $f does not exist; run: cargo build -p wu_runcloud -p runcloud-sim" >&2
    exit 2
  fi
done
export WU_RUNCLOUD_EXT="$ext"
exec php -d extension="$ext" /usr/bin/phpunit -c tests/php/phpunit.xml "$@"
