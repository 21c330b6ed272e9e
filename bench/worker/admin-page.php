<?php
// Settings -> RunCloud of a large network, rendered in the benchmark's php-fpm worker as
// WordPress renders it for the super admin: the page's load hook (its list table, Screen
// Options), then its callback. One FastCGI request = one rendering. Query: the page's own
// arguments (tab, view, s, orderby, order, paged).
//
// Answers one JSON object: the rendering's wall time and CPU time (getrusage of this process:
// PHP's own time, MariaDB works in its own process), the time its queries spent waiting for
// MariaDB (SAVEQUERIES) and the wall time without it, the number of queries, the HTML size,
// the pagination's total and the rows shown.
declare(strict_types=1);

header('Content-Type: application/json');
$bench_cfg = json_decode((string) file_get_contents(__DIR__ . '/../out/run/config.json'), true);
define('SAVEQUERIES', true);
define('WP_ADMIN', true);
define('WP_NETWORK_ADMIN', true);
$_SERVER['REQUEST_URI'] = '/wp-admin/network/settings.php?' . http_build_query($_GET);
require $bench_cfg['admin_wp_dir'] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

wp_set_current_user(1);
$_REQUEST = $_GET;
$GLOBALS['hook_suffix'] = 'settings_page_wu-runcloud';
set_current_screen('settings_page_wu-runcloud');
$GLOBALS['wpdb']->queries = [];

$cpu = static fn(array $r): float => $r['ru_utime.tv_sec'] * 1e3 + $r['ru_utime.tv_usec'] / 1e3 + $r['ru_stime.tv_sec'] * 1e3 + $r['ru_stime.tv_usec'] / 1e3;
$bench_error = null;
$html = '';
$ru0 = getrusage();
$t0 = hrtime(true);
try {
    do_action('load-settings_page_wu-runcloud');
    ob_start();
    WU_RunCloud\Plugin::instance()->admin->render_page();
    $html = (string) ob_get_clean();
} catch (\Throwable $e) {
    $bench_error = get_class($e) . ': ' . $e->getMessage();
}
$wall = (hrtime(true) - $t0) / 1e6;
$ru1 = getrusage();

preg_match('/<span class="displaying-num">([\d,.]+) items?<\/span>/', $html, $m);
echo json_encode([
    'ok' => $bench_error === null && $html !== '',
    'error' => $bench_error,
    'wall_ms' => $wall,
    'cpu_ms' => $cpu($ru1) - $cpu($ru0),
    'db_ms' => $db = array_sum(array_column($GLOBALS['wpdb']->queries, 1)) * 1000,
    'php_ms' => $wall - $db,
    'queries' => count($GLOBALS['wpdb']->queries),
    'html_kb' => strlen($html) / 1024,
    'total' => isset($m[1]) ? (int) str_replace([',', '.'], '', $m[1]) : null,
    'rows' => substr_count($html, '<th scope="row" class="check-column">'),
    'pid' => getmypid(),
]);
