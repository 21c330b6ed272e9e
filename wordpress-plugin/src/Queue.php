<?php
/**
 * Durable operations: every add/remove/redeploy is a row in {base_prefix}wu_runcloud_ops
 * before anything talks to RunCloud, so a crash, an outage or a missing extension loses
 * nothing. A hook only calls enqueue(); the worker (Domain_Sync) claims due rows.
 *
 * Statuses: pending -> running -> done | skipped | retrying (back to due later) | failed
 * (permanent, until dismissed); superseded when an opposite operation for the same domain
 * arrives first; dismissed by an admin.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Queue {

	public const WORKER_HOOK = 'wu_runcloud_process_queue';
	public const GROUP       = 'wu-runcloud';

	public const OPS = ['add', 'remove', 'redeploy_ssl'];

	/** Statuses still waiting for the worker. */
	public const WAITING = ['pending', 'retrying'];

	/** Statuses an admin must see until they go away. */
	public const PROBLEMS = ['retrying', 'failed'];

	/** A second identical request within this many seconds of a success is the double fire. */
	public const REPEAT_WINDOW = 600;

	/** A 'running' row older than this belongs to a worker that died. */
	private const STALE_RUNNING = 900;

	public static function table(): string {
		global $wpdb;
		return $wpdb->base_prefix . 'wu_runcloud_ops';
	}

	/**
	 * The name in the extension's normal form (lower-case, no trailing dot, IDN as punycode),
	 * so every spelling of a domain shares one queue key and one tracking row. Without the
	 * extension, or for a name it rejects (the worker reports why), a plain ASCII fold.
	 */
	public static function normalize(string $domain): string {
		if (function_exists('wu_runcloud_normalize_domain')) {
			try {
				return wu_runcloud_normalize_domain($domain);
			} catch (\Throwable $e) {
				// Invalid: recorded as given, and the worker's failure names the problem.
			}
		}
		return rtrim(strtolower(trim($domain)), '.');
	}

	/**
	 * Record an operation and make sure a worker will run for it.
	 *
	 * @return int|null The row id (existing one when de-duplicated), null when it repeats a
	 *                  success of the last REPEAT_WINDOW seconds.
	 */
	public static function enqueue(string $op, string $domain, int $site_id = 0, string $source = '', int $delay = 0): ?int {
		global $wpdb;
		if (!in_array($op, self::OPS, true)) {
			return null;
		}
		$table  = self::table();
		$domain = $op === 'redeploy_ssl' ? '' : self::normalize($domain);
		$now    = time();
		$at     = $now + max(0, $delay);

		if ($op !== 'redeploy_ssl') {
			// The newest request for a domain wins: an add waiting behind a remove (or the
			// reverse) would otherwise undo it when its retry comes round.
			$opposite = $op === 'add' ? 'remove' : 'add';
			$wpdb->query($wpdb->prepare(
				"UPDATE {$table} SET status = 'superseded', dedup_key = NULL, updated_at = %d WHERE domain = %s AND op = %s AND status IN ('pending','retrying','failed')",
				$now, $domain, $opposite
			));

			// The double fire (reference §1.5) can arrive after the first request already ran.
			$last = $wpdb->get_row($wpdb->prepare(
				"SELECT op, status, updated_at FROM {$table} WHERE domain = %s AND status NOT IN ('superseded','dismissed') ORDER BY id DESC LIMIT 1",
				$domain
			));
			if ($last && $last->op === $op && in_array($last->status, ['done', 'skipped'], true) && (int) $last->updated_at >= $now - self::REPEAT_WINDOW) {
				return null;
			}
		}

		// De-duplication is the unique dedup_key (set while a row waits or runs), so two
		// requests racing in parallel workers still make one row. On a duplicate, insert_id
		// is the existing row's id and no row is affected.
		$inserted = $wpdb->query($wpdb->prepare(
			"INSERT INTO {$table} (op, domain, site_id, source, status, attempts, next_attempt_at, created_at, updated_at, dedup_key)
			 VALUES (%s, %s, %d, %s, 'pending', 0, %d, %d, %d, %s)
			 ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
			$op, $domain, $site_id, substr($source, 0, 32), $at, $now, $now, self::dedup_key($op, $domain)
		));
		$id = (int) $wpdb->insert_id;
		if ($inserted !== 1) {
			return $id ?: null;
		}

		self::schedule_worker($at);
		return $id ?: null;
	}

	private static function dedup_key(string $op, string $domain): string {
		return $op . '|' . $domain;
	}

	/** Due rows, oldest first; stale 'running' rows are handed back first. */
	public static function due(int $now, int $limit): array {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'retrying', last_error = %s WHERE status = 'running' AND updated_at < %d",
			__('The worker stopped while running this operation; it will be retried.', 'wu-runcloud'),
			$now - self::STALE_RUNNING
		));
		return (array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table} WHERE status IN ('pending','retrying') AND next_attempt_at <= %d ORDER BY next_attempt_at ASC, id ASC LIMIT %d",
			$now, $limit
		));
	}

	/** Take a row for this worker; false when another worker got it first. */
	public static function claim(int $id): bool {
		global $wpdb;
		$table = self::table();
		// A running redeploy may already have sent its request: a domain added from now on
		// needs a redeploy of its own, so a redeploy stops absorbing requests once claimed.
		return (bool) $wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'running', attempts = attempts + 1, updated_at = %d, dedup_key = IF(op = 'redeploy_ssl', NULL, dedup_key) WHERE id = %d AND status IN ('pending','retrying')",
			time(), $id
		));
	}

	/**
	 * An add or remove that was already running when the opposite request for its domain
	 * arrived could not be superseded then; if it failed and comes back for a retry, the
	 * newer request is the intent. Marks it superseded and returns true in that case.
	 */
	public static function supersede_if_outdated(object $row): bool {
		global $wpdb;
		if (!in_array($row->op, ['add', 'remove'], true)) {
			return false;
		}
		$table = self::table();
		return (bool) $wpdb->query($wpdb->prepare(
			"UPDATE {$table} o JOIN {$table} n ON n.domain = o.domain AND n.op = %s AND n.id > o.id AND n.status NOT IN ('superseded','dismissed')
			 SET o.status = 'superseded', o.dedup_key = NULL, o.updated_at = %d WHERE o.id = %d",
			$row->op === 'add' ? 'remove' : 'add', time(), (int) $row->id
		));
	}

	/**
	 * A redeploy covers the whole app, so only the newest outcome matters: once one has run
	 * (done or failed), older failed or retrying redeploys are superseded. A failure that
	 * repeats batch after batch (e.g. over the 100-name limit) stays one visible problem.
	 */
	public static function supersede_older_redeploys(int $id): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'superseded', dedup_key = NULL, updated_at = %d WHERE op = 'redeploy_ssl' AND id < %d AND status IN ('retrying','failed')",
			time(), $id
		));
	}

	/** @param string $status done | skipped */
	public static function finish(int $id, string $status, int $http_status = 0, ?int $runcloud_id = null, string $note = ''): void {
		global $wpdb;
		$wpdb->update(self::table(), [
			'status'      => $status,
			'last_status' => $http_status,
			'last_error'  => $note,
			'runcloud_id' => $runcloud_id,
			'updated_at'  => time(),
			'dedup_key'   => null,
		], ['id' => $id], ['%s', '%d', '%s', '%d', '%d', '%s'], ['%d']);
	}

	/**
	 * Record a failure: permanent ones stay 'failed' until dismissed, the rest come back
	 * after the backoff delay for their attempt number.
	 *
	 * @return int|null When the next attempt is due (null for a permanent failure).
	 */
	public static function fail(int $id, int $attempts, int $http_status, string $message, bool $permanent): ?int {
		global $wpdb;
		$next = $permanent ? null : time() + self::backoff($attempts);
		$row = [
			'status'          => $permanent ? 'failed' : 'retrying',
			'last_status'     => $http_status,
			'last_error'      => Log::clean($message),
			'next_attempt_at' => $next ?? 0,
			'updated_at'      => time(),
		];
		$formats = ['%s', '%d', '%s', '%d', '%d'];
		if ($permanent) {
			// A failed row no longer absorbs new requests: asking again makes a fresh attempt.
			$row['dedup_key'] = null;
			$formats[]        = '%s';
		}
		$wpdb->update(self::table(), $row, ['id' => $id], $formats, ['%d']);
		if ($next !== null) {
			self::schedule_worker($next);
		}
		return $next;
	}

	/** Seconds to wait after the given (1-based) failed attempt: 1 min, 5 min, 15 min, 1 h, then 6 h. */
	public static function backoff(int $attempt): int {
		$delays = apply_filters('wu_runcloud_retry_delays', [60, 300, 900, 3600, 21600]);
		$delays = array_values(array_filter(array_map('intval', (array) $delays), static fn($d) => $d > 0)) ?: [60];
		return $delays[min(max($attempt, 1), count($delays)) - 1];
	}

	public static function dismiss(int $id): bool {
		global $wpdb;
		return (bool) $wpdb->query($wpdb->prepare(
			"UPDATE {$wpdb->base_prefix}wu_runcloud_ops SET status = 'dismissed', dedup_key = NULL, updated_at = %d WHERE id = %d AND status IN ('retrying','failed')",
			time(), $id
		));
	}

	public static function retry_now(int $id): bool {
		global $wpdb;
		// IGNORE: when a newer request for the same operation already waits, that one stands.
		$done = (bool) $wpdb->query($wpdb->prepare(
			"UPDATE IGNORE {$wpdb->base_prefix}wu_runcloud_ops SET status = 'retrying', next_attempt_at = %d, updated_at = %d, dedup_key = IF(op = 'redeploy_ssl', NULL, CONCAT(op, '|', domain)) WHERE id = %d AND status IN ('retrying','failed')",
			time(), time(), $id
		));
		if ($done) {
			self::schedule_worker(time());
		}
		return $done;
	}

	public static function get(int $id): ?object {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_row($wpdb->prepare("SELECT * FROM {$table} WHERE id = %d", $id)) ?: null;
	}

	/** Failed and retrying operations, newest first. */
	public static function problems(int $limit = 100): array {
		global $wpdb;
		$table = self::table();
		return (array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table} WHERE status IN ('retrying','failed') ORDER BY id DESC LIMIT %d",
			$limit
		));
	}

	/** @return array<string, int> status => count */
	public static function counts(): array {
		global $wpdb;
		$table = self::table();
		$rows  = (array) $wpdb->get_results("SELECT status, COUNT(*) AS n FROM {$table} GROUP BY status");
		$out   = [];
		foreach ($rows as $row) {
			$out[$row->status] = (int) $row->n;
		}
		return $out;
	}

	/** The newest operation of each of these domains. @return array<string, object> */
	public static function latest_for(array $domains): array {
		global $wpdb;
		if ($domains === []) {
			return [];
		}
		$table = self::table();
		$in    = implode(',', array_fill(0, count($domains), '%s'));
		$rows  = (array) $wpdb->get_results($wpdb->prepare(
			"SELECT o.* FROM {$table} o JOIN (SELECT MAX(id) AS id FROM {$table} WHERE domain IN ({$in}) AND status <> 'superseded' GROUP BY domain) m ON m.id = o.id",
			...$domains
		));
		$out = [];
		foreach ($rows as $row) {
			$out[$row->domain] = $row;
		}
		return $out;
	}

	public static function next_due_time(): ?int {
		global $wpdb;
		$table = self::table();
		$at    = $wpdb->get_var("SELECT MIN(next_attempt_at) FROM {$table} WHERE status IN ('pending','retrying')");
		return $at === null ? null : (int) $at;
	}

	/**
	 * Make sure the worker runs at $at at the latest: Action Scheduler when available,
	 * WP-Cron otherwise. An earlier run already scheduled is enough.
	 */
	public static function schedule_worker(int $at): void {
		// Cron events are per site: keep ours on the main site, whichever site noticed.
		$switched = !is_main_site();
		if ($switched) {
			switch_to_blog(get_main_site_id());
		}
		self::schedule_worker_here($at);
		if ($switched) {
			restore_current_blog();
		}
	}

	private static function schedule_worker_here(int $at): void {
		if (function_exists('as_schedule_single_action') && function_exists('as_get_scheduled_actions')) {
			// Only a *pending* run due by $at is enough: a run in progress may be the one
			// asking, and may already have read the due rows.
			$pending = as_get_scheduled_actions([
				'hook'         => self::WORKER_HOOK,
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
				as_enqueue_async_action(self::WORKER_HOOK, [], self::GROUP);
			} else {
				as_schedule_single_action($at, self::WORKER_HOOK, [], self::GROUP);
			}
			return;
		}
		$next = wp_next_scheduled(self::WORKER_HOOK);
		if ($next !== false && $next <= $at) {
			return;
		}
		if ($next !== false) {
			wp_unschedule_event($next, self::WORKER_HOOK);
		}
		wp_schedule_single_event($at, self::WORKER_HOOK);
	}

	/** Forget finished operations older than $days (the attention list keeps its own rows). */
	public static function purge_finished(int $days = 30): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->query($wpdb->prepare(
			"DELETE FROM {$table} WHERE status IN ('done','skipped','superseded','dismissed') AND updated_at < %d",
			time() - $days * DAY_IN_SECONDS
		));
	}

	/** Create or upgrade our tables (ops, domains, log). */
	public static function create_tables(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$ops     = self::table();
		$domains = Domains::table();
		$log     = Log::table();
		dbDelta("CREATE TABLE {$ops} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  op varchar(20) NOT NULL,
  domain varchar(253) NOT NULL DEFAULT '',
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  source varchar(32) NOT NULL DEFAULT '',
  status varchar(20) NOT NULL DEFAULT 'pending',
  attempts int(10) unsigned NOT NULL DEFAULT 0,
  next_attempt_at bigint(20) unsigned NOT NULL DEFAULT 0,
  last_status smallint(5) unsigned NOT NULL DEFAULT 0,
  last_error text NULL,
  runcloud_id bigint(20) unsigned NULL,
  created_at bigint(20) unsigned NOT NULL DEFAULT 0,
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  dedup_key varchar(280) NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY dedup_key (dedup_key),
  KEY status_next (status,next_attempt_at),
  KEY domain_op (domain,op)
) {$charset};");
		dbDelta("CREATE TABLE {$domains} (
  domain varchar(253) NOT NULL,
  runcloud_id bigint(20) unsigned NULL,
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  managed tinyint(1) NOT NULL DEFAULT 0,
  requested tinyint(1) NOT NULL DEFAULT 0,
  in_runcloud tinyint(1) NULL,
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (domain)
) {$charset};");
		dbDelta("CREATE TABLE {$log} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  created_at bigint(20) unsigned NOT NULL DEFAULT 0,
  level varchar(10) NOT NULL DEFAULT 'info',
  op varchar(20) NOT NULL DEFAULT '',
  domain varchar(253) NOT NULL DEFAULT '',
  outcome varchar(20) NOT NULL DEFAULT '',
  status smallint(5) unsigned NOT NULL DEFAULT 0,
  message text NULL,
  PRIMARY KEY  (id)
) {$charset};");
	}
}
