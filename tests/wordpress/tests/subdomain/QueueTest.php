<?php
/**
 * The durable queue's rules, directly: de-duplication (also under a race), supersession,
 * redeploy coalescing, stale workers, and where the worker is scheduled.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Queue;

final class QueueTest extends TestCase {

	public function test_the_same_waiting_operation_is_recorded_once(): void {
		$first  = Queue::enqueue('add', 'Same.Example.com.', 1, 'test');
		$second = Queue::enqueue('add', 'same.example.com', 1, 'test');
		$this->assertSame($first, $second, 'Normalised names de-duplicate onto the waiting row');
		$this->assertCount(1, $this->ops());
	}

	public function test_the_database_refuses_a_second_waiting_row_even_when_a_racing_worker_skips_the_checks(): void {
		global $wpdb;
		Queue::enqueue('add', 'race.example.com', 1, 'test');
		$wpdb->suppress_errors(true);
		$result = $wpdb->query($wpdb->prepare(
			'INSERT INTO ' . Queue::table() . " (op, domain, status, dedup_key) VALUES ('add', %s, 'pending', %s)",
			'race.example.com', 'add|' . get_current_network_id() . '|race.example.com'
		));
		$wpdb->suppress_errors(false);
		$this->assertFalse($result, 'The unique dedup_key must reject a concurrent duplicate');
	}

	public function test_a_permanently_failed_add_does_not_swallow_a_new_request(): void {
		$id = Queue::enqueue('add', 'retry-me.example.com', 1, 'test');
		Queue::fail(Queue::claim($id), 422, 'rejected', true);
		$new = Queue::enqueue('add', 'retry-me.example.com', 1, 'test');
		$this->assertNotSame($id, $new, 'Asking again after a permanent failure makes a new attempt');
		$this->assertFalse(Queue::retry_now($id), 'Retrying the old row would duplicate the waiting one');
	}

	public function test_a_claimed_redeploy_stops_absorbing_so_a_later_add_gets_its_own(): void {
		$first = Queue::enqueue('redeploy_ssl', '', 0, 'test', 60);
		$this->assertSame($first, Queue::enqueue('redeploy_ssl', '', 0, 'test', 60), 'Coalesced while waiting');
		$this->assertNotNull(Queue::claim($first, time() + 60));
		$this->assertNotSame($first, Queue::enqueue('redeploy_ssl', '', 0, 'test', 60), 'A new window after the redeploy started');
	}

	public function test_a_worker_that_died_mid_operation_has_it_retried(): void {
		global $wpdb;
		$id = Queue::enqueue('add', 'orphan.example.com', 1, 'test');
		$this->assertNotNull(Queue::claim($id));
		$wpdb->update(Queue::table(), ['lease_until' => time() - 1], ['id' => $id]);
		Domain_Sync::process_due();
		$this->assertSame('done', Queue::get($id)->status, "The stale running row is picked up again:\n" . $this->describe_ops());
		$this->assertContains('orphan.example.com', $this->sim_domains());
	}

	public function test_the_worker_is_scheduled_on_the_main_site_when_a_subsite_notices_a_change(): void {
		$site = $this->create_site('sub');
		$this->run_worker_now();
		switch_to_blog((int) $site->blog_id);
		try {
			wp_clear_scheduled_hook(Queue::WORKER_HOOK);
			do_action('wu_add_domain', 'from-subsite.example.com', (int) $site->blog_id);
			$this->assertFalse(wp_next_scheduled(Queue::WORKER_HOOK), 'Not in the subsite\'s cron');
		} finally {
			restore_current_blog();
		}
		$this->assertNotFalse(wp_next_scheduled(Queue::WORKER_HOOK), 'In the main site\'s cron');
	}

	public function test_old_finished_operations_are_purged_but_problems_kept(): void {
		global $wpdb;
		$done   = Queue::enqueue('add', 'old-done.example.com', 1, 'test');
		$failed = Queue::enqueue('add', 'old-failed.example.com', 1, 'test');
		Queue::finish(Queue::claim($done), 'done');
		Queue::fail(Queue::claim($failed), 422, 'rejected', true);
		$wpdb->query('UPDATE ' . Queue::table() . ' SET updated_at = ' . (time() - 40 * DAY_IN_SECONDS));
		$this->assertSame(1, Queue::purge_finished(30));
		$this->assertNotNull(Queue::get($failed), 'A failure stays until dismissed');
	}

	public function test_the_token_suggestion_can_be_dismissed_for_good(): void {
		\WU_RunCloud\Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_KEY' => 'sim-key', 'WU_RUNCLOUD_API_SECRET' => 'sim-secret', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'][$c] ?? '');
		try {
			ob_start();
			do_action('network_admin_notices');
			$this->assertStringContainsString('wu_runcloud_dismiss_token_notice', ob_get_clean(), 'The notice offers a dismiss link with a nonce');
			update_network_option(null, \WU_RunCloud\Network_Admin::TOKEN_NOTICE_OPTION, 1);
			ob_start();
			do_action('network_admin_notices');
			$this->assertStringNotContainsString('WU_RUNCLOUD_API_TOKEN', ob_get_clean(), 'Dismissed: not shown again');
		} finally {
			\WU_RunCloud\Settings::set_credential_source(null);
		}
	}
}
