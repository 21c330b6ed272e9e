<?php
// Certificate orders per added domain under each fault, and orders nobody needed. Run by
// bench/run.sh (inside `make bench`) with the extension loaded:
//
//   php -d extension=… bench/issuance.php [--smoke] OUT.json
//
// Each scenario starts from a fresh simulator (its own process), sets one fault, then adds
// domains one by one and drives each the way the plugin's worker does: add (no SSL), one
// certificate order (wu_runcloud_redeploy_ssl), then the HTTPS check; an order that failed
// is retried, one that is pending is checked again once RunCloud had its time and re-ordered
// only if the name is still not served. The simulator counts every order Let's Encrypt got
// (`/_sim/orders`) and flags those whose names were already issued or being issued.
// Exits non-zero when a domain ends up not served, an order was a duplicate, or the run breaks.
declare(strict_types=1);

require dirname(__DIR__) . '/tests/lib/php/SimProcess.php';

use WuRunCloud\Harness\Sim;
use WuRunCloud\Harness\SimProcess;

$smoke = in_array('--smoke', $argv, true);
$outFile = end($argv);
if (!is_string($outFile) || !str_ends_with($outFile, '.json')) {
    fwrite(STDERR, "usage: php bench/issuance.php [--smoke] OUT.json\n");
    exit(2);
}
if (!function_exists('wu_runcloud_redeploy_ssl')) {
    fwrite(STDERR, "bench/issuance.php: the wu_runcloud extension is not loaded\n");
    exit(2);
}
$domainsPer = $smoke ? 1 : 5;
$issuanceMs = $smoke ? 300 : 1500;

// Scaled from production (15 s request budget, 120 s issuance budget, 60-120 s issuance):
// what matters is which budget the issuance outlasts, not the seconds.
$scenarios = [
    'no fault (synchronous issuance)' => ['config' => []],
    'issuance slower than the request budget' => ['config' => ['issuance_ms' => 3 * $issuanceMs], 'client' => ['timeout' => $issuanceMs / 1000]],
    'issuance slower than ssl_timeout (answer never arrives)' => ['config' => ['issuance_ms' => 3 * $issuanceMs], 'client' => ['ssl_timeout' => $issuanceMs / 1000]],
    'asynchronous issuance (pending, then issued)' => ['config' => ['issuance_mode' => 'async']],
    'answer cut short after the order (truncated JSON)' => ['fault' => ['kind' => 'truncated_json']],
    // The order reached RunCloud and is issued; only the answer is lost.
    'HTTP 500 after RunCloud took the order' => ['fault' => ['kind' => 'status', 'status' => 500, 'after_order' => true]],
    'connection reset after RunCloud took the order' => ['fault' => ['kind' => 'reset', 'after_order' => true]],
    'Cloudflare 524 while RunCloud issues' => ['fault' => ['kind' => 'cloudflare', 'status' => 524, 'after_order' => true]],
    // Refused before RunCloud: nothing was ordered, so a retry is safe.
    'HTTP 500 before RunCloud took it' => ['fault' => ['kind' => 'status', 'status' => 500]],
    'Cloudflare 522 (RunCloud never reached)' => ['fault' => ['kind' => 'cloudflare', 'status' => 522]],
];

$results = [];
foreach ($scenarios as $name => $s) {
    $proc = SimProcess::start(null, ['--rate-limit', 'off']);
    $sim = $proc->control();
    $sim->reset();
    $sim->config(($s['config'] ?? []) + ['issuance_ms' => $issuanceMs]);
    $info = $sim->info();
    $cfg = [
        'api_token' => 'sim-token', 'server_id' => Sim::SERVER, 'app_id' => Sim::APP, 'base_url' => $proc->url,
        'timeout' => 10, 'connect_timeout' => 2, 'retries' => 3, 'ssl_timeout' => 10,
        'dns_servers' => [(string) $info['dns']], 'https_port' => (int) $info['https_port'], 'ca_file' => (string) $info['sites_ca_file'],
    ];
    $cfg = ($s['client'] ?? []) + $cfg;
    $started = microtime(true);
    $covered = 0;
    $rounds = 0;
    $actions = [];
    for ($i = 1; $i <= $domainsPer; $i++) {
        $domain = "bench$i.example.com";
        wu_runcloud_add_domain($cfg, $domain, ['redeploy_ssl' => false]);
        if (isset($s['fault'])) {
            // The fault hits the first issuing request for each domain.
            $sim->fault($s['fault'] + ['method' => 'PATCH', 'path' => '/api/v3/servers/*/webapps/*/ssl/advanced/*/redeploy', 'times' => 1]);
        }
        $live = false;
        for ($round = 1; $round <= 6 && !$live; $round++) {
            ++$rounds;
            $r = wu_runcloud_redeploy_ssl($cfg);
            $actions[] = $r['action'];
            if ($r['action'] !== 'redeployed') {
                // The worker's next look comes later: RunCloud finishes what it took meanwhile.
                usleep((int) (3.5 * $issuanceMs * 1000));
                $sim->advance(3.5 * $issuanceMs / 1000);
            }
            $check = wu_runcloud_check_https($cfg, $domain);
            $live = $check['status'] === 'valid';
        }
        $covered += $live ? 1 : 0;
    }
    $orders = $sim->orders();
    $results[] = [
        'scenario' => $name,
        'domains' => $domainsPer,
        'orders' => count($orders),
        'orders_per_domain' => round(count($orders) / $domainsPer, 2),
        'duplicates' => count(array_filter($orders, static fn($o) => !empty($o['duplicate']))),
        'failed_orders' => count(array_filter($orders, static fn($o) => $o['status'] === 'failed')),
        'covered' => $covered,
        'redeploy_calls' => $rounds,
        'actions' => array_count_values($actions),
        'seconds' => round(microtime(true) - $started, 1),
    ];
    $proc->stop();
    printf("  %-58s %d orders for %d domains, %d duplicate, %d/%d served\n", $name, count($orders), $domainsPer, end($results)['duplicates'], $covered, $domainsPer);
}
file_put_contents($outFile, json_encode(['issuance_ms' => $issuanceMs, 'results' => $results], JSON_PRETTY_PRINT) . "\n");
// A domain left unserved, or a duplicate order, is a broken run (and fails `make test`'s smoke).
$broken = array_filter($results, static fn($r) => $r['covered'] !== $r['domains'] || $r['duplicates'] > 0);
foreach ($broken as $r) {
    fwrite(STDERR, sprintf("bench/issuance.php: %s: %d of %d domains served, %d duplicate orders\n", $r['scenario'], $r['covered'], $r['domains'], $r['duplicates']));
}
exit($broken === [] ? 0 : 1);
