<?php
// Requests and wall time per operation for 1, 2 and 4 targets (WU_RUNCLOUD_TARGETS). Run by
// bench/run.sh (inside `make bench`) with the extension loaded:
//
//   php -d extension=… bench/targets.php [--smoke] OUT.md
//
// Each size starts a fresh simulator with 4 servers of one web app each, all behind one
// address (as behind a load balancer: Let's Encrypt validates every app), and RunCloud's round
// trip modelled by `latency_ms`. Domains are added one by one the way the plugin's worker runs
// their rows: one row per target, worked one after the other in the worker (DNS gate check,
// add without SSL); then one coalesced certificate order per target (redeploy_ssl). The
// simulator counts the API requests; wall time is this process's.
// Writes the section of bench/RESULTS.md to OUT.md; exits non-zero when a domain is missing
// from a target.
declare(strict_types=1);

require dirname(__DIR__) . '/tests/lib/php/SimProcess.php';

use WuRunCloud\Harness\SimProcess;

$smoke   = in_array('--smoke', $argv, true);
$outFile = end($argv);
if (!is_string($outFile) || !str_ends_with($outFile, '.md')) {
    fwrite(STDERR, "usage: php bench/targets.php [--smoke] OUT.md\n");
    exit(2);
}
if (!function_exists('wu_runcloud_add_domain')) {
    fwrite(STDERR, "bench/targets.php: the wu_runcloud extension is not loaded\n");
    exit(2);
}
$domains   = $smoke ? 2 : 20;
$latencyMs = 25;
$servers   = [];
for ($i = 0; $i < 4; $i++) {
    $servers[] = ['id' => 21000 + $i, 'name' => "web-0$i", 'ipAddress' => '127.0.0.1', 'webapps' => [
        ['id' => 950000 + $i, 'name' => "app-$i", 'primary_domain' => "app$i.network.test", 'ssl' => 'basic'],
    ]];
}

$rows   = [];
$broken = 0;
foreach ([1, 2, 4] as $n) {
    $proc = SimProcess::start(null, ['--rate-limit', 'off']);
    $sim  = $proc->control();
    $sim->reset(['servers' => $servers]);
    $sim->config(['latency_ms' => $latencyMs]);
    $info    = $sim->info();
    $configs = [];
    for ($t = 0; $t < $n; $t++) {
        $configs[] = [
            'api_token' => 'sim-token', 'server_id' => 21000 + $t, 'app_id' => 950000 + $t, 'base_url' => $proc->url,
            'timeout' => 10, 'connect_timeout' => 2, 'retries' => 3, 'ssl_timeout' => 30,
            'dns_servers' => [(string) $info['dns']], 'https_port' => (int) $info['https_port'], 'ca_file' => (string) $info['sites_ca_file'],
        ];
    }
    // Warm: the worker's client and each server's address (kept per worker) exist before the first row.
    foreach ($configs as $cfg) {
        wu_runcloud_check_dns($cfg, 'warm.example.com');
    }
    $before = $sim->counters()['requests'];
    $start  = microtime(true);
    for ($d = 1; $d <= $domains; $d++) {
        foreach ($configs as $cfg) {
            // One row of one target: the DNS gate, then the add.
            $dns = wu_runcloud_check_dns($cfg, "shop$d.example.com");
            if ($dns['status'] !== 'points_here') {
                ++$broken;
                continue;
            }
            wu_runcloud_add_domain($cfg, "shop$d.example.com", ['redeploy_ssl' => false]);
        }
    }
    $addSeconds  = microtime(true) - $start;
    $addRequests = $sim->counters()['requests'] - $before;

    $before = $sim->counters()['requests'];
    $start  = microtime(true);
    foreach ($configs as $cfg) {
        wu_runcloud_redeploy_ssl($cfg); // the one coalesced order of each target
    }
    $sslSeconds  = microtime(true) - $start;
    $sslRequests = $sim->counters()['requests'] - $before;
    foreach ($configs as $t => $cfg) {
        $names = array_map('strtolower', $sim->domainNames(21000 + $t, 950000 + $t));
        $broken += count(array_diff(array_map(static fn($d) => "shop$d.example.com", range(1, $domains)), $names));
    }
    $proc->stop();
    $rows[] = [
        'targets'        => $n,
        'add_requests'   => $addRequests / $domains,
        'add_ms'         => 1000 * $addSeconds / $domains,
        'ssl_requests'   => $sslRequests,
        'ssl_ms'         => 1000 * $sslSeconds,
    ];
    printf("  %d target(s): %.1f requests and %.0f ms per added domain; %d requests and %.0f ms for the certificate orders\n", $n, $addRequests / $domains, 1000 * $addSeconds / $domains, $sslRequests, 1000 * $sslSeconds);
}

$md   = [];
$md[] = '## 8. Several targets (WU_RUNCLOUD_TARGETS)';
$md[] = '';
$md[] = sprintf(
    '`bench/targets.php` (ours only): a fresh simulator per size with 4 servers of one web app each, RunCloud\'s round trip modelled as %d ms (`latency_ms`); %d domains added one by one, each as the worker runs its rows: one row per target, one after the other (DNS gate check, add without SSL); then one coalesced certificate order per target. %s build of the extension, warm worker (client and server addresses known).',
    $latencyMs, $domains, str_contains((string) ini_get('extension_dir') . ' ' . implode(' ', array_filter([getenv('WU_RUNCLOUD_EXT') ?: ''])), '/release/') ? 'Release' : 'Debug'
);
$md[] = '';
$md[] = '| targets | API requests per added domain | wall ms per added domain | requests for the certificate orders | wall ms for the certificate orders |';
$md[] = '|---:|---:|---:|---:|---:|';
foreach ($rows as $r) {
    $md[] = sprintf('| %d | %.1f | %.0f | %d | %.0f |', $r['targets'], $r['add_requests'], $r['add_ms'], $r['ssl_requests'], $r['ssl_ms']);
}
$md[] = '';
$md[] = 'Requests grow linearly with the targets (each web app needs its own domain and certificate), and so does the wall time of one worker run: targets are worked **sequentially** in a worker. A PHP worker is single-threaded and each call blocks on its answer; running targets concurrently inside one request would need an async client or threads in the extension for a gain only while a worker has nothing else to do. Concurrency comes instead from the queue: every target\'s operation is its own row, so a slow or failing target never holds the others (its rows back off on their own), and several worker runs (Action Scheduler, WP-Cron, `wp runcloud queue run`) claim different rows in parallel.';
$md[] = '';
file_put_contents($outFile, implode("\n", $md));
exit($broken === 0 ? 0 : 1);
