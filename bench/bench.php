<?php
// Side-by-side benchmark: the wu_runcloud extension against a pure-PHP baseline that works the
// way Ultimate Multisite's built-in RunCloud integration does. Run through bench/run.sh.
//
//   php bench/bench.php [--smoke]
//
// Writes bench/out/run/results.json; bench/report.php turns it into bench/RESULTS.md.
// Exits non-zero when a correctness check fails (different RunCloud state, an error where none
// was expected, a 429 in the paced bulk sync...), so a fast wrong answer can never pass.
declare(strict_types=1);

namespace WuBench;

require __DIR__ . '/lib/Procs.php';
require __DIR__ . '/lib/Callgrind.php';
require dirname(__DIR__) . '/tests/lib/php/FastCgi.php';
require dirname(__DIR__) . '/tests/lib/php/SimProcess.php';

use WuRunCloud\Harness\FastCgi;
use WuRunCloud\Harness\Sim;
use WuRunCloud\Harness\SimProcess;

$smoke = in_array('--smoke', $argv, true);
$root = dirname(__DIR__);
$out = "$root/bench/out/run";
$ext = getenv('WU_RUNCLOUD_EXT') ?: "$root/target/release/libwu_runcloud.so";
$simBin = getenv('RUNCLOUD_SIM_BIN') ?: "$root/target/release/runcloud-sim";
// Development aids (a full run ignores them): BENCH_ONLY=per_op,large,bulk,overhead,memory,admin
// runs only those phases; BENCH_SIDES=baseline runs phase 1 without the extension.
$only = array_filter(explode(',', (string) getenv('BENCH_ONLY')));
$sides = array_filter(explode(',', (string) getenv('BENCH_SIDES'))) ?: ['ours', 'plugin', 'baseline'];
$phaseOn = static fn(string $p): bool => !$only || in_array($p, $only, true);
foreach (['extension' => $ext, 'simulator' => $simBin] as $what => $path) {
    if (!is_file($path) && ($what !== 'extension' || in_array('ours', $sides, true))) {
        fail("the $what is not built: $path is missing (run `make release`)");
    }
}

// ---------------------------------------------------------------- plan (what is measured)
$plan = $smoke ? [
    'rtts' => [5],
    'jobs_per_op' => 2,
    'large_sizes' => [200],
    'large_rtts' => [5],
    'bulk_rtt' => 2,
    'bulk_sizes' => [100],
    'bulk_limits' => [100 => 1000], // no pacing wait in a smoke run: correctness only
    'overhead_calls' => 200,
    'overhead_rounds' => 1,
    'overhead_block' => 50,
    'callgrind_calls' => 0,
    'syscall_calls' => 0,
    'memory_jobs' => 2,
    'memory_calls_per_job' => 200,
    'admin_sites' => 200,
    'admin_reps' => 1,
] : [
    'rtts' => [20, 80],
    'jobs_per_op' => 10,
    'large_sizes' => [1000, 10000],
    'large_rtts' => [20, 80],
    'bulk_rtt' => 2,
    'bulk_sizes' => [1000, 10000],
    // requests per minute for each size: 1,000 domains need a third 60-s window and 10,000 a
    // second one, by a few requests each, so the bounds are ~120 s and ~60 s (see README.md)
    'bulk_limits' => [1000 => 500, 10000 => 10000],
    'overhead_calls' => 2000,
    'overhead_rounds' => 9,
    'overhead_block' => 100,
    'callgrind_calls' => 200,
    'syscall_calls' => 500,
    'memory_jobs' => 10,
    'memory_calls_per_job' => 10000,
    // Settings -> RunCloud of a network this large (1 % failing, 10 % not added by us)
    'admin_sites' => 10000,
    'admin_reps' => 5,
];

$R = ['smoke' => $smoke, 'partial' => (bool) $only || count($sides) < 3, 'plan' => $plan, 'started' => gmdate('c'), 'checks' => [], 'phases' => []];
$failures = [];

/** Records a correctness check; a failed one makes the whole run fail. */
function check(bool $ok, string $what, string $detail = ''): bool
{
    global $R, $failures;
    $R['checks'][] = ['ok' => $ok, 'what' => $what, 'detail' => $detail];
    echo ($ok ? '  ok    ' : '  FAIL  '), $what, $detail !== '' && !$ok ? " — $detail" : '', "\n";
    if (!$ok) { $failures[] = "$what: $detail"; }
    return $ok;
}

function fail(string $msg): never
{
    fwrite(STDERR, "bench: $msg\n");
    exit(1);
}

function say(string $msg): void { echo '[' . gmdate('H:i:s') . "] $msg\n"; }

/** Fresh default state (or $state), rate limit as given (null: off), no added latency. */
function reset_sim(Sim $sim, ?array $state = null, ?int $rateLimit = null): void
{
    $sim->reset($state);
    $sim->config(['rate_limit' => $rateLimit, 'latency_ms' => 0]);
}

/** $count domains named after $pattern on the benchmark's app, behind the API's back. */
function seed_sim(Sim $sim, int $count, string $pattern): void
{
    $r = $sim->seed(Sim::SERVER, Sim::APP, ['count' => $count, 'pattern' => $pattern, 'start' => 1]);
    if (($r['added'] ?? 0) !== $count) {
        fail('the simulator seeded ' . json_encode($r) . " instead of $count domains");
    }
}

function stats(array $xs): array
{
    if (!$xs) { return ['n' => 0]; }
    $s = $xs;
    sort($s);
    $n = count($s);
    $q = static fn(float $p) => $s[min($n - 1, (int) floor($p * ($n - 1) + 0.5))];
    return ['n' => $n, 'mean' => array_sum($s) / $n, 'median' => $q(0.5), 'p90' => $q(0.9), 'min' => $s[0], 'max' => $s[$n - 1], 'sum' => array_sum($s)];
}

// ---------------------------------------------------------------- the stack
@mkdir("$root/bench/out", 0777, true);
exec('rm -rf ' . escapeshellarg($out));
mkdir($out, 0777, true);
$procs = new Procs();
$t0 = microtime(true);

say('starting the simulator (TLS) and the latency proxy');
putenv("RUNCLOUD_SIM_BIN=$simBin");
try {
    $simProcess = SimProcess::start("$out/sim", ['--tls', '--ca-out', "$out/sim-ca.pem", '--rate-limit', 'off']);
} catch (\RuntimeException $e) {
    fail($e->getMessage());
}
$procs->onStop([$simProcess, 'stop']);
$sim = $simProcess->control();
$simPort = (int) parse_url($sim->url, PHP_URL_PORT);
file_put_contents("$out/proxy-rtt", '0');
[$proxyPid, $line] = $procs->start('proxy', [PHP_BINARY, '-n', "$root/bench/lib/latency-proxy.php", "127.0.0.1:$simPort", '0'], "$out/proxy.log", ['LATENCY_PROXY_RTT_FILE' => "$out/proxy-rtt"], true);
$pinfo = json_decode($line, true);
if (!isset($pinfo['port'])) { fail("the latency proxy did not start: $line"); }
$proxy = new Proxy($pinfo['port'], $proxyPid, "$out/proxy-rtt");

say('starting MariaDB and installing WordPress multisite (subdomain mode)');
$mariadb = "$out/mariadb";
$sock = trim((string) shell_exec(escapeshellarg("$root/tests/lib/mariadb.sh") . ' start ' . escapeshellarg($mariadb)));
$procs->onStop(function () use ($root, $mariadb) { exec(escapeshellarg("$root/tests/lib/mariadb.sh") . ' stop ' . escapeshellarg($mariadb)); });
if (!file_exists($sock)) { fail("MariaDB did not start (see $mariadb/error.log)"); }
$apiUrl = $proxy->url() . '/api/v3';
file_put_contents("$out/wp-config-extra.php", "<?php\n// Written by bench/bench.php\n"
    . "define('WU_RUNCLOUD_API_TOKEN', 'sim-token');\n"
    . "define('WU_RUNCLOUD_SERVER_ID', '" . Sim::SERVER . "');\n"
    . "define('WU_RUNCLOUD_APP_ID', '" . Sim::APP . "');\n"
    . "define('WU_BENCH_RUNCLOUD_API_URL', " . var_export($apiUrl, true) . ");\n"
    . "define('WU_BENCH_SIM_CA_FILE', " . var_export($sim->caFile, true) . ");\n"
    . "define('WP_ACCESSIBLE_HOSTS', '127.0.0.1');\n");
exec('env -u PHP_INI_SCAN_DIR ' . implode(' ', array_map('escapeshellarg', ["$root/tests/lib/wp-install.sh", '--dir', "$out/wp", '--socket', $sock,
    '--db', 'wu_bench', '--domain', 'network.test', '--mode', 'subdomain', '--extra-config', "$out/wp-config-extra.php"])) . ' 2>&1', $o, $rc);
if ($rc !== 0) { fail("WordPress install failed:\n" . implode("\n", $o)); }
copy("$root/bench/baseline/trust-simulator-ca.php", "$out/wp/wp-content/mu-plugins/trust-simulator-ca.php");
file_put_contents("$out/config.json", json_encode([
    'wp_dir' => "$out/wp",
    'baseline_log' => "$out/baseline-integration-runcloud.log",
    'ours_base_url' => $proxy->url(),
]));

// One php.ini for every PHP we start (no conf.d: nothing installed system-wide can leak in).
function php_ini(string $path, ?string $ext): string
{
    $lines = ['; written by bench/bench.php', 'memory_limit = 512M', 'display_errors = stderr', 'error_reporting = E_ALL',
        'max_execution_time = 0', 'opcache.enable = 1', 'opcache.enable_cli = 0', 'opcache.validate_timestamps = 0'];
    foreach (['mysqlnd', 'mysqli', 'curl', 'mbstring', 'xml', 'dom', 'simplexml', 'ctype', 'iconv', 'tokenizer', 'fileinfo', 'posix', 'pcntl'] as $m) {
        $so = ini_get('extension_dir') . "/$m.so";
        if (is_file($so)) { $lines[] = "extension = $m"; }
    }
    $lines[] = 'zend_extension = opcache';
    if ($ext !== null) { $lines[] = "extension = $ext"; }
    file_put_contents($path, implode("\n", $lines) . "\n");
    return $path;
}
php_ini("$out/php-ext.ini", $ext);
php_ini("$out/php-noext.ini", null);
$phpExt = [PHP_BINARY, '-c', "$out/php-ext.ini"];
$phpEnv = ['PHP_INI_SCAN_DIR' => ''];

/** Starts a php-fpm master with one static worker; returns its FastCGI client. */
function start_fpm(Procs $procs, string $name, string $out, string $ini): FastCgi
{
    $fpm = trim((string) shell_exec('command -v php-fpm8.2 || command -v php-fpm')) ?: '/usr/sbin/php-fpm8.2';
    $sockPath = "$out/$name.sock";
    file_put_contents("$out/$name.conf", implode("\n", [
        '[global]', "error_log = $out/$name-error.log", 'daemonize = no',
        '[bench]', ...(posix_getuid() === 0 ? ['user = root'] : []), "listen = $sockPath", 'pm = static', 'pm.max_children = 1', 'pm.max_requests = 0',
        'request_terminate_timeout = 600', 'catch_workers_output = yes', 'clear_env = no', '',
    ]));
    $procs->start($name, [$fpm, '-F', ...(posix_getuid() === 0 ? ['-R'] : []), '-c', $ini, '-y', "$out/$name.conf"], "$out/$name.log", ['PHP_INI_SCAN_DIR' => '']);
    for ($i = 0; $i < 100 && !file_exists($sockPath); $i++) { usleep(50000); }
    if (!file_exists($sockPath)) { fail("php-fpm $name did not start; see $out/$name-error.log"); }
    return new FastCgi("unix://$sockPath", 300.0);
}

/** Runs one job in the worker; returns its decoded JSON answer plus the client-side wall time. */
function job(FastCgi $fcgi, string $script, array $q): array
{
    $t = hrtime(true);
    ['headers' => $headers, 'body' => $body, 'stderr' => $stderr, 'complete' => $complete] = $fcgi->get($script, $q, 'network.test');
    $wall = (hrtime(true) - $t) / 1e6;
    if (!$complete) {
        fail("job " . json_encode($q) . " got no complete answer: php-fpm timed out or closed the connection\n" . substr($stderr, 0, 2000));
    }
    $j = json_decode($body, true);
    if (!is_array($j)) {
        fail("job " . json_encode($q) . " answered something that is not JSON:\n" . substr($headers . "\n" . $body . "\n" . $stderr, 0, 2000));
    }
    $j['wall_ms'] = $wall;
    return $j;
}

$fcgi = start_fpm($procs, 'fpm-ext', $out, "$out/php-ext.ini");
$jobScript = "$root/bench/worker/job.php";
$probe = job($fcgi, $jobScript, ['side' => 'ours', 'op' => 'noop']);
check($probe['ok'] === true && function_exists('json_encode'), 'the php-fpm worker boots WordPress and answers a no-op job', json_encode($probe));
$R['setup_seconds'] = microtime(true) - $t0;
$cpuinfo = (string) @file_get_contents('/proc/cpuinfo');
preg_match('/^model name\s*:\s*(.+)$/m', $cpuinfo, $cm);
preg_match('/^MemTotal:\s+(\d+) kB/m', (string) @file_get_contents('/proc/meminfo'), $mm);
$R['machine'] = [
    'nproc' => (int) trim((string) shell_exec('nproc')),
    'cpu' => $cm[1] ?? 'unknown',
    'memory_gib' => isset($mm[1]) ? round($mm[1] / 1048576, 1) : null,
    'kernel' => php_uname('s') . ' ' . php_uname('r') . ' ' . php_uname('m'),
    'os' => preg_match('/^PRETTY_NAME="?([^"\n]+)/m', (string) @file_get_contents('/etc/os-release'), $om) ? $om[1] : 'unknown',
    'php' => PHP_VERSION,
    'php_fpm' => trim((string) shell_exec('php-fpm8.2 -v 2>/dev/null | head -n1')),
    'curl' => curl_version()['version'] . ' / ' . curl_version()['ssl_version'],
    'rustc' => trim((string) shell_exec('rustc -V 2>/dev/null')),
    'extension' => $ext,
    'extension_version' => in_array('ours', $sides, true)
        ? trim((string) shell_exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $phpExt)) . " -r 'echo wu_runcloud_version();'")) : null,
    'wordpress' => (static function (string $f) { $wp_version = null; if (is_file($f)) { include $f; } return $wp_version; })("$out/wp/wp-includes/version.php"),
];

// ---------------------------------------------------------------- phase 1: per operation
/**
 * One side's sequence of consecutive jobs in the single worker: N adds (+SSL), N subdomain
 * adds, N removals. Returns per-job records with the simulator's request/connection deltas.
 */
function run_sequence(FastCgi $fcgi, string $script, Sim $sim, string $side, int $n): array
{
    $ops = [];
    for ($i = 1; $i <= $n; $i++) { $ops[] = ['add', "shop$i.example.com"]; }
    if ($side === 'plugin') { $ops[] = ['redeploy', '']; }
    for ($i = 1; $i <= $n; $i++) { $ops[] = ['subdomain', "site$i.network.test"]; }
    if ($side === 'plugin') { $ops[] = ['redeploy', '']; }
    for ($i = 1; $i <= $n; $i++) { $ops[] = ['remove', "shop$i.example.com"]; }
    $records = [];
    $ids = [];
    foreach ($ops as [$op, $domain]) {
        $q = ['side' => $side, 'op' => $op, 'domain' => $domain];
        if ($side === 'plugin' && $op === 'remove') { $q['id'] = (string) ($ids[$domain] ?? ''); }
        $c0 = $sim->counters();
        $j = job($fcgi, $script, $q);
        $c1 = $sim->counters();
        if (isset($j['result']['id'])) { $ids[$domain] = $j['result']['id']; }
        $j['requests'] = $c1['requests'] - $c0['requests'];
        $j['connections'] = new_connections($c0, $c1);
        $j['rate_limited'] = $c1['rate_limited'] - $c0['rate_limited'];
        $j['redeploys'] = $c1['redeploys'] - $c0['redeploys'];
        $records[] = $j;
    }
    return $records;
}

/**
 * New TCP connections the client opened between two counter snapshots. The simulator's
 * `connections` counts every connection used since the last reset (a kept-alive one is counted
 * again after a reset) and `tcp_accepted` every accept, control calls included; a new API
 * connection raises both, so the smaller delta is the right one.
 */
function new_connections(array $c0, array $c1): int
{
    return min($c1['connections'] - $c0['connections'], $c1['tcp_accepted'] - $c0['tcp_accepted']);
}

function summarize(array $records): array
{
    $by = [];
    foreach ($records as $r) { $by[$r['op']][] = $r; }
    $out = [];
    foreach ($by as $op => $rs) {
        $out[$op] = [
            'jobs' => count($rs),
            'op_ms' => stats(array_column($rs, 'op_ms')),
            'wall_ms' => stats(array_column($rs, 'wall_ms')),
            'cpu_ms' => stats(array_column($rs, 'cpu_ms')),
            'requests' => stats(array_column($rs, 'requests')),
            'connections' => stats(array_column($rs, 'connections')),
            'redeploys' => array_sum(array_column($rs, 'redeploys')),
            'first_op_ms' => $rs[0]['op_ms'],
            'first_connections' => $rs[0]['connections'],
            'errors' => array_values(array_filter(array_column($rs, 'error'))),
        ];
    }
    return $out;
}

say('phase 1: add+SSL, subdomain add, remove — consecutive jobs in one php-fpm worker');
$n = $plan['jobs_per_op'];
$expected = ['network.test' => true];
for ($i = 1; $i <= $n; $i++) { $expected["site$i.network.test"] = true; }
ksort($expected);
foreach ($phaseOn('per_op') ? $plan['rtts'] : [] as $rtt) {
    $proxy->setRtt($rtt);
    $phase = ['rtt_ms' => $rtt];
    $states = [];
    $pids = [];
    foreach ($sides as $side) {
        reset_sim($sim);
        $records = run_sequence($fcgi, $jobScript, $sim, $side, $n);
        $phase[$side] = summarize($records);
        $phase[$side . '_jobs'] = array_map(fn($r) => [$r['op'], $r['domain'], round($r['op_ms'], 2), round($r['cpu_ms'], 2), $r['requests'], $r['connections']], $records);
        $states[$side] = $sim->state();
        $pids[$side] = array_unique(array_column($records, 'pid'));
        say(sprintf('  rtt %d ms, %-8s add %.0f ms / %.1f req, subdomain %.0f ms, remove %.0f ms', $rtt, $side,
            $phase[$side]['add']['op_ms']['median'], $phase[$side]['add']['requests']['mean'],
            $phase[$side]['subdomain']['op_ms']['median'], $phase[$side]['remove']['op_ms']['median']));
        check(count($pids[$side]) === 1, "rtt $rtt: every $side job ran in the same php-fpm worker", 'pids ' . implode(',', $pids[$side]));
        check(!array_filter(array_column($records, 'error')), "rtt $rtt: no $side job raised an error",
            implode('; ', array_slice(array_filter(array_column($records, 'error')), 0, 3)));
        if ($side === 'plugin') {
            check($phase[$side]['redeploy']['redeploys'] === 2 && $phase[$side]['add']['redeploys'] === 0, "rtt $rtt: plugin-style, SSL was redeployed once per batch, never per add",
                "expected 2 batch redeploys and none in the adds, saw {$phase[$side]['redeploy']['redeploys']} and {$phase[$side]['add']['redeploys']}");
        } else {
            check($phase[$side]['add']['redeploys'] === $n, "rtt $rtt: $side redeployed SSL once per added domain",
                "expected $n redeploys for $n adds, saw {$phase[$side]['add']['redeploys']}");
        }
    }
    if (!isset($states['ours'], $states['baseline'])) { $R['phases']['per_op'][] = $phase; continue; }
    check(array_keys($states['ours']) === array_keys($expected), "rtt $rtt: ours leaves exactly the primary domain and the $n site subdomains",
        'got ' . implode(',', array_keys($states['ours'])));
    foreach (array_diff(array_keys($states), ['baseline']) as $side) {
        check($states[$side] === $states['baseline'], "rtt $rtt: $side and the baseline leave the same RunCloud state (names, type, www, redirection)",
            json_encode(array_diff_key($states[$side], $states['baseline'])) . ' vs ' . json_encode(array_diff_key($states['baseline'], $states[$side])));
    }
    $R['phases']['per_op'][] = $phase;
}

// ---------------------------------------------------------------- phase 2: removal in a large app
say('phase 2: removal in a large app');
foreach ($phaseOn('large') ? $plan['large_rtts'] : [] as $rtt) {
    $proxy->setRtt($rtt);
    foreach ($plan['large_sizes'] as $size) {
        $target = sprintf('site%d.bulk.test', intdiv($size, 2));
        $row = ['rtt_ms' => $rtt, 'size' => $size, 'target' => $target];
        foreach (['ours_id' => 'ours', 'ours_lookup' => 'ours', 'baseline' => 'baseline'] as $variant => $side) {
            reset_sim($sim);
            seed_sim($sim, $size, 'site{n}.bulk.test');
            $q = ['side' => $side, 'op' => 'remove', 'domain' => $target];
            if ($variant === 'ours_id') {
                foreach ($sim->domains() as $d) { if ($d['name'] === $target) { $q['id'] = (string) $d['id']; } }
            }
            $c0 = $sim->counters();
            $j = job($fcgi, $jobScript, $q);
            $c1 = $sim->counters();
            $still = isset($sim->state()[$target]);
            $row[$variant] = ['op_ms' => $j['op_ms'], 'cpu_ms' => $j['cpu_ms'], 'requests' => $c1['requests'] - $c0['requests'],
                'connections' => new_connections($c0, $c1), 'removed' => !$still, 'error' => $j['error'], 'result' => $j['result']];
            if ($side === 'ours') {
                check(!$still && $j['error'] === null && ($j['result']['removed'] ?? null) === true,
                    "large app $size, rtt $rtt: ours ($variant) removed $target and said so", json_encode($j['result']) . ' ' . $j['error']);
            }
        }
        say(sprintf('  %5d domains, rtt %d: ours+id %.0f ms/%d req, ours lookup %.0f ms/%d req, baseline %.0f ms/%d req, baseline removed it: %s',
            $size, $rtt, $row['ours_id']['op_ms'], $row['ours_id']['requests'], $row['ours_lookup']['op_ms'], $row['ours_lookup']['requests'],
            $row['baseline']['op_ms'], $row['baseline']['requests'], $row['baseline']['removed'] ? 'yes' : 'NO'));
        $R['phases']['large_remove'][] = $row;
    }
}

// ---------------------------------------------------------------- phase 3: bulk sync
say('phase 3: bulk sync (backfill) against the rate-limit bound, then with the limit off');
$proxy->setRtt($plan['bulk_rtt']);
// SSL mode "none" for the backfill: one basic certificate cannot cover 1,000+ names (100-SAN
// limit), so a redeploy would fail by design; networks this size use wildcard/AutoSSL.
$bulkState = ['servers' => [['id' => Sim::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1',
    'webapps' => [['id' => Sim::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'none']]]]];
$bulkRuns = [];
foreach ($phaseOn('bulk') ? $plan['bulk_sizes'] : [] as $size) {
    $bulkRuns[] = [$size, 'limited', 'ours', $plan['bulk_limits'][$size], $plan['bulk_rtt']];
    $bulkRuns[] = [$size, 'unlimited', 'ours', null, $plan['bulk_rtt']];
}
// The baseline has no bulk operation: its backfill is one wu_add_domain per domain. Run once,
// on the smallest size under the same limit, to show what happens to it there.
if ($phaseOn('bulk') && $plan['bulk_sizes']) {
    $s0 = min($plan['bulk_sizes']);
    $bulkRuns[] = [$s0, 'limited', 'baseline', $plan['bulk_limits'][$s0], $plan['bulk_rtt']];
    // And with the limit off at a realistic RTT, where latency alone sets the pace.
    $bulkRuns[] = [$s0, 'unlimited', 'ours', null, $plan['rtts'][0]];
}
foreach ($bulkRuns as [$size, $mode, $side, $limit, $bulkRtt]) {
    $proxy->setRtt($bulkRtt);
    reset_sim($sim, $bulkState, $limit);
    $pattern = 'bulk{n}.example.org';
    if ($side === 'ours') {
        $cfgFile = "$out/bulk-config.json";
        file_put_contents($cfgFile, json_encode(['api_token' => 'sim-token', 'server_id' => Sim::SERVER, 'app_id' => Sim::APP,
            'base_url' => $proxy->url(), 'ca_file' => $sim->caFile]));
        $cmd = array_merge($phpExt, ["$root/bench/worker/bulk.php", $cfgFile, (string) $size, $pattern]);
    } else {
        $cmd = [PHP_BINARY, '-c', "$out/php-noext.ini", "$root/bench/worker/baseline-bulk.php", (string) $size, $pattern];
    }
    $t = microtime(true);
    $raw = shell_exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $cmd)) . ' 2>&1');
    $wall = microtime(true) - $t;
    $j = json_decode((string) $raw, true);
    $c = $sim->counters();
    $state = $sim->state();
    $missing = 0;
    for ($i = 1; $i <= $size; $i++) { if (!isset($state["bulk$i.example.org"])) { $missing++; } }
    $row = ['size' => $size, 'mode' => $mode, 'side' => $side, 'limit_per_min' => $limit, 'rtt_ms' => $bulkRtt, 'wall_s' => $wall,
        'sync_s' => $j['wall_s'] ?? null, 'requests' => $c['requests'], 'connections' => $c['connections'],
        'rate_limited' => $c['rate_limited'], 'missing' => $missing, 'summary' => $j['summary'] ?? null,
        'error' => $j['error'] ?? ($j === null ? substr((string) $raw, 0, 500) : null)];
    $time = $j['wall_s'] ?? $wall;
    if ($limit !== null) {
        // Fixed 60-s windows opened by the first request: the last request cannot be sent
        // before window ceil(R/limit) opens; requests ÷ rate is the same bound when spread evenly.
        $row['bound_rate_s'] = $c['requests'] / ($limit / 60.0);
        $row['bound_window_s'] = (ceil($c['requests'] / $limit) - 1) * 60.0;
        $row['ratio_to_bound'] = $time / max($row['bound_rate_s'], $row['bound_window_s']);
        if ($side === 'ours') {
            check($c['rate_limited'] === 0, "bulk $size @ $limit/min: ours received no 429", "{$c['rate_limited']} requests were answered 429");
        }
    } else {
        $row['req_per_s'] = $c['requests'] / $time;
        $row['latency_allows_per_s'] = 1000.0 / $bulkRtt;
    }
    check($j !== null && ($j['error'] ?? null) === null, "bulk $size ($side, $mode): the run finished without an exception", (string) ($row['error'] ?? ''));
    if ($side === 'ours') {
        check($missing === 0, "bulk $size ($mode): every wanted domain is in RunCloud after ours", "$missing of $size missing; failed: " . json_encode($j['summary']['failed_sample'] ?? null));
    }
    say(sprintf('  %5d domains %-8s %-9s rtt %2d ms: %.1f s, %d requests, %d 429s, %d missing%s', $size, $side, $mode, $bulkRtt, $time, $c['requests'],
        $c['rate_limited'], $missing, $limit !== null ? sprintf(', bound %.1f s (ratio %.3f)', max($row['bound_rate_s'], $row['bound_window_s']), $row['ratio_to_bound']) : sprintf(', %.0f req/s', $row['req_per_s'])));
    $R['phases']['bulk'][] = $row;
}

// ---------------------------------------------------------------- phase 4: per-call overhead
if ($phaseOn('overhead') || $phaseOn('memory')) {
    reset_sim($sim);
}
$ovCfg = "$out/overhead-config.json";
file_put_contents($ovCfg, json_encode(['api_token' => 'sim-token', 'server_id' => Sim::SERVER, 'app_id' => Sim::APP, 'base_url' => $sim->url, 'ca_file' => $sim->caFile]));
if ($phaseOn('overhead')) {
say('phase 4: per-call overhead on keep-alive loopback (no proxy, no latency)');
// Other work on the machine makes CPU timings noisy: alternate the sides over several rounds
// (a fresh process each), keep every round, and report min / median / max with the load.
$loadavg = static fn(): string => implode(' ', array_slice(explode(' ', trim((string) @file_get_contents('/proc/loadavg'))), 0, 3));
$R['phases']['overhead_load'] = ['start' => $loadavg()];
$rounds = [];
for ($round = 1; $round <= $plan['overhead_rounds']; $round++) {
    foreach (['ours', 'curl'] as $mode) {
        $cmd = array_merge($phpExt, ["$root/bench/worker/overhead.php", $ovCfg, $mode, (string) $plan['overhead_calls']]);
        $c0 = $sim->counters();
        $raw = shell_exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $cmd)) . ' 2>&1');
        $c1 = $sim->counters();
        $j = json_decode((string) $raw, true);
        if (!is_array($j)) { fail("overhead.php $mode failed: " . substr((string) $raw, 0, 1000)); }
        $j['requests'] = $c1['requests'] - $c0['requests'];
        $j['connections'] = new_connections($c0, $c1);
        check($j['found'] === $plan['overhead_calls'] && $j['requests'] === $plan['overhead_calls'] + 1,
            "overhead ($mode, round $round): every call found the domain with one request", "{$j['found']} of {$plan['overhead_calls']} found, {$j['requests']} requests");
        $rounds[$mode][] = $j;
    }
}
// The same two loops paired in one process, in alternating blocks (ours, curl, curl, ours, …):
// both sides then share the process's layout, its CPU placement and the load of the moment,
// which differ from one process to the next far more than the sides differ from each other.
$paired = [];
for ($round = 1; $round <= $plan['overhead_rounds']; $round++) {
    $cmd = array_merge($phpExt, ["$root/bench/worker/overhead.php", $ovCfg, 'both', (string) $plan['overhead_calls'], (string) $plan['overhead_block']]);
    $c0 = $sim->counters();
    $raw = shell_exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $cmd)) . ' 2>&1');
    $c1 = $sim->counters();
    $j = json_decode((string) $raw, true);
    if (!is_array($j) || !isset($j['sides']['ours'], $j['sides']['curl'])) { fail('overhead.php both failed: ' . substr((string) $raw, 0, 1000)); }
    $j['requests'] = $c1['requests'] - $c0['requests'];
    $j['connections'] = new_connections($c0, $c1);
    $want = 2 * ($plan['overhead_calls'] + 1);
    check($j['sides']['ours']['found'] === $plan['overhead_calls'] && $j['sides']['curl']['found'] === $plan['overhead_calls'] && $j['requests'] === $want && $j['connections'] === 2,
        "overhead (paired, round $round): every call of each side found the domain with one request, one connection per side",
        "{$j['sides']['ours']['found']} + {$j['sides']['curl']['found']} of {$plan['overhead_calls']} each found, {$j['requests']} requests (want $want), {$j['connections']} connections");
    $paired[] = $j;
}
$R['phases']['overhead']['paired'] = ['block' => $plan['overhead_block'], 'rounds' => $paired];
$pr = array_map(fn($j) => $j['sides']['ours']['cpu_us_per_call'] / $j['sides']['curl']['cpu_us_per_call'], $paired);
say(sprintf('  paired in one process (blocks of %d): extension / curl CPU per call, round by round: min %.3f, median %.3f, max %.3f', $plan['overhead_block'], min($pr), stats($pr)['median'], max($pr)));

// The same loops with the client and the simulator pinned to one CPU (taskset), one side per
// process, alternating: the client then never waits on an idle CPU, so what is measured is its
// own work and the system calls it makes, without the cost of waking a CPU from idle (on a
// virtual machine most of a call's CPU when the two run on different CPUs, and what varies).
$simTasks = glob("/proc/{$simProcess->pid}/task/*") ?: [];
$affinity = static function (string $cpus) use ($simProcess): bool {
    exec('taskset -a -p -c ' . escapeshellarg($cpus) . ' ' . (int) $simProcess->pid . ' 2>&1', $o, $rc);
    return $rc === 0;
};
$allCpus = '0-' . (max(1, (int) trim((string) shell_exec('nproc'))) - 1);
if ($simTasks && $affinity('0')) {
    $pinned = [];
    for ($round = 1; $round <= $plan['overhead_rounds']; $round++) {
        $row = [];
        foreach (['ours', 'curl'] as $mode) {
            $cmd = array_merge(['taskset', '-c', '0'], $phpExt, ["$root/bench/worker/overhead.php", $ovCfg, $mode, (string) $plan['overhead_calls']]);
            $c0 = $sim->counters();
            $raw = shell_exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $cmd)) . ' 2>&1');
            $c1 = $sim->counters();
            $j = json_decode((string) $raw, true);
            if (!is_array($j)) { $affinity($allCpus); fail("overhead.php $mode (one CPU) failed: " . substr((string) $raw, 0, 1000)); }
            $j['requests'] = $c1['requests'] - $c0['requests'];
            check($j['found'] === $plan['overhead_calls'] && $j['requests'] === $plan['overhead_calls'] + 1,
                "overhead ($mode, one CPU, round $round): every call found the domain with one request", "{$j['found']} of {$plan['overhead_calls']} found, {$j['requests']} requests");
            $row[$mode] = $j;
        }
        $pinned[] = $row;
    }
    check($affinity($allCpus), "the simulator may run on every CPU again ($allCpus)", 'taskset failed');
    $R['phases']['overhead']['one_cpu'] = ['rounds' => $pinned];
    $pr = array_map(fn($r) => $r['ours']['cpu_us_per_call'] / $r['curl']['cpu_us_per_call'], $pinned);
    say(sprintf('  client and simulator on one CPU: extension / curl CPU per call, round by round: min %.3f, median %.3f, max %.3f', min($pr), stats($pr)['median'], max($pr)));
} else {
    $R['phases']['overhead']['one_cpu'] = ['not_run' => 'taskset could not pin the simulator to CPU 0'];
    say('  NOT RUN: client and simulator on one CPU (taskset could not pin the simulator)');
}
foreach ($rounds as $mode => $rs) {
    $R['phases']['overhead'][$mode] = ['rounds' => $rs];
    $cpu = stats(array_column($rs, 'cpu_us_per_call'));
    say(sprintf('  %-4s: CPU µs/call min %.1f, median %.1f, max %.1f over %d rounds; %.2f context switches/call; %d requests on %d connection(s) in the last round', $mode,
        $cpu['min'], $cpu['median'], $cpu['max'], count($rs), stats(array_column($rs, 'context_switches_per_call'))['median'], end($rs)['requests'], end($rs)['connections']));
}

// The blocking client's hand-off alone: the same GET through reqwest's blocking client and
// through its async client on a runtime driven by the calling thread (examples/handoff.rs).
$handoff = getenv('WU_RUNCLOUD_HANDOFF_BIN') ?: "$root/target/release/examples/handoff";
if (!is_file($handoff)) { fail("the hand-off probe is not built: $handoff is missing (cargo build --release -p runcloud --example handoff)"); }
$pageUrl = sprintf('%s/api/v3/servers/%d/webapps/%d/domains?page=1&perPage=40', $sim->url, Sim::SERVER, Sim::APP);
$hoCmd = static fn(string $mode, int $calls): array => [$handoff, $pageUrl, $sim->caFile, 'sim-token', (string) $calls, $mode];
$hoRounds = [];
for ($round = 1; $round <= $plan['overhead_rounds']; $round++) {
    foreach (['blocking', 'inline'] as $mode) {
        $c0 = $sim->counters();
        $raw = shell_exec(implode(' ', array_map('escapeshellarg', $hoCmd($mode, $plan['overhead_calls']))) . ' 2>&1');
        $c1 = $sim->counters();
        $j = json_decode((string) $raw, true);
        if (!is_array($j)) { fail("handoff $mode failed: " . substr((string) $raw, 0, 1000)); }
        $j['requests'] = $c1['requests'] - $c0['requests'];
        $j['connections'] = new_connections($c0, $c1);
        check($j['requests'] === $plan['overhead_calls'] + 1 && $j['connections'] === 1 && $j['bytes_per_call'] > 0,
            "hand-off probe ($mode, round $round): one kept-alive connection, one request per call", "{$j['requests']} requests on {$j['connections']} connections");
        $hoRounds[$mode][] = $j;
    }
}
foreach ($hoRounds as $mode => $rs) {
    $R['phases']['handoff'][$mode] = ['rounds' => $rs];
    $cpu = stats(array_column($rs, 'cpu_us_per_call'));
    say(sprintf('  hand-off probe %-8s: CPU µs/call min %.1f, median %.1f, max %.1f; %.2f context switches/call', $mode, $cpu['min'], $cpu['median'], $cpu['max'],
        stats(array_column($rs, 'context_switches_per_call'))['median']));
}
$R['phases']['overhead_load']['end'] = $loadavg();

if ($plan['callgrind_calls'] > 0) {
    $n = $plan['callgrind_calls'];
    $runs = [
        'ours' => static fn(int $calls): array => array_merge($phpExt, ["$root/bench/worker/overhead.php", $ovCfg, 'ours', (string) $calls]),
        'curl' => static fn(int $calls): array => array_merge($phpExt, ["$root/bench/worker/overhead.php", $ovCfg, 'curl', (string) $calls]),
        'blocking' => static fn(int $calls): array => $hoCmd('blocking', $calls),
        'inline' => static fn(int $calls): array => $hoCmd('inline', $calls),
    ];
    foreach ($runs as $mode => $cmdFor) {
        $ir = [];
        foreach ([0, $n] as $calls) {
            $file = "$out/callgrind.$mode.$calls";
            $cmd = array_merge(['valgrind', '--tool=callgrind', '--separate-threads=yes', "--callgrind-out-file=$file"], $cmdFor($calls));
            exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', $cmd)) . ' >/dev/null 2>&1', $o, $rc);
            $ir[$calls] = null;
            foreach (glob("$file-*") ?: [] as $f) { $ir[$calls] = ($ir[$calls] ?? 0) + (Callgrind::total($f) ?? 0); }
        }
        $per = ($ir[0] !== null && $ir[$n] !== null) ? ($ir[$n] - $ir[0]) / $n : null;
        check($per !== null, "callgrind counted instructions for $mode", json_encode($ir));
        $R['phases']['callgrind'][$mode] = ['ir_startup' => $ir[0], 'ir_total' => $ir[$n], 'calls' => $n, 'ir_per_call' => $per,
            'profile' => in_array($mode, ['ours', 'curl'], true) ? Callgrind::profile("$out/callgrind.$mode.0", "$out/callgrind.$mode.$n", $n) : null];
        say(sprintf('  callgrind %-8s: %s instructions per call', $mode, $per === null ? '?' : number_format($per)));
    }
}

// The kernel's share, which callgrind does not see: system calls per call, every thread
// (`strace -f -c`, the same 0-call and N-call runs; counts only, its timings are strace's own).
if ($plan['syscall_calls'] > 0) {
    $n = $plan['syscall_calls'];
    if (trim((string) shell_exec('command -v strace')) === '') {
        $R['phases']['syscalls'] = ['not_run' => 'strace is not installed (scripts/deps.sh installs it)'];
        say('  system calls: NOT measured, strace is not installed');
    } else {
        $stracePerCall = [];
        foreach (['ours' => 'ours', 'curl' => 'curl', 'blocking' => 'blocking', 'inline' => 'inline'] as $mode) {
            $counts = [];
            foreach ([0, $n] as $calls) {
                $file = "$out/strace.$mode.$calls";
                $cmdFor = match ($mode) {
                    'ours', 'curl' => array_merge($phpExt, ["$root/bench/worker/overhead.php", $ovCfg, $mode, (string) $calls]),
                    default => $hoCmd($mode, $calls),
                };
                exec('PHP_INI_SCAN_DIR= ' . implode(' ', array_map('escapeshellarg', array_merge(['strace', '-f', '-c', '-o', $file], $cmdFor))) . ' >/dev/null 2>&1', $o, $rc);
                $counts[$calls] = [];
                foreach (file($file) ?: [] as $l) {
                    // "% time  seconds  usecs/call  calls  [errors]  syscall"
                    if (preg_match('/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/', $l, $m)) {
                        if ($m[2] !== 'total') { $counts[$calls][$m[2]] = (int) $m[1]; }
                    }
                }
            }
            $per = [];
            foreach ($counts[$n] as $sc => $c) {
                $d = ($c - ($counts[0][$sc] ?? 0)) / $n;
                if ($d >= 0.05) { $per[$sc] = round($d, 2); }
            }
            arsort($per);
            check($per !== [], "strace counted system calls for $mode", json_encode(array_map('count', $counts)));
            $stracePerCall[$mode] = ['calls' => $n, 'per_call' => $per, 'total' => round(array_sum($per), 2)];
            say(sprintf('  system calls %-8s: %.1f per call (%s)', $mode, array_sum($per), implode(', ', array_map(fn($k, $v) => "$k $v", array_keys(array_slice($per, 0, 5)), array_slice($per, 0, 5)))));
        }
        $R['phases']['syscalls'] = $stracePerCall;
    }
}

}

// ---------------------------------------------------------------- phase 5: memory
if ($phaseOn('memory')) {
say('phase 5: memory of a php-fpm worker');
$procs->stop('fpm-ext'); // a fresh worker, so the figures start from a clean process
$fcgiExt = start_fpm($procs, 'fpm-ext2', $out, "$out/php-ext.ini");
$fcgiNo = start_fpm($procs, 'fpm-noext', $out, "$out/php-noext.ini");
$memScript = "$root/bench/worker/mem.php";
reset_sim($sim);
$mem = [];
foreach (['noext' => $fcgiNo, 'ext' => $fcgiExt] as $k => $f) {
    for ($i = 0; $i < 3; $i++) { $idle = job($f, $memScript, ['op' => 'idle']); }
    $mem["idle_$k"] = $idle;
}
$first = job($fcgiExt, $memScript, ['op' => 'calls', 'n' => '1']);
$mem['after_first_call'] = $first;
// The same first call made with PHP's curl, in the worker without the extension.
$firstCurl = job($fcgiNo, $memScript, ['op' => 'curl', 'n' => '1']);
check($firstCurl['ok'] && !$firstCurl['extension_loaded'], 'memory: PHP curl\'s first call found the domain in the worker without the extension', (string) $firstCurl['error']);
$mem['after_first_curl_call'] = $firstCurl;
$sizes = [];
if (preg_match('/^\s*(\d+)\s+(\d+)\s+(\d+)/m', (string) shell_exec('size ' . escapeshellarg($ext) . ' 2>/dev/null'), $sm)) {
    $sizes = ['text' => (int) $sm[1], 'data' => (int) $sm[2], 'bss' => (int) $sm[3]];
}
$mem['ext_so'] = ['bytes' => filesize($ext)] + $sizes;
$calls = 1;
$series = [];
for ($i = 0; $i < $plan['memory_jobs']; $i++) {
    $j = job($fcgiExt, $memScript, ['op' => 'calls', 'n' => (string) $plan['memory_calls_per_job']]);
    if (!$j['ok']) { check(false, 'memory: the calls job succeeded', (string) $j['error']); break; }
    $calls += $j['calls'];
    $series[] = ['calls' => $calls, 'rss_kb' => $j['rss_kb'], 'rss_anon_kb' => $j['rss_anon_kb'], 'rss_file_kb' => $j['rss_file_kb'], 'rss_ext_so_kb' => $j['rss_ext_so_kb'],
        'mem_before' => $j['mem_before'], 'mem_after' => $j['mem_after'], 'peak' => $j['peak']];
}
$mem['series'] = $series;
$mem['calls'] = $calls;
$R['phases']['memory'] = $mem;
if ($series) {
    $last = end($series);
    $firstJob = $series[0];
    $deltas = array_map(fn($s) => $s['mem_after'] - $s['mem_before'], $series);
    // A leak of even 10 bytes per call would show as 1 MB over 100,000 calls.
    $growth = $last['rss_kb'] - $firstJob['rss_kb'];
    $budgetKb = max(256, intdiv(10 * ($last['calls'] - $firstJob['calls']), 1024));
    check($growth <= $budgetKb, "memory: the worker's RSS does not grow with calls", "grew $growth kB from {$firstJob['calls']} to {$last['calls']} calls (allowed $budgetKb kB)");
    check(array_unique($deltas) === [0],
        'memory: memory_get_usage() is the same before and after every batch of calls', 'deltas in bytes: ' . json_encode($deltas));
    say(sprintf('  idle RSS without the extension %d kB, with it %d kB; after the first call %d kB; after %d calls %d kB',
        $mem['idle_noext']['rss_kb'], $mem['idle_ext']['rss_kb'], $first['rss_kb'], $calls, $last['rss_kb']));
}
}

// ---------------------------------------------------------------- phase 6: the admin page
if ($phaseOn('admin')) {
say(sprintf('phase 6: Settings -> RunCloud on a network of %s sites', number_format($plan['admin_sites'])));
// Its own WordPress, with the plugin network-activated (the other phases run without it).
$adminDir = "$out/wp-admin";
exec('env -u PHP_INI_SCAN_DIR ' . implode(' ', array_map('escapeshellarg', ["$root/tests/lib/wp-install.sh", '--dir', $adminDir, '--socket', $sock,
    '--db', 'wu_bench_admin', '--domain', 'network.test', '--mode', 'subdomain', '--extra-config', "$out/wp-config-extra.php",
    '--plugin', "$root/wordpress-plugin", '--activate'])) . ' 2>&1', $o, $rc);
if ($rc !== 0) { fail("WordPress install (admin page) failed:\n" . implode("\n", $o)); }
$cfg = json_decode((string) file_get_contents("$out/config.json"), true);
file_put_contents("$out/config.json", json_encode($cfg + ['admin_wp_dir' => $adminDir]));
// The network as SQL: N sites (rows of wp_blogs, as WordPress keeps them), each domain in
// RunCloud (every tenth one found there, not added by us), one finished add per domain, and
// 1 % whose latest add fails (half for good, half retrying) with RunCloud's words.
$n = $plan['admin_sites'];
$failing = max(2, intdiv($n, 100));
$error = 'RunCloud refused adding domain siteN.network.test to web application ' . Sim::APP . ' on server ' . Sim::SERVER
    . ' with HTTP 422: RunCloud said "The name has already been taken." [name: The name has already been taken.]; check that siteN.network.test is not used by another app on this server and that the RunCloud plan allows more domains';
$seed = sprintf(<<<'SQL'
INSERT INTO wp_blogs (site_id, domain, path, registered, last_updated) SELECT 1, CONCAT('site', seq, '.network.test'), '/', NOW(), NOW() FROM seq_1_to_%1$d;
INSERT INTO wp_wu_runcloud_domains (network_id, server_id, app_id, domain, runcloud_id, site_id, managed, requested, in_runcloud, updated_at)
  SELECT 1, %3$d, %4$d, CONCAT('site', seq, '.network.test'), 1000 + seq, seq + 1, IF(seq %% 10 = 0, 0, 1), 0, 1, UNIX_TIMESTAMP() FROM seq_1_to_%5$d;
INSERT INTO wp_wu_runcloud_ops (op, domain, network_id, server_id, app_id, site_id, source, status, attempts, next_attempt_at, created_at, updated_at, last_status, last_error)
  SELECT 'add', CONCAT('site', seq, '.network.test'), 1, %3$d, %4$d, seq + 1, 'wp_insert_site', 'done', 1, 0, UNIX_TIMESTAMP(), UNIX_TIMESTAMP(), 0, '' FROM seq_1_to_%1$d;
INSERT INTO wp_wu_runcloud_ops (op, domain, network_id, server_id, app_id, site_id, source, status, attempts, next_attempt_at, created_at, updated_at, last_status, last_error)
  SELECT 'add', CONCAT('site', seq, '.network.test'), 1, %3$d, %4$d, seq + 1, 'wu_add_domain', IF(seq %% 2 = 0, 'failed', 'retrying'), 3, UNIX_TIMESTAMP() + 3600, UNIX_TIMESTAMP(), UNIX_TIMESTAMP(), 422, REPLACE('%2$s', 'siteN', CONCAT('site', seq))
  FROM seq_%6$d_to_%1$d;
SQL, $n, $error, Sim::SERVER, Sim::APP, $n - $failing, $n - $failing + 1);
file_put_contents("$out/admin-seed.sql", $seed);
exec('mariadb --socket=' . escapeshellarg($sock) . ' -uroot wu_bench_admin < ' . escapeshellarg("$out/admin-seed.sql") . ' 2>&1', $o, $rc);
if ($rc !== 0) { fail('seeding the admin page\'s network failed: ' . implode("\n", $o)); }
$fcgiAdmin = start_fpm($procs, 'fpm-admin', $out, "$out/php-ext.ini");
$script = "$root/bench/worker/admin-page.php";
$search = 'site77';
$matches = count(array_filter(range(1, $n), static fn($i) => str_contains("site$i.network.test", $search)));
$scenarios = [
    'domains'          => [['tab' => 'domains'], $n],
    'domains_failing'  => [['tab' => 'domains', 'view' => 'failing'], $failing],
    'domains_search'   => [['tab' => 'domains', 's' => $search], $matches],
    'domains_by_state' => [['tab' => 'domains', 'orderby' => 'state', 'order' => 'desc', 'paged' => (string) min(50, intdiv($n, 20))], $n],
    'operations'       => [['tab' => 'operations'], $n + $failing],
    'operations_attention' => [['tab' => 'operations', 'view' => 'attention'], $failing],
    'overview'         => [[], null],
];
job($fcgiAdmin, $script, ['tab' => 'domains']); // warm OPcache and MariaDB's buffers, not measured
$runs = [];
for ($rep = 1; $rep <= $plan['admin_reps']; $rep++) {
    foreach ($scenarios as $name => [$q, $total]) {
        $j = job($fcgiAdmin, $script, $q);
        if (!$j['ok']) { check(false, "admin page $name renders", (string) $j['error']); continue; }
        $runs[$name][] = $j;
    }
}
$admin = ['sites' => $n, 'failing' => $failing, 'reps' => $plan['admin_reps'], 'scenarios' => []];
foreach ($scenarios as $name => [$q, $total]) {
    $rs = $runs[$name] ?? [];
    if (!$rs) { continue; }
    if ($total !== null) {
        check($rs[0]['total'] === $total, "admin page $name counts $total items", 'the pagination says ' . var_export($rs[0]['total'], true));
        check($rs[0]['rows'] === min(20, $total), "admin page $name shows one page of rows (" . min(20, $total) . ')', "{$rs[0]['rows']} rows");
    }
    $admin['scenarios'][$name] = [
        'query' => $q,
        'cpu_ms' => stats(array_column($rs, 'cpu_ms')),
        'wall_ms' => stats(array_column($rs, 'wall_ms')),
        'db_ms' => stats(array_column($rs, 'db_ms')),
        'php_ms' => stats(array_column($rs, 'php_ms')),
        'queries' => $rs[0]['queries'],
        'html_kb' => $rs[0]['html_kb'],
        'total' => $rs[0]['total'],
    ];
    say(sprintf('  %-22s PHP CPU %5.1f ms, wall %6.1f ms (MariaDB %6.1f ms, the rest %5.1f ms), %d queries, %.0f KB', $name,
        $admin['scenarios'][$name]['cpu_ms']['median'], $admin['scenarios'][$name]['wall_ms']['median'],
        $admin['scenarios'][$name]['db_ms']['median'], $admin['scenarios'][$name]['php_ms']['median'], $rs[0]['queries'], $rs[0]['html_kb']));
}
$R['phases']['admin'] = $admin;
$procs->stop('fpm-admin');
}

// ---------------------------------------------------------------- done
$R['finished'] = gmdate('c');
$R['total_seconds'] = microtime(true) - $t0;
$R['failures'] = $failures;
file_put_contents("$out/results.json", json_encode($R, JSON_PRETTY_PRINT));
say(sprintf('done in %.0f s; %d checks, %d failed; results in %s', $R['total_seconds'], count($R['checks']), count($failures), "$out/results.json"));
exit($failures ? 1 : 0);
