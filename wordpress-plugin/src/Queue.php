<?php
/**
 * Durable operations: every add/remove/redeploy is a row in {base_prefix}wu_runcloud_ops
 * before anything talks to RunCloud, so a crash, an outage or a missing extension loses
 * nothing. A hook only calls enqueue(); the Worker claims due rows.
 *
 * Statuses: pending -> running -> done | skipped | retrying (back to due later) | failed
 * (permanent, until dismissed) | waiting (an add whose DNS does not point here yet, checked
 * again later: not a problem); superseded when an opposite operation for the same domain
 * and network arrives first; dismissed by an admin.
 *
 * One worker per domain: a running row holds running_key (target + domain) under a unique
 * index, so the database itself refuses a second running row for that domain, whichever
 * path (cron, Action Scheduler, "Retry now", WP-CLI, the reconcile's prune) claims it. The
 * claim also hands out a lease: a random token and an expiry. A worker whose lease ran out
 * (its row was handed to another worker) can neither send its request nor write its result.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Queue {

	/** check: look the domain up in RunCloud again and correct what we recorded (Re-check). */
	public const OPS = ['add', 'remove', 'redeploy_ssl', 'check_https', 'check'];

	/** Operations on the whole app rather than one domain: coalesced, one row at a time. */
	public const APP_OPS = ['redeploy_ssl', 'check_https'];

	/** Every status a row can have ('waiting': an add held by the DNS gate). */
	public const STATUSES = ['pending', 'running', 'retrying', 'waiting', 'failed', 'done', 'skipped', 'superseded', 'dismissed'];

	/** Still waiting for a worker. */
	public const WAITING = ['pending', 'retrying', 'waiting'];

	/** Waiting, or being run by a worker right now. */
	public const ACTIVE = ['pending', 'retrying', 'waiting', 'running'];

	/** What an admin must see until it goes away (retry now, dismiss). */
	public const PROBLEMS = ['retrying', 'failed'];

	/** Requests not carried out yet: a newer opposite request of the network replaces them. */
	public const OUTSTANDING = ['pending', 'retrying', 'waiting', 'failed'];

	/** Set aside: no longer anybody's intent. */
	public const SET_ASIDE = ['superseded', 'dismissed'];

	/** Over: forgotten after a while. */
	public const FINISHED = ['done', 'skipped', 'superseded', 'dismissed'];

	/** Columns a page of operations may be sorted by. */
	public const ORDER_BY = ['id', 'domain', 'status', 'attempts', 'next_attempt_at', 'updated_at'];

	/** A second identical request within this many seconds of a success is the double fire. */
	public const REPEAT_WINDOW = 600;

	/**
	 * Seconds a claim lasts: far above one operation's time budget (the client's timeout,
	 * an SSL issuance), so only a worker that died or hung loses it.
	 */
	public const LEASE = 900;

	/** What every transition out of 'running' clears, so the domain is free again. */
	private const LEAVE_RUNNING = 'running_key = NULL, lease = NULL';

	/** A status list above, as SQL: `'pending','retrying'` (the constants, never input). */
	private static function in(array $statuses): string {
		return "'" . implode("','", $statuses) . "'";
	}

	public static function table(): string {
		return Schema::table(Schema::OPS);
	}

	/**
	 * Record an operation, one row per target, and make sure a worker will run for it.
	 *
	 * @param array $context `network_id` (default: the current network), `supersede`
	 *                       (default true: this request replaces the network's waiting
	 *                       opposite one; the reconcile's prune never overrides a request)
	 *                       and `target` ([server, app]: that target only; default: every
	 *                       configured target).
	 * @return int|null The first target's row id (existing one when de-duplicated), null when
	 *                  it repeats a success of the last REPEAT_WINDOW seconds.
	 */
	public static function enqueue(string $op, string $domain, int $site_id = 0, string $source = '', int $delay = 0, array $context = []): ?int {
		foreach (self::enqueue_each($op, $domain, $site_id, $source, $delay, $context) as $id) {
			if ($id !== null) {
				return $id;
			}
		}
		return null;
	}

	/**
	 * As enqueue(), with every target's row: each target is worked, retried and failed on its
	 * own, so one RunCloud server down never holds up the others.
	 *
	 * @return array<string, int|null> "server:app" => row id (null: repeats a recent success)
	 */
	public static function enqueue_each(string $op, string $domain, int $site_id = 0, string $source = '', int $delay = 0, array $context = []): array {
		if (!in_array($op, self::OPS, true)) {
			return [];
		}
		// Recorded before any target is usable: one row, aimed at the targets when claimed.
		$targets = isset($context['target']) ? [[(int) $context['target'][0], (int) $context['target'][1]]] : (Settings::targets() ?: [[0, 0]]);
		$out     = [];
		foreach ($targets as $target) {
			$out[Settings::target_key($target)] = self::enqueue_one($op, $domain, $site_id, $source, $delay, $context, $target);
		}
		return $out;
	}

	private static function enqueue_one(string $op, string $domain, int $site_id, string $source, int $delay, array $context, array $target): ?int {
		global $wpdb;
		$table   = self::table();
		$app_op  = in_array($op, self::APP_OPS, true);
		$domain  = $app_op ? '' : Domain_Name::normalize($domain);
		$network = (int) ($context['network_id'] ?? get_current_network_id());
		$now     = time();
		$at      = $now + max(0, $delay);
		[$server, $app] = $target;
		// A row recorded before any target was usable is this target's too.
		$ours = $wpdb->prepare('((server_id = %d AND app_id = %d) OR (server_id = 0 AND app_id = 0))', $server, $app);

		if ($op === 'add' || $op === 'remove') {
			if ($context['supersede'] ?? true) {
				// The newest request of a network for a domain wins: an add waiting behind a
				// remove (or the reverse) would otherwise undo it when its retry comes round.
				// Another network's request is not overridden: both are weighed when the
				// remove runs (Ownership).
				$opposite = $op === 'add' ? 'remove' : 'add';
				$wpdb->query($wpdb->prepare(
					"UPDATE {$table} SET status = 'superseded', dedup_key = NULL, updated_at = %d WHERE domain = %s AND network_id = %d AND op = %s AND {$ours} AND status IN (" . self::in(self::OUTSTANDING) . ')',
					$now, $domain, $network, $opposite
				));
			}

			// The double fire (reference §1.5) can arrive after the first request already ran.
			// A remove that was kept is no success to repeat: asking again looks again.
			$repeats = $op === 'remove' ? ['done'] : ['done', 'skipped'];
			$last    = $wpdb->get_row($wpdb->prepare(
				"SELECT op, status, updated_at FROM {$table} WHERE domain = %s AND network_id = %d AND {$ours} AND op IN ('add','remove') AND status NOT IN (" . self::in(self::SET_ASIDE) . ') ORDER BY id DESC LIMIT 1',
				$domain, $network
			));
			if ($last && $last->op === $op && in_array($last->status, $repeats, true) && (int) $last->updated_at >= $now - self::REPEAT_WINDOW) {
				return null;
			}
		}

		if ($target !== [0, 0]) {
			// The same request recorded before any target was usable (or before rows were
			// keyed by target) waits already: it is aimed at every target when claimed.
			$unaimed = $wpdb->get_var($wpdb->prepare("SELECT id FROM {$table} WHERE dedup_key = %s", self::dedup_key($op, $domain, $network, [0, 0])));
			if ($unaimed !== null) {
				return (int) $unaimed;
			}
		}

		// De-duplication is the unique dedup_key (set while a row waits or runs), so two
		// requests racing in parallel workers still make one row. On a duplicate, insert_id
		// is the existing row's id and no row is affected.
		$inserted = $wpdb->query($wpdb->prepare(
			"INSERT INTO {$table} (op, domain, network_id, server_id, app_id, site_id, source, status, attempts, next_attempt_at, created_at, updated_at, dedup_key)
			 VALUES (%s, %s, %d, %d, %d, %d, %s, 'pending', 0, %d, %d, %d, %s)
			 ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
			$op, $domain, $network, $server, $app, $site_id, substr($source, 0, 32), $at, $now, $now, self::dedup_key($op, $domain, $network, $target)
		));
		$id = (int) $wpdb->insert_id;
		if ($inserted !== 1) {
			return $id ?: null;
		}

		Worker::schedule($at);
		return $id ?: null;
	}

	/**
	 * One waiting row per operation, domain, network and target; a redeploy (or an HTTPS
	 * check) covers the whole app, so one waits per target for every network.
	 */
	private static function dedup_key(string $op, string $domain, int $network_id, array $target): string {
		$key = Settings::target_key($target);
		return in_array($op, self::APP_OPS, true) ? $op . '|' . $key : $op . '|' . $network_id . '|' . $domain . '|' . $key;
	}

	/** The running_key prefix of a target; a domain never contains '*'. */
	private static function target_key(array $target): string {
		return $target[0] . ':' . $target[1] . '|';
	}

	/**
	 * A row whose target is not configured (recorded before any target was usable, or for an
	 * app the operator since replaced) is aimed at the configured targets: the first takes the
	 * row, each other one gets a row of its own. Its operation is still wanted; what was
	 * recorded for the old app is never acted on (Domains rows stay keyed by their target).
	 */
	private static function reaim(object $row): void {
		global $wpdb;
		$targets = Settings::targets();
		if ($targets === [] || !in_array($row->status, self::WAITING, true) || in_array([(int) $row->server_id, (int) $row->app_id], $targets, true)) {
			return; // Only a row still to run is re-aimed: a finished one stays what it was.
		}
		$table = self::table();
		// IGNORE: the first target may already wait for the same operation (its dedup_key).
		$moved = $wpdb->query($wpdb->prepare(
			"UPDATE IGNORE {$table} SET server_id = %d, app_id = %d, dedup_key = IF(dedup_key IS NULL, NULL, %s) WHERE id = %d AND server_id = %d AND app_id = %d AND status IN (" . self::in(self::WAITING) . ')',
			$targets[0][0], $targets[0][1], self::dedup_key((string) $row->op, (string) $row->domain, (int) $row->network_id, $targets[0]), (int) $row->id, (int) $row->server_id, (int) $row->app_id
		));
		if ($moved !== 1) {
			// The first target already has that operation waiting: this row adds nothing.
			// (Still on the old target: another worker may have re-aimed it meanwhile.)
			$wpdb->query($wpdb->prepare("UPDATE {$table} SET status = 'superseded', dedup_key = NULL, updated_at = %d WHERE id = %d AND server_id = %d AND app_id = %d AND status IN (" . self::in(self::WAITING) . ')', time(), (int) $row->id, (int) $row->server_id, (int) $row->app_id));
		}
		// The other targets' rows (de-duplicated: asking twice makes one).
		foreach (array_slice($targets, 1) as $target) {
			self::enqueue_one((string) $row->op, (string) $row->domain, (int) $row->site_id, (string) $row->source, 0, ['network_id' => (int) $row->network_id, 'supersede' => false], $target);
		}
	}

	/** Due rows, oldest first; rows whose worker outlived its lease are handed back first. */
	public static function due(int $now, int $limit): array {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'retrying', " . self::LEAVE_RUNNING . ", last_error = %s, updated_at = %d WHERE status = 'running' AND lease_until < %d",
			__('The worker stopped while running this operation; it will be retried.', 'wu-runcloud'),
			time(),
			$now
		));
		return (array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table} WHERE status IN (" . self::in(self::WAITING) . ') AND next_attempt_at <= %d ORDER BY next_attempt_at ASC, id ASC LIMIT %d',
			$now, $limit
		));
	}

	/**
	 * Take a due row for this worker. Every path that runs an operation claims it here.
	 *
	 * @return object|null The row as claimed (its `lease` is this worker's token), or null when
	 *                     it is not due, another worker got it, another operation on the same
	 *                     domain of the same app is running, or the target is not configured.
	 */
	public static function claim(int $id, ?int $now = null): ?object {
		global $wpdb;
		$row = self::get($id);
		if ($row === null) {
			return null;
		}
		self::reaim($row);
		$row    = self::get($id);
		$target = $row !== null ? [(int) $row->server_id, (int) $row->app_id] : null;
		if ($target === null || !Settings::is_target($target)) {
			return null;
		}
		$now   = $now ?? time();
		$lease = bin2hex(random_bytes(16));
		$table = self::table();
		// IGNORE: when that domain's running_key is taken, the unique index refuses the
		// update and the row stays as it was. A running redeploy may already have sent its
		// request: a domain added from now on needs a redeploy of its own, so a redeploy stops
		// absorbing requests once claimed.
		$claimed = $wpdb->query($wpdb->prepare(
			"UPDATE IGNORE {$table} SET status = 'running', attempts = attempts + 1, lease = %s, lease_until = %d,
			 running_key = CONCAT(%s, CASE op WHEN 'redeploy_ssl' THEN '*ssl' WHEN 'check_https' THEN '*https' ELSE domain END), updated_at = %d,
			 dedup_key = IF(op IN ('redeploy_ssl', 'check_https'), NULL, dedup_key)
			 WHERE id = %d AND server_id = %d AND app_id = %d AND status IN (" . self::in(self::WAITING) . ') AND next_attempt_at <= %d',
			$lease, $now + self::LEASE, self::target_key($target), time(), $id, $target[0], $target[1], $now
		));
		return $claimed === 1 ? self::get($id) : null;
	}

	/** This worker still holds the row, and its lease has not run out. */
	public static function holds_lease(object $op): bool {
		global $wpdb;
		$table = self::table();
		return (bool) $wpdb->get_var($wpdb->prepare(
			"SELECT id FROM {$table} WHERE id = %d AND lease = %s AND status = 'running' AND lease_until >= %d",
			(int) $op->id, (string) $op->lease, time()
		));
	}

	/**
	 * An add or remove that was already running when the opposite request of its network
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
			"UPDATE {$table} o JOIN {$table} n ON n.domain = o.domain AND n.network_id = o.network_id AND n.server_id = o.server_id AND n.app_id = o.app_id AND n.op = %s AND n.id > o.id AND n.status NOT IN (" . self::in(self::SET_ASIDE) . ")
			 SET o.status = 'superseded', o.dedup_key = NULL, o.running_key = NULL, o.lease = NULL, o.updated_at = %d WHERE o.id = %d AND o.lease = %s",
			$row->op === 'add' ? 'remove' : 'add', time(), (int) $row->id, (string) $row->lease
		));
	}

	/**
	 * A redeploy covers the whole app, so only the newest outcome matters: once one has run
	 * (done or failed), older failed or retrying redeploys are superseded. A failure that
	 * repeats batch after batch (e.g. over the 100-name limit) stays one visible problem.
	 */
	public static function supersede_older_redeploys(object $op): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'superseded', dedup_key = NULL, updated_at = %d WHERE op = 'redeploy_ssl' AND server_id = %d AND app_id = %d AND id < %d AND status IN (" . self::in(self::PROBLEMS) . ')',
			time(), (int) $op->server_id, (int) $op->app_id, (int) $op->id
		));
	}

	/**
	 * A redeploy about to order covers every domain added before now: other redeploys waiting
	 * already (a failed one retried, a reconcile's) would only order the same names again —
	 * a duplicate certificate, 5 of which a week Let's Encrypt allows. They are superseded.
	 * Rows enqueued from now on have higher ids and still run.
	 *
	 * @return int How many were absorbed.
	 */
	public static function absorb_waiting_redeploys(object $op): int {
		global $wpdb;
		$table = self::table();
		$max   = (int) $wpdb->get_var("SELECT MAX(id) FROM {$table}");
		return (int) $wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'superseded', dedup_key = NULL, last_error = %s, updated_at = %d WHERE op = 'redeploy_ssl' AND server_id = %d AND app_id = %d AND id <> %d AND id <= %d AND status IN (" . self::in(self::WAITING) . ')',
			sprintf('covered by redeploy #%d', (int) $op->id), time(), (int) $op->server_id, (int) $op->app_id, (int) $op->id, $max
		));
	}

	/**
	 * Record the outcome of a claimed row.
	 *
	 * @param string        $status  done | skipped
	 * @param callable|null $effects Writes that belong to this outcome (the domains table):
	 *                               made in the same transaction, only while the lease holds.
	 * @return bool False when the lease was lost: nothing was written.
	 */
	public static function finish(object $op, string $status, int $http_status = 0, ?int $runcloud_id = null, string $note = '', ?callable $effects = null): bool {
		return self::complete($op, [
			'status'      => $status,
			'last_status' => $http_status,
			'last_error'  => $note,
			'runcloud_id' => $runcloud_id,
			'dedup_key'   => null,
		], $effects);
	}

	/**
	 * Record a failure: permanent ones stay 'failed' until dismissed, the rest come back
	 * after the backoff delay for their attempt number.
	 *
	 * @return int|null|false When the next attempt is due (null for a permanent failure), or
	 *                        false when the lease was lost and nothing was written.
	 */
	public static function fail(object $op, int $http_status, string $message, bool $permanent, ?int $next_at = null) {
		// $next_at: RunCloud said when (Let's Encrypt's "retry after"); the queue waits until then.
		$next   = $permanent ? null : ($next_at !== null && $next_at > time() ? $next_at : time() + self::backoff((int) $op->attempts));
		$fields = [
			'status'          => $permanent ? 'failed' : 'retrying',
			'last_status'     => $http_status,
			'last_error'      => Log::clean($message),
			'next_attempt_at' => $next ?? 0,
		];
		if ($permanent) {
			// A failed row no longer absorbs new requests: asking again makes a fresh attempt.
			$fields['dedup_key'] = null;
		}
		if (!self::complete($op, $fields)) {
			return false;
		}
		if ($next !== null) {
			Worker::schedule($next);
		}
		return $next;
	}

	/**
	 * An add whose DNS does not point here yet: back to waiting, checked again at $next. Not a
	 * failure (no attempt is counted against it); fenced by the lease like every outcome.
	 *
	 * @param callable|null $effects Written in the same transaction (the domain's state).
	 * @return int|false $next, or false when the lease was lost and nothing was written.
	 */
	public static function wait(object $op, int $next, string $note, ?callable $effects = null) {
		if (!self::complete($op, [
			'status'          => 'waiting',
			'attempts'        => 0,
			'last_status'     => 0,
			'last_error'      => Log::clean($note),
			'next_attempt_at' => $next,
		], $effects)) {
			return false;
		}
		Worker::schedule($next);
		return $next;
	}

	/** @return int[] ids of the adds waiting for this domain's DNS, on any network */
	public static function waiting_for_dns(string $domain): array {
		global $wpdb;
		$table = self::table();
		return array_map('intval', (array) $wpdb->get_col($wpdb->prepare(
			"SELECT id FROM {$table} WHERE op = 'add' AND status = 'waiting' AND domain = %s",
			Domain_Name::normalize($domain)
		)));
	}

	/**
	 * Put a claimed row back as it was before the claim (the queue is held: it did not run).
	 */
	public static function release(object $op): bool {
		global $wpdb;
		$table = self::table();
		return (bool) $wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = IF(attempts > 1, 'retrying', 'pending'), attempts = attempts - 1, " . self::LEAVE_RUNNING . "
			 WHERE id = %d AND lease = %s AND status = 'running'",
			(int) $op->id, (string) $op->lease
		));
	}

	/**
	 * The fence: lock the row, check the lease, write the outcome and its effects, commit.
	 * A worker that outlived its lease finds another token (or no running row) and writes
	 * nothing, so a stale result never lands over a newer one.
	 */
	private static function complete(object $op, array $fields, ?callable $effects = null): bool {
		global $wpdb;
		$table = self::table();
		$wpdb->query('START TRANSACTION');
		try {
			$held = $wpdb->get_var($wpdb->prepare(
				"SELECT id FROM {$table} WHERE id = %d AND lease = %s AND status = 'running' FOR UPDATE",
				(int) $op->id, (string) $op->lease
			));
			if (!$held) {
				$wpdb->query('ROLLBACK');
				return false;
			}
			if ($effects !== null) {
				$effects();
			}
			$sets = [];
			$args = [];
			foreach ($fields + ['updated_at' => time()] as $column => $value) {
				if ($value === null) {
					$sets[] = "{$column} = NULL";
					continue;
				}
				$sets[] = $column . (is_int($value) ? ' = %d' : ' = %s');
				$args[] = $value;
			}
			$args[] = (int) $op->id;
			$wpdb->query($wpdb->prepare("UPDATE {$table} SET " . implode(', ', $sets) . ', ' . self::LEAVE_RUNNING . ' WHERE id = %d', ...$args));
			$wpdb->query('COMMIT');
			return true;
		} catch (\Throwable $e) {
			$wpdb->query('ROLLBACK');
			throw $e;
		}
	}

	/** Seconds to wait after the given (1-based) failed attempt: 1 min, 5 min, 15 min, 1 h, then 6 h. */
	public static function backoff(int $attempt): int {
		$delays = apply_filters('wu_runcloud_retry_delays', [60, 300, 900, 3600, 21600]);
		$delays = array_values(array_filter(array_map('intval', (array) $delays), static fn($d) => $d > 0)) ?: [60];
		return $delays[min(max($attempt, 1), count($delays)) - 1];
	}

	public static function dismiss(int $id): bool {
		global $wpdb;
		$table = self::table();
		return (bool) $wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET status = 'dismissed', dedup_key = NULL, updated_at = %d WHERE id = %d AND status IN (" . self::in(self::PROBLEMS) . ')',
			time(), $id
		));
	}

	public static function retry_now(int $id): bool {
		global $wpdb;
		$table = self::table();
		// IGNORE: when a newer request for the same operation already waits, that one stands.
		$done = (bool) $wpdb->query($wpdb->prepare(
			"UPDATE IGNORE {$table} SET status = 'retrying', next_attempt_at = %d, updated_at = %d, dedup_key = IF(op IN ('redeploy_ssl', 'check_https'), NULL, CONCAT(op, '|', network_id, '|', domain, '|', server_id, ':', app_id)) WHERE id = %d AND status IN (" . self::in(self::PROBLEMS) . ')',
			time(), time(), $id
		));
		if ($done) {
			Worker::schedule(time());
		}
		return $done;
	}

	/** A waiting row becomes due now (an explicit request from the shell). */
	public static function due_now(int $id): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET next_attempt_at = LEAST(next_attempt_at, %d) WHERE id = %d AND status IN (" . self::in(self::WAITING) . ')',
			time(), $id
		));
	}

	public static function get(int $id): ?object {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_row($wpdb->prepare("SELECT * FROM {$table} WHERE id = %d", $id)) ?: null;
	}

	/**
	 * Adds that still wait or run for these domains, on any network: a remove must not
	 * delete a domain that one of them is about to (re)create.
	 *
	 * @return array<string, object> domain => the oldest such row
	 */
	public static function waiting_adds(array $domains): array {
		$table = self::table();
		$out   = [];
		$rows  = Schema::select_in(
			"SELECT id, domain, network_id FROM {$table} WHERE op = 'add' AND status IN (" . self::in(self::ACTIVE) . ') AND domain IN ({in}) ORDER BY id',
			[],
			$domains,
			'the queue'
		);
		foreach ($rows as $row) {
			$out[$row->domain] ??= $row;
		}
		return $out;
	}

	/** Failed and retrying operations, newest first. */
	public static function problems(int $limit = 100): array {
		global $wpdb;
		$table = self::table();
		return (array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table} WHERE status IN (" . self::in(self::PROBLEMS) . ') ORDER BY id DESC LIMIT %d',
			$limit
		));
	}

	/** @return array<string, int> status => count (of operations whose domain contains $search) */
	public static function counts(string $search = ''): array {
		global $wpdb;
		$table = self::table();
		$rows  = (array) $wpdb->get_results("SELECT status, COUNT(*) AS n FROM {$table}" . self::search_sql($search) . ' GROUP BY status');
		$out   = [];
		foreach ($rows as $row) {
			$out[$row->status] = (int) $row->n;
		}
		return $out;
	}

	/**
	 * One page of operations, newest first unless sorted otherwise, for the operations table
	 * and `wp runcloud queue list`: the database pages, PHP gets per_page rows.
	 *
	 * @param array $args statuses (list, null for all), search (part of the domain), orderby
	 *                    (ORDER_BY), order (asc|desc), per_page, paged (1-based).
	 * @return object[]
	 */
	public static function page(array $args): array {
		global $wpdb;
		$table    = self::table();
		$per_page = max(1, (int) ($args['per_page'] ?? 20));
		$paged    = max(1, (int) ($args['paged'] ?? 1));
		$orderby  = in_array($args['orderby'] ?? '', self::ORDER_BY, true) ? $args['orderby'] : 'id';
		$order    = strtolower((string) ($args['order'] ?? ($orderby === 'id' ? 'desc' : 'asc'))) === 'desc' ? 'DESC' : 'ASC';
		$where    = self::search_sql((string) ($args['search'] ?? ''));
		$statuses = $args['statuses'] ?? null;
		if (is_array($statuses)) {
			$statuses = array_values(array_intersect($statuses, self::STATUSES));
			$where   .= ($where === '' ? ' WHERE ' : ' AND ') . ($statuses === [] ? '0' : 'status IN (' . self::in($statuses) . ')');
		}
		return (array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table}{$where} ORDER BY {$orderby} {$order}, id DESC LIMIT %d OFFSET %d",
			$per_page, ($paged - 1) * $per_page
		));
	}

	private static function search_sql(string $search): string {
		global $wpdb;
		$search = trim($search);
		return $search === '' ? '' : $wpdb->prepare(' WHERE domain LIKE %s', '%' . $wpdb->esc_like(strtolower($search)) . '%');
	}

	/** How many operations are due at $now (what a worker run has in front of it). */
	public static function due_count(int $now): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->get_var($wpdb->prepare(
			"SELECT COUNT(*) FROM {$table} WHERE status IN (" . self::in(self::WAITING) . ') AND next_attempt_at <= %d',
			$now
		));
	}

	/** The oldest due time of a waiting operation that is overdue by more than $grace seconds, or null. */
	public static function overdue_since(int $grace): ?int {
		global $wpdb;
		$table = self::table();
		$at    = $wpdb->get_var($wpdb->prepare(
			"SELECT MIN(next_attempt_at) FROM {$table} WHERE status IN (" . self::in(self::WAITING) . ') AND next_attempt_at < %d',
			time() - $grace
		));
		return $at === null ? null : (int) $at;
	}

	public static function next_due_time(): ?int {
		global $wpdb;
		$table = self::table();
		$at    = $wpdb->get_var("SELECT MIN(next_attempt_at) FROM {$table} WHERE status IN (" . self::in(self::WAITING) . ')');
		return $at === null ? null : (int) $at;
	}

	/** Forget finished operations older than $days (the attention list keeps its own rows). */
	public static function purge_finished(int $days = 30): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->query($wpdb->prepare(
			"DELETE FROM {$table} WHERE status IN (" . self::in(self::FINISHED) . ') AND updated_at < %d',
			time() - $days * DAY_IN_SECONDS
		));
	}
}
