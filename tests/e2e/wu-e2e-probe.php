<?php
/**
 * End-to-end probe, copied into the e2e WordPress root by `scripts/stack.sh up --probe`.
 * Test code only: it is never part of the plugin and never installed on a real server.
 *
 * Answers JSON about the php-fpm worker that served the request and, with `op`, calls the
 * extension against the simulator:
 *   op=info (default)  pid, module loaded, version; no I/O
 *   op=test            wu_runcloud_test_connection()
 *   op=list            wu_runcloud_list_domains() (count only)
 *   op=dns-propagated  (with wp=1 and domain=…) what Ultimate Multisite does once a mapped
 *                      domain's DNS is right: do_action('wu_domain_manager_dns_propagation_finished')
 * Other parameters: wp=1 loads WordPress and takes the configuration from the plugin
 * (WU_RunCloud\Settings::config(), i.e. production defaults); otherwise the configuration is
 * built from the wp-config constants, with optional timeout / connect_timeout / retries, and
 * auth=basic for the simulator's legacy v2 key + secret.
 * hold_ms keeps the worker busy after the call (so the next request goes to another worker).
 */

header('Content-Type: application/json');
header('Cache-Control: no-store');

$started = microtime(true);
$out = [
	'pid'     => getmypid(),
	'loaded'  => extension_loaded('wu_runcloud'),
	'version' => function_exists('wu_runcloud_version') ? wu_runcloud_version() : null,
];

$op = $_GET['op'] ?? 'info';

if (!empty($_GET['wp'])) {
	require __DIR__ . '/wp-load.php';
	$config = \WU_RunCloud\Settings::config();
} else {
	require __DIR__ . '/wp-config-extra.php';
	// auth=basic: the simulator's legacy v2 key + secret instead of the configured token.
	$config = (($_GET['auth'] ?? '') === 'basic' || !defined('WU_RUNCLOUD_API_TOKEN'))
		? ['api_key' => 'sim-key', 'api_secret' => 'sim-secret']
		: ['api_token' => WU_RUNCLOUD_API_TOKEN];
	$config += [
		'server_id' => WU_RUNCLOUD_SERVER_ID,
		'app_id'    => WU_RUNCLOUD_APP_ID,
		'base_url'  => WU_RUNCLOUD_API_URL,
	];
	foreach (['timeout', 'connect_timeout'] as $key) {
		if (isset($_GET[$key])) {
			$config[$key] = (float) $_GET[$key];
		}
	}
	if (isset($_GET['retries'])) {
		$config['retries'] = (int) $_GET['retries'];
	}
}

try {
	switch ($op) {
		case 'info':
			break;
		case 'test':
			$out['result'] = wu_runcloud_test_connection($config);
			break;
		case 'list':
			$out['result'] = ['count' => count(wu_runcloud_list_domains($config))];
			break;
		case 'dns-propagated':
			do_action('wu_domain_manager_dns_propagation_finished', (string) ($_GET['domain'] ?? ''));
			$out['result'] = ['fired' => true];
			break;
		default:
			http_response_code(400);
			$out['error'] = "unknown op '$op'";
	}
} catch (\Throwable $e) {
	$out['exception'] = get_class($e);
	$out['message']   = $e->getMessage();
	$out['code']      = $e->getCode();
}
$out['elapsed_ms'] = (int) round((microtime(true) - $started) * 1000);

if (isset($_GET['hold_ms'])) {
	usleep(1000 * (int) $_GET['hold_ms']);
}
echo json_encode($out, JSON_UNESCAPED_SLASHES), "\n";
