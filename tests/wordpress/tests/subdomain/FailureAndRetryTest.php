<?php
/**
 * Failures stay visible and heal: backoff retries, permanent failures until dismissed,
 * specific messages for credentials, ids and validation — and no secret anywhere.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Log;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class FailureAndRetryTest extends TestCase {

	protected function tearDown(): void {
		Settings::set_credential_source(null);
		parent::tearDown();
	}

	public function test_runcloud_down_is_retried_later_with_backoff_and_then_succeeds(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'later.example.com', 1);
		$this->run_worker_now();

		$op = $this->ops('later.example.com')[0];
		$this->assertSame('retrying', $op->status, "A 503 must be retried; ops:\n" . $this->describe_ops());
		$this->assertSame(503, (int) $op->last_status, 'The HTTP status is kept for the admin');
		$this->assertNotSame('', (string) $op->last_error);
		$this->assertStringNotContainsString('<html', strtolower((string) $op->last_error), 'No response body (HTML page) in the stored error');
		$this->assertEqualsWithDelta(time() + 60, (int) $op->next_attempt_at, 3, 'First retry after about a minute');
		$this->assertEqualsWithDelta((int) $op->next_attempt_at, (int) wp_next_scheduled(Worker::HOOK), 1, 'The worker is scheduled for the retry time');
		$this->assertCount(1, Queue::problems(), 'A retrying operation is listed as needing attention');

		$result = Worker::process_due(time());
		$this->assertSame(0, $result['processed'], 'Not retried before its time');

		Worker::process_due(time() + 61);
		$this->assertSame('done', $this->ops('later.example.com')[0]->status, "Expected success on the retry; ops:\n" . $this->describe_ops());
		$this->assertContains('later.example.com', $this->sim_domains());
		$this->assertSame([], Queue::problems(), 'A success clears it from the attention list');
	}

	public function test_a_remove_arriving_while_the_add_runs_and_fails_is_not_undone_by_the_adds_retry(): void {
		do_action('wu_add_domain', 'undo.example.com', 1);
		$add = Queue::claim((int) $this->ops('undo.example.com')[0]->id);
		$this->assertNotNull($add, 'a worker takes the add');
		// While that worker talks to RunCloud, the mapping is deleted again.
		do_action('wu_remove_domain', 'undo.example.com', 1);
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		Worker::run($add);

		$this->assertSame('superseded', Queue::get((int) $add->id)->status, "The failed add must not come back after the newer remove; ops:\n" . $this->describe_ops());
		Worker::process_due(time() + 7 * 3600); // every retry that could be due
		$this->assertNotContains('undo.example.com', $this->sim_domains(), "The last intent was remove; requests:\n" . $this->describe_requests());
		$this->assertSame([], Queue::problems(), 'Nothing left for the admin to look at');
	}

	public function test_a_remove_that_failed_before_a_newer_add_does_not_remove_the_domain_on_its_retry(): void {
		do_action('wu_add_domain', 'back.example.com', 1);
		$this->run_worker_now();
		do_action('wu_remove_domain', 'back.example.com', 1);
		$remove = $this->ops('back.example.com')[1];
		$this->assertNotNull(Queue::claim((int) $remove->id));
		do_action('wu_add_domain', 'back.example.com', 1);
		// The remove's worker died: once its lease runs out the row is handed back as 'retrying'.
		global $wpdb;
		$wpdb->update(Queue::table(), ['lease_until' => time() - 1], ['id' => (int) $remove->id]);
		Worker::process_due(time() + 7 * 3600);
		$this->assertSame('superseded', Queue::get((int) $remove->id)->status, "ops:\n" . $this->describe_ops());
		$this->assertContains('back.example.com', $this->sim_domains(), "The last intent was add; requests:\n" . $this->describe_requests());
	}

	public function test_an_ssl_redeploy_refused_batch_after_batch_is_one_visible_problem(): void {
		// A basic certificate covers at most 100 names; this app is past that.
		$this->seed_domains(array_map(static fn($n) => "full{$n}.example.com", range(1, 100)));
		foreach (['one.example.com', 'two.example.com', 'three.example.com'] as $i => $domain) {
			do_action('wu_add_domain', $domain, 1);
			Worker::process_due(time() + $i * 1000);
			Worker::process_due(time() + $i * 1000 + Domain_Sync::ssl_delay() + 1);
		}
		$this->assertGreaterThanOrEqual(3, count(array_filter($this->api_requests('PATCH'), static fn($r) => str_contains($r['path'], '/redeploy'))) + count($this->api_requests('PUT')), "each batch tried; requests:\n" . $this->describe_requests());
		$problems = Queue::problems();
		$this->assertCount(1, $problems, "Three refused redeploys must show as one problem, not one per batch; ops:\n" . $this->describe_ops());
		$this->assertSame('redeploy_ssl', $problems[0]->op);
		$this->assertStringContainsString('100 names', (string) $problems[0]->last_error, 'The problem names the cause');
		$this->assertStringContainsString('RunCloud refused redeploying SSL certificate', (string) $problems[0]->last_error, 'The message says which operation RunCloud refused');
		$this->assertStringNotContainsString('another web application', (string) $problems[0]->last_error, 'No domain-add advice for a certificate problem');
	}

	public function test_a_refused_remove_of_the_apps_primary_domain_says_so_without_add_advice(): void {
		$this->reset_sim(['servers' => [[
			'id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1',
			'webapps' => [['id' => self::APP, 'name' => 'network', 'primary_domain' => 'app.example.com', 'ssl' => 'basic']],
		]]]);
		// Even when our records claim the name (a corrupted or hand-edited row), RunCloud
		// itself refuses to remove an app's primary domain, and the message says so.
		\WU_RunCloud\Domains::present(get_current_network_id(), Settings::target(), 'app.example.com', null, 0, true);
		do_action('wu_remove_domain', 'app.example.com', 1);
		$this->run_worker_now();
		$op = $this->ops('app.example.com')[0];
		$this->assertSame('failed', $op->status, "ops:\n" . $this->describe_ops());
		$this->assertStringContainsString('primary domain', (string) $op->last_error, 'The message names the cause');
		$this->assertStringNotContainsString('another web application', (string) $op->last_error, 'Advice about adding domains does not fit a refused removal');
		$this->assertContains('app.example.com', $this->sim_domains());
	}

	public function test_backoff_grows_and_is_capped(): void {
		$this->assertSame([60, 300, 900, 3600, 21600, 21600], array_map([Queue::class, 'backoff'], [1, 2, 3, 4, 5, 9]));
	}

	public function test_an_invalid_domain_fails_permanently_without_any_request_and_can_be_dismissed(): void {
		do_action('wu_add_domain', 'https://bad.example.com/path', 1);
		$this->run_worker_now();
		$op = $this->ops()[0];
		$this->assertSame('failed', $op->status, "Invalid names are not retried; ops:\n" . $this->describe_ops());
		$this->assertStringContainsString('invalid domain name "https://bad.example.com/path": it contains a URL scheme', (string) $op->last_error);
		$this->assertSame([], array_merge($this->api_requests('POST'), $this->api_requests('DELETE')), 'Rejected before any write request');
		$this->assertFalse(wp_next_scheduled(Worker::HOOK), 'Nothing left to schedule');

		$this->assertTrue(Queue::dismiss((int) $op->id));
		$this->assertSame([], Queue::problems(), 'Dismissed operations leave the attention list');
	}

	public function test_wrong_credentials_say_so_and_stay_visible_without_leaking_the_token(): void {
		$wrong = 'wrong-token-' . wp_generate_password(16, false);
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_TOKEN' => $wrong, 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		do_action('wu_add_domain', 'auth.example.com', 1);
		$this->run_worker_now();

		$op = $this->ops('auth.example.com')[0];
		$this->assertSame('retrying', $op->status, 'Credentials can be fixed: keep retrying');
		$this->assertSame(401, (int) $op->last_status);
		$this->assertStringContainsString('RunCloud rejected the v3 API token (WU_RUNCLOUD_API_TOKEN) with HTTP 401', (string) $op->last_error, 'The message names what to check');

		ob_start();
		do_action('network_admin_notices');
		$notices = ob_get_clean();
		$this->assertStringContainsString('Domains are not being synced: RunCloud rejected the v3 API token (WU_RUNCLOUD_API_TOKEN)', $notices, 'Authentication failures are shown prominently');

		$everything = $notices . json_encode($this->ops()) . json_encode(Log::recent(50));
		$this->assertStringNotContainsString($wrong, $everything, 'The token must never appear in notices, the queue or the log');
	}

	public function test_a_wrong_app_id_names_the_constant_to_check(): void {
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '999999'][$c] ?? '');
		$result = Domain_Sync::test_connection();
		$this->assertInstanceOf(\WP_Error::class, $result);
		$this->assertSame('wu_runcloud_not_found', $result->get_error_code());
		$this->assertStringContainsString('WU_RUNCLOUD_APP_ID', $result->get_error_message());
	}

	public function test_legacy_key_and_secret_use_basic_auth_on_api_v2(): void {
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_KEY' => 'sim-key', 'WU_RUNCLOUD_API_SECRET' => 'sim-secret', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		$this->assertSame('key_secret', Settings::credential_mode());
		do_action('wu_add_domain', 'legacy.example.com', 1);
		$this->run_worker_now();
		$posts = $this->domain_posts('legacy.example.com');
		$this->assertCount(1, $posts, "Expected the add over v2; requests:\n" . $this->describe_requests());
		$this->assertSame('basic', $posts[0]['auth']);
		$this->assertStringStartsWith('/api/v2/', $posts[0]['path']);

		ob_start();
		do_action('network_admin_notices');
		$notices = ob_get_clean();
		$this->assertStringContainsString('WU_RUNCLOUD_API_TOKEN', $notices, 'Key+secret users are told about API tokens');
		$this->assertStringNotContainsString('sim-secret', $notices);
	}

	public function test_the_token_wins_over_key_and_secret(): void {
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_API_KEY' => 'k', 'WU_RUNCLOUD_API_SECRET' => 's', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		$config = Settings::config();
		$this->assertSame('sim-token', $config['api_token']);
		$this->assertArrayNotHasKey('api_key', $config);
		$this->assertSame(getenv('WU_TEST_SIM_URL'), $config['base_url'], 'WU_RUNCLOUD_API_URL becomes base_url');
	}

	public function test_missing_constants_are_named(): void {
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_KEY' => 'k'][$c] ?? '');
		$this->assertSame(['WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'], Settings::missing_constants());
		$this->assertSame([], Settings::config(), 'No config array until everything is defined');
	}
}
