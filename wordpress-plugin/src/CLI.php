<?php
/**
 * `wp runcloud status|test|sync [--dry-run] [--prune [--force]]|add <domain>|remove <domain>`.
 *
 * Registered with WP-CLI when it is present; usable without it (tests pass an output
 * object with line()/success()/warning()/error() methods).
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

class CLI {

	/** @var object|null Output sink; WP_CLI's static methods when null. */
	private $out;

	public function __construct($out = null) {
		$this->out = $out;
	}

	/**
	 * Shows configuration, the queue and operations needing attention.
	 *
	 * ## EXAMPLES
	 *     wp runcloud status
	 */
	public function status(array $args = [], array $assoc = []): void {
		$this->say('line', sprintf('Extension: %s', Settings::extension_loaded() ? 'loaded (' . (function_exists('wu_runcloud_version') ? wu_runcloud_version() : '?') . ')' : 'MISSING'));
		$this->say('line', sprintf('Enabled: %s', Settings::is_enabled() ? 'yes' : 'no'));
		$this->say('line', sprintf('Ultimate Multisite: %s', Settings::ultimate_multisite_mode()));
		$this->say('line', sprintf('Credentials: %s%s', Settings::credential_mode(), Settings::is_configured() ? '' : ' (missing: ' . implode(', ', Settings::missing_constants()) . ')'));
		$this->say('line', sprintf('Server / app: %s / %s', Settings::server_id(), Settings::app_id()));
		$counts = Queue::counts();
		ksort($counts);
		$this->say('line', 'Operations: ' . ($counts ? implode(', ', array_map(static fn($k, $v) => "{$k}={$v}", array_keys($counts), $counts)) : 'none'));
		$this->say('line', sprintf('Tracked domains in RunCloud: %d', Domains::count()));
		$target = Settings::target();
		if ($target !== null) {
			$order = array_keys(Domain_State::labels());
			$all   = Domain_State::in_stages($order, $target, (int) apply_filters('wu_runcloud_cli_status_domains', 500));
			uasort($all, static fn($a, $b) => [array_search($a['stage'], $order, true), $a['domain']] <=> [array_search($b['stage'], $order, true), $b['domain']]);
			foreach ($all as $state) {
				$failing = in_array($state['stage'], [Domain_State::DNS_GAVE_UP, Domain_State::CERT_FAILED, Domain_State::HTTPS_FAILED, Domain_State::DNS_MOVED], true);
				$this->say($failing ? 'warning' : 'line', sprintf('%s: %s', $state['domain'], Domain_State::describe($state)));
			}
		}
		$hold = Settings::held();
		if ($hold !== null) {
			$this->say('warning', $hold['message']);
		}
		$held = get_network_option(null, Reconciler::PRUNE_HELD_OPTION, null);
		if (is_array($held) && !empty($held['domains'])) {
			$this->say('warning', sprintf('Prune held: %d domains would be removed, more than the limit of %d per run: %s. Review them, then: wp runcloud sync --prune --force', (int) $held['count'], (int) $held['limit'], implode(', ', (array) $held['domains'])));
		}
		foreach (Queue::problems(50) as $op) {
			$this->say('warning', sprintf('#%d %s %s: %s, attempts %d, HTTP %d: %s', $op->id, $op->op, $op->domain ?: '-', $op->status, $op->attempts, $op->last_status, $op->last_error));
		}
	}

	/**
	 * Tests the connection to RunCloud with the configured credentials.
	 */
	public function test(array $args = [], array $assoc = []): void {
		$result = Domain_Sync::test_connection();
		if (is_wp_error($result)) {
			$this->say('error', $result->get_error_message());
			return;
		}
		$this->say('success', Network_Admin::test_message($result));
	}

	/**
	 * Converges RunCloud to WordPress.
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
	 */
	public function sync(array $args = [], array $assoc = []): void {
		$dry_run = !empty($assoc['dry-run']);
		$prune   = !empty($assoc['prune']);
		if (!empty($assoc['force']) && !$prune) {
			$this->say('error', '--force only applies to --prune.');
			return;
		}
		delete_site_transient(Domain_Sync::WILDCARD_CACHE); // an explicit sync looks afresh
		$result  = Reconciler::run($dry_run, $prune, !empty($assoc['force']));
		if (is_wp_error($result)) {
			$this->say('error', $result->get_error_message());
			return;
		}
		foreach ((array) $result['added'] as $domain) {
			$this->say('line', ($dry_run ? 'would add ' : 'added ') . $domain);
		}
		foreach ((array) $result['removed'] as $domain) {
			$this->say('line', ($dry_run ? 'would remove ' : 'removed ') . $domain);
		}
		foreach ((array) $result['prune']['kept'] as $domain => $reason) {
			$this->say('line', "{$domain}: {$reason}");
		}
		$why = Reconciler::prune_summary($result['prune']);
		if ($why !== '') {
			$this->say('warning', ucfirst($why) . ($result['prune']['status'] === 'held'
				? ': ' . implode(', ', (array) $result['prune']['held']) . '. Review them, then: wp runcloud sync --prune --force'
				: '.'));
		}
		foreach ((array) $result['failed'] as $domain => $message) {
			$this->say('warning', "failed {$domain}: {$message}");
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
		$this->say(empty($result['failed']) ? 'success' : 'warning', $summary);
	}

	/**
	 * Adds a domain to the RunCloud app now (and records it as added by this plugin).
	 *
	 * <domain>
	 * : The hostname.
	 */
	public function add(array $args = [], array $assoc = []): void {
		$this->run_now('add', (string) ($args[0] ?? ''));
	}

	/**
	 * Removes a domain from the RunCloud app now, if this plugin added it and no site,
	 * mapping or pending add on any network still uses it (otherwise says why it is kept).
	 *
	 * <domain>
	 * : The hostname.
	 */
	public function remove(array $args = [], array $assoc = []): void {
		$this->run_now('remove', (string) ($args[0] ?? ''));
	}

	/** Same path as the hooks: record, then run it at once and report the row's outcome. */
	private function run_now(string $op, string $domain): void {
		if ($domain === '') {
			$this->say('error', "Usage: wp runcloud {$op} <domain>");
			return;
		}
		if (!Settings::extension_loaded()) {
			$this->say('error', Settings::extension_missing_message());
			return;
		}
		$id = Queue::enqueue($op, $domain, 0, 'cli');
		if ($id === null) {
			$this->say('success', sprintf('%s %s: already done moments ago.', $op, $domain));
			return;
		}
		$not_ready = Domain_Sync::not_ready();
		if ($not_ready !== null) {
			$this->say('error', sprintf('%s %s: recorded (#%d), not sent: %s', $op, $domain, $id, $not_ready->get_error_message()));
			return;
		}
		$outcome = Worker::run_now($id);
		$row     = Queue::get($id);
		if ($outcome === 'held') {
			$hold = Settings::held();
			$this->say('error', sprintf('%s %s: recorded (#%d), not sent: %s', $op, $domain, $id, $hold ? $hold['message'] : ''));
			return;
		}
		if ($row && in_array($row->status, Queue::ACTIVE, true)) {
			// Not claimed here: another worker is on this domain right now (this row or one
			// before it); the queue runs it in order.
			$this->say('warning', sprintf('%s %s: %s (#%d): another worker is working on this domain; the queue runs it in order.', $op, $domain, $row->status, $id));
			return;
		}
		if ($row && $row->status === 'skipped' && $op === 'remove') {
			$this->say('warning', sprintf('%s %s: %s', $op, $domain, $row->last_error));
			return;
		}
		if ($row && in_array($row->status, ['done', 'skipped'], true)) {
			$this->say('success', sprintf('%s %s: %s%s', $op, $domain, $row->status, $row->last_error ? " ({$row->last_error})" : ''));
			return;
		}
		$this->say('error', sprintf('%s %s: %s (HTTP %d): %s', $op, $domain, $row ? $row->status : 'unknown', $row ? (int) $row->last_status : 0, $row ? $row->last_error : ''));
	}

	private function say(string $level, string $message): void {
		if ($this->out !== null) {
			$this->out->{$level}($message);
			return;
		}
		\WP_CLI::$level($message);
	}
}
