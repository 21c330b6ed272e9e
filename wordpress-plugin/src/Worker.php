<?php
/**
 * The worker: takes due operations from the queue and runs them.
 *
 * Every path that runs an operation (the scheduled run, "Retry now", `wp runcloud
 * add|remove`, the reconcile's prune) goes through claim_and_run(): claim the row (due, no
 * other worker on its domain, a lease), perform it (Domain_Sync), record the outcome. An
 * extension exception becomes an outcome through Failure, with the extension's own message.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Worker {

	/** The scheduled run: Action Scheduler when present, WP-Cron otherwise. */
	public const HOOK  = 'wu_runcloud_process_queue';
	public const GROUP = 'wu-runcloud';

	/** Seconds before a held queue (invalid configuration) is looked at again. */
	public const HOLD_RECHECK = 300;

	/** Seconds before rows skipped because their domain was busy are tried again. */
	public const BUSY_RECHECK = 15;

	/**
	 * Run every due operation of every network, within a time budget, then schedule the next
	 * worker run.
	 *
	 * @param int|null      $now        Treat this as the current time when picking due rows.
	 * @param callable|null $after_each Called with each row's id and outcome (`wp runcloud
	 *                                  queue run` moves its progress bar).
	 * @param float|null    $budget     Seconds this run may take (default: the
	 *                                  `wu_runcloud_worker_time_budget` filter, 20).
	 * @return array{processed:int, reason:string, ids:int[]}
	 */
	public static function process_due(?int $now = null, ?int $limit = null, ?callable $after_each = null, ?float $budget = null): array {
		$blocked = self::blocked();
		if ($blocked !== null) {
			return ['processed' => 0, 'reason' => $blocked, 'ids' => []];
		}
		$now      = $now ?? time();
		$limit    = $limit ?? (int) apply_filters('wu_runcloud_worker_batch_size', 50);
		$deadline = microtime(true) + ($budget ?? (float) apply_filters('wu_runcloud_worker_time_budget', 20.0));
		$done     = 0;
		$busy     = false;
		$ids      = [];

		foreach (Queue::due($now, $limit) as $row) {
			if (microtime(true) > $deadline) {
				break;
			}
			$outcome = self::claim_and_run((int) $row->id, $now);
			$ids[]   = (int) $row->id;
			if ($after_each !== null) {
				$after_each((int) $row->id, $outcome);
			}
			if ($outcome === 'held') {
				// The configuration is refused: every other row would be refused the same way.
				self::schedule(time() + self::HOLD_RECHECK);
				return ['processed' => $done, 'reason' => 'held', 'ids' => $ids];
			}
			if ($outcome === 'busy') {
				$busy = true; // Taken by another worker, or its domain is being worked on.
				continue;
			}
			++$done;
		}

		$next = Queue::next_due_time();
		if ($next !== null) {
			self::schedule(max($next, time() + ($busy ? self::BUSY_RECHECK : 0)));
		}
		return ['processed' => $done, 'reason' => '', 'ids' => $ids];
	}

	/**
	 * Run one operation now, whatever its next attempt time (an explicit request: `wp runcloud
	 * add|remove`, "Retry now"), through the same claim as every other run.
	 *
	 * @return string As claim_and_run(), or why nothing could run (see blocked()).
	 */
	public static function run_now(int $id): string {
		Queue::due_now($id);
		return self::blocked() ?? self::claim_and_run($id);
	}

	/**
	 * Why no operation can run now ('extension_missing', 'not_configured', or 'held' on an
	 * invalid configuration, looked at again later), or null when the worker may run.
	 */
	private static function blocked(): ?string {
		if (!Settings::extension_loaded()) {
			return 'extension_missing';
		}
		if (!Settings::is_configured()) {
			return 'not_configured';
		}
		$target = Settings::target();
		if ($target === null) {
			// No target is usable: every row would be refused the same way.
			self::hold_queue(Settings::target_problem());
			self::schedule(time() + self::HOLD_RECHECK);
			return 'held';
		}
		// Rows from before domains were scoped by target were the one app's, then the first.
		Domains::adopt_unscoped($target);
		return null;
	}

	/**
	 * The only way an operation runs: claim the row (due, and no other worker on its domain),
	 * then perform it.
	 *
	 * @return string 'ran', 'busy' (not claimed) or 'held' (the configuration is refused; the
	 *                row was put back untouched).
	 */
	public static function claim_and_run(int $id, ?int $now = null): string {
		if (Settings::target() === null) {
			self::hold_queue(Settings::target_problem());
			return 'held';
		}
		$op = Queue::claim($id, $now);
		if ($op === null) {
			return 'busy';
		}
		return self::run($op);
	}

	/** Perform one claimed operation (a row returned by Queue::claim()) and record its outcome. */
	public static function run(object $op): string {
		if (Queue::supersede_if_outdated($op)) {
			Log::operation($op->op, (string) $op->domain, 'superseded', 0, 'a newer request for this domain decides');
			return 'ran';
		}
		/**
		 * Fires when a worker starts a claimed operation, before anything is sent to RunCloud.
		 *
		 * @param object $op The operation's row (op, domain, network_id, site_id, attempts, ...).
		 */
		do_action('wu_runcloud_operation_started', $op);
		if (!Queue::holds_lease($op)) {
			// This worker stalled past its lease: the row is another worker's now.
			Log::operation($op->op, (string) $op->domain, 'stale', 0, 'this worker outlived its lease; another worker owns the operation, nothing was sent', 'warning');
			return 'ran';
		}
		try {
			Domain_Sync::perform($op);
		} catch (\Throwable $e) {
			$failure = Failure::of($e, (string) $op->domain);
			if ($failure['outcome'] === 'config') {
				Queue::release($op);
				self::hold_queue($failure['message']);
				return 'held';
			}
			if (Queue::supersede_if_outdated($op)) {
				// The opposite request arrived while this ran: no retry against it.
				Log::operation($op->op, (string) $op->domain, 'superseded', $failure['status'], $failure['message'] . ' (not retried: a newer request for this domain decides)', 'warning');
				return 'ran';
			}
			$next = Queue::fail($op, $failure['status'], $failure['message'], $failure['permanent']);
			if ($next === false) {
				Log::operation($op->op, (string) $op->domain, 'stale', $failure['status'], $failure['message'] . ' (not recorded: this worker outlived its lease)', 'warning');
				return 'ran';
			}
			Log::operation(
				$op->op,
				(string) $op->domain,
				$next === null ? 'failed' : 'retrying',
				$failure['status'],
				$failure['message'] . ($next === null ? '' : ' ' . sprintf('(attempt %d; next try in %d s)', (int) $op->attempts, $next - time())),
				'error'
			);
		}
		if ($op->op === 'redeploy_ssl') {
			Queue::supersede_older_redeploys($op);
		}
		return 'ran';
	}

	/**
	 * Hold the queue on an invalid configuration: one notice naming what to fix, one log
	 * line when the problem is new; rows keep their state and run once it is fixed.
	 *
	 * @return string The message shown.
	 */
	public static function hold_queue(string $problem): string {
		$message = sprintf(
			/* translators: %s: what is wrong, naming the constant */
			__('RunCloud configuration error: %s Nothing is sent to RunCloud until it is fixed; queued operations keep their state and run then.', 'wu-runcloud'),
			rtrim($problem, '.') . '.'
		);
		if (Settings::hold($message)) {
			Log::operation('config', '', 'held', 0, $message, 'error');
		}
		return $message;
	}

	/**
	 * Make sure the worker runs at $at at the latest: Action Scheduler when available,
	 * WP-Cron otherwise. An earlier run already scheduled is enough.
	 */
	public static function schedule(int $at): void {
		// Cron events are per site: keep ours on the main site, whichever site noticed.
		$switched = !is_main_site();
		if ($switched) {
			switch_to_blog(get_main_site_id());
		}
		self::schedule_here($at);
		if ($switched) {
			restore_current_blog();
		}
	}

	private static function schedule_here(int $at): void {
		if (function_exists('as_schedule_single_action') && function_exists('as_get_scheduled_actions')) {
			// Only a *pending* run due by $at is enough: a run in progress may be the one
			// asking, and may already have read the due rows.
			$pending = as_get_scheduled_actions([
				'hook'         => self::HOOK,
				'group'        => self::GROUP,
				'status'       => 'pending',
				'date'         => new \DateTime('@' . $at),
				'date_compare' => '<=',
				'per_page'     => 1,
			], 'ids');
			if (!empty($pending)) {
				return;
			}
			if ($at <= time() && function_exists('as_enqueue_async_action')) {
				as_enqueue_async_action(self::HOOK, [], self::GROUP);
			} else {
				as_schedule_single_action($at, self::HOOK, [], self::GROUP);
			}
			return;
		}
		$next = wp_next_scheduled(self::HOOK);
		if ($next !== false && $next <= $at) {
			return;
		}
		if ($next !== false) {
			wp_unschedule_event($next, self::HOOK);
		}
		wp_schedule_single_event($at, self::HOOK);
	}

	/** Deactivation: no scheduled run is left behind (recorded work stays for a reactivation). */
	public static function unschedule(): void {
		wp_clear_scheduled_hook(self::HOOK);
		if (function_exists('as_unschedule_all_actions')) {
			as_unschedule_all_actions(self::HOOK, [], self::GROUP);
		}
	}
}
