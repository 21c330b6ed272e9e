<?php
/**
 * Never remove a domain that is not ours: every path that asks for a removal (the four
 * domain actions, site deletion, a site's domain change, WP-CLI, "Retry now") deletes a
 * domain only when this plugin added it to this server and app and nothing still uses it.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;
use WU_RunCloud\Log;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;

final class OwnershipTest extends TestCase {

	private function last_op(string $domain): object {
		$ops = $this->ops($domain);
		$this->assertNotEmpty($ops, "No operation for {$domain}");
		return $ops[count($ops) - 1];
	}

	private function deletes(): array {
		return $this->api_requests('DELETE');
	}

	private function log_lines(string $domain): array {
		return array_map(static fn($l) => "{$l->op} {$l->outcome}: {$l->message}", array_values(array_filter(Log::recent(100), static fn($l) => $l->domain === $domain)));
	}

	public function test_a_domain_added_by_hand_then_mapped_by_a_customer_then_unmapped_stays_in_runcloud(): void {
		// The operator added a staging name in RunCloud's dashboard.
		$this->seed_domains(['staging.example.com']);
		// A customer maps it in Ultimate Multisite.
		do_action('wu_add_domain', 'staging.example.com', 1);
		$this->run_worker_now();
		$add = $this->ops('staging.example.com')[0];
		$this->assertSame('done', $add->status);
		$this->assertSame('already in RunCloud', $add->last_error, 'The add says the domain was already there');
		$this->assertSame(0, (int) Domains::get('staging.example.com')->managed, 'so it is not recorded as ours');

		// The customer unmaps it.
		do_action('wu_remove_domain', 'staging.example.com', 1);
		$this->run_worker_now();

		$this->assertContains('staging.example.com', $this->sim_domains(), "The hand-added domain must still be in RunCloud; requests:\n" . $this->describe_requests());
		$this->assertSame([], $this->deletes(), 'No DELETE may be sent for it');
		$remove = $this->ops('staging.example.com')[1];
		$this->assertSame('skipped', $remove->status);
		$this->assertSame('kept: not added by this plugin', $remove->last_error);
		$this->assertContains('remove kept: kept: not added by this plugin', $this->log_lines('staging.example.com'), 'The log says why it was kept');
		$this->assertSame([], Queue::problems(), 'Keeping it is not a problem to look at');
	}

	public function test_deleting_a_site_whose_hostname_was_added_by_hand_keeps_it(): void {
		$this->seed_domains(['handsite.network.test']);
		$site = $this->create_site('handsite');
		$this->run_worker_now();
		wp_delete_site((int) $site->blog_id);
		$this->run_worker_now();
		$this->assertContains('handsite.network.test', $this->sim_domains(), "ops:\n" . $this->describe_ops());
		$this->assertSame([], $this->deletes());
		$this->assertSame('kept: not added by this plugin', $this->last_op('handsite.network.test')->last_error);
	}

	public function test_changing_a_sites_domain_keeps_its_old_hostname_when_that_was_added_by_hand(): void {
		$this->seed_domains(['moving.network.test']);
		$site = $this->create_site('moving');
		$this->run_worker_now();
		wp_update_site((int) $site->blog_id, ['domain' => 'moved-shop.com']);
		$this->run_worker_now();
		$this->assertContains('moving.network.test', $this->sim_domains());
		$this->assertContains('moved-shop.com', $this->sim_domains());
		$this->assertSame([], $this->deletes());
	}

	/** @group wp-cli */
	public function test_wp_runcloud_remove_of_a_hand_added_domain_keeps_it_and_says_why(): void {
		$this->seed_domains(['manual.example.com']);
		$run = $this->wp(['runcloud', 'remove', 'manual.example.com']);
		$this->assertSame(0, $run['exit'], self::transcript($run));
		$this->assertSame('Warning: remove manual.example.com: kept: not added by this plugin', $run['stderr']);
		$this->assertContains('manual.example.com', $this->sim_domains());
		$this->assertSame([], $this->deletes());
	}

	public function test_a_domain_we_added_is_kept_while_another_site_still_uses_it(): void {
		$site = $this->create_site('shared');
		$this->run_worker_now();
		$this->assertSame(1, (int) Domains::get('shared.network.test')->managed, 'precondition: added by this plugin');
		// A second site on the same hostname (a path-based site) keeps using it.
		$other = wp_insert_site(['domain' => 'shared.network.test', 'path' => '/shop/', 'network_id' => get_current_network_id(), 'user_id' => 1, 'title' => 'shop']);
		$this->assertIsInt($other);

		do_action('wu_remove_domain', 'shared.network.test', (int) $site->blog_id);
		$this->run_worker_now();

		$this->assertContains('shared.network.test', $this->sim_domains());
		$this->assertSame([], $this->deletes());
		$this->assertSame("kept: still used by site {$site->blog_id}", $this->last_op('shared.network.test')->last_error, 'The lowest site id using it is named');

		// Once no site uses it any more, the same request removes it.
		wp_delete_site($other);
		wp_delete_site((int) $site->blog_id);
		$this->run_worker_now();
		$this->assertNotContains('shared.network.test', $this->sim_domains(), "ops:\n" . $this->describe_ops());
	}

	public function test_retry_now_of_a_failed_remove_keeps_a_domain_a_site_started_using_meanwhile(): void {
		do_action('wu_add_domain', 'reused.example.com', 1);
		$this->run_worker_now();
		$this->add_fault(['method' => 'DELETE', 'path' => '/api/**', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_remove_domain', 'reused.example.com', 1);
		$this->run_worker_now();
		$remove = $this->last_op('reused.example.com');
		$this->assertSame('retrying', $remove->status, "ops:\n" . $this->describe_ops());

		// Meanwhile a site gets this hostname (set while nothing was recorded).
		Settings::set_enabled(false);
		$site = wp_insert_site(['domain' => 'reused.example.com', 'path' => '/', 'network_id' => get_current_network_id(), 'user_id' => 1, 'title' => 'reused']);
		Settings::set_enabled(true);
		$this->assertIsInt($site);

		$ended = $this->admin_post(1, ['action' => 'wu_runcloud_op', 'op_id' => (string) $remove->id, 'do' => 'retry'], 'wu_runcloud_op_' . $remove->id);
		$this->assertStringStartsWith('redirect:', $ended);
		$this->assertSame('skipped', Queue::get((int) $remove->id)->status);
		$this->assertSame("kept: still used by site {$site}", Queue::get((int) $remove->id)->last_error);
		$this->assertContains('reused.example.com', $this->sim_domains());
		$this->assertCount(1, $this->deletes(), 'Only the DELETE that failed with 503 was ever sent');
	}

	public function test_a_remove_is_held_back_and_retried_when_it_cannot_tell_whether_a_site_uses_the_domain(): void {
		global $wpdb;
		do_action('wu_add_domain', 'unknown-use.example.com', 1);
		$this->run_worker_now();
		do_action('wu_remove_domain', 'unknown-use.example.com', 1);
		// The sites table cannot be read while the worker decides.
		$this->add_test_filter('query', static fn($q) => str_contains($q, "FROM {$wpdb->blogs} WHERE domain IN") ? str_replace($wpdb->blogs, $wpdb->base_prefix . 'wu_no_such_table', $q) : $q);
		$wpdb->suppress_errors(true);
		try {
			$this->run_worker_now();
		} finally {
			$wpdb->suppress_errors(false);
		}
		$op = $this->last_op('unknown-use.example.com');
		$this->assertSame('retrying', $op->status, "ops:\n" . $this->describe_ops());
		$this->assertStringContainsString('cannot tell whether the domain is still used', (string) $op->last_error);
		$this->assertContains('unknown-use.example.com', $this->sim_domains(), 'Unknown is not unused: nothing deleted');
		$this->assertSame([], $this->deletes());
	}

	public function test_the_main_domain_of_any_network_is_never_removed(): void {
		$second = $this->create_network('second.test');
		// Even recorded as ours (a site's hostname once, then made that network's domain).
		$this->seed_domains(['second.test']);
		Domains::present(get_current_network_id(), Settings::target(), 'second.test', null, 0, true);
		do_action('wu_remove_domain', 'second.test', 1);
		$this->run_worker_now();
		$this->assertContains('second.test', $this->sim_domains());
		$this->assertSame("kept: the main domain of network {$second->id}", $this->last_op('second.test')->last_error);
	}
}
