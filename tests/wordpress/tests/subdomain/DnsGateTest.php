<?php
/**
 * A domain goes live only when it can: a mapped domain whose DNS does not point at the server
 * waits (visibly) instead of breaking the app's certificate for everyone, is checked again
 * with backoff, and is added and reaches HTTPS live once its DNS is fixed. The simulator's
 * DNS table decides both what the plugin sees and whether Let's Encrypt succeeds.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_State;
use WU_RunCloud\Domain_Status;
use WU_RunCloud\Network_Admin;
use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class DnsGateTest extends TestCase {

	/** Run everything due at $now (the worker, the coalesced redeploy, the HTTPS check). */
	private function stage(string $domain): string {
		return (string) (Domain_State::of($domain)['stage'] ?? '');
	}

	public function test_an_unpointed_domain_waits_while_the_others_go_live_then_goes_live_within_one_check_of_its_dns_being_fixed(): void {
		$this->sim()->dns([['name' => 'early.example.com', 'fail' => 'nxdomain']]);
		do_action('wu_add_domain', 'early.example.com', 1);
		do_action('wu_add_domain', 'ready.example.com', 1);
		$this->run_worker_now();

		$this->assertSame([], $this->domain_posts('early.example.com'), 'not added while its DNS does not point here');
		$this->assertCount(1, $this->domain_posts('ready.example.com'), 'the other domain is not held up');
		$early = $this->ops('early.example.com')[0];
		$this->assertSame('waiting', $early->status);
		$this->assertStringContainsString('waiting for DNS: early.example.com does not exist in DNS (NXDOMAIN', (string) $early->last_error);
		$this->assertEqualsWithDelta(time() + 60, (int) $early->next_attempt_at, 2, 'first re-check after 1 minute');
		$this->assertSame(Domain_State::WAITING_DNS, $this->stage('early.example.com'));
		$this->assertNotContains($early->id, array_map(static fn($o) => $o->id, Queue::problems()), 'waiting is not a problem');

		// The other domain's certificate is ordered and served; nothing of early.example.com is in the order.
		$this->run_all_due(time() + 61);
		$this->assertSame(Domain_State::HTTPS_LIVE, $this->stage('ready.example.com'), (string) json_encode(Domain_State::of('ready.example.com')));
		$orders = $this->sim()->orders();
		$this->assertCount(1, $orders, 'one order');
		$this->assertSame('issued', $orders[0]['status']);
		$this->assertNotContains('early.example.com', $orders[0]['names']);

		// The second check is due 2 minutes after the first... still NXDOMAIN.
		$this->run_all_due(time() + 61);
		$early = $this->ops('early.example.com')[0];
		$this->assertSame('waiting', $early->status);
		$this->assertSame(2, (int) Domain_State::of('early.example.com')['checks']);

		// DNS fixed: the next check adds it, the coalesced redeploy covers it, HTTPS is live.
		$this->sim()->clearDns();
		$this->run_all_due((int) $early->next_attempt_at);
		$this->assertCount(1, $this->domain_posts('early.example.com'));
		$this->run_all_due((int) $early->next_attempt_at + 61);
		$this->assertSame(Domain_State::HTTPS_LIVE, $this->stage('early.example.com'), (string) json_encode(Domain_State::of('early.example.com')));
		$orders = $this->sim()->orders();
		$this->assertCount(2, $orders);
		$this->assertSame(['issued', 'issued'], array_column($orders, 'status'), 'no order ever failed');
		$this->assertSame(0, count(array_filter($orders, static fn($o) => $o['duplicate'])), 'no duplicate order');
	}

	public function test_the_checks_back_off_one_two_five_ten_thirty_minutes_then_hourly(): void {
		$this->sim()->dns([['name' => 'slow.example.com', 'a' => ['198.51.100.7']]]);
		do_action('wu_add_domain', 'slow.example.com', 1);
		$now   = time();
		$gaps  = [];
		for ($i = 0; $i < 7; $i++) {
			$this->run_all_due($now);
			$next   = (int) $this->ops('slow.example.com')[0]->next_attempt_at;
			$gaps[] = (int) round(($next - time()) / 60);
			// Each check's delay counts from when it ran: make the next one due by moving the row.
			global $wpdb;
			$wpdb->query($wpdb->prepare('UPDATE ' . Queue::table() . ' SET next_attempt_at = %d WHERE domain = %s', $now, 'slow.example.com'));
		}
		$this->assertSame([1, 2, 5, 10, 30, 60, 60], $gaps);
		$this->assertStringContainsString('198.51.100.7, which is not this server', (string) Domain_State::of('slow.example.com')['note']);
		$this->assertSame([], $this->domain_posts('slow.example.com'));
	}

	public function test_ultimate_multisites_propagation_hook_checks_the_waiting_domain_at_once(): void {
		$this->sim()->dns([['name' => 'prop.example.com', 'fail' => 'servfail']]);
		do_action('wu_add_domain', 'prop.example.com', 1);
		$this->run_worker_now();
		$this->assertSame('waiting', $this->ops('prop.example.com')[0]->status);
		$this->assertStringContainsString('Server Failure', (string) Domain_State::of('prop.example.com')['note']);
		$this->sim()->clearDns();
		$um_domain = new class {
			public function get_domain(): string {
				return 'Prop.Example.com';
			}
		};
		do_action('wu_domain_manager_dns_propagation_finished', $um_domain);
		$this->run_worker_now(); // due now, not in a minute
		$this->assertCount(1, $this->domain_posts('prop.example.com'));
		$this->assertSame(Domain_State::IN_RUNCLOUD, $this->stage('prop.example.com'));
	}

	public function test_a_proxied_domain_is_ready_unless_a_filter_says_otherwise(): void {
		$this->sim()->dns([
			['name' => 'cdn.example.com', 'a' => ['104.16.1.1']],
			['name' => 'cdn2.example.com', 'a' => ['104.16.1.2']],
		]);
		do_action('wu_add_domain', 'cdn.example.com', 1);
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('cdn.example.com'), 'Cloudflare passes HTTP-01 to the origin');
		$this->run_all_due(time() + 61);
		$state = Domain_State::of('cdn.example.com');
		$this->assertSame(Domain_State::HTTPS_LIVE, $state['stage']);
		$this->assertStringContainsString("Cloudflare's proxy", $state['note']);
		$this->assertSame(0, $this->sim()->counters()['https_handshakes'], 'a proxied name is never connected to (its address is the CDN)');

		$this->add_test_filter('wu_runcloud_dns_proxied_is_ready', '__return_false');
		do_action('wu_add_domain', 'cdn2.example.com', 1);
		$this->run_worker_now();
		$this->assertSame([], $this->domain_posts('cdn2.example.com'));
		$this->assertStringContainsString('wu_runcloud_dns_proxied_is_ready', (string) $this->ops('cdn2.example.com')[0]->last_error);
	}

	public function test_a_filter_turns_the_gate_off(): void {
		$this->sim()->dns([['name' => 'nogate.example.com', 'fail' => 'nxdomain']]);
		$this->add_test_filter('wu_runcloud_dns_gate', '__return_false');
		do_action('wu_add_domain', 'nogate.example.com', 1);
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('nogate.example.com'), 'added at once, as before the gate');
		$this->assertSame(0, $this->sim()->counters()['dns_queries']);
		// ... and Let's Encrypt fails the app's whole order for it: the failing domain is named.
		$this->run_all_due(time() + 61);
		$this->assertSame(Domain_State::CERT_FAILED, $this->stage('nogate.example.com'));
		$this->assertStringContainsString('NXDOMAIN looking up A for nogate.example.com', (string) Domain_State::of('nogate.example.com')['note']);
	}

	public function test_after_the_days_allowed_the_plugin_gives_up_with_a_notice_and_retry_now_starts_again(): void {
		global $wpdb;
		$this->add_test_filter('wu_runcloud_dns_give_up_days', static fn() => 2);
		$this->sim()->dns([['name' => 'never.example.com', 'fail' => 'nxdomain']]);
		do_action('wu_add_domain', 'never.example.com', 1);
		$this->run_worker_now();
		$wpdb->query($wpdb->prepare('UPDATE ' . Domain_State::table() . ' SET since = %d WHERE domain = %s', time() - 2 * DAY_IN_SECONDS - 1, 'never.example.com'));
		$this->run_all_due(time() + 3600);
		$op = $this->ops('never.example.com')[0];
		$this->assertSame('failed', $op->status);
		$this->assertStringContainsString('has not pointed at the server for 2 days', (string) $op->last_error);
		$this->assertSame(Domain_State::DNS_GAVE_UP, $this->stage('never.example.com'));
		ob_start();
		(new Network_Admin())->action_network_admin_notices();
		$notices = (string) ob_get_clean();
		$this->assertStringContainsString('1 domain was not added to RunCloud: its DNS never pointed at the server', $notices);
		$this->assertSame([], $this->domain_posts('never.example.com'));
	}

	public function test_a_slow_or_broken_resolver_keeps_its_domain_waiting_without_holding_up_the_others(): void {
		$this->sim()->dns([['name' => 'hang.example.com', 'fail' => 'timeout']]);
		foreach (['hang.example.com', 'one.example.com', 'two.example.com'] as $d) {
			do_action('wu_add_domain', $d, 1);
		}
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('one.example.com'));
		$this->assertCount(1, $this->domain_posts('two.example.com'));
		$this->assertSame('waiting', $this->ops('hang.example.com')[0]->status);
		$this->assertStringContainsString('no answer from 127.0.0.1:', (string) Domain_State::of('hang.example.com')['note']);
	}

	public function test_a_live_domain_whose_dns_moves_away_is_flagged_by_the_daily_check(): void {
		do_action('wu_add_domain', 'moving.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);
		$this->assertSame(Domain_State::HTTPS_LIVE, $this->stage('moving.example.com'));
		$this->sim()->dns([['name' => 'moving.example.com', 'a' => ['198.51.100.9']]]);
		do_action(Plugin::DAILY_CHECK_HOOK);
		$this->run_all_due(time());
		$state = Domain_State::of('moving.example.com');
		$this->assertSame(Domain_State::DNS_MOVED, $state['stage']);
		$this->assertStringContainsString('198.51.100.9', $state['note']);
		$this->assertContains('moving.example.com', $this->sim_domains(), 'flagged, not removed');
		ob_start();
		(new Network_Admin())->action_network_admin_notices();
		$this->assertStringContainsString('1 live domain no longer points at the server', (string) ob_get_clean());
		// Back where it belongs: live again at the next daily check.
		$this->sim()->clearDns();
		do_action(Plugin::DAILY_CHECK_HOOK);
		$this->run_all_due(time());
		$this->assertSame(Domain_State::HTTPS_LIVE, $this->stage('moving.example.com'));
	}

	/** @group wp-cli */
	public function test_the_domains_table_and_wp_runcloud_domains_show_each_domain_on_its_way(): void {
		$this->sim()->dns([['name' => 'cli-wait.example.com', 'fail' => 'nxdomain']]);
		do_action('wu_add_domain', 'cli-wait.example.com', 1);
		do_action('wu_add_domain', 'cli-live.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);
		$wait = Domain_Status::of('cli-wait.example.com');
		$this->assertSame(['waiting_dns', 'Waiting for DNS'], [$wait->state, $wait->label]);
		$this->assertStringContainsString('cli-wait.example.com does not exist in DNS', $wait->note);
		$this->assertSame(['live', Domain_State::HTTPS_LIVE], [Domain_Status::of('cli-live.example.com')->state, Domain_Status::of('cli-live.example.com')->stage]);
		$this->assertSame(1, Domain_Status::view_counts(Domain_Status::counts())['waiting_dns'], 'the Waiting for DNS view counts it');

		$run = $this->wp(['runcloud', 'domains', '--format=json', '--fields=domain,status,note']);
		$this->assertSame(0, $run['exit'], self::transcript($run));
		$rows = array_column((array) json_decode($run['stdout'], true), null, 'domain');
		$this->assertSame('waiting_dns', $rows['cli-wait.example.com']['status'] ?? null, self::transcript($run));
		$this->assertStringContainsString('cli-wait.example.com does not exist in DNS', $rows['cli-wait.example.com']['note']);
		$this->assertSame('live', $rows['cli-live.example.com']['status'] ?? null);
	}
}
