<?php
/**
 * Loaded by the real WP-CLI in the tests (`wp --require=…`, TestCase::wp()) once WordPress is
 * up, so the command runs in the world the test process arranged:
 * - the test process's client options: no in-extension retries, so the plugin's own behaviour
 *   is what is observed; WU_TEST_CLIENT_OPTIONS (JSON) replaces them;
 * - WU_TEST_CREDENTIAL_SOURCE (JSON, constant => value): TestCase::set_credentials();
 * - WU_TEST_ALSO_WANTED (comma-separated): names the wu_runcloud_wanted_domains filter adds, as
 *   the test process's own filter does;
 * - the barrier (lib/barrier.php).
 */

WP_CLI::add_hook('after_wp_load', static function () {
	$options = json_decode((string) getenv('WU_TEST_CLIENT_OPTIONS'), true);
	add_filter('wu_runcloud_client_options', static fn() => is_array($options) ? $options : ['retries' => 0, 'timeout' => 10.0, 'connect_timeout' => 5.0]);
	$credentials = json_decode((string) getenv('WU_TEST_CREDENTIAL_SOURCE'), true);
	if (is_array($credentials)) {
		\WU_RunCloud\Settings::set_credential_source(static fn($constant) => (string) ($credentials[$constant] ?? ''));
	}
	$also = getenv('WU_TEST_ALSO_WANTED');
	if ($also !== false) {
		add_filter('wu_runcloud_wanted_domains', static fn($domains) => is_array($domains) ? array_merge($domains, array_filter(explode(',', $also))) : $domains, 5);
	}
	require __DIR__ . '/barrier.php';
});
