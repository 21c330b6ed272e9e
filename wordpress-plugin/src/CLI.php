<?php
/**
 * `wp runcloud status|test|sync|add|remove|domains` (and `wp runcloud queue …`, CLI_Queue).
 *
 * Listings go through WP-CLI's own formatter (--format=table|json|csv|yaml|count, --fields=);
 * a failure ends the command with WP_CLI::error (exit status 1) in the extension's words, as
 * the admin page and the log show them; long runs show WP-CLI's progress bar.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

class CLI {

	/**
	 * Shows the configuration (what Site Health's Info tab shows, no secret), then every
	 * Site Health check that is not good and the operations needing attention, as warnings.
	 *
	 * ## OPTIONS
	 *
	 * [--format=<format>]
	 * : Format of the configuration.
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
	 * : Fields of each configuration item: key, setting, value.
	 *
	 * ## EXAMPLES
	 *     wp runcloud status
	 *     wp runcloud status --format=json --fields=key,value
	 */
	public function status(array $args = [], array $assoc = []): void {
		$items = [];
		foreach (Site_Health::configuration() as $key => [$label, $value]) {
			$items[] = ['key' => $key, 'setting' => $label, 'value' => $value];
		}
		self::display($items, $assoc, ['setting', 'value'], ['key', 'setting', 'value']);
		foreach (Site_Health::results() as $result) {
			if ($result['status'] !== 'good') {
				\WP_CLI::warning(sprintf('[%s] %s: %s', $result['status'], $result['label'], $result['message']));
			}
		}
		$held = get_network_option(null, Reconciler::PRUNE_HELD_OPTION, null);
		if (is_array($held) && !empty($held['domains'])) {
			\WP_CLI::warning(sprintf('Prune held: %d domains would be removed, more than the limit of %d per run: %s. Review them, then: wp runcloud sync --prune --force', (int) $held['count'], (int) $held['limit'], implode(', ', (array) $held['domains'])));
		}
		foreach (Queue::problems(20) as $op) {
			\WP_CLI::warning(self::describe($op));
		}
	}

	/**
	 * Tests the connection to RunCloud with the configured credentials.
	 *
	 * ## EXAMPLES
	 *     wp runcloud test
	 */
	public function test(array $args = [], array $assoc = []): void {
		$result = Domain_Sync::test_connection();
		if (is_wp_error($result)) {
			\WP_CLI::error($result->get_error_message());
		}
		\WP_CLI::success(Network_Admin::test_message($result));
	}

	/**
	 * Converges RunCloud to WordPress: lists what it added, removed (or would) and kept, and
	 * exits with an error when a domain failed.
	 *
	 * ## OPTIONS
	 *
	 * [--dry-run]
	 * : Only show what would change.
	 *
	 * [--prune]
	 * : Also remove domains this plugin added that WordPress no longer has (once two syncs in
	 * a row found them unused; never a domain added by hand or still used anywhere).
	 *
	 * [--force]
	 * : With --prune: proceed even when more than max(5, 10 %) of the managed domains would
	 * be removed in one run (the safety limit that holds the prune otherwise).
	 *
	 * [--format=<format>]
	 * : Format of the list of changes (domain, change, detail).
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
	 * : Fields of each change: domain, change, detail (and target, with WU_RUNCLOUD_TARGETS).
	 *
	 * [--target=<pair>]
	 * : Sync this one target of WU_RUNCLOUD_TARGETS only, written server:app (default: every
	 * target, one after the other).
	 *
	 * ## EXAMPLES
	 *     wp runcloud sync --dry-run
	 *     wp runcloud sync --target=11667:940288
	 *     wp runcloud sync --prune --format=json
	 */
	public function sync(array $args = [], array $assoc = []): void {
		$dry_run = !empty($assoc['dry-run']);
		$prune   = !empty($assoc['prune']);
		if (!empty($assoc['force']) && !$prune) {
			\WP_CLI::error('--force only applies to --prune.');
		}
		$only = null;
		if (isset($assoc['target'])) {
			$only = array_map('intval', explode(':', (string) $assoc['target']));
			if (count($only) !== 2 || !Settings::is_target($only)) {
				\WP_CLI::error(sprintf('--target=%s is not one of the configured targets (%s).', (string) $assoc['target'], implode(', ', array_map([Settings::class, 'target_key'], Settings::targets())) ?: 'none'));
			}
		}
		delete_site_transient(Domain_Sync::WILDCARD_CACHE); // an explicit sync looks afresh
		$title  = $dry_run ? 'Previewing the sync' : 'Syncing with RunCloud';
		$bar    = \WP_CLI\Utils\make_progress_bar($title, 2);
		$result = Reconciler::run($dry_run, $prune, !empty($assoc['force']), null, static function (string $message, int $more = 0) use ($bar, $title): void {
			if ($more > 0) {
				$bar->setTotal($bar->total() + $more);
				return;
			}
			$bar->tick(1, "{$title}: {$message}");
		}, $only);
		$bar->finish();
		if (is_wp_error($result)) {
			\WP_CLI::error($result->get_error_message());
		}
		$changes = [];
		foreach ((array) $result['added'] as $domain) {
			$changes[] = ['domain' => $domain, 'change' => $dry_run ? 'would add' : 'added', 'detail' => ''];
		}
		foreach ((array) $result['removed'] as $domain) {
			$changes[] = ['domain' => $domain, 'change' => $dry_run ? 'would remove' : 'removed', 'detail' => ''];
		}
		foreach ((array) $result['prune']['kept'] as $domain => $reason) {
			$changes[] = ['domain' => $domain, 'change' => 'kept', 'detail' => $reason];
		}
		foreach ((array) $result['failed'] as $domain => $message) {
			$changes[] = ['domain' => $domain, 'change' => 'failed', 'detail' => $message];
		}
		if (isset($result['targets'])) {
			// Each target's own changes, so an operator sees which app got what.
			$changes = [];
			foreach ($result['targets'] as $key => $one) {
				if (is_wp_error($one)) {
					$changes[] = ['target' => $key, 'domain' => '', 'change' => 'failed', 'detail' => $one->get_error_message()];
					continue;
				}
				foreach ((array) $one['added'] as $domain) {
					$changes[] = ['target' => $key, 'domain' => $domain, 'change' => $dry_run ? 'would add' : 'added', 'detail' => ''];
				}
				foreach ((array) $one['removed'] as $domain) {
					$changes[] = ['target' => $key, 'domain' => $domain, 'change' => $dry_run ? 'would remove' : 'removed', 'detail' => ''];
				}
				foreach ((array) $one['prune']['kept'] as $domain => $reason) {
					$changes[] = ['target' => $key, 'domain' => $domain, 'change' => 'kept', 'detail' => $reason];
				}
				foreach ((array) $one['failed'] as $domain => $message) {
					$changes[] = ['target' => $key, 'domain' => $domain, 'change' => 'failed', 'detail' => $message];
				}
			}
		}
		self::display($changes, $assoc, isset($result['targets']) ? ['target', 'domain', 'change', 'detail'] : ['domain', 'change', 'detail']);
		$why = Reconciler::prune_summary($result['prune']);
		if ($why !== '') {
			\WP_CLI::warning(ucfirst($why) . ($result['prune']['status'] === 'held'
				? ': ' . implode(', ', (array) $result['prune']['held']) . '. Review them, then: wp runcloud sync --prune --force'
				: '.'));
		}
		$summary = sprintf(
			'%s: %d added, %d removed, %d failed, %d unchanged, %d covered by a wildcard.',
			$dry_run ? 'Dry run' : 'Synced',
			count((array) $result['added']),
			count((array) $result['removed']),
			count((array) $result['failed']),
			is_array($result['unchanged'] ?? null) ? count($result['unchanged']) : (int) ($result['unchanged'] ?? 0),
			count((array) $result['skipped'])
		);
		if (!empty($result['failed'])) {
			\WP_CLI::error($summary);
		}
		if (($assoc['format'] ?? 'table') === 'table') {
			\WP_CLI::success($summary); // other formats are read by scripts: only the list
		}
	}

	/**
	 * Adds a domain to the RunCloud app now (and records it as added by this plugin).
	 *
	 * ## OPTIONS
	 *
	 * <domain>
	 * : The hostname.
	 */
	public function add(array $args = [], array $assoc = []): void {
		self::run_now('add', (string) ($args[0] ?? ''));
	}

	/**
	 * Removes a domain from the RunCloud app now, if this plugin added it and no site,
	 * mapping or pending add on any network still uses it (otherwise says why it is kept).
	 *
	 * ## OPTIONS
	 *
	 * <domain>
	 * : The hostname.
	 */
	public function remove(array $args = [], array $assoc = []): void {
		self::run_now('remove', (string) ($args[0] ?? ''));
	}

	/**
	 * Lists the network's domains with their state, as the Domains table of Settings -> RunCloud
	 * shows them.
	 *
	 * ## OPTIONS
	 *
	 * [--status=<status>]
	 * : A view (all, live, pending, waiting_dns, failing, not_ours) or a state (failing,
	 * queued, waiting_dns, cert_pending, live, wildcard, not_ours, missing).
	 * ---
	 * default: all
	 * ---
	 *
	 * [--search=<text>]
	 * : Only domains containing this text.
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
	 * : Fields: domain, target, status, label, note, stage, runcloud_id, ours, site_id,
	 * last_operation, http_status, error. Default: domain, status, runcloud_id, ours, site_id,
	 * note (with WU_RUNCLOUD_TARGETS: one row per domain and target, target after domain). The note
	 * says why: the failure, what DNS shows, what the certificate waits for; stage is where the
	 * domain is on its way to HTTPS.
	 *
	 * ## EXAMPLES
	 *     wp runcloud domains --status=failing
	 *     wp runcloud domains --format=count
	 */
	public function domains(array $args = [], array $assoc = []): void {
		$status = (string) ($assoc['status'] ?? 'all');
		$states = Domain_Status::states_of($status);
		if ($states === false) {
			\WP_CLI::error(sprintf('Unknown --status "%s": use a view (%s) or a state (%s).', $status, implode(', ', array_keys(Domain_Status::VIEWS)), implode(', ', Domain_Status::states())));
		}
		$rows = (static function () use ($states, $assoc) {
			foreach (Domain_Status::each($states, (string) ($assoc['search'] ?? '')) as $row) {
				yield [
					'domain'         => $row->domain,
					'target'         => $row->target,
					'status'         => $row->state,
					'label'          => $row->label,
					'note'           => $row->note,
					'stage'          => $row->stage,
					'runcloud_id'    => $row->runcloud_id ?? '',
					'ours'           => $row->managed ? 'yes' : 'no',
					'site_id'        => $row->site_id ?: '',
					'last_operation' => $row->op !== null ? $row->op . ' ' . $row->op_status : '',
					'http_status'    => $row->last_status ?: '',
					'error'          => $row->state === 'failing' ? $row->last_error : '',
				];
			}
		})();
		$default = Settings::uses_target_list() ? ['domain', 'target', 'status', 'runcloud_id', 'ours', 'site_id', 'note'] : ['domain', 'status', 'runcloud_id', 'ours', 'site_id', 'note'];
		self::display($rows, $assoc, $default, ['domain', 'target', 'status', 'label', 'note', 'stage', 'runcloud_id', 'ours', 'site_id', 'last_operation', 'http_status', 'error']);
	}

	/** Same path as the hooks: record, then run it at once and report the row's outcome. */
	private static function run_now(string $op, string $domain): void {
		if ($domain === '') {
			\WP_CLI::error("Usage: wp runcloud {$op} <domain>");
		}
		if (!Settings::extension_loaded()) {
			\WP_CLI::error(Settings::extension_missing_message());
		}
		// One row per target, each run and reported on its own.
		$ids    = Queue::enqueue_each($op, $domain, 0, 'cli');
		$named  = Settings::uses_target_list();
		$worst  = 'success';
		$lines  = [];
		$levels = ['success' => 0, 'warning' => 1, 'error' => 2];
		foreach ($ids as $key => $id) {
			[$level, $message] = self::run_one($op, $domain, $id);
			$lines[] = [$level, $named ? "target {$key}: {$message}" : $message];
			$worst   = $levels[$level] > $levels[$worst] ? $level : $worst;
		}
		foreach ($lines as $i => [$level, $message]) {
			if ($i === count($lines) - 1 && $worst === 'error') {
				\WP_CLI::error($message);
			}
			if ($level === 'success') {
				\WP_CLI::success($message);
			} else {
				\WP_CLI::warning($message);
			}
		}
		if ($worst === 'error') {
			\WP_CLI::error(sprintf('%s %s: not done on every target (see above).', $op, $domain));
		}
	}

	/** @return array{0:string, 1:string} level (success|warning|error) and what to say */
	private static function run_one(string $op, string $domain, ?int $id): array {
		if ($id === null) {
			return ['success', sprintf('%s %s: already done moments ago.', $op, $domain)];
		}
		$not_ready = Domain_Sync::not_ready();
		if ($not_ready !== null) {
			return ['error', sprintf('%s %s: recorded (#%d), not sent: %s', $op, $domain, $id, $not_ready->get_error_message())];
		}
		$outcome = Worker::run_now($id);
		$row     = Queue::get($id);
		if ($outcome === 'held') {
			$hold = Settings::held();
			return ['error', sprintf('%s %s: recorded (#%d), not sent: %s', $op, $domain, $id, $hold ? $hold['message'] : '')];
		}
		if ($outcome === 'busy' && $row && in_array($row->status, Queue::ACTIVE, true)) {
			// Not claimed here: another worker is on this domain right now (this row or one
			// before it); the queue runs it in order.
			return ['warning', sprintf('%s %s: %s (#%d): another worker is working on this domain; the queue runs it in order.', $op, $domain, $row->status, $id)];
		}
		if ($row && $row->status === 'skipped' && $op === 'remove') {
			return ['warning', sprintf('%s %s: %s', $op, $domain, $row->last_error)];
		}
		if ($row && in_array($row->status, ['done', 'skipped'], true)) {
			return ['success', sprintf('%s %s: %s%s', $op, $domain, $row->status, $row->last_error ? " ({$row->last_error})" : '')];
		}
		return ['error', $row ? self::describe($row) : sprintf('%s %s: #%d is gone', $op, $domain, $id)];
	}

	/** "#12 add shop.example.com: failed, attempts 1, HTTP 422: <the extension's words>" */
	public static function describe(object $op): string {
		// With several targets an operation is one target's: say which.
		$target = Settings::uses_target_list() ? sprintf(' (%d:%d)', $op->server_id ?? 0, $op->app_id ?? 0) : '';
		return sprintf('#%d %s %s%s: %s, attempts %d, HTTP %d: %s', $op->id, $op->op, $op->domain !== '' ? $op->domain : '-', $target, $op->status, $op->attempts, $op->last_status, $op->last_error);
	}

	/**
	 * Items through WP-CLI's formatter, with --format and --fields (default $fields). A field
	 * no item has is refused before anything is printed.
	 *
	 * @param iterable $items Arrays with the keys $all (an array, or a generator: read as printed).
	 */
	public static function display(iterable $items, array $assoc, array $fields, ?array $all = null): void {
		$all ??= $fields;
		if (isset($assoc['fields'])) {
			$unknown = array_diff(array_map('trim', explode(',', (string) $assoc['fields'])), $all);
			if ($unknown !== []) {
				\WP_CLI::error(sprintf('Unknown field(s) %s: the fields are %s.', implode(', ', $unknown), implode(', ', $all)));
			}
		}
		$formatter = new \WP_CLI\Formatter($assoc, $fields);
		$formatter->display_items($items);
	}
}
