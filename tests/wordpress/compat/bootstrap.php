<?php
/**
 * Loads a real WordPress multisite (installed by tests/wordpress/run.sh) with one real
 * Ultimate Multisite release's framework as the mu-plugin and our plugin network-activated,
 * and records along the way what the suite judges afterwards:
 *
 * - every PHP error, warning, notice and deprecation, with the file it is attributed to
 *   (ours, the release, the shims, or WordPress/PHP);
 * - every HTTP request made through WordPress (core's RunCloud code uses wp_remote_request;
 *   our extension does not), answered with an error so none leaves the machine;
 * - a fatal error (a class that does not link is one), reported with the release's name.
 *
 * Environment: WU_TEST_WP_DIR, WU_TEST_SIM_URL, WU_TEST_UM_RELEASE (a release folder),
 * WU_TEST_CREDENTIALS (token, key_secret or none: read by the install's wp-config-extra.php),
 * WU_TEST_COMPAT_FATAL_FILE (where to write a fatal error's line for the report).
 */

$wp_dir  = (string) getenv('WU_TEST_WP_DIR');
$release = realpath((string) getenv('WU_TEST_UM_RELEASE'));
if (!is_file($wp_dir . '/wp-config.php') || !getenv('WU_TEST_SIM_URL') || $release === false) {
	fwrite(STDERR, "WU_TEST_WP_DIR, WU_TEST_SIM_URL and WU_TEST_UM_RELEASE must be set (tests/wordpress/run.sh um-compat sets them)\n");
	exit(1);
}

define('WU_COMPAT_RELEASE_DIR', $release);
define('WU_COMPAT_RELEASE', basename($release));
define('WU_COMPAT_CREDENTIALS', getenv('WU_TEST_CREDENTIALS') ?: 'token');

/** Who an error belongs to: the first file on its stack that is ours, the release's or a shim's. */
function wu_compat_attribute(string $file, array $trace): string {
	static $owners = null;
	$owners ??= [
		'ours'    => [(string) realpath(dirname(__DIR__, 3) . '/wordpress-plugin') . '/', '/wp-content/plugins/wu-runcloud/'],
		'release' => [WU_COMPAT_RELEASE_DIR . '/'],
		'shim'    => [__DIR__ . '/shims.php', __DIR__ . '/release.php', __DIR__ . '/mu-plugins/', (string) realpath(__DIR__ . '/../doubles') . '/'],
	];
	$files = array_merge([$file], array_filter(array_column($trace, 'file')));
	foreach ($files as $f) {
		foreach ($owners as $owner => $prefixes) {
			foreach ($prefixes as $prefix) {
				if (strpos($f, $prefix) !== false) {
					return $owner;
				}
			}
		}
	}
	return 'wordpress';
}

$GLOBALS['wu_compat_errors'] = [];
set_error_handler(static function (int $type, string $message, string $file = '', int $line = 0): bool {
	if (!(error_reporting() & $type)) {
		return false; // Silenced with @ on purpose.
	}
	$names = [E_WARNING => 'Warning', E_NOTICE => 'Notice', E_DEPRECATED => 'Deprecated', E_USER_WARNING => 'Warning', E_USER_NOTICE => 'Notice', E_USER_DEPRECATED => 'Deprecated', E_COMPILE_WARNING => 'Warning', E_CORE_WARNING => 'Warning', E_STRICT => 'Strict'];
	$GLOBALS['wu_compat_errors'][] = [
		'type'    => $names[$type] ?? "E{$type}",
		'message' => $message,
		'where'   => "{$file}:{$line}",
		'by'      => wu_compat_attribute($file, debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS)),
	];
	return false; // And on to WordPress's debug.log as usual.
});

register_shutdown_function(static function (): void {
	$e = error_get_last();
	if ($e === null || !in_array($e['type'], [E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR], true)) {
		return;
	}
	$line = sprintf('FATAL on Ultimate Multisite %s (credentials: %s), %s code: %s in %s:%d', WU_COMPAT_RELEASE, WU_COMPAT_CREDENTIALS, wu_compat_attribute($e['file'], []), $e['message'], $e['file'], $e['line']);
	fwrite(STDERR, $line . "\n");
	if (getenv('WU_TEST_COMPAT_FATAL_FILE')) {
		file_put_contents((string) getenv('WU_TEST_COMPAT_FATAL_FILE'), $line . "\n", FILE_APPEND);
	}
});

// Our reporter above names the release; WordPress's handler would print an HTML page instead.
define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
define('WPMU_PLUGIN_DIR', __DIR__ . '/mu-plugins');

$_SERVER['HTTP_HOST']       = 'network.test';
$_SERVER['SERVER_NAME']     = 'network.test';
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

// Added the way WordPress's own test suite adds filters before WordPress is loaded.
$GLOBALS['wp_filter']['muplugins_loaded'][10][] = [
	// The operator enabled RunCloud in Ultimate Multisite before this request (both
	// frameworks read the flag while loading).
	'function'      => static function () {
		update_network_option(null, 'wu_host_integrations_enabled', ['runcloud' => true]);
	},
	'accepted_args' => 0,
];
$GLOBALS['wu_compat_http'] = [];
$GLOBALS['wp_filter']['pre_http_request'][0][] = [
	'function'      => static function ($pre, $args, $url) {
		$GLOBALS['wu_compat_http'][] = [
			'method' => $args['method'] ?? 'GET',
			'url'    => $url,
			'by'     => wu_compat_attribute('', debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS)),
		];
		return new WP_Error('wu_compat_no_network', 'The compatibility suite answers every WordPress HTTP request itself');
	},
	'accepted_args' => 3,
];

require __DIR__ . '/../lib/load-wordpress.php';
require __DIR__ . '/lib/CompatTestCase.php';
