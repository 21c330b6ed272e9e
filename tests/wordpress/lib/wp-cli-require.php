<?php
/**
 * Loaded by the real WP-CLI in the tests (`wp --require=…`, TestCase::wp()) once WordPress is
 * up: the test process's client options (no in-extension retries, so the plugin's own
 * behaviour is what is observed) and the barrier (lib/barrier.php).
 */

WP_CLI::add_hook('after_wp_load', static function () {
	add_filter('wu_runcloud_client_options', static fn() => ['retries' => 0, 'timeout' => 10.0, 'connect_timeout' => 5.0]);
	require __DIR__ . '/barrier.php';
});
