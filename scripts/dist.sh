#!/usr/bin/env bash
# `make dist`: the prebuilt artefacts of one version, in dist/ (git-ignored):
#
#   wu_runcloud-<version>-php<X.Y>-<arch>-linux-gnu.so   one per PHP: every php-configX.Y on this
#                                                         machine (Debian 12: 8.2), and 8.4 from
#                                                         the Debian 13 root (scripts/php84-root.sh)
#   wu-runcloud-<version>.zip                             the plugin, for WordPress' Upload Plugin
#                                                         screen: one top-level folder wu-runcloud/
#   SHA256SUMS                                            `sha256sum -c SHA256SUMS` checks them
#
# Refuses to ship a .so that needs a glibc newer than Ubuntu 22.04's 2.35 (the oldest
# distribution RunCloud servers run): RunCloud's PHP could not load it there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
max_glibc=2.35
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(uname -m)
dist=$repo/dist

# The newest GLIBC_x.y the .so requires (its version references, what the loader checks).
needs_glibc() { objdump -p "$1" | sed -n '/^Version References/,$p' | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1; }

mkdir -p "$dist"
rm -f "$dist"/wu_runcloud-*.so "$dist"/wu-runcloud-*.zip "$dist/SHA256SUMS"

declare -A built=() # X.Y -> .so
for pc in /usr/bin/php-config[0-9]*.[0-9]* /RunCloud/Packages/php[0-9]*rc/bin/php-config; do
  [ -x "$pc" ] || continue
  minor=$("$pc" --version | cut -d. -f1,2)
  [ -z "${built[$minor]:-}" ] || continue
  built[$minor]=$(scripts/build-ext.sh --php-config "$pc")
done
if [ -z "${built[8.4]:-}" ]; then
  built[8.4]=$(scripts/php84-root.sh build)
fi

for minor in "${!built[@]}"; do
  so=${built[$minor]}
  need=$(needs_glibc "$so")
  if [ "$(printf '%s\n' "$need" "$max_glibc" | sort -V | tail -n1)" != "$max_glibc" ]; then
    echo "dist: $so needs glibc $need, newer than $max_glibc (Ubuntu 22.04): not shipping it" >&2
    exit 1
  fi
  install -m 0644 "$so" "$dist/wu_runcloud-$version-php$minor-$arch-linux-gnu.so"
  echo "dist: wu_runcloud-$version-php$minor-$arch-linux-gnu.so (needs glibc $need)" >&2
done

# The plugin as WordPress unpacks an uploaded zip: everything under wu-runcloud/, files in a
# fixed order with the last commit's time, so the same commit gives the same zip.
python3 - "$repo/wordpress-plugin" "$dist/wu-runcloud-$version.zip" "$(git log -1 --format=%ct 2>/dev/null || date +%s)" <<'PY'
import os, sys, time, zipfile
src, out, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
stamp = time.gmtime(max(epoch, 315532800))[:6]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in ("tests", "node_modules"))
        rel = os.path.relpath(dirpath, src)
        base = "wu-runcloud" if rel == "." else "wu-runcloud/" + rel
        d = zipfile.ZipInfo(base + "/", stamp)
        d.external_attr = (0o40755 << 16) | 0x10
        z.writestr(d, b"")
        for f in sorted(filenames):
            if f.startswith(".") or f.endswith((".swp", "~")):
                continue
            path = os.path.join(dirpath, f)
            if os.path.islink(path):
                sys.exit(f"dist: {path} is a symlink; the zip must hold real files")
            i = zipfile.ZipInfo(base + "/" + f, stamp)
            i.external_attr = 0o100644 << 16
            i.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as fh:
                z.writestr(i, fh.read())
PY
echo "dist: wu-runcloud-$version.zip" >&2

(cd "$dist" && sha256sum wu_runcloud-"$version"-*.so "wu-runcloud-$version.zip" >SHA256SUMS)
echo "dist: SHA256SUMS; check with: cd dist && sha256sum -c SHA256SUMS" >&2
