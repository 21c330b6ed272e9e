<?php
/**
 * Ultimate Multisite helper functions used by integrations (test double).
 */

defined('ABSPATH') || exit;

/** Logger::add() double: keeps lines in memory per handle (the real one writes uploads/wu-logs/{handle}.log). */
function wu_log_add($handle, $message, $log_level = 'info') {
	$GLOBALS['wu_double_log'][$handle][] = ['level' => $log_level, 'message' => (string) $message];
}

/** Settings live in the network option `wp-ultimo_settings` (array). */
function wu_get_setting($setting, $default = false) {
	$settings = get_network_option(null, 'wp-ultimo_settings', []);
	return is_array($settings) && array_key_exists($setting, $settings) ? $settings[$setting] : $default;
}

function wu_get_isset($array, $key, $default = false) {
	return is_array($array) && isset($array[$key]) ? $array[$key] : $default;
}

function wu_network_admin_url($path, $query = []) {
	return add_query_arg($query, network_admin_url('admin.php?page=' . $path));
}

/** Mapped domains (Domain models reduced to get_domain()). */
function wu_get_domains($query = []) {
	return array_map(static fn($name) => new class($name) {
		public function __construct(private string $name) {}
		public function get_domain() { return $this->name; }
	}, $GLOBALS['wu_double_domains']);
}

/**
 * What core's RunCloud module does on an add: POST the domain straight to RunCloud, in the
 * request (used by the core stubs, so a domain sent twice would show in the simulator).
 */
function wu_double_core_post($domain) {
	$url = rtrim((string) WU_RUNCLOUD_API_URL, '/') . '/api/v3/servers/' . WU_RUNCLOUD_SERVER_ID . '/webapps/' . WU_RUNCLOUD_APP_ID . '/domains';
	$context = stream_context_create(['http' => [
		'method'        => 'POST',
		'header'        => "Authorization: Bearer " . WU_RUNCLOUD_API_TOKEN . "\r\nContent-Type: application/json\r\nAccept: application/json\r\nUser-Agent: um-core-double\r\n",
		'content'       => json_encode(['name' => $domain, 'www' => true, 'redirection' => 'non-www', 'type' => 'alias']),
		'ignore_errors' => true,
		'timeout'       => 10,
	]]);
	@file_get_contents($url, false, $context);
}
