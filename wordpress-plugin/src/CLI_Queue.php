<?php
/**
 * `wp runcloud queue list|run|retry|dismiss`: the operations table of Settings -> RunCloud from
 * the shell, through the same queue and worker (claim, lease, one worker per domain).
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

class CLI_Queue {

	private const FIELDS = ['id', 'op', 'domain', 'status', 'attempts', 'http_status', 'error', 'next_attempt', 'updated', 'source', 'network_id'];

	/** --status words that stand for several statuses (the Operations table's views). */
	private const GROUPS = [
		'attention' => Queue::PROBLEMS,
		'waiting'   => Queue::ACTIVE,
		'finished'  => ['done', 'skipped'],
		'set_aside' => Queue::SET_ASIDE,
	];

	/**
	 * Lists operations, newest first.
	 *
	 * ## OPTIONS
	 *
	 * [--status=<status>]
	 * : Comma-separated statuses (pending, running, retrying, failed, done, skipped,
	 * superseded, dismissed) or groups (attention, waiting, finished, set_aside), or all.
	 * ---
	 * default: waiting,attention
	 * ---
	 *
	 * [--search=<text>]
	 * : Only operations whose domain contains this text.
	 *
	 * [--format=<format>]
	 * : Output format.
	 * ---
	 * default: table
	 * options:
	 *   - table
	 *   - json
	 *   - csv
	 *   - yaml
	 *   - count
	 * ---
	 *
	 * [--fields=<fields>]
	 * : Fields: id, op, domain, status, attempts, http_status, error, next_attempt, updated,
	 * source, network_id. Default: id, op, domain, status, attempts, http_status, error.
	 *
	 * ## EXAMPLES
	 *     wp runcloud queue list
	 *     wp runcloud queue list --status=failed --format=json
	 *
	 * @subcommand list
	 */
	public function list_(array $args = [], array $assoc = []): void {
		$statuses = self::statuses((string) ($assoc['status'] ?? 'waiting,attention'));
		$search   = (string) ($assoc['search'] ?? '');
		$rows     = (static function () use ($statuses, $search) {
			for ($paged = 1; ; $paged++) {
				$page = Queue::page(['statuses' => $statuses, 'search' => $search, 'per_page' => 500, 'paged' => $paged]);
				foreach ($page as $op) {
					yield [
						'id'           => (int) $op->id,
						'op'           => $op->op,
						'domain'       => $op->domain,
						'status'       => $op->status,
						'attempts'     => (int) $op->attempts,
						'http_status'  => (int) $op->last_status ?: '',
						'error'        => (string) $op->last_error,
						'next_attempt' => in_array($op->status, Queue::WAITING, true) ? gmdate('Y-m-d\TH:i:s\Z', (int) $op->next_attempt_at) : '',
						'updated'      => gmdate('Y-m-d\TH:i:s\Z', (int) $op->updated_at),
						'source'       => $op->source,
						'network_id'   => (int) $op->network_id,
					];
				}
				if (count($page) < 500) {
					return;
				}
			}
		})();
		CLI::display($rows, $assoc, ['id', 'op', 'domain', 'status', 'attempts', 'http_status', 'error'], self::FIELDS);
	}

	/**
	 * Runs the operations that are due now, as the scheduled worker does, with a progress bar;
	 * exits with an error when one of them failed.
	 *
	 * ## OPTIONS
	 *
	 * [--limit=<number>]
	 * : Run at most this many.
	 * ---
	 * default: 1000
	 * ---
	 *
	 * ## EXAMPLES
	 *     wp runcloud queue run
	 */
	public function run(array $args = [], array $assoc = []): void {
		$limit = (int) ($assoc['limit'] ?? 1000);
		if ($limit < 1) {
			\WP_CLI::error('--limit must be a positive number.');
		}
		$not_ready = Domain_Sync::not_ready();
		if ($not_ready !== null) {
			\WP_CLI::error($not_ready->get_error_message());
		}
		$due = min($limit, Queue::due_count(time()));
		if ($due === 0) {
			\WP_CLI::success('Nothing is due.');
			return;
		}
		$bar    = \WP_CLI\Utils\make_progress_bar(sprintf('Running %d operations', $due), $due);
		$result = Worker::process_due(null, $limit, static function () use ($bar): void {
			$bar->tick();
		}, (float) PHP_INT_MAX);
		$bar->finish();
		if ($result['reason'] !== '') {
			$hold = Settings::held();
			\WP_CLI::error($hold !== null ? $hold['message'] : sprintf('Nothing ran: %s.', $result['reason']));
		}
		$failed = 0;
		$counts = [];
		foreach ($result['ids'] as $id) {
			$op = Queue::get($id);
			if ($op === null) {
				continue;
			}
			$counts[$op->status] = ($counts[$op->status] ?? 0) + 1;
			if (in_array($op->status, Queue::PROBLEMS, true)) {
				++$failed;
				\WP_CLI::warning(CLI::describe($op));
			}
		}
		ksort($counts);
		$summary = sprintf('%d operations ran: %s.', count($result['ids']), implode(', ', array_map(static fn($k, $v) => "{$k}={$v}", array_keys($counts), $counts)));
		if ($failed > 0) {
			\WP_CLI::error($summary);
		}
		\WP_CLI::success($summary);
	}

	/**
	 * Retries failed or retrying operations now, each through the worker's claim.
	 *
	 * ## OPTIONS
	 *
	 * <id>...
	 * : Operation ids (wp runcloud queue list).
	 *
	 * ## EXAMPLES
	 *     wp runcloud queue retry 12 13
	 */
	public function retry(array $args = [], array $assoc = []): void {
		$errors = 0;
		foreach (self::ids($args) as $id) {
			if (!Queue::retry_now($id)) {
				\WP_CLI::warning(self::not_changed($id, 'retried'));
				++$errors;
				continue;
			}
			$outcome = Worker::run_now($id);
			$op      = Queue::get($id);
			if ($outcome === 'busy' && $op !== null && in_array($op->status, Queue::WAITING, true)) {
				\WP_CLI::warning(sprintf('#%d: another worker is working on %s; the queue runs it in order.', $id, $op->domain !== '' ? $op->domain : 'this app'));
			} elseif ($outcome === 'held' || $op === null) {
				$hold = Settings::held();
				\WP_CLI::warning(sprintf('#%d: not sent: %s', $id, $hold !== null ? $hold['message'] : $outcome));
				++$errors;
			} elseif (in_array($op->status, ['done', 'skipped'], true)) {
				\WP_CLI::log(sprintf('#%d %s %s: %s%s', $id, $op->op, $op->domain !== '' ? $op->domain : '-', $op->status, $op->last_error !== '' ? " ({$op->last_error})" : ''));
			} else {
				\WP_CLI::warning(CLI::describe($op));
				++$errors;
			}
		}
		self::finish($errors, count($args), 'retried');
	}

	/**
	 * Dismisses failed or retrying operations: they leave the attention list and are not
	 * retried. Nothing is sent to RunCloud.
	 *
	 * ## OPTIONS
	 *
	 * <id>...
	 * : Operation ids (wp runcloud queue list).
	 *
	 * ## EXAMPLES
	 *     wp runcloud queue dismiss 12
	 */
	public function dismiss(array $args = [], array $assoc = []): void {
		$errors = 0;
		foreach (self::ids($args) as $id) {
			if (Queue::dismiss($id)) {
				\WP_CLI::log(sprintf('#%d dismissed', $id));
			} else {
				\WP_CLI::warning(self::not_changed($id, 'dismissed'));
				++$errors;
			}
		}
		self::finish($errors, count($args), 'dismissed');
	}

	/** @return int[] the ids, or an error naming what is not one */
	private static function ids(array $args): array {
		$bad = array_filter($args, static fn($a) => !ctype_digit((string) $a) || (int) $a < 1);
		if ($args === [] || $bad !== []) {
			\WP_CLI::error(sprintf('Operation ids are positive numbers (see wp runcloud queue list); not: %s', $bad === [] ? '(none given)' : implode(', ', $bad)));
		}
		return array_map('intval', $args);
	}

	private static function not_changed(int $id, string $verb): string {
		$op = Queue::get($id);
		return $op === null
			? sprintf('#%d: no such operation', $id)
			: sprintf('#%d is %s: only failed or retrying operations can be %s', $id, $op->status, $verb);
	}

	private static function finish(int $errors, int $total, string $verb): void {
		if ($errors > 0) {
			\WP_CLI::error(sprintf('%d of %d operations could not be %s.', $errors, $total, $verb));
		}
		\WP_CLI::success(sprintf('%d operations %s.', $total, $verb));
	}

	/** @return string[]|null the statuses of a --status value (null: all) */
	private static function statuses(string $value): ?array {
		$out = [];
		foreach (array_filter(array_map('trim', explode(',', $value))) as $word) {
			if ($word === 'all') {
				return null;
			}
			if (isset(self::GROUPS[$word])) {
				array_push($out, ...self::GROUPS[$word]);
			} elseif (in_array($word, Queue::STATUSES, true)) {
				$out[] = $word;
			} else {
				\WP_CLI::error(sprintf('Unknown status "%s": use %s, %s or all.', $word, implode(', ', Queue::STATUSES), implode(', ', array_keys(self::GROUPS))));
			}
		}
		return array_values(array_unique($out));
	}
}
