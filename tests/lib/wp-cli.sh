#!/usr/bin/env bash
# The real WP-CLI for the tests: ${WU_WP_CLI_PHAR:-<repo>/../shared/tools/wp-cli.phar} (the
# WP-CLI 2.10.0 release phar; Debian packages no WP-CLI), used only when its SHA-512 matches
# the checksum file beside it, <phar>.sha512 (`sha512sum` format).
#
#   tests/lib/wp-cli.sh phar    prints the verified phar's absolute path; otherwise prints why
#                               on stderr and exits 77 when the phar or its checksum file is
#                               absent (callers report the WP-CLI tests as not run, never as
#                               passed), 1 when it does not match (a failure: never run it)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ "${1:-}" = phar ] || { echo "usage: $0 phar" >&2; exit 2; }
phar=${WU_WP_CLI_PHAR:-$root/../shared/tools/wp-cli.phar}
sums=$phar.sha512
[ -f "$phar" ] || { echo "WP-CLI not found: $phar (set WU_WP_CLI_PHAR)" >&2; exit 77; }
[ -f "$sums" ] || { echo "WP-CLI checksum not found: $sums" >&2; exit 77; }
want=$(awk 'NR == 1 { print $1 }' "$sums")
have=$(sha512sum "$phar" | awk '{ print $1 }')
[[ "$want" =~ ^[0-9a-f]{128}$ ]] || { echo "WP-CLI checksum file $sums holds no SHA-512" >&2; exit 1; }
[ "$want" = "$have" ] || { echo "WP-CLI $phar does not match its SHA-512 in $sums (got $have)" >&2; exit 1; }
echo "$(cd "$(dirname "$phar")" && pwd)/$(basename "$phar")"
