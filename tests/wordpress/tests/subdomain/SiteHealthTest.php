<?php
/**
 * Tools -> Site Health: our direct tests, each good / recommended / critical with a description
 * and an action link, computed without a single RunCloud request; and the Info tab's section,
 * which never holds a secret.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Site_Health;
use WU_RunCloud\Worker;

final class SiteHealthTest extends TestCase {

	private const IDS = ['wu_runcloud_extension', 'wu_runcloud_credentials', 'wu_runcloud_queue', 'wu_runcloud_domains', 'wu_runcloud_ssl_limit'];

	protected function tearDown(): void {
		Settings::set_credential_source(null);
		parent::tearDown();
	}

	/** Every test of ours as WordPress' Site Health runs it, by id. */
	private function site_health(): array {
		require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';
		$tests = \WP_Site_Health::get_tests();
		$out   = [];
		foreach (self::IDS as $id) {
			$this->assertArrayHasKey($id, $tests['direct'], "site_status_tests has the direct test {$id}");
			$result = call_user_func($tests['direct'][$id]['test']);
			foreach (['label', 'status', 'badge', 'description', 'actions', 'test'] as $key) {
				$this->assertArrayHasKey($key, $result, "{$id} returns {$key}");
			}
			$this->assertContains($result['status'], ['good', 'recommended', 'critical']);
			$this->assertMatchesRegularExpression('#<a href="[^"]*page=wu-runcloud#', $result['actions'], "{$id} links to Settings -> RunCloud");
			$this->assertSame($id, $result['test']);
			$out[$id] = $result;
		}
		return $out;
	}

	public function test_a_healthy_network_is_good_everywhere_and_site_health_sends_no_request(): void {
		$this->assertNotInstanceOf(\WP_Error::class, Domain_Sync::test_connection());
		do_action('wu_add_domain', 'fine.example.com', 1);
		$this->run_worker_now();
		$this->sim()->clearRequests();

		$results = $this->site_health();
		foreach ($results as $id => $result) {
			$this->assertSame('good', $result['status'], "{$id}: " . $result['label'] . ' ' . $result['description']);
		}
		$this->assertStringContainsString(wu_runcloud_version(), $results['wu_runcloud_extension']['label']);
		$this->assertStringContainsString('"web-01"', html_entity_decode($results['wu_runcloud_credentials']['description'], ENT_QUOTES));
		$this->assertSame([], $this->api_requests(), 'Site Health never calls RunCloud: it reads the last Test Connection');
	}

	public function test_the_extension_check_is_critical_without_it_and_recommended_for_another_release(): void {
		$this->assertSame('good', Site_Health::extension_result('0.1.0', '0.1.0')['status']);
		$other = Site_Health::extension_result('0.2.0', '0.1.0');
		$this->assertSame('recommended', $other['status']);
		$this->assertSame('The wu_runcloud PHP extension 0.2.0 is not the plugin\'s release 0.1.0', $other['label']);
		$missing = Site_Health::extension_result(null, '0.1.0');
		$this->assertSame('critical', $missing['status']);
		$this->assertSame(Settings::extension_missing_message(), $missing['message'], 'The one wording of a missing extension');
		$this->assertSame(Site_Health::extension_result(wu_runcloud_version(), WU_RUNCLOUD_PLUGIN_VERSION), Site_Health::extension(), 'The live check is that decision on the loaded extension');
	}

	public function test_untested_credentials_are_recommended_and_a_refused_test_is_critical_in_the_extensions_words(): void {
		$this->assertSame('recommended', $this->site_health()['wu_runcloud_credentials']['status'], 'Never tested');
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_TOKEN' => 'revoked-token', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		$failed = Domain_Sync::test_connection();
		$this->assertInstanceOf(\WP_Error::class, $failed);
		$this->sim()->clearRequests();
		$result = $this->site_health()['wu_runcloud_credentials'];
		$this->assertSame('critical', $result['status']);
		$this->assertStringContainsString(esc_html($failed->get_error_message()), $result['description'], 'The one wording of the failure');
		$this->assertSame([], $this->api_requests());

		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_SERVER_ID' => '11667'][$c] ?? '');
		$result = $this->site_health()['wu_runcloud_credentials'];
		$this->assertSame('critical', $result['status']);
		$this->assertStringContainsString('define WU_RUNCLOUD_API_TOKEN, WU_RUNCLOUD_APP_ID in wp-config.php', $result['description']);
	}

	public function test_credentials_refused_after_a_good_test_are_critical(): void {
		$this->assertNotInstanceOf(\WP_Error::class, Domain_Sync::test_connection());
		$this->add_fault(['method' => '*', 'path' => '/api/**', 'kind' => 'status', 'status' => 401]);
		do_action('wu_add_domain', 'later.example.com', 1);
		$this->run_worker_now();
		$result = $this->site_health()['wu_runcloud_credentials'];
		$this->assertSame('critical', $result['status']);
		$this->assertStringContainsString('with HTTP 401', $result['description']);
	}

	public function test_the_queue_check_tells_retrying_from_failed_from_overdue(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'flaky.example.com', 1);
		$this->run_worker_now();
		$queue = $this->site_health()['wu_runcloud_queue'];
		$this->assertSame('recommended', $queue['status'], 'Retrying: it may heal by itself');
		$this->assertStringContainsString('add flaky.example.com: RunCloud answered HTTP 503', $queue['description']);
		$this->assertStringContainsString('tab=operations', $queue['actions']);

		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'refused.example.com', 1);
		Worker::process_due();
		$queue = $this->site_health()['wu_runcloud_queue'];
		$this->assertSame('critical', $queue['status'], 'Failed for good: someone must act');
		$this->assertStringContainsString('1 RunCloud operation failed', $queue['label']);

		global $wpdb;
		$wpdb->query('TRUNCATE TABLE ' . Queue::table());
		do_action('wu_add_domain', 'stuck.example.com', 1);
		$wpdb->query($wpdb->prepare('UPDATE ' . Queue::table() . ' SET next_attempt_at = %d', time() - 3600));
		$queue = $this->site_health()['wu_runcloud_queue'];
		$this->assertSame('recommended', $queue['status'], 'Due an hour ago and never run: no worker');
		$this->assertStringContainsString('wp-cron.php', $queue['description']);

		Settings::hold('RunCloud configuration error: WU_RUNCLOUD_CA_FILE "/nope" cannot be read.');
		$this->assertSame('critical', $this->site_health()['wu_runcloud_queue']['status'], 'A held queue is critical');
	}

	public function test_failing_domains_and_a_failing_certificate_are_reported_with_their_cause(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'nope.example.com', 1);
		$this->run_worker_now();
		$domains = $this->site_health()['wu_runcloud_domains'];
		$this->assertSame('critical', $domains['status']);
		$this->assertStringContainsString('1 domain is failing', $domains['label']);
		$this->assertStringContainsString('nope.example.com: RunCloud refused adding domain nope.example.com', $domains['description']);
		$this->assertStringContainsString('view=failing', $domains['actions']);

		global $wpdb;
		$wpdb->query('TRUNCATE TABLE ' . Queue::table());
		// A basic certificate covers at most 100 names: this app is past that, so the redeploy fails.
		$this->seed_domains(array_map(static fn($n) => "full{$n}.example.com", range(1, 100)));
		do_action('wu_add_domain', 'fine.example.com', 1);
		$this->run_worker_now();
		$this->run_after_ssl_window();
		$domains = $this->site_health()['wu_runcloud_domains'];
		$this->assertSame('critical', $domains['status'], "A certificate RunCloud refused (HTTP 422) is critical: new domains have no HTTPS; ops:\n" . $this->describe_ops());
		$this->assertSame('The SSL certificate could not be redeployed', $domains['label']);
		$this->assertStringContainsString('redeploy_ssl -: RunCloud refused redeploying SSL certificate', $domains['description']);
	}

	public function test_the_basic_certificate_limit_is_recommended_near_100_names_and_critical_at_100(): void {
		$this->seed_domains(array_map(static fn($n) => "bulk{$n}.example.net", range(1, 92)));
		$this->assertNotInstanceOf(\WP_Error::class, Domain_Sync::test_connection());
		$limit = $this->site_health()['wu_runcloud_ssl_limit'];
		$this->assertSame('recommended', $limit['status']);
		$this->assertStringContainsString('covers at most 100 names', $limit['description']);
		$this->seed_domains(array_map(static fn($n) => "more{$n}.example.net", range(1, 10)));
		$this->assertNotInstanceOf(\WP_Error::class, Domain_Sync::test_connection());
		$this->assertSame('critical', $this->site_health()['wu_runcloud_ssl_limit']['status']);
	}

	public function test_the_info_section_shows_the_configuration_and_never_a_secret(): void {
		$secrets = ['WU_RUNCLOUD_API_TOKEN' => 'tok-' . bin2hex(random_bytes(8)), 'WU_RUNCLOUD_API_KEY' => 'key-' . bin2hex(random_bytes(8)), 'WU_RUNCLOUD_API_SECRET' => 'sec-' . bin2hex(random_bytes(8))];
		Settings::set_credential_source(static fn($c) => ($secrets + ['WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'])[$c] ?? '');
		Domain_Sync::test_connection(); // refused: the message is stored too
		require_once ABSPATH . 'wp-admin/includes/class-wp-debug-data.php';
		require_once ABSPATH . 'wp-admin/includes/update.php';
		require_once ABSPATH . 'wp-admin/includes/misc.php';
		$info = \WP_Debug_Data::debug_data();
		$this->assertArrayHasKey('wu-runcloud', $info);
		$fields = $info['wu-runcloud']['fields'];
		foreach (['plugin_version', 'extension', 'credentials', 'server_id', 'app_id', 'api_url', 'queue', 'domains', 'last_test', 'hold'] as $key) {
			$this->assertArrayHasKey($key, $fields);
		}
		$this->assertSame('API token (RunCloud API v3)', $fields['credentials']['value'], 'The kind of credential, not its value');
		$this->assertSame('11667', $fields['server_id']['value']);
		$copied = \WP_Debug_Data::format($info, 'debug') . json_encode($info) . json_encode(Site_Health::results());
		foreach ($secrets as $constant => $secret) {
			$this->assertStringNotContainsString($secret, $copied, "{$constant}'s value appears in Site Health");
		}
	}

	public function test_an_api_url_carrying_a_user_and_password_is_shown_without_them(): void {
		$fields = Site_Health::configuration();
		$this->assertSame((string) getenv('WU_TEST_SIM_URL'), $fields['api_url'][1], 'The configured URL as it is');
		$method = new \ReflectionMethod(Site_Health::class, 'without_userinfo');
		$method->setAccessible(true);
		$this->assertSame('https://manage.example:8443/api', $method->invoke(null, 'https://user:pa55@manage.example:8443/api'));
	}
}
