<?php
/**
 * The four Ultimate Multisite actions, handled by the plugin on its own (no UM loaded):
 * recorded by the hook, performed by the worker through the extension, against the simulator.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class DomainActionsTest extends TestCase {

	public function test_wu_add_domain_only_records_then_the_worker_adds_it_and_one_ssl_redeploy_follows(): void {
		do_action('wu_add_domain', 'shop.example.com', 1);

		$this->assertSame([], $this->api_requests(), "The hook must not talk to RunCloud itself; it did:\n" . $this->describe_requests());
		$ops = $this->ops('shop.example.com');
		$this->assertCount(1, $ops, 'Expected one recorded add operation');
		$this->assertSame('pending', $ops[0]->status);

		$this->run_worker_now();

		$this->assertContains('shop.example.com', $this->sim_domains(), "Expected the domain on the RunCloud app after the worker ran; requests:\n" . $this->describe_requests());
		$this->assertCount(1, $this->domain_posts('shop.example.com'), 'Expected exactly one POST creating the domain');
		$row = Domains::get('shop.example.com');
		$this->assertNotNull($row, 'Expected the RunCloud id to be stored');
		$this->assertSame((int) $this->sim_domain('shop.example.com')['id'], (int) $row->runcloud_id, 'Stored id must be RunCloud\'s id');
		$this->assertSame(1, (int) $row->managed, 'A domain we created is marked as added by us');

		$this->assertSame([], $this->redeploys(), 'SSL is redeployed once after the coalescing window, not per add');
		$this->run_after_ssl_window();
		$redeploys = $this->redeploys();
		$this->assertCount(1, $redeploys, 'Expected one SSL redeploy after the window');
		$this->assertContains('shop.example.com', array_map('strtolower', $redeploys[0]['names']), 'The redeployed certificate must cover the new domain');
	}

	public function test_many_adds_in_one_window_lead_to_a_single_ssl_redeploy(): void {
		foreach (['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'] as $domain) {
			do_action('wu_add_domain', $domain, 1);
		}
		$this->run_worker_now();
		$this->assertCount(4, $this->domain_posts(), "Expected four domain POSTs; requests:\n" . $this->describe_requests());
		$this->run_after_ssl_window();
		$this->assertCount(1, $this->redeploys(), "Four adds in one window must cause exactly one redeploy; ops:\n" . $this->describe_ops());
	}

	public function test_wu_remove_domain_deletes_by_the_stored_id_without_a_lookup(): void {
		do_action('wu_add_domain', 'gone.example.com', 1);
		$this->run_worker_now();
		$id = Domains::runcloud_id('gone.example.com');
		$this->assertNotNull($id, 'Expected the id stored by the add');
		$this->sim()->clearRequests();

		do_action('wu_remove_domain', 'gone.example.com', 1);
		$this->run_worker_now();

		$this->assertNotContains('gone.example.com', $this->sim_domains(), 'Expected the domain removed from RunCloud');
		$requests = $this->api_requests();
		$this->assertCount(2, $requests, "Expected a GET of the stored id (is it still this domain?) then the DELETE, no paginated lookup; got:\n" . $this->describe_requests());
		$this->assertSame(['GET', 'DELETE'], array_column($requests, 'method'));
		$this->assertStringEndsWith('/domains/' . $id, $requests[1]['path'], 'The DELETE must use the stored RunCloud id');
		$this->assertNull(Domains::get('gone.example.com'), 'The domain is no longer tracked once removed');
	}

	public function test_an_add_whose_domain_is_already_in_runcloud_still_gets_the_ssl_redeploy(): void {
		// The first attempt's POST reached RunCloud but its answer was lost: the retry finds it there.
		$this->seed_domains(['lost.example.com']);
		do_action('wu_add_domain', 'lost.example.com', 1);
		$this->run_worker_now();
		$this->assertSame('done', $this->ops('lost.example.com')[0]->status, "ops:\n" . $this->describe_ops());
		$this->run_after_ssl_window();
		$redeploys = $this->redeploys();
		$this->assertCount(1, $redeploys, "The certificate may not cover a domain found already there: one redeploy expected; ops:\n" . $this->describe_ops());
		$this->assertContains('lost.example.com', array_map('strtolower', $redeploys[0]['names']));
	}

	public function test_an_internationalised_domain_is_added_as_punycode_and_removed_again(): void {
		do_action('wu_add_domain', 'bücher.example.com', 1);
		$this->run_worker_now();
		$this->assertContains('xn--bcher-kva.example.com', $this->sim_domains(), "requests:\n" . $this->describe_requests());
		do_action('wu_remove_domain', 'bücher.example.com', 1);
		$this->run_worker_now();
		$this->assertNotContains('xn--bcher-kva.example.com', $this->sim_domains());
		$this->assertSame([], \WU_RunCloud\Domains::managed(), 'Nothing left tracked, so a reconcile has nothing stale to prune');
	}

	public function test_every_spelling_of_an_internationalised_domain_is_one_domain_to_the_queue(): void {
		// The double fire with different spellings: upper-case non-ASCII, and punycode.
		do_action('wu_add_subdomain', "B\u{00DC}CHER.network.test", 9);
		do_action('wu_add_domain', "b\u{00FC}cher.network.test.", 9);
		do_action('wu_add_domain', 'xn--bcher-kva.network.test', 9);
		$this->assertCount(1, $this->ops(), "One recorded add for one domain; ops:\n" . $this->describe_ops());
		do_action('wu_remove_domain', 'XN--BCHER-KVA.network.test', 9);
		$this->run_worker_now();
		$this->assertSame([], $this->domain_posts(), "The remove supersedes the waiting add whatever the spelling; requests:\n" . $this->describe_requests());
		$this->assertNotContains('xn--bcher-kva.network.test', $this->sim_domains());
	}

	public function test_removing_a_domain_this_plugin_never_added_sends_nothing_and_says_why(): void {
		do_action('wu_remove_domain', 'never-there.example.com', 1);
		$this->run_worker_now();
		$op = $this->ops('never-there.example.com')[0];
		$this->assertSame('skipped', $op->status, "ops:\n" . $this->describe_ops());
		$this->assertSame('kept: not added by this plugin', $op->last_error);
		$this->assertSame([], $this->api_requests(), 'Not ours: RunCloud is not even asked');
	}

	public function test_removing_a_domain_we_added_that_is_gone_from_runcloud_succeeds_without_error(): void {
		do_action('wu_add_domain', 'gone-by-hand.example.com', 1);
		$this->run_worker_now();
		$this->sim()->unseed('gone-by-hand.example.com');
		do_action('wu_remove_domain', 'gone-by-hand.example.com', 1);
		$this->run_worker_now();
		$op = $this->ops('gone-by-hand.example.com')[1];
		$this->assertSame('done', $op->status, "Idempotent removal expected; ops:\n" . $this->describe_ops());
		$this->assertMatchesRegularExpression('/^not in RunCloud under id \d+, the one this plugin added it as: nothing was deleted$/', (string) $op->last_error);
		$this->assertNull(Domains::get('gone-by-hand.example.com'), 'No longer tracked');
	}

	public function test_the_double_fire_of_subdomain_networks_sends_one_post(): void {
		// Ultimate Multisite fires both for a new site on a subdomain network (reference §1.5).
		do_action('wu_add_subdomain', 'twice.network.test', '7');
		do_action('wu_add_domain', 'twice.network.test', 7);
		$this->assertCount(1, $this->ops('twice.network.test'), "The second fire must be de-duplicated while the first is pending:\n" . $this->describe_ops());
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('twice.network.test'), "Expected one POST; requests:\n" . $this->describe_requests());
	}

	public function test_the_double_fire_after_the_first_add_already_ran_still_sends_one_post(): void {
		do_action('wu_add_subdomain', 'late.network.test', '8');
		$this->run_worker_now();
		do_action('wu_add_domain', 'late.network.test', 8);
		Worker::schedule(time());
		$this->run_due_cron();
		$this->assertCount(1, $this->domain_posts('late.network.test'), "Expected one POST; requests:\n" . $this->describe_requests());
	}

	public function test_a_remove_arriving_before_a_pending_add_ran_wins(): void {
		do_action('wu_add_domain', 'flip.example.com', 1);
		do_action('wu_remove_domain', 'flip.example.com', 1);
		$this->run_worker_now();
		$this->assertSame([], $this->domain_posts('flip.example.com'), 'The superseded add must not be sent');
		$this->assertNotContains('flip.example.com', $this->sim_domains());
	}

	/** The app holds `*.network.test` as a wildcard domain (primary `app.test`), no rate limit. */
	private function seed_app_with_wildcard_network_domain(): void {
		$this->reset_sim(['servers' => [[
			'id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1',
			'webapps' => [[
				'id' => self::APP, 'name' => 'network', 'primary_domain' => 'app.test', 'ssl' => 'basic',
				'domains' => [['name' => 'network.test', 'wildcard' => true]],
			]],
		]]]);
	}

	public function test_subdomains_covered_by_a_wildcard_domain_on_the_app_are_not_added(): void {
		$this->seed_app_with_wildcard_network_domain();
		do_action('wu_add_subdomain', 'wild.network.test', 3);
		$this->run_worker_now();
		$this->assertSame([], $this->domain_posts(), "A wildcard covers it: no POST expected; requests:\n" . $this->describe_requests());
		$this->assertSame('skipped', $this->ops('wild.network.test')[0]->status);
	}

	public function test_a_wildcard_covers_one_label_only_so_a_deeper_subdomain_is_still_added(): void {
		$this->seed_app_with_wildcard_network_domain();
		do_action('wu_add_domain', 'shop.eu.network.test', 3);
		$this->run_worker_now();
		$this->assertCount(1, $this->domain_posts('shop.eu.network.test'), "*.network.test does not cover shop.eu.network.test (a wildcard certificate covers one label); requests:\n" . $this->describe_requests());
		$this->assertSame('done', $this->ops('shop.eu.network.test')[0]->status);
	}

	public function test_nothing_is_recorded_while_the_sync_is_disabled(): void {
		\WU_RunCloud\Settings::set_enabled(false);
		do_action('wu_add_domain', 'off.example.com', 1);
		$this->assertSame([], $this->ops(), 'A disabled integration records nothing');
	}
}
