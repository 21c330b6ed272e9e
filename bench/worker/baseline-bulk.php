<?php
// What a backfill looks like with the baseline: it has no bulk operation, so the only way is to
// fire wu_add_domain once per domain (as Action Scheduler would, one action after another) in
// one WordPress process. Prints JSON with the wall time.
//
//   php baseline-bulk.php SIZE PATTERN
declare(strict_types=1);

[$_, $size, $pattern] = $argv + [null, null, null];
$bench_cfg = json_decode((string) file_get_contents(__DIR__ . '/../out/run/config.json'), true);
$_SERVER['HTTP_HOST'] = $_SERVER['SERVER_NAME'] = 'network.test';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
require $bench_cfg['wp_dir'] . '/wp-load.php';
require_once __DIR__ . '/../baseline/runcloud-baseline.php';
$bench_baseline = \WuBench\Baseline\RunCloud_Baseline::from_constants($bench_cfg['baseline_log']);
$bench_baseline->register_hooks();

$t0 = hrtime(true);
for ($i = 1; $i <= (int) $size; $i++) {
    do_action('wu_add_domain', str_replace('{n}', (string) $i, $pattern), 1);
}
echo json_encode(['wall_s' => (hrtime(true) - $t0) / 1e9, 'error' => null]), "\n";
