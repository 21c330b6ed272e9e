<?php
/**
 * Certificates as RunCloud really issues them, end to end in WordPress: every SSL mode on
 * both API versions reaches HTTPS live; a failed order names its domain and RunCloud's
 * reason in the log, the Domains table and `wp runcloud status`; a rate-limited order waits
 * for Let's Encrypt's time; an order is never placed twice by accident.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_State;
use WU_RunCloud\Domain_Status;
use WU_RunCloud\Log;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Site_Health;
use WU_RunCloud\Worker;

final class CertificateTest extends TestCase {

	protected function tearDown(): void {
		Settings::set_credential_source(null);
		parent::tearDown();
	}

	private function use_api(string $api): void {
		if ($api === 'v2') {
			Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_KEY' => 'sim-key', 'WU_RUNCLOUD_API_SECRET' => 'sim-secret', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		}
	}

	private function seed_mode(string $ssl, bool $auto = false): void {
		$this->reset_sim(['servers' => [[
			'id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1',
			'webapps' => [['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => $ssl, 'auto_ssl' => $auto]],
		]]]);
	}

	/** @return array<string, array{0: string, 1: string, 2: bool, 3: string}> */
	public static function modes(): array {
		$out = [];
		foreach (['v3', 'v2'] as $api) {
			$out["basic $api"]             = [$api, 'basic', false, Domain_State::HTTPS_LIVE];
			$out["advanced $api"]          = [$api, 'advanced', false, Domain_State::HTTPS_LIVE];
			$out["advanced autoSSL $api"]  = [$api, 'advanced', true, Domain_State::HTTPS_FAILED];
			$out["no certificate $api"]    = [$api, 'none', false, Domain_State::CERT_FAILED];
		}
		return $out;
	}

	/** @dataProvider modes */
	public function test_every_ssl_mode_on_both_api_versions(string $api, string $ssl, bool $auto, string $final): void {
		$this->seed_mode($ssl, $auto);
		$this->use_api($api);
		do_action('wu_add_domain', 'mode.example.com', 1);
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('mode.example.com'));
		$this->run_all_due(time() + 61);
		$this->run_all_due(time() + 301); // an HTTPS check waits longer when nothing was issued
		$state = Domain_State::of('mode.example.com');
		$this->assertSame($final, $state['stage'], (string) json_encode($state) . "\n" . $this->describe_ops());
		$orders = $this->sim()->orders();
		$issuing = array_values(array_filter($this->api_requests(), static fn($r) => in_array($r['method'], ['PUT', 'PATCH', 'POST'], true) && str_contains($r['path'], '/ssl') && !str_ends_with($r['path'], '/ssl/advanced')));
		switch ("$ssl/" . ($auto ? 'auto' : 'manual')) {
			case 'basic/manual':
				$this->assertCount(1, $orders, 'one order for the app certificate');
				$this->assertContains('mode.example.com', $orders[0]['names']);
				$this->assertSame($api === 'v3' ? 'PATCH /ssl/advanced/{id}/redeploy' : 'PUT /ssl/{id}', $orders[0]['route']);
				$this->assertNotNull($state['not_after']);
				break;
			case 'advanced/manual':
				$this->assertCount(1, $orders, "the new domain's own certificate");
				$this->assertSame(['mode.example.com'], $orders[0]['names']);
				$this->assertSame('POST /domains/{d}/ssl', $orders[0]['route']);
				break;
			case 'advanced/auto':
				// RunCloud's AutoSSL issues it (not modelled by the simulator): the plugin orders nothing
				// and says what it sees, rather than inventing success.
				$this->assertSame([], $orders);
				$this->assertSame([], $issuing);
				$this->assertStringContainsString('name_mismatch', $state['note']);
				break;
			case 'none/manual':
				$this->assertSame([], $orders);
				$this->assertStringContainsString('has no SSL certificate to redeploy', $state['note']);
				break;
		}
		$this->assertSame(0, count(array_filter($orders, static fn($o) => $o['duplicate'])), 'no duplicate order');
	}

	public function test_a_failed_order_names_the_failing_domain_and_runclouds_reason_on_every_surface(): void {
		$this->add_test_filter('wu_runcloud_dns_gate', '__return_false'); // let an unpointed name in
		$this->sim()->dns([['name' => 'broken.example.com', 'a' => ['198.51.100.7']]]);
		do_action('wu_add_domain', 'broken.example.com', 1);
		do_action('wu_add_domain', 'fine.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);

		$broken = Domain_State::of('broken.example.com');
		$this->assertSame(Domain_State::CERT_FAILED, $broken['stage']);
		$this->assertStringContainsString('broken.example.com: 198.51.100.7: Invalid response', $broken['note']);
		$fine = Domain_State::of('fine.example.com');
		$this->assertSame(Domain_State::IN_RUNCLOUD, $fine['stage'], 'blocked by the other name in basic mode');
		$this->assertStringContainsString('the certificate order failed for broken.example.com', $fine['note']);

		$log = implode("\n", array_map(static fn($r) => "{$r->op} {$r->domain} {$r->outcome}: {$r->message}", Log::recent(20)));
		$this->assertStringContainsString('redeploy_ssl broken.example.com failed: ', $log);
		$this->assertStringContainsString("Let's Encrypt could not validate 1 of 3 names", $log);

		// The Domains table, Site Health and `wp runcloud domains` read the same row.
		$row = Domain_Status::of('broken.example.com');
		$this->assertNotNull($row, 'the failing domain is in the Domains table');
		$this->assertSame(['failing', Domain_State::CERT_FAILED], [$row->state, $row->stage]);
		$this->assertStringStartsWith('certificate failed: ', $row->last_error);
		$this->assertStringContainsString('Invalid response', $row->last_error);
		$this->assertContains('broken.example.com', array_column(Domain_Status::page(['states' => ['failing']]), 'domain'), 'the Failing view lists it');
		$this->assertStringContainsString('broken.example.com: certificate failed: ', Site_Health::domains()['message']);

		$op = array_values(array_filter($this->ops(), static fn($o) => $o->op === 'redeploy_ssl'))[0];
		$this->assertSame('retrying', $op->status, 'kept visible and retried');
	}

	public function test_a_rate_limited_order_waits_until_lets_encrypt_says_it_may_be_tried_again(): void {
		$this->sim()->config(['le_limits' => true, 'le_duplicate_limit' => 1]);
		// One issuance of the app's current names this week already.
		wu_runcloud_redeploy_ssl(Settings::config());
		global $wpdb;
		// The same names again: ask the worker for a redeploy with nothing new in it.
		Queue::enqueue('redeploy_ssl', '', 0, 'test');
		$this->run_all_due(time() + 61);
		$op = array_values(array_filter($this->ops(), static fn($o) => $o->op === 'redeploy_ssl'))[0];
		$this->assertSame('retrying', $op->status);
		$this->assertStringContainsString('too many certificates (1)', (string) $op->last_error);
		$this->assertGreaterThan(time() + 6 * DAY_IN_SECONDS, (int) $op->next_attempt_at, "the queue waits for Let's Encrypt's time, not its own backoff");
		$log = implode("\n", array_map(static fn($r) => (string) $r->message, Log::recent(5)));
		$this->assertStringContainsString("Let's Encrypt's rate limit: next try after", $log);
		$orders = count($this->sim()->orders());
		$this->run_all_due(time() + 3 * DAY_IN_SECONDS);
		$this->assertCount($orders, $this->sim()->orders(), 'no order before the time Let\'s Encrypt gave');
		unset($wpdb);
	}

	public function test_a_slow_synchronous_issuance_past_the_request_budget_is_one_order_and_the_domain_ends_up_covered(): void {
		// RunCloud takes 90 s to answer an issuing call; a request budget of 15 s; the issuance's own 120 s.
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['retries' => 3, 'timeout' => 15.0, 'connect_timeout' => 5.0, 'ssl_timeout' => 120.0]);
		$this->sim()->config(['issuance_ms' => 90000]);
		do_action('wu_add_domain', 'slow.example.com', 1);
		$this->run_worker_now();
		$started = microtime(true);
		$this->run_all_due(time() + 61);
		$took = microtime(true) - $started;
		$this->run_all_due(time()); // the HTTPS check queued when the order came back
		$this->assertGreaterThanOrEqual(89, $took, 'the worker waited for the issuance');
		$orders = $this->sim()->orders();
		$this->assertCount(1, $orders, 'exactly one order');
		$this->assertSame('issued', $orders[0]['status']);
		$this->assertSame(Domain_State::HTTPS_LIVE, Domain_State::of('slow.example.com')['stage'], $this->describe_ops());
	}

	public function test_an_issuance_past_ssl_timeout_is_pending_never_reordered_and_ends_up_live(): void {
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['retries' => 3, 'timeout' => 5.0, 'connect_timeout' => 5.0, 'ssl_timeout' => 1.0]);
		$this->sim()->config(['issuance_ms' => 3000]);
		do_action('wu_add_domain', 'late.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);
		$this->assertSame(Domain_State::CERT_PENDING, Domain_State::of('late.example.com')['stage'], $this->describe_ops());
		$this->assertStringContainsString('not ordered again', Domain_State::of('late.example.com')['note'] . ' ' . implode(' ', array_map(static fn($r) => (string) $r->message, Log::recent(10))));
		sleep(3);
		$this->run_all_due(time() + 200);
		$this->assertSame(Domain_State::HTTPS_LIVE, Domain_State::of('late.example.com')['stage'], $this->describe_ops());
		$orders = $this->sim()->orders();
		$this->assertCount(1, $orders, 'one order for one domain');
	}

	public function test_no_certificate_is_ordered_in_an_admin_page_request(): void {
		do_action('wu_add_domain', 'admin.example.com', 1);
		$this->run_worker_now();
		$redeploy = array_values(array_filter($this->ops(), static fn($o) => $o->op === 'redeploy_ssl'))[0];
		global $wpdb;
		$wpdb->update(Queue::table(), ['status' => 'failed', 'dedup_key' => null], ['id' => $redeploy->id]);
		$this->admin_post(1, ['action' => 'wu_runcloud_op', 'op_id' => $redeploy->id, 'do' => 'retry'], 'wu_runcloud_op_' . $redeploy->id);
		$this->assertSame([], $this->sim()->orders(), 'Retry now queued it for the worker');
		$this->assertStringContainsString('background worker', (string) ($this->flash()['message'] ?? json_encode($this->flash())));
		Settings::set_enabled(false);
		$this->create_site('sync-admin');
		Settings::set_enabled(true);
		$this->admin_post(1, ['action' => 'wu_runcloud_sync'], 'wu_runcloud_sync');
		$this->assertContains('sync-admin.network.test', $this->sim_domains());
		$this->assertSame([], $this->sim()->orders(), 'Sync now adds, the worker orders');
		$this->run_all_due(time() + 61);
		$this->assertCount(1, $this->sim()->orders());
	}
}
