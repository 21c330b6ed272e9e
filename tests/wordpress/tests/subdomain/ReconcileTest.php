<?php
/**
 * The periodic reconcile / "Sync now" / `wp runcloud sync`: heals what was missed, prunes
 * only what this plugin added, never a hand-added domain or the primary domain.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;
use WU_RunCloud\Plugin;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;

final class ReconcileTest extends TestCase {

	public function test_reconcile_heals_a_domain_deleted_behind_our_back(): void {
		$this->create_site('heal');
		$this->run_worker_now();
		$this->sim()->unseed('heal.network.test');
		$this->assertNotContains('heal.network.test', $this->sim_domains());

		$result = Reconciler::run(false);
		$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
		$this->assertSame(['heal.network.test'], array_values($result['added']), 'Exactly the missing domain is re-added');
		$this->assertContains('heal.network.test', $this->sim_domains());
		$this->assertSame((int) $this->sim_domain('heal.network.test')['id'], Domains::runcloud_id('heal.network.test'), 'The new RunCloud id is stored');
	}

	public function test_reconcile_never_touches_a_hand_added_domain_or_the_primary_domain(): void {
		$this->seed_domains(['hand.example.com']);
		$result = Reconciler::run(false, true);
		$this->assertIsArray($result);
		$this->assertSame([], array_values($result['removed']), 'Nothing we did not add may be removed');
		$this->assertContains('hand.example.com', $this->sim_domains());
		$this->assertContains('network.test', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'));
	}

	public function test_reconcile_prunes_a_domain_it_added_once_its_site_is_gone(): void {
		$site = $this->create_site('stale');
		$this->run_worker_now();
		// The site disappears while the plugin is off, so no removal was recorded.
		Settings::set_enabled(false);
		wp_delete_site((int) $site->blog_id);
		Settings::set_enabled(true);
		$this->assertSame([], array_filter($this->ops('stale.network.test'), static fn($o) => $o->op === 'remove'));

		$first = Reconciler::run(false, true);
		$this->assertSame([], array_values($first['removed']), 'Missing from one reconcile is not enough');
		$this->assertSame(['stale.network.test'], $first['prune']['first_miss']);
		$this->assertContains('stale.network.test', $this->sim_domains());

		$preview = Reconciler::run(true, true);
		$this->assertSame(['stale.network.test'], array_values($preview['removed']), 'The dry run announces the prune the next run makes');
		$this->assertContains('stale.network.test', $this->sim_domains(), 'and changes nothing');

		$second = Reconciler::run(false, true);
		$this->assertSame(['stale.network.test'], array_values($second['removed']), "ops:\n" . $this->describe_ops());
		$this->assertNotContains('stale.network.test', $this->sim_domains(), 'Pruned: added by us, missing from two reconciles in a row');
		$this->assertNull(Domains::get('stale.network.test'));
	}

	public function test_reconcile_never_prunes_the_network_domain_even_when_this_plugin_added_it(): void {
		// A site's hostname, added by us, later becomes the network's domain (a migration).
		$this->create_site('promoted');
		$this->run_worker_now();
		$this->assertSame(1, (int) Domains::get('promoted.network.test')->managed, 'precondition: added by this plugin');
		global $current_site;
		$old = $current_site->domain;
		$current_site->domain = 'promoted.network.test';
		try {
			$result = Reconciler::run(false, true);
		} finally {
			$current_site->domain = $old;
		}
		$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
		$this->assertNotContains('promoted.network.test', (array) $result['pruned_candidates'], 'The network domain is never a prune candidate');
		$this->assertContains('promoted.network.test', $this->sim_domains(), 'The network domain must stay in RunCloud');
	}

	public function test_reconcile_keeps_the_hostname_of_a_deactivated_site(): void {
		$site = $this->create_site('paused');
		$this->run_worker_now();
		update_blog_status((int) $site->blog_id, 'deleted', '1'); // Network Admin -> Sites -> Deactivate
		$result = Reconciler::run(false, true);
		$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
		$this->assertSame([], array_values($result['removed']), 'A deactivated site can come back at any time: nothing to prune');
		$this->assertContains('paused.network.test', $this->sim_domains());
	}

	public function test_reconcile_keeps_a_domain_requested_through_wu_add_domain(): void {
		do_action('wu_add_domain', 'mapped.example.com', 1);
		$this->run_worker_now();
		$result = Reconciler::run(false, true);
		$this->assertSame([], array_values($result['removed']), 'An explicitly mapped domain is wanted even without a site of that name');
		$this->assertContains('mapped.example.com', $this->sim_domains());
	}

	public function test_without_prune_nothing_is_removed(): void {
		$site = $this->create_site('keep');
		$this->run_worker_now();
		Settings::set_enabled(false);
		wp_delete_site((int) $site->blog_id);
		Settings::set_enabled(true);
		$result = Reconciler::run(false, false);
		$this->assertSame([], array_values($result['removed']));
		$this->assertContains('keep.network.test', $this->sim_domains());
	}

	public function test_the_periodic_reconcile_is_scheduled_on_the_main_site_and_runs_the_queue(): void {
		Plugin::instance()->action_init();
		$this->assertNotFalse(wp_next_scheduled(Plugin::RECONCILE_HOOK), 'Expected the periodic reconcile in WP-Cron');
		Settings::set_enabled(false);
		$this->create_site('missed'); // created while disabled: nothing recorded
		Settings::set_enabled(true);
		do_action(Plugin::RECONCILE_HOOK);
		$this->assertContains('missed.network.test', $this->sim_domains(), 'The reconcile catches up with sites created while nothing was recorded');
	}

	public function test_many_sites_are_synced_with_one_ssl_redeploy(): void {
		Settings::set_enabled(false);
		foreach (range(1, 12) as $n) {
			$this->create_site("bulk{$n}");
		}
		Settings::set_enabled(true);
		$result = Reconciler::run(false);
		$this->assertCount(12, $result['added']);
		$this->assertCount(0, $this->redeploys(), 'No certificate order inside the sync (it may run in an admin request)');
		$this->run_after_ssl_window();
		$this->assertCount(1, $this->redeploys(), 'One redeploy after a sync, by the worker, not one per domain');
		$this->assertCount(1, $this->sim()->orders(), 'one order');
	}
}
