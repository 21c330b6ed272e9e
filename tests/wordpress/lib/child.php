<?php
/**
 * Another request on the same WordPress, in its own PHP process: what a cron run, an Action
 * Scheduler run, WP-CLI or an admin's click does while the test process (or another child)
 * is in the middle of something. Started by TestCase::start_child()/child().
 *
 *   php -d extension=wu_runcloud.so lib/child.php COMMAND [ARGS...]
 *
 * Commands:
 *   hook HOOK                 fire one of our hooks as WP-Cron and Action Scheduler do
 *                             (wu_runcloud_process_queue, wu_runcloud_reconcile)
 *   request OP DOMAIN SITE_ID record an operation as the UM/core handlers do (Plugin::request)
 *   retry OP_ID               the "Retry now" button (admin-post handler, as the super admin)
 *   reconcile [prune] [force] Reconciler::run() as "Sync now" / `wp runcloud sync` call it
 *
 * Environment: WU_TEST_WP_DIR, WU_TEST_SIM_URL, WU_TEST_DOMAIN (the host of the request, so
 * a network's domain selects that network), WU_TEST_MU_PLUGINS (another mu-plugins
 * directory, e.g. lib/um-without-domain-list), and for a barrier WU_TEST_BARRIER and
 * WU_TEST_PARK_ON (lib/barrier.php). WP-CLI runs as the real command (TestCase::wp()).
 *
 * Prints one JSON line: {"result": ..., "log": [log lines this process wrote]}.
 */

[$wu_child_script, $wu_command] = $argv + ['', ''];
$wu_args = array_slice($argv, 2);

$_SERVER['HTTP_HOST']       = getenv('WU_TEST_DOMAIN') ?: 'network.test';
$_SERVER['SERVER_NAME']     = $_SERVER['HTTP_HOST'];
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

if (getenv('WU_TEST_MU_PLUGINS')) {
	define('WPMU_PLUGIN_DIR', getenv('WU_TEST_MU_PLUGINS'));
}
require getenv('WU_TEST_WP_DIR') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

// As TestCase: no in-extension retries, so the plugin's own behaviour is what is observed.
add_filter('wu_runcloud_client_options', static fn() => ['retries' => 0, 'timeout' => 10.0, 'connect_timeout' => 5.0]);

require __DIR__ . '/barrier.php';

global $wpdb;
$wu_first_log = (int) $wpdb->get_var('SELECT COALESCE(MAX(id), 0) FROM ' . \WU_RunCloud\Log::table());

switch ($wu_command) {
	case 'hook':
		do_action($wu_args[0]);
		$wu_result = null;
		break;
	case 'request':
		$wu_result = \WU_RunCloud\Plugin::request($wu_args[0], $wu_args[1], (int) ($wu_args[2] ?? 0), 'child');
		break;
	case 'retry':
		wp_set_current_user(1);
		$_POST = $_REQUEST = ['op_id' => (string) (int) $wu_args[0], 'do' => 'retry', '_wpnonce' => wp_create_nonce('wu_runcloud_op_' . (int) $wu_args[0])];
		add_filter('wp_redirect', static function () {
			throw new \RuntimeException('redirected');
		});
		try {
			do_action('admin_post_wu_runcloud_op');
		} catch (\RuntimeException $e) {
			// The handler ends with a redirect back to the page.
		}
		$wu_result = get_site_transient('wu_runcloud_flash_1');
		break;
	case 'reconcile':
		$wu_r      = \WU_RunCloud\Reconciler::run(false, in_array('prune', $wu_args, true), in_array('force', $wu_args, true));
		$wu_result = is_wp_error($wu_r) ? ['error' => $wu_r->get_error_message()] : ['removed' => $wu_r['removed'], 'added' => $wu_r['added'], 'prune' => $wu_r['prune']];
		break;
	default:
		fwrite(STDERR, "child: unknown command {$wu_command}\n");
		exit(2);
}

$wu_log = array_map(
	static fn($l) => "{$l->op} {$l->domain}: {$l->outcome} - {$l->message}",
	(array) $wpdb->get_results($wpdb->prepare('SELECT * FROM ' . \WU_RunCloud\Log::table() . ' WHERE id > %d ORDER BY id', $wu_first_log))
);
echo json_encode(['result' => $wu_result, 'network' => get_current_network_id(), 'log' => $wu_log]), "\n";
