<?php
// One job, run by the benchmark's php-fpm worker (one FastCGI request = one job, as Action
// Scheduler or an admin request would run it). Both sides boot the same WordPress first, so the
// only difference between them is the integration doing the work.
//
// Query: side=ours|plugin|baseline  op=add|subdomain|remove|redeploy|noop  domain=NAME  [id=N]
// Answers one JSON object: what happened, how long the operation took (wall and CPU of this
// process, every thread included), and the worker's pid and memory.
declare(strict_types=1);

header('Content-Type: application/json');
$bench_cfg = json_decode((string) file_get_contents(__DIR__ . '/../out/run/config.json'), true);
// Prefixed names: WordPress's multisite bootstrap sets globals such as $domain and $path.
$bench_side = $_GET['side'] ?? '';
$bench_op = $_GET['op'] ?? '';
$bench_domain = $_GET['domain'] ?? '';
$bench_id = isset($_GET['id']) && $_GET['id'] !== '' ? (int) $_GET['id'] : null;

$boot0 = hrtime(true);
require $bench_cfg['wp_dir'] . '/wp-load.php';
$bootMs = (hrtime(true) - $boot0) / 1e6;

$bench_result = null;
$bench_error = null;

if ($bench_side === 'baseline') {
    require_once __DIR__ . '/../baseline/runcloud-baseline.php';
    $bench_baseline = \WuBench\Baseline\RunCloud_Baseline::from_constants($bench_cfg['baseline_log']);
    $bench_baseline->register_hooks();
}

$bench_ours = [
    'api_token' => WU_RUNCLOUD_API_TOKEN,
    'server_id' => WU_RUNCLOUD_SERVER_ID,
    'app_id' => WU_RUNCLOUD_APP_ID,
    'base_url' => $bench_cfg['ours_base_url'],
    'ca_file' => WU_BENCH_SIM_CA_FILE,
];
// Same options the baseline forces, so both sides must leave RunCloud in the same state.
$bench_add_options = ['www' => true, 'redirection' => 'non-www'];

$ru0 = getrusage();
$t0 = hrtime(true);
try {
    switch ("$bench_side/$bench_op") {
        case 'ours/add':
        case 'ours/subdomain': // the plugin de-duplicates wu_add_subdomain + wu_add_domain: one call
            $bench_result = wu_runcloud_add_domain($bench_ours, $bench_domain, $bench_add_options);
            break;
        case 'ours/remove':
            $bench_result = wu_runcloud_remove_domain($bench_ours, $bench_domain, $bench_id);
            break;
        // As the plugin drives the extension: no redeploy per add (one coalesced redeploy job per
        // batch instead), and removal by the RunCloud id it stored when the domain was added.
        case 'plugin/add':
        case 'plugin/subdomain':
            $bench_result = wu_runcloud_add_domain($bench_ours, $bench_domain, $bench_add_options + ['redeploy_ssl' => false]);
            break;
        case 'plugin/redeploy':
            $bench_result = wu_runcloud_redeploy_ssl($bench_ours);
            break;
        case 'plugin/remove':
            $bench_result = wu_runcloud_remove_domain($bench_ours, $bench_domain, $bench_id);
            break;
        case 'baseline/add':
            do_action('wu_add_domain', $bench_domain, 1);
            break;
        case 'baseline/subdomain': // what Ultimate Multisite fires for a new site on a subdomain network
            do_action('wu_add_subdomain', $bench_domain, '2');
            do_action('wu_add_domain', $bench_domain, 2);
            break;
        case 'baseline/remove':
            do_action('wu_remove_domain', $bench_domain, 1);
            break;
        case 'ours/noop':
        case 'baseline/noop':
            break;
        default:
            http_response_code(400);
            $bench_error = "unknown side/op '$bench_side/$bench_op'";
    }
} catch (\Throwable $e) {
    $bench_error = get_class($e) . ': ' . $e->getMessage();
}
$opMs = (hrtime(true) - $t0) / 1e6;
$ru1 = getrusage();
$cpu = static fn(array $r): float => $r['ru_utime.tv_sec'] * 1e3 + $r['ru_utime.tv_usec'] / 1e3
    + $r['ru_stime.tv_sec'] * 1e3 + $r['ru_stime.tv_usec'] / 1e3;

preg_match('/^VmRSS:\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
echo json_encode([
    'side' => $bench_side,
    'op' => $bench_op,
    'domain' => $bench_domain,
    'ok' => $bench_error === null,
    'error' => $bench_error,
    'result' => $bench_result,
    'op_ms' => $opMs,
    'cpu_ms' => $cpu($ru1) - $cpu($ru0),
    'boot_ms' => $bootMs,
    'pid' => getmypid(),
    'rss_kb' => (int) ($m[1] ?? 0),
    'memory' => memory_get_usage(),
]);
