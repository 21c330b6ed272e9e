<?php
/**
 * With Action Scheduler present (Ultimate Multisite bundles it) the worker is queued there,
 * not in WP-Cron, and retries are scheduled at their backoff time.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class ActionSchedulerTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		$GLOBALS['wu_double_as_actions'] = [];
	}

	public function test_work_is_queued_in_action_scheduler_not_wp_cron(): void {
		do_action('wu_add_domain', 'as.example.com', 1);
		$this->assertTrue(as_next_scheduled_action(Worker::HOOK, [], Worker::GROUP), 'An async action in group wu-runcloud');
		$this->assertFalse(wp_next_scheduled(Worker::HOOK), 'WP-Cron is only the fallback');
		$this->run_worker_now();
		$this->assertContains('as.example.com', $this->sim_domains());
		$actions = $GLOBALS['wu_double_as_actions'];
		$this->assertSame(['complete', 'pending'], array_column($actions, 'status'), 'The run is complete; the coalesced SSL redeploy waits for its window');
		$this->assertEqualsWithDelta(time() + 60, $actions[1]['time'], 2);
	}

	public function test_a_retry_is_scheduled_at_its_backoff_time_from_inside_the_running_action(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 502, 'times' => 1]);
		do_action('wu_add_domain', 'as-retry.example.com', 1);
		$this->run_worker_now();
		$op   = $this->ops('as-retry.example.com')[0];
		$this->assertSame('retrying', $op->status);
		$next = as_next_scheduled_action(Worker::HOOK, [], Worker::GROUP);
		$this->assertIsInt($next, 'A single action is scheduled for the retry');
		$this->assertEqualsWithDelta((int) $op->next_attempt_at, $next, 1);

		// Time passes: move the row and the scheduled action to the past instead of sleeping.
		global $wpdb;
		$wpdb->update(Queue::table(), ['next_attempt_at' => time() - 1], ['id' => $op->id]);
		foreach ($GLOBALS['wu_double_as_actions'] as &$action) {
			if ($action['time'] === $next) {
				$action['time'] = time() - 1;
			}
		}
		unset($action);
		$this->assertSame([Worker::HOOK], wu_double_as_run_due(time()), 'Exactly one run for the retry');
		$this->assertSame('done', $this->ops('as-retry.example.com')[0]->status, "ops:\n" . $this->describe_ops());
	}
}
