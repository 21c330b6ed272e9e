<?php
/**
 * Figures for the report, on a real install (run by `tests/wordpress/run.sh --measure`):
 * cost of a hook (record only), worker throughput against the simulator, a no-change
 * reconcile of a large app, and the settings page on a large network.
 * Not a test: prints one line per figure.
 */

$_SERVER['HTTP_HOST']       = 'network.test';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
require getenv('WU_TEST_WP_DIR') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php'; // the page uses admin template functions

require_once dirname(__DIR__, 2) . '/lib/php/Sim.php';

use WuRunCloud\Harness\Sim;
use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

function line(string $what, string $figure): void {
	printf("%-62s %s\n", $what, $figure);
}

global $wpdb;
wp_set_current_user(1);
$sim = new Sim((string) getenv('WU_TEST_SIM_URL'));
$sim->reset();
Settings::set_enabled(true);
add_filter('wu_runcloud_worker_time_budget', static fn() => 600.0);
add_filter('wu_runcloud_worker_batch_size', static fn() => 100000);

// 1. Hook cost: the request that maps a domain only records it.
$n = 1000;
$t = microtime(true);
for ($i = 1; $i <= $n; $i++) {
	do_action('wu_add_domain', "hook{$i}.example.com", 1);
}
line("hook wu_add_domain (record + schedule), {$n} domains", sprintf('%.0f us each', (microtime(true) - $t) / $n * 1e6));
$t = microtime(true);
for ($i = 1; $i <= $n; $i++) {
	do_action('wu_add_domain', "hook{$i}.example.com", 1);
}
line("same {$n} again while pending (de-duplicated)", sprintf('%.0f us each', (microtime(true) - $t) / $n * 1e6));

// 2. Worker throughput against the simulator (loopback, debug or release build as given).
$wpdb->query('TRUNCATE ' . Queue::table());
$n = 300;
for ($i = 1; $i <= $n; $i++) {
	do_action('wu_add_domain', "w{$i}.example.com", 1);
}
$sim->clearRequests();
$t = microtime(true);
$r = Worker::process_due();
$dt = microtime(true) - $t;
$requests = count($sim->requests());
line("worker: {$r['processed']} adds, growing app", sprintf('%.1f s, %.1f adds/s, %.2f requests/add', $dt, $r['processed'] / $dt, $requests / max(1, $r['processed'])));
Worker::process_due(time() + 61);
$ssl = $wpdb->get_results('SELECT status, last_status, last_error FROM ' . Queue::table() . " WHERE op = 'redeploy_ssl'");
line('SSL redeploy operations after those adds (coalesced)', sprintf('%d row(s): %s', count($ssl), implode('; ', array_map(static fn($o) => "{$o->status} HTTP {$o->last_status} " . substr((string) $o->last_error, 0, 90), $ssl))));

// 3. Reconcile with nothing to change on a large app.
$big = 5000;
$sim->reset();
$sim->seed(Sim::SERVER, Sim::APP, ['count' => $big, 'pattern' => 'site{n}.bulk.test']);
$wanted = array_map(static fn($n) => "site{$n}.bulk.test", range(1, $big));
add_filter('wu_runcloud_wanted_domains', static fn($d) => array_merge($d, $wanted));
$wpdb->query('TRUNCATE ' . Queue::table());
$wpdb->query('TRUNCATE ' . \WU_RunCloud\Domains::table());
$sim->clearRequests();
delete_site_transient(Domain_Sync::WILDCARD_CACHE);
$t = microtime(true);
$result = Reconciler::run(false);
$dt = microtime(true) - $t;
$requests = count($sim->requests());
line("reconcile, {$big} domains already in RunCloud, none to change", sprintf('%.1f s, %d requests, %d added', $dt, $requests, is_wp_error($result) ? -1 : count($result['added'])));

// 4. The settings page on a network of that size (rows in wp_blogs; no per-site tables needed).
$now = current_time('mysql');
foreach (array_chunk(range(1, $big), 500) as $chunk) {
	$values = implode(',', array_map(static fn($n) => $wpdb->prepare('(1, %s, %s, %s, %s)', "site{$n}.network.test", '/', $now, $now), $chunk));
	$wpdb->query("INSERT INTO {$wpdb->blogs} (site_id, domain, path, registered, last_updated) VALUES {$values}");
}
$t = microtime(true);
ob_start();
Plugin::instance()->admin->render_page();
$html = ob_get_clean();
line("settings page render, {$big} sites + {$big} tracked domains", sprintf('%.0f ms, %d KB HTML', (microtime(true) - $t) * 1000, strlen($html) / 1024));
$wpdb->query("DELETE FROM {$wpdb->blogs} WHERE domain LIKE 'site%.network.test'");
$wpdb->query('TRUNCATE ' . Queue::table());
$wpdb->query('TRUNCATE ' . \WU_RunCloud\Domains::table());
