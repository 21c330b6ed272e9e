#!/usr/bin/env bash
# End-to-end suite: the production shape on loopback. Starts scripts/stack.sh (simulator,
# MariaDB, WordPress multisite with the plugin network-activated, php-fpm with the extension
# in 2 static workers, nginx on $E2E_ADDR:$E2E_PORT, default the first free 127.0.0.N:80 from
# N=2, so it can run next to the demo on 127.0.0.1:80), then runs:
#   1. PHPUnit tests through nginx + php-fpm (tests/e2e/*Test.php)
#   2. the browser test in headless Chromium (tests/e2e/browser.mjs)
#   3. a graceful stop of php-fpm with no worker killed by a signal
#   4. the demo scenario (scripts/demo.sh, what `make demo` runs) on the next free address, then its stop
# and always stops every process it started. Screenshots and logs: tests/artifacts/e2e/.
# Env: WU_RUNCLOUD_EXT (default target/debug/libwu_runcloud.so), RUNCLOUD_SIM_BIN (default
# target/debug/runcloud-sim), E2E_ADDR, E2E_PORT.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
ext=${WU_RUNCLOUD_EXT:-$root/target/debug/libwu_runcloud.so}
sim=${RUNCLOUD_SIM_BIN:-$root/target/debug/runcloud-sim}
dir="$root/.data/e2e"
artifacts="$root/tests/artifacts/e2e"
rm -rf "$artifacts"; mkdir -p "$artifacts"

passed=0 failed=0 results=()
record() { # record NAME RC
  if [ "$2" = 0 ]; then passed=$((passed + 1)); results+=("PASS  $1"); else failed=$((failed + 1)); results+=("FAIL  $1"); fi
}
demo_dir="$root/.data/e2e-demo"
finish() {
  scripts/stack.sh down --dir "$dir" >/dev/null 2>&1 || true
  scripts/stack.sh down --dir "$demo_dir" >/dev/null 2>&1 || true
  for f in php-fpm/php-fpm.log php-fpm/php-errors.log nginx/logs/error.log wordpress/debug.log sim/stderr.log; do
    [ -f "$dir/$f" ] && cp "$dir/$f" "$artifacts/$(echo "$f" | tr / _)"
  done
  echo
  echo "=== e2e summary ==="
  printf '%s\n' "${results[@]}"
  echo "e2e: $passed passed, $failed failed"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
trap 'finish; exit $?' EXIT

# The first loopback address from START whose port E2E_PORT is free, so a demo, a second
# checkout's test run or a leftover stack on the usual address does not fail this suite.
free_addr() { # free_addr START
  local port=${E2E_PORT:-80} n
  for n in $(seq "$1" 60); do
    if ! ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | grep -qx "127.0.0.$n:$port"; then
      echo "127.0.0.$n"; return 0
    fi
  done
  echo "127.0.0.$1"
}
E2E_ADDR=${E2E_ADDR:-$(free_addr 2)}
E2E_DEMO_ADDR=${E2E_DEMO_ADDR:-$(free_addr "$(( ${E2E_ADDR##*.} + 1 ))")}

echo "e2e: starting the stack on $E2E_ADDR (extension $ext)"
if ! scripts/stack.sh up --dir "$dir" --ext "$ext" --sim "$sim" \
     --addr "$E2E_ADDR" --port "${E2E_PORT:-80}" --domain wu-e2e.localhost \
     --probe --sim-args "--rate-limit off" --terminate 30; then
  record "stack starts (simulator, MariaDB, WordPress, php-fpm, nginx)" 1
  exit 1
fi
record "stack starts (simulator, MariaDB, WordPress, php-fpm, nginx)" 0
export E2E_STACK_ENV="$dir/stack.env" E2E_ARTIFACTS="$artifacts"

echo; echo "=== e2e: PHPUnit through nginx + php-fpm ==="
phpunit -c tests/e2e/phpunit.xml --testdox
record "PHPUnit e2e tests (tests/e2e/*Test.php)" $?

echo; echo "=== e2e: browser test (headless Chromium) ==="
if [ -d tests/e2e/node_modules/playwright-core ]; then
  node tests/e2e/browser.mjs
  record "browser test (tests/e2e/browser.mjs)" $?
else
  echo "FAIL: tests/e2e/node_modules/playwright-core is missing: run make deps (npm ci in tests/e2e)"
  record "browser test (tests/e2e/browser.mjs)" 1
fi

echo; echo "=== e2e: graceful stop ==="
fpm_pid=$(cat "$dir/php-fpm/php-fpm.pid")
kill -QUIT "$fpm_pid"
for _ in $(seq 1 150); do kill -0 "$fpm_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$fpm_pid" 2>/dev/null; then
  echo "FAIL: php-fpm master $fpm_pid still running 15 s after SIGQUIT"; record "php-fpm stops gracefully" 1
elif grep -n 'exited on signal' "$dir/php-fpm/php-fpm.log"; then
  echo "FAIL: expected no php-fpm worker to die on a signal at any time (lines above)"; record "no php-fpm worker ever died on a signal" 1
else
  echo "ok: php-fpm stopped; no worker died on a signal during the whole run"
  record "no php-fpm worker ever died on a signal" 0
fi

echo; echo "=== e2e: the demo scenario (scripts/demo.sh up/down, on $E2E_DEMO_ADDR) ==="
if DEMO_DIR="$demo_dir" DEMO_ADDR="$E2E_DEMO_ADDR" WU_RUNCLOUD_EXT="$ext" RUNCLOUD_SIM_BIN="$sim" \
     scripts/demo.sh up >"$artifacts/demo.log" 2>&1; then
  names=$(tests/lib/sim.sh call "$demo_dir/sim" GET servers/11667/webapps/940288/domains \
    | php -r 'foreach (json_decode(stream_get_contents(STDIN), true) as $d) { echo $d["name"], " "; }')
  redeploys=$(tests/lib/sim.sh call "$demo_dir/sim" GET redeploys | php -r 'echo count(json_decode(stream_get_contents(STDIN), true));')
  if [[ " $names " == *" blog.wu-demo.localhost "* && " $names " != *" shop.example.com "* ]] \
     && [ "$redeploys" -ge 1 ] && grep -Eq 'Operations +done=' "$artifacts/demo.log" \
     && grep -q 'DELETE /api/v3/servers/11667/webapps/940288/domains/' "$artifacts/demo.log"; then
    echo "ok: the demo added the mapping and the site, redeployed SSL ($redeploys), removed the mapping; app domains: $names"
    record "the demo scenario ends with the site's subdomain in RunCloud and the mapping removed" 0
  else
    echo "FAIL: expected blog.wu-demo.localhost in RunCloud, shop.example.com removed, >= 1 SSL redeploy and all operations done;"
    echo "      app domains: $names; redeploys: $redeploys; demo output: tests/artifacts/e2e/demo.log"
    tail -n 30 "$artifacts/demo.log"
    record "the demo scenario ends with the site's subdomain in RunCloud and the mapping removed" 1
  fi
else
  echo "FAIL: scripts/demo.sh up failed; output:"; tail -n 30 "$artifacts/demo.log"
  record "the demo scenario ends with the site's subdomain in RunCloud and the mapping removed" 1
fi
DEMO_DIR="$demo_dir" scripts/demo.sh down >/dev/null 2>&1
if DEMO_DIR="$demo_dir" scripts/demo.sh status 2>&1 | grep -q running || pgrep -f "$demo_dir/" >/dev/null; then
  echo "FAIL: a demo process is still running after scripts/demo.sh down:"; DEMO_DIR="$demo_dir" scripts/demo.sh status
  record "demo-stop stops every demo process" 1
else
  echo "ok: scripts/demo.sh down stopped every demo process"
  record "demo-stop stops every demo process" 0
fi
