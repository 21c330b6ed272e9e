<?php
/**
 * Loads a real WordPress multisite (installed by run.sh) into the PHPUnit process.
 *
 * Environment: WU_TEST_WP_DIR (the install), WU_TEST_SIM_URL (the RunCloud simulator),
 * WU_TEST_DOMAIN (network domain), WU_TEST_UM=1 to load the Ultimate Multisite test double
 * as the mu-plugins directory.
 */

$wp_dir = getenv('WU_TEST_WP_DIR');
if (!$wp_dir || !is_file($wp_dir . '/wp-config.php')) {
	fwrite(STDERR, "WU_TEST_WP_DIR must point at a WordPress install made by tests/wordpress/run.sh\n");
	exit(1);
}
if (!getenv('WU_TEST_SIM_URL')) {
	fwrite(STDERR, "WU_TEST_SIM_URL must be the RunCloud simulator's URL\n");
	exit(1);
}

$domain = getenv('WU_TEST_DOMAIN') ?: 'network.test';
$_SERVER['HTTP_HOST']       = $domain;
$_SERVER['SERVER_NAME']     = $domain;
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

if (getenv('WU_TEST_UM') === '1') {
	// The Ultimate Multisite double loads like the real plugin would: before ours.
	define('WPMU_PLUGIN_DIR', __DIR__ . '/doubles/ultimate-multisite');
	// The operator has enabled RunCloud in Ultimate Multisite before this request started
	// (both frameworks read the flag while loading). Pre-seeded the way WordPress's own test
	// suite adds filters before WordPress is loaded.
	$GLOBALS['wp_filter']['muplugins_loaded'][10][] = [
		'function'      => static function () {
			update_network_option(null, 'wu_host_integrations_enabled', ['runcloud' => true]);
		},
		'accepted_args' => 0,
	];
}

require __DIR__ . '/lib/load-wordpress.php';
