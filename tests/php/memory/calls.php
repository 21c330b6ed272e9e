<?php
/**
 * N calls cycling through success and every exception class of the extension against the
 * simulator at argv[1] (argv[2] = N, default 100000), with checkpoints every N/10 calls:
 * memory_get_usage() (Zend heap) and VmRSS. Prints one JSON object per checkpoint and a
 * final {"summary": …}. Exits 1 when, after the first checkpoint (warm-up), the Zend heap grew
 * by more than 64 KiB or RSS by more than RSS_TOLERANCE_KB (default 8192).
 */

declare(strict_types=1);

$url = $argv[1];
$n = (int) ($argv[2] ?? 100000);
$rssTolerance = (int) (getenv('RSS_TOLERANCE_KB') ?: 8192);
$token = getenv('WU_HARDENING_TOKEN') ?: 'sim-token';
$key = getenv('WU_HARDENING_KEY') ?: 'sim-key';
$secret = getenv('WU_HARDENING_SECRET') ?: 'sim-secret';

require_once dirname(__DIR__, 2) . '/lib/php/Sim.php';
$sim = new WuRunCloud\Harness\Sim($url);
$sim->reset(['tokens' => [$token], 'basic' => [['key' => $key, 'secret' => $secret]]]);
// Server 11668 / app 940300 (default state) carries the permanent GET faults; 11667 answers GETs normally.
$other = '/api/%s/servers/11668/webapps/940300/domains';
// A 422 makes add_domain look the name up (GET, healthy) before throwing ValidationException.
$sim->fault(['method' => 'POST', 'path' => '/api/*/servers/11667/webapps/940288/domains', 'kind' => 'status', 'status' => 422]);
$sim->fault(['method' => 'GET', 'path' => sprintf($other, 'v3'), 'kind' => 'rate_limit', 'retry_after' => 0]);
$sim->fault(['method' => 'GET', 'path' => sprintf($other, 'v2'), 'kind' => 'redirect']);
$sim->fault(['method' => 'GET', 'path' => '/api/*/servers/11668/webapps/940300', 'kind' => 'malformed_json']);

$v3 = ['api_token' => $token, 'server_id' => 11667, 'app_id' => 940288, 'base_url' => $url, 'timeout' => 5, 'retries' => 0];
$v2 = ['api_key' => $key, 'api_secret' => $secret, 'server_id' => '11667', 'app_id' => '940288', 'base_url' => $url, 'timeout' => 5, 'retries' => 0];
$bad = ['server_id' => 11668, 'app_id' => 940300];
$calls = [
    'ok: list_domains v3' => static fn () => wu_runcloud_list_domains($v3),
    'ok: find_domain v2' => static fn () => wu_runcloud_find_domain($v2, 'network.test'),
    'ok: remove absent domain v3' => static fn () => wu_runcloud_remove_domain($v3, 'absent.example.com'),
    'NotFoundException' => static fn () => wu_runcloud_list_domains(['app_id' => 999999] + $v3),
    'AuthenticationException' => static fn () => wu_runcloud_list_domains(['api_token' => 'wrong-token'] + $v3),
    'InvalidArgumentException (domain)' => static fn () => wu_runcloud_add_domain($v3, 'https://bad.example.com/x'),
    'InvalidArgumentException (config)' => static fn () => wu_runcloud_list_domains(['base_url' => 'http://example.com'] + $v3),
    'ValidationException' => static fn () => wu_runcloud_add_domain($v2, 'taken.example.com'),
    'RateLimitException' => static fn () => wu_runcloud_list_domains($bad + $v3),
    'RunCloudException (redirect)' => static fn () => wu_runcloud_list_domains($bad + $v2),
    'TransportException (malformed JSON)' => static fn () => wu_runcloud_test_connection($bad + $v3),
    'TransportException (refused)' => static fn () => wu_runcloud_list_domains(['base_url' => 'http://127.0.0.1:9'] + $v3),
    'TypeError' => static fn () => wu_runcloud_add_domain($v3, "\xff.example.com"),
];
$names = array_keys($calls);
$fns = array_values($calls);
$counts = array_fill_keys($names, 0);
$rss = static fn (): int => (int) preg_replace('/\D/', '', (string) preg_grep('/^VmRSS:/', file('/proc/self/status'))[array_key_first(preg_grep('/^VmRSS:/', file('/proc/self/status')))]);

$every = max(1, intdiv($n, 10));
$first = null;
$t = microtime(true);
for ($i = 0; $i < $n; $i++) {
    $k = $i % count($fns);
    try {
        $fns[$k]();
        $got = 'ok';
    } catch (Throwable $e) {
        $got = get_class($e);
        $msg = $e->getMessage();
        unset($e);
    }
    $expect = $names[$k];
    if (!str_starts_with($expect, 'ok') && !str_contains($expect, substr($got, strrpos($got, '\\') === false ? 0 : strrpos($got, '\\') + 1))) {
        fwrite(STDERR, "call $i ($expect) ended in $got: " . ($msg ?? '') . "\n");
        exit(2);
    }
    if (str_starts_with($expect, 'ok') && $got !== 'ok') {
        fwrite(STDERR, "call $i ($expect) failed: $got: " . ($msg ?? '') . "\n");
        exit(2);
    }
    $counts[$expect]++;
    if (($i + 1) % $every === 0) {
        gc_collect_cycles();
        $p = ['calls' => $i + 1, 'zend_heap' => memory_get_usage(), 'rss_kb' => $rss(), 'seconds' => round(microtime(true) - $t, 1)];
        $first ??= $p; // only the first and the current point are kept: a growing list would be our own growth
        $last = $p;
        echo json_encode($p), "\n";
    }
}
$summary = [
    'calls' => $n, 'per_kind' => $counts, 'seconds' => round(microtime(true) - $t, 1),
    'zend_heap_growth_bytes' => $last['zend_heap'] - $first['zend_heap'],
    'rss_growth_kb' => $last['rss_kb'] - $first['rss_kb'],
    'rss_kb_after_warmup' => $first['rss_kb'], 'rss_kb_at_end' => $last['rss_kb'],
    'tolerance' => ['zend_heap_bytes' => 65536, 'rss_kb' => $rssTolerance],
];
echo json_encode(['summary' => $summary], JSON_PRETTY_PRINT), "\n";
if ($summary['zend_heap_growth_bytes'] > 65536 || $summary['rss_growth_kb'] > $rssTolerance) {
    fwrite(STDERR, "FAILED: memory grew after the warm-up ({$summary['zend_heap_growth_bytes']} bytes of Zend heap, {$summary['rss_growth_kb']} KiB RSS; tolerance 64 KiB and $rssTolerance KiB)\n");
    exit(1);
}
echo "memory: no growth beyond tolerance over $n calls\n";
