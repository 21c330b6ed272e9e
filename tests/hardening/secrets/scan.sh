#!/usr/bin/env bash
# Secrets scan: greps every artefact the suites produced for the credentials they used and
# fails on any hit, naming the file, line and which secret — never printing the secret.
#
# Looked for: this run's WU_HARDENING_TOKEN / _KEY / _SECRET (set by tests/hardening/run.sh)
# and the Basic-auth base64 of key:secret; the credentials the other suites configure
# (sim-token, sim-key, sim-secret: tests/wordpress/run.sh, scripts/stack.sh) and their base64.
# Where: tests/artifacts/** (suite logs, e2e logs and screenshots' neighbours, simulator
# output, captured exceptions, phpinfo), and every *.log under .data/ (php-fpm, nginx,
# WordPress debug.log, simulator, demo). Configuration files that hold the secrets by design
# (wp-config*.php, stack.env) are not artefacts and are not scanned.
#
# Before scanning, a self-check plants each form of a secret in a temp file and requires the
# scanner to report it: a scan that cannot fail does not pass.
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"

names=() values=()
add() { [ -n "$2" ] && { names+=("$1"); values+=("$2"); }; }
add "hardening token"  "${WU_HARDENING_TOKEN:-}"
add "hardening key"    "${WU_HARDENING_KEY:-}"
add "hardening secret" "${WU_HARDENING_SECRET:-}"
if [ -n "${WU_HARDENING_KEY:-}" ] && [ -n "${WU_HARDENING_SECRET:-}" ]; then
  add "hardening Basic auth (base64 of key:secret)" "$(printf '%s:%s' "$WU_HARDENING_KEY" "$WU_HARDENING_SECRET" | base64 -w0)"
fi
add "simulator token used by the other suites" "sim-token"
add "simulator key used by the other suites"   "sim-key"
add "simulator secret used by the other suites" "sim-secret"
add "Basic auth of sim-key:sim-secret" "$(printf 'sim-key:sim-secret' | base64 -w0)"
add "Bearer header of sim-token" "Bearer sim-token"

# scan FILE... : prints "file:line: <which secret>" per hit; exit 1 if any.
scan() {
  local hit=0 i
  for i in "${!values[@]}"; do
    while IFS= read -r loc; do
      [ -n "$loc" ] || continue
      echo "  LEAK: $loc: ${names[$i]}"
      hit=1
    done < <(grep -aFno -- "${values[$i]}" "$@" 2>/dev/null | cut -d: -f1,2 | sort -u)
  done
  return $hit
}

# Self-check: every form must be found in a planted file (and a clean file must pass).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'nothing to see here\n' > "$tmp/clean.log"
if ! scan "$tmp/clean.log" >/dev/null; then echo "self-check FAILED: the scanner reports a leak in a clean file"; exit 1; fi
for i in "${!values[@]}"; do
  printf 'line one\nAuthorization: %s trailing\n' "${values[$i]}" > "$tmp/planted.log"
  if scan "$tmp/planted.log" >/dev/null; then
    echo "self-check FAILED: a planted ${names[$i]} was not found"; exit 1
  fi
done
echo "self-check: each of the ${#values[@]} secret forms planted in a file is reported; a clean file passes"
[ -n "${WU_HARDENING_TOKEN:-}" ] || { echo "FAILED: WU_HARDENING_TOKEN is not set: run through tests/hardening/run.sh"; exit 1; }

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  { find tests/artifacts -type f -print0 2>/dev/null
    find .data -type f \( -name '*.log' -o -name 'debug.log' -o -name '*.out' -o -name '*.err' \) -print0 2>/dev/null; } )
bytes=0
for f in "${files[@]}"; do bytes=$((bytes + $(stat -c %s "$f"))); done
echo "scanning ${#files[@]} files ($bytes bytes) for ${#values[@]} secret forms"
if scan "${files[@]}"; then
  echo "secrets scan: no hit"
else
  echo "secrets scan FAILED: secrets found in the artefacts above"
  exit 1
fi
