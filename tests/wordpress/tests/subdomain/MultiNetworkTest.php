<?php
/**
 * Two networks in one WordPress share the plugin's tables and one RunCloud app: each
 * network's reconcile (run by its own main site's cron, here a second PHP process for the
 * second network) prunes only its own domains, and a removal asked by one network keeps a
 * domain the other still wants.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Domains;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Worker;

final class MultiNetworkTest extends TestCase {

	private \WP_Network $second;

	protected function setUp(): void {
		parent::setUp();
		$this->second = $this->create_network('second.test');
	}

	public function test_neither_networks_reconcile_prunes_the_other_networks_domains(): void {
		$this->create_site('mine');
		$this->create_site_on($this->second, 'theirs');
		$this->run_worker_now();
		$this->assertContains('mine.network.test', $this->sim_domains());
		$this->assertContains('theirs.second.test', $this->sim_domains());
		$this->assertSame(1, (int) Domains::get('theirs.second.test', (int) $this->second->id)->managed, 'precondition: added by this plugin, for the second network');

		foreach ([1, 2] as $run) {
			$here = Reconciler::run(false, true);
			$this->assertIsArray($here);
			$this->assertSame([], $here['removed'], "run {$run} of the first network's reconcile");
			$this->assertNotContains('theirs.second.test', array_merge($here['prune']['first_miss'], $here['pruned_candidates']), 'Not even a candidate');

			$there = $this->child(['reconcile', 'prune'], 'second.test');
			$this->assertSame((int) $this->second->id, $there['network'], 'The child ran as the second network');
			$this->assertSame([], $there['result']['removed'], "run {$run} of the second network's reconcile: " . json_encode($there));
			$this->assertSame([], $there['result']['prune']['first_miss']);
		}
		$this->assertContains('mine.network.test', $this->sim_domains());
		$this->assertContains('theirs.second.test', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'));
	}

	public function test_the_second_networks_own_prune_still_works(): void {
		$site = $this->create_site_on($this->second, 'leaving');
		$this->run_worker_now();
		// Deleted while nothing was recorded, so only a prune can remove it.
		\WU_RunCloud\Settings::set_enabled(false);
		wp_delete_site((int) $site->blog_id);
		\WU_RunCloud\Settings::set_enabled(true);

		$this->child(['reconcile', 'prune'], 'second.test');
		$this->assertSame([], Reconciler::run(false, true)['removed'], 'The first network never prunes it');
		$there = $this->child(['reconcile', 'prune'], 'second.test');
		$this->assertSame(['leaving.second.test'], $there['result']['removed'], json_encode($there));
		$this->assertNotContains('leaving.second.test', $this->sim_domains());
	}

	public function test_a_remove_from_one_network_keeps_a_domain_the_other_network_still_asks_for(): void {
		$theirs = $this->create_site_on($this->second, 'shop');
		do_action('wu_add_domain', 'both.example.com', (int) $theirs->blog_id); // mapped on the second network: added by us
		$this->run_worker_now();
		do_action('wu_add_domain', 'both.example.com', 1);                      // and on this one: already there
		$this->run_worker_now();
		$this->assertSame('already in RunCloud', $this->ops('both.example.com')[1]->last_error);

		do_action('wu_remove_domain', 'both.example.com', 1);
		$this->run_worker_now();
		$this->assertContains('both.example.com', $this->sim_domains());
		$this->assertSame("kept: still requested on network {$this->second->id}", $this->ops('both.example.com')[2]->last_error);

		// The second network lets it go too: now nobody wants it, and it was ours.
		do_action('wu_remove_domain', 'both.example.com', (int) $theirs->blog_id);
		$this->run_worker_now();
		$this->assertNotContains('both.example.com', $this->sim_domains(), "ops:\n" . $this->describe_ops());
	}

	public function test_a_remove_keeps_a_domain_an_add_of_another_network_is_waiting_to_create(): void {
		$theirs = $this->create_site_on($this->second, 'waits');
		$this->run_worker_now();
		$this->add_fault(['method' => 'POST', 'path' => '/api/**', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'waiting.example.com', (int) $theirs->blog_id);
		$this->run_worker_now();
		$add = $this->ops('waiting.example.com')[0];
		$this->assertSame('retrying', $add->status, 'The second network\'s add waits for its retry');

		// Ours, from an earlier mapping on this network.
		$this->seed_domains(['waiting.example.com']);
		Domains::present(get_current_network_id(), \WU_RunCloud\Settings::target(), 'waiting.example.com', null, 1, true, true);
		do_action('wu_remove_domain', 'waiting.example.com', 1);
		Worker::process_due();
		$remove = $this->ops('waiting.example.com')[1];
		$this->assertSame("kept: operation #{$add->id} (network {$this->second->id}) is about to add it", $remove->last_error);
		$this->assertSame('retrying', (string) \WU_RunCloud\Queue::get((int) $add->id)->status, 'Another network\'s request is never superseded by this one');
		$this->assertContains('waiting.example.com', $this->sim_domains());
	}
}
