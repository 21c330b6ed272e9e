<?php
/**
 * The durable queue's rules, directly: de-duplication (also under a race), supersession,
 * redeploy coalescing, stale workers, and where the worker is scheduled.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

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
			'race.example.com', 'add|' . get_current_network_id() . '|race.example.com|' . self::SERVER . ':' . self::APP // one waiting row per target
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
		Worker::process_due();
		$this->assertSame('done', Queue::get($id)->status, "The stale running row is picked up again:\n" . $this->describe_ops());
		$this->assertContains('orphan.example.com', $this->sim_domains());
	}

	public function test_the_worker_is_scheduled_on_the_main_site_when_a_subsite_notices_a_change(): void {
		$site = $this->create_site('sub');
		$this->run_worker_now();
		switch_to_blog((int) $site->blog_id);
		try {
			wp_clear_scheduled_hook(Worker::HOOK);
			do_action('wu_add_domain', 'from-subsite.example.com', (int) $site->blog_id);
			$this->assertFalse(wp_next_scheduled(Worker::HOOK), 'Not in the subsite\'s cron');
		} finally {
			restore_current_blog();
		}
		$this->assertNotFalse(wp_next_scheduled(Worker::HOOK), 'In the main site\'s cron');
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

	public function test_a_row_is_not_claimed_before_its_next_attempt_is_due(): void {
		$id = Queue::enqueue('add', 'later-claim.example.com', 1, 'test');
		Queue::fail(Queue::claim($id), 503, 'down', false);
		$next = (int) Queue::get($id)->next_attempt_at;
		$this->assertGreaterThan(time(), $next);
		$this->assertNull(Queue::claim($id), 'Not due yet: a direct claim (CLI, another worker) must wait too');
		$this->assertSame('retrying', Queue::get($id)->status);
		$this->assertNotNull(Queue::claim($id, $next), 'Due at its time');
	}

	public function test_no_second_operation_on_a_domain_runs_while_one_runs_whatever_its_network(): void {
		$second = $this->create_network('second.test');
		$first  = Queue::enqueue('add', 'one-at-a-time.example.com', 1, 'test');
		$other  = Queue::enqueue('remove', 'one-at-a-time.example.com', 0, 'test', 0, ['network_id' => (int) $second->id]);
		$free   = Queue::enqueue('add', 'another.example.com', 1, 'test');
		$running = Queue::claim($first);
		$this->assertNotNull($running);
		$this->assertNull(Queue::claim($other), 'Same domain, same app: refused while the first runs');
		$this->assertSame('pending', Queue::get($other)->status, 'and left as it was');
		$this->assertNotNull(Queue::claim($free), 'Another domain runs in parallel');

		$this->assertTrue(Queue::finish($running, 'done'));
		$this->assertNotNull(Queue::claim($other), 'Free again once the first finished');
	}

	public function test_a_worker_that_lost_its_lease_cannot_record_its_result(): void {
		$id    = Queue::enqueue('add', 'fenced.example.com', 1, 'test');
		$stale = Queue::claim($id);
		global $wpdb;
		$wpdb->update(Queue::table(), ['lease_until' => time() - 1], ['id' => $id]);
		Queue::due(time(), 10); // hands it back
		$fresh = Queue::claim($id);
		$this->assertNotNull($fresh);
		$this->assertNotSame($stale->lease, $fresh->lease);

		$effects = 0;
		$this->assertFalse(Queue::finish($stale, 'done', 0, 99, 'stale', static function () use (&$effects) {
			++$effects;
		}));
		$this->assertFalse(Queue::fail($stale, 422, 'stale failure', true));
		$this->assertFalse(Queue::holds_lease($stale));
		$this->assertSame(0, $effects, 'Its domain-table writes are not made either');
		$row = Queue::get($id);
		$this->assertSame(['running', $fresh->lease], [$row->status, $row->lease], 'The newer claim is untouched');

		$this->assertTrue(Queue::finish($fresh, 'done', 0, 7));
		$this->assertSame(['done', 7, null], [Queue::get($id)->status, (int) Queue::get($id)->runcloud_id, Queue::get($id)->running_key]);
	}

	public function test_a_row_taken_while_the_queue_is_held_is_put_back_as_it_was(): void {
		$pending = Queue::enqueue('add', 'held-pending.example.com', 1, 'test');
		$retry   = Queue::enqueue('remove', 'held-retry.example.com', 1, 'test');
		Queue::fail(Queue::claim($retry), 503, 'down', false);
		$before = [(array) Queue::get($pending), (array) Queue::get($retry)];
		$this->assertTrue(Queue::release(Queue::claim($pending)));
		$this->assertTrue(Queue::release(Queue::claim($retry, time() + 3600)));
		foreach ([Queue::get($pending), Queue::get($retry)] as $i => $row) {
			$was = $before[$i];
			$this->assertSame([$was['status'], $was['attempts'], $was['next_attempt_at'], $was['last_error'], $was['dedup_key']], [$row->status, $row->attempts, $row->next_attempt_at, $row->last_error, $row->dedup_key]);
			$this->assertNull($row->running_key, 'and the domain is free');
		}
	}

	public function test_the_log_table_keeps_the_newest_rows_by_count_whatever_the_ids(): void {
		global $wpdb;
		// Replicated MariaDB/MySQL (Galera, multi-primary) hands out ids 10 apart: none is a multiple of 50.
		$wpdb->query('SET SESSION auto_increment_increment = 10, auto_increment_offset = 3');
		try {
			foreach (range(1, \WU_RunCloud\Log::MAX_ROWS + 120) as $n) {
				\WU_RunCloud\Log::operation('test', "n{$n}.example.com", 'ok');
			}
		} finally {
			$wpdb->query('SET SESSION auto_increment_increment = 1, auto_increment_offset = 1');
		}
		$this->assertSame(\WU_RunCloud\Log::MAX_ROWS, (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . \WU_RunCloud\Log::table()));
		$kept = \WU_RunCloud\Log::recent(\WU_RunCloud\Log::MAX_ROWS + 10);
		$this->assertSame('n' . (\WU_RunCloud\Log::MAX_ROWS + 120) . '.example.com', $kept[0]->domain, 'The newest stays');
		$this->assertSame('n121.example.com', end($kept)->domain, 'The oldest kept is the MAX_ROWS-th newest');
	}
}
