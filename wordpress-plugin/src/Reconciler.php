<?php
/**
 * Converges RunCloud to WordPress for the current network: one wu_runcloud_sync call adds
 * what is missing; pruning is guarded and goes through the queue like any other removal.
 * Used by the periodic reconcile (on each network's main site), "Sync now" (with a dry-run
 * preview) and `wp runcloud sync`.
 *
 * A prune candidate is a domain this plugin added to this network's target that the network
 * no longer wants. Before anything is removed:
 * - every source of the wanted list must have been read: a failed one aborts the prune,
 *   saying which (a list that silently came back empty would make every domain unwanted);
 * - the domain must have been missing from two reconciles in a row;
 * - one run removes at most max(5, 10 %) of the domains this network manages there; more
 *   than that removes none and raises a network-admin alert listing them, until an admin
 *   proceeds on purpose (`wp runcloud sync --prune --force`, or the alert's button);
 * - each removal is queued, so it takes the one-worker-per-domain claim and the ownership
 *   check (Ownership) when it runs: never a domain added by hand, the app's or a network's
 *   primary domain, or one a site, a mapping or a waiting add on any network still uses.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Reconciler {

	/** Network option with a summary of the last run (shown on the admin page). */
	public const LAST_SYNC_OPTION = 'wu_runcloud_last_sync';

	/** Network option: the prune a reconcile held back because it was too large. */
	public const PRUNE_HELD_OPTION = 'wu_runcloud_prune_held';

	/** Every hostname this network serves besides its main domain. */
	public static function wanted_domains(): array {
		return self::wanted()['domains'];
	}

	/**
	 * The hostnames this network wants on RunCloud, and which sources could not be read.
	 *
	 * @return array{domains: string[], errors: string[]}
	 */
	public static function wanted(): array {
		global $wpdb;
		$network = get_network();
		$main    = Domain_Name::normalize((string) $network->domain);
		$errors  = [];
		// Deactivated sites (deleted = 1) keep their hostname: deactivation is reversible and
		// fires no removal, so the reconcile must not remove (and later re-add) it either.
		$domains = (array) $wpdb->get_col($wpdb->prepare(
			"SELECT DISTINCT domain FROM {$wpdb->blogs} WHERE site_id = %d",
			(int) $network->id
		));
		if ($wpdb->last_error !== '') {
			/* translators: %s: the database error */
			$errors[] = sprintf(__('the list of sites could not be read (%s)', 'wu-runcloud'), Log::clean($wpdb->last_error));
		}
		// Asked for explicitly (wu_add_domain, CLI) and not removed since.
		// A request is for every target; one recorded on any of them is still wanted.
		foreach (Settings::targets() as $target) {
			try {
				$domains = array_merge($domains, Domains::requested((int) $network->id, $target));
			} catch (\RuntimeException $e) {
				$errors[] = Log::clean($e->getMessage());
			}
		}
		if (Ownership::ultimate_multisite_active()) {
			try {
				foreach (self::mapped_domains(['number' => 0]) as $mapping) {
					$domains[] = (string) $mapping->get_domain();
				}
			} catch (\RuntimeException $e) {
				$errors[] = Log::clean($e->getMessage());
			}
		}
		/**
		 * Filters the hostnames that must exist on the RunCloud web application.
		 *
		 * Must return an array: anything else is reported, the unfiltered list is used for
		 * adding, and nothing is pruned.
		 *
		 * @param string[] $domains
		 */
		$filtered = apply_filters('wu_runcloud_wanted_domains', $domains);
		if (is_array($filtered)) {
			$domains = $filtered;
		} else {
			/* translators: %s: a PHP type, e.g. null */
			$errors[] = sprintf(__('the wu_runcloud_wanted_domains filter returned %s instead of an array', 'wu-runcloud'), get_debug_type($filtered));
		}
		$domains = array_unique(array_filter(Domain_Name::normalize_all($domains), static fn($d) => $d !== '' && $d !== $main));
		sort($domains);
		return ['domains' => $domains, 'errors' => $errors];
	}

	/**
	 * Ultimate Multisite's domain mappings (objects with get_domain()).
	 *
	 * @param array $query For wu_get_domains(); the caller still filters what comes back.
	 * @throws \RuntimeException When Ultimate Multisite is loaded but the list cannot be read:
	 *                           an empty list would make every mapped domain look unwanted.
	 */
	public static function mapped_domains(array $query): array {
		global $wpdb;
		if (!function_exists('wu_get_domains')) {
			throw new \RuntimeException(__('Ultimate Multisite is active but its list of mapped domains (wu_get_domains) is not available', 'wu-runcloud'));
		}
		try {
			$wpdb->flush();
			$list = wu_get_domains($query);
		} catch (\Throwable $e) {
			/* translators: %s: the error */
			throw new \RuntimeException(sprintf(__('Ultimate Multisite\'s list of mapped domains could not be read (%s)', 'wu-runcloud'), Log::clean($e->getMessage())), 0, $e);
		}
		if (!is_array($list) || $wpdb->last_error !== '') {
			/* translators: %s: the error */
			throw new \RuntimeException(sprintf(
				/* translators: %s: the error */
				__('Ultimate Multisite\'s list of mapped domains could not be read (%s)', 'wu-runcloud'),
				is_array($list) ? Log::clean($wpdb->last_error) : 'wu_get_domains returned ' . get_debug_type($list)
			));
		}
		return array_values(array_filter($list, static fn($m) => is_object($m) && method_exists($m, 'get_domain')));
	}

	/**
	 * @param bool          $dry_run   Only report what would change.
	 * @param bool          $prune     Remove domains this network added that it no longer has.
	 * @param bool          $force     Proceed with a prune larger than the per-run limit.
	 * @param string[]|null $confirmed With $force: prune only these (the list an admin saw).
	 * @param callable|null $progress  Told of each step as it ends, with what it did, and of
	 *                                 steps to come: ($message, $more_steps) (`wp runcloud sync`
	 *                                 moves its progress bar).
	 * @return array|\WP_Error The extension's result, `removed` (what the prune removed, or would
	 *                         remove), `skipped` (covered by a wildcard), `pruned_candidates` and
	 *                         `prune` (status done|preview|aborted|held|off, reasons, held, kept,
	 *                         first_miss, limit).
	 */
	public static function run(bool $dry_run, bool $prune = true, bool $force = false, ?array $confirmed = null, ?callable $progress = null, ?array $only = null) {
		$not_ready = Domain_Sync::not_ready();
		if ($not_ready !== null) {
			return $not_ready;
		}
		$progress ??= static function (string $message, int $more = 0): void {};
		Domains::adopt_unscoped((array) Settings::target()); // not_ready() made sure one is usable
		$targets = $only !== null ? [$only] : Settings::targets();
		if (count($targets) === 1) {
			return self::run_target($targets[0], $dry_run, $prune, $force, $confirmed, $progress);
		}
		// Each target on its own: one that fails says so and the others still converge.
		$merged = ['added' => [], 'removed' => [], 'skipped' => [], 'failed' => [], 'unchanged' => 0, 'requests' => 0, 'pruned_candidates' => [], 'targets' => []];
		$report = null;
		foreach ($targets as $i => $target) {
			$key = Settings::target_key($target);
			if ($i > 0) {
				$progress('', 2);
			}
			$result = self::run_target($target, $dry_run, $prune, $force, $confirmed, static fn(string $message, int $more = 0) => $progress($message !== '' ? "{$key}: {$message}" : '', $more));
			if (is_wp_error($result)) {
				$merged['failed'][$key] = sprintf('target %1$s: %2$s', $key, $result->get_error_message());
				$merged['targets'][$key] = $result;
				continue;
			}
			$merged['targets'][$key] = $result;
			foreach (['added', 'removed', 'skipped', 'pruned_candidates'] as $list) {
				$merged[$list] = array_values(array_unique(array_merge($merged[$list], (array) $result[$list])));
			}
			foreach ((array) $result['failed'] as $domain => $message) {
				$merged['failed'][$domain] = sprintf('target %1$s: %2$s', $key, $message);
			}
			$merged['unchanged'] += is_array($result['unchanged'] ?? null) ? count($result['unchanged']) : (int) ($result['unchanged'] ?? 0);
			$merged['requests']  += (int) ($result['requests'] ?? 0);
			// The prune that did not go through speaks for all (held or aborted on any target).
			if ($report === null || ($report['status'] === 'done' && $result['prune']['status'] !== 'done')) {
				$kept   = ($report['kept'] ?? []) + (array) $result['prune']['kept'];
				$report = $result['prune'];
				$report['kept'] = $kept;
			} else {
				$report['kept'] += (array) $result['prune']['kept'];
			}
		}
		$merged['prune'] = $report ?? ['status' => 'aborted', 'removed' => [], 'candidates' => [], 'reasons' => array_values($merged['failed']), 'held' => [], 'kept' => [], 'first_miss' => [], 'limit' => 0];
		// The page's "last sync" speaks for every target, not the last one run.
		$last = get_network_option(null, self::LAST_SYNC_OPTION, []);
		update_network_option(null, self::LAST_SYNC_OPTION, [
			'added'     => array_slice($merged['added'], 0, 100),
			'removed'   => array_slice($merged['removed'], 0, 100),
			'failed'    => array_slice($merged['failed'], 0, 100, true),
			'unchanged' => $merged['unchanged'],
			'skipped'   => count($merged['skipped']),
			'requests'  => $merged['requests'],
			'prune'     => $merged['prune']['status'],
			'prune_why' => self::prune_summary($merged['prune']),
		] + (is_array($last) ? $last : []));
		return $merged;
	}

	/** One reconcile of one target: its adds through wu_runcloud_sync, its guarded prune. */
	private static function run_target(array $target, bool $dry_run, bool $prune, bool $force, ?array $confirmed, callable $progress) {
		$network = get_current_network_id();
		$config  = Settings::config($target);
		$wanted_info = self::wanted();
		/* translators: %d: number of hostnames */
		$progress(sprintf(__('%d hostnames wanted', 'wu-runcloud'), count($wanted_info['domains'])));
		$wanted  = [];
		$skipped = [];
		// Domains waiting for their DNS are added by their own queued add once it points here:
		// the reconcile must not add them behind the gate's back.
		$gated = Dns_Gate::enabled()
			? Domain_State::in_stages([Domain_State::WAITING_DNS, Domain_State::DNS_GAVE_UP], $target, PHP_INT_MAX)
			: [];
		foreach ($wanted_info['domains'] as $domain) {
			if (isset($gated[$domain])) {
				continue;
			}
			if (Domain_Sync::wildcard_covering($domain, $config, $target) !== null) {
				$skipped[] = $domain;
			} else {
				$wanted[] = $domain;
			}
		}

		try {
			// Adds only: removals are queued below, one by one, through the same checks as
			// every other removal.
			// Certificates are ordered only by the background worker (a reconcile can run in an
			// admin request: "Sync now"), once, after the adds: see the redeploy queued below.
			$result = wu_runcloud_sync($config, $wanted, ['dry_run' => $dry_run, 'prune' => [], 'redeploy_ssl' => false]);
			Settings::release_hold();
		} catch (\Throwable $e) {
			$failure = Failure::of($e);
			if ($failure['outcome'] === 'config') {
				Worker::hold_queue($failure['message']);
			}
			Log::operation('sync', '', 'failed', $failure['status'], $failure['message'], 'error');
			return new \WP_Error('wu_runcloud_' . $failure['outcome'], $failure['message'], ['status' => $failure['status']]);
		}

		$added  = array_values((array) ($result['added'] ?? []));
		$failed = (array) ($result['failed'] ?? []);
		$progress(__('RunCloud synced', 'wu-runcloud'));

		if (!$dry_run) {
			$site_ids = self::site_ids($wanted);
			foreach ((array) ($result['ids'] ?? []) as $name => $id) {
				Domains::present($network, $target, (string) $name, (int) $id, $site_ids[$name] ?? 0, in_array($name, $added, true));
			}
			foreach ($added as $name) {
				Log::operation('add', (string) $name, 'added', 0, 'by reconcile');
				Domain_State::set($target, (string) $name, Domain_State::IN_RUNCLOUD);
			}
			if ($added !== []) {
				Queue::enqueue('redeploy_ssl', '', 0, 'reconcile', Domain_Sync::ssl_delay(), ['network_id' => $network, 'target' => $target]);
			}
			foreach ($failed as $name => $message) {
				Log::operation('sync', (string) $name, 'failed', 0, (string) $message, 'error');
			}

		}

		$report = $prune
			? self::prune($network, $target, array_merge($wanted, $skipped), $wanted_info['errors'], $dry_run, $force, $confirmed, $progress)
			: ['status' => 'off', 'removed' => [], 'candidates' => [], 'reasons' => $wanted_info['errors'], 'held' => [], 'kept' => [], 'first_miss' => [], 'limit' => 0];
		$removed = $report['removed'];

		if (!$dry_run) {
			Queue::purge_finished((int) apply_filters('wu_runcloud_keep_finished_days', 30));
		}
		$result['removed']           = $removed;
		$result['skipped']           = $skipped;
		$result['pruned_candidates'] = $report['candidates'];
		$result['prune']             = $report;
		$summary = [
			'time'      => time(),
			'dry_run'   => $dry_run,
			'wanted'    => count($wanted),
			'added'     => array_slice($added, 0, 100),
			'removed'   => array_slice($removed, 0, 100),
			'failed'    => array_slice($failed, 0, 100, true),
			'unchanged' => is_array($result['unchanged'] ?? null) ? count($result['unchanged']) : (int) ($result['unchanged'] ?? 0),
			'skipped'   => count($skipped),
			'requests'  => (int) ($result['requests'] ?? 0),
			'prune'     => $report['status'],
			'prune_why' => self::prune_summary($report),
		];
		update_network_option(null, self::LAST_SYNC_OPTION, $summary);
		Log::operation('sync', '', $dry_run ? 'preview' : 'done', 0, sprintf(
			'%d wanted, %d %s, %d %s, %d failed, %d unchanged, %d covered by a wildcard, %d requests%s',
			count($wanted),
			count($added), $dry_run ? 'to add' : 'added',
			count($removed), $dry_run ? 'to remove' : 'removed',
			count($failed), $summary['unchanged'], count($skipped), $summary['requests'],
			$summary['prune_why'] !== '' ? '; ' . $summary['prune_why'] : ''
		));
		return $result;
	}

	/**
	 * Decide, and unless $dry_run carry out, the prune of one reconcile.
	 *
	 * @param string[] $wanted Everything the network wants (wildcard-covered names included).
	 * @param string[] $errors Sources of the wanted list that could not be read.
	 */
	private static function prune(int $network, array $target, array $wanted, array $errors, bool $dry_run, bool $force, ?array $confirmed, callable $progress): array {
		$report = ['status' => 'done', 'removed' => [], 'candidates' => [], 'reasons' => [], 'held' => [], 'kept' => [], 'first_miss' => [], 'limit' => 0];
		if ($errors !== []) {
			$report['status']  = 'aborted';
			$report['reasons'] = $errors;
			if (!$dry_run) {
				Log::operation('sync', '', 'prune aborted', 0, sprintf('nothing removed: %s', implode('; ', $errors)), 'warning');
			}
			return $report;
		}

		$managed = Domains::managed($network, $target);
		// Never a network's main domain, even when this plugin once added the name (a site's
		// hostname later made the network's domain).
		$missing = array_values(array_diff($managed, $wanted, array_keys(Hostnames::network_domains())));
		$report['limit'] = max(5, intdiv(count($managed), 10));
		$eligible = $dry_run
			? Domains::missed_at_least($network, $target, $missing, 1)
			: Domains::note_misses($network, $target, $missing);
		$report['first_miss'] = array_values(array_diff($missing, $eligible));

		try {
			$report['kept'] = Ownership::reasons_to_keep($eligible, $network, $target);
		} catch (\RuntimeException $e) {
			$report['status']  = 'aborted';
			$report['reasons'] = [Log::clean($e->getMessage())];
			if (!$dry_run) {
				Log::operation('sync', '', 'prune aborted', 0, sprintf('nothing removed: %s', $report['reasons'][0]), 'warning');
			}
			return $report;
		}
		$eligible = array_values(array_diff($eligible, array_keys($report['kept'])));
		sort($eligible);
		if ($force && $confirmed !== null) {
			$eligible = array_values(array_intersect($eligible, Domain_Name::normalize_all($confirmed)));
		}
		$report['candidates'] = $eligible;

		if (count($eligible) > $report['limit'] && !$force) {
			$report['status'] = 'held';
			$report['held']   = $eligible;
			if (!$dry_run) {
				update_network_option(null, self::PRUNE_HELD_OPTION, [
					'time'    => time(),
					'count'   => count($eligible),
					'limit'   => $report['limit'],
					'managed' => count($managed),
					'domains' => $eligible,
				]);
				Log::operation('sync', '', 'prune held', 0, sprintf(
					'nothing removed: %d domains would be removed, more than the limit of %d per run; proceed with wp runcloud sync --prune --force or the button on Settings -> RunCloud',
					count($eligible), $report['limit']
				), 'warning');
			}
			return $report;
		}

		if ($dry_run) {
			$report['status']  = 'preview';
			$report['removed'] = $eligible;
			return $report;
		}
		delete_network_option(null, self::PRUNE_HELD_OPTION);

		$ids = [];
		foreach ($eligible as $domain) {
			// Never supersedes a request: a remove of the reconcile is the weakest intent.
			$id = Queue::enqueue('remove', $domain, 0, 'reconcile', 0, ['network_id' => $network, 'supersede' => false, 'target' => $target]);
			if ($id !== null) {
				$ids[$domain] = $id;
			}
		}
		if ($ids !== []) {
			$progress('', count($ids));
			$ours = array_flip($ids);
			Worker::process_due(null, null, static function (int $id) use ($ours, $progress): void {
				if (isset($ours[$id])) {
					$progress(__('removal run', 'wu-runcloud'));
				}
			});
		}
		foreach ($ids as $domain => $id) {
			$row = Queue::get($id);
			if ($row && $row->status === 'done' && (string) $row->last_error === '') {
				$report['removed'][] = $domain;
			} elseif ($row && $row->status === 'skipped') {
				$report['kept'][$domain] = (string) $row->last_error;
			}
		}
		return $report;
	}

	/** Identifies a held list, so a button proceeds only with the list its page showed. */
	public static function held_fingerprint(array $domains): string {
		return md5(implode("\n", $domains));
	}

	/** One line on why the prune did not (fully) happen, '' when it did. */
	public static function prune_summary(array $report): string {
		switch ($report['status']) {
			case 'aborted':
				/* translators: %s: the sources that failed */
				return sprintf(__('prune aborted, nothing removed: %s', 'wu-runcloud'), implode('; ', $report['reasons']));
			case 'held':
				/* translators: 1: number of domains, 2: the limit */
				return sprintf(__('prune held, nothing removed: %1$d domains would be removed, more than the limit of %2$d per run', 'wu-runcloud'), count($report['held']), $report['limit']);
			default:
				return '';
		}
	}

	/** @return array<string, int> hostname => blog id */
	private static function site_ids(array $domains): array {
		global $wpdb;
		if ($domains === []) {
			return [];
		}
		$out = [];
		foreach (array_chunk($domains, 500) as $chunk) {
			$in   = implode(',', array_fill(0, count($chunk), '%s'));
			$rows = (array) $wpdb->get_results($wpdb->prepare("SELECT domain, MIN(blog_id) AS blog_id FROM {$wpdb->blogs} WHERE domain IN ({$in}) GROUP BY domain", ...$chunk));
			foreach ($rows as $row) {
				$out[Domain_Name::normalize($row->domain)] = (int) $row->blog_id;
			}
		}
		return $out;
	}
}
