#!/usr/bin/env bash
# Memory: (1) MEMORY_CALLS (default 100000) calls mixing success and every exception class,
# failing on Zend-heap growth > 64 KiB or RSS growth > 8 MiB after a 10% warm-up;
# (2) valgrind memcheck (USE_ZEND_ALLOC=0) over VALGRIND_CALLS (default 520) of the same calls,
# failing on any definitely/indirectly lost block or invalid access with a frame in our
# extension (wu_runcloud); (3) the same memcheck over the extension's PHPUnit suite (tests/php).
# pcre.jit=0 under valgrind: PCRE's JIT code has no symbols and
# memcheck reports hundreds of false "uninitialised"/"invalid read" errors in it.
# Results go to tests/artifacts/hardening/memory-*.
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
ext="${WU_RUNCLOUD_EXT:-$root/target/debug/libwu_runcloud.so}"
art="$root/tests/artifacts/hardening"
mkdir -p "$art"
calls=${MEMORY_CALLS:-100000}
vcalls=${VALGRIND_CALLS:-520}

# Its output stays in the artefacts, for the secrets scan.
trap 'tests/lib/sim.sh stop "$art/memory-sim"' EXIT
url=$(tests/lib/sim.sh start "$art/memory-sim" --rate-limit off) || { echo "FAILED: the simulator did not start"; exit 1; }

rc=0
echo "memory: $calls calls against $url"
php -d extension="$ext" tests/php/memory/calls.php "$url" "$calls" | tee "$art/memory-calls.txt"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAILED: memory growth check (see above)"; rc=1; }

if ! command -v valgrind >/dev/null; then
  echo "FAILED: valgrind is not installed (apt-get install valgrind)"; exit 1
fi
echo "valgrind: $vcalls calls under memcheck"
vlog="$art/memory-valgrind.log"
USE_ZEND_ALLOC=0 ZEND_DONT_UNLOAD_MODULES=1 RSS_TOLERANCE_KB=100000000 \
  valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --num-callers=60 \
  --error-limit=no --log-file="$vlog" \
  php -d pcre.jit=0 -d extension="$ext" tests/php/memory/calls.php "$url" "$vcalls" > "$art/memory-valgrind-calls.txt" 2>&1
vrc=$?
[ "$vrc" = 0 ] || { tail -5 "$art/memory-valgrind-calls.txt"; echo "FAILED: the calls failed under valgrind (exit $vrc)"; rc=1; }
php tests/php/memory/valgrind-ours.php "$vlog" || rc=1

# The extension's own PHPUnit suite (tests/php) under memcheck: judged on leaks and memory
# errors of ours only (its timing assertions are not made for valgrind's slowness; its
# result is printed for information).
echo "valgrind: tests/php (the extension's PHPUnit suite) under memcheck"
vdir=$(mktemp -d)
USE_ZEND_ALLOC=0 ZEND_DONT_UNLOAD_MODULES=1 \
  valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --num-callers=60 \
  --error-limit=no --log-file="$vdir/vg.%p.log" \
  php -d pcre.jit=0 -d extension="$ext" /usr/bin/phpunit -c tests/php/phpunit.xml > "$art/memory-valgrind-phpunit.txt" 2>&1
echo "tests/php under valgrind: $(grep -E '^(OK|Tests:)' "$art/memory-valgrind-phpunit.txt" | tail -1)"
judged=0
for f in "$vdir"/vg.*.log; do
  grep -q 'ERROR SUMMARY' "$f" || continue # a child that exec'd another program (the simulator)
  cp "$f" "$art/memory-valgrind-phpunit-$(basename "$f")"
  php tests/php/memory/valgrind-ours.php "$f" || rc=1
  judged=$((judged + 1))
done
rm -rf "$vdir"
[ "$judged" -ge 1 ] || { echo "FAILED: no valgrind summary from the tests/php run"; rc=1; }

# Self-check: the filter must fail on a planted leak of ours.
planted=$(mktemp)
printf '==1== \n==1== 64 bytes in 1 blocks are definitely lost in loss record 1 of 1\n==1==    by 0x1: wu_runcloud::client::build_client (client.rs:1)\n==1== \n==1== ERROR SUMMARY: 1 errors from 1 contexts\n' >"$planted"
if php tests/php/memory/valgrind-ours.php "$planted" >/dev/null; then
  echo "FAILED: self-check: valgrind-ours.php did not report a planted definitely-lost block of ours"; rc=1
else
  echo "self-check: a planted definitely-lost block of ours is reported"
fi
rm -f "$planted"
exit $rc
