<?php
/**
 * Converges RunCloud to WordPress with one wu_runcloud_sync call: adds what is missing,
 * and prunes only domains this plugin added itself (Domains::managed()) — never the app's
 * primary domain, never a domain added by hand in RunCloud. Used by the periodic
 * reconcile, "Sync now" (with a dry-run preview) and `wp runcloud sync`.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Reconciler {

	/** Network option with a summary of the last run (shown on the admin page). */
	public const LAST_SYNC_OPTION = 'wu_runcloud_last_sync';

	/** Every hostname WordPress serves besides the network's main domain. */
	public static function wanted_domains(): array {
		global $wpdb;
		$network = get_network();
		$main    = Queue::normalize((string) $network->domain);
		// Deactivated sites (deleted = 1) keep their hostname: deactivation is reversible and
		// fires no removal, so the reconcile must not remove (and later re-add) it either.
		$domains = (array) $wpdb->get_col($wpdb->prepare(
			"SELECT DISTINCT domain FROM {$wpdb->blogs} WHERE site_id = %d",
			(int) $network->id
		));
		// Asked for explicitly (wu_add_domain, CLI) and not removed since.
		$domains = array_merge($domains, Domains::requested());
		if (function_exists('wu_get_domains')) {
			// Ultimate Multisite's mapped domains.
			foreach ((array) wu_get_domains(['number' => 0]) as $mapping) {
				if (is_object($mapping) && method_exists($mapping, 'get_domain')) {
					$domains[] = (string) $mapping->get_domain();
				}
			}
		}
		/**
		 * Filters the hostnames that must exist on the RunCloud web application.
		 *
		 * @param string[] $domains
		 */
		$domains = (array) apply_filters('wu_runcloud_wanted_domains', $domains);
		$domains = array_unique(array_filter(array_map(static fn($d) => Queue::normalize((string) $d), $domains), static fn($d) => $d !== '' && $d !== $main));
		sort($domains);
		return $domains;
	}

	/**
	 * @param bool $dry_run Only report what would change.
	 * @param bool $prune   Remove domains we added that WordPress no longer has.
	 * @return array|\WP_Error The extension's result plus `skipped` (covered by a wildcard) and `pruned_candidates`.
	 */
	public static function run(bool $dry_run, bool $prune = true) {
		$not_ready = Domain_Sync::not_ready();
		if ($not_ready !== null) {
			return $not_ready;
		}
		$config  = Settings::config();
		$wanted  = [];
		$skipped = [];
		foreach (self::wanted_domains() as $domain) {
			if (Domain_Sync::wildcard_covering($domain, $config) !== null) {
				$skipped[] = $domain;
			} else {
				$wanted[] = $domain;
			}
		}
		$candidates = $prune ? array_values(array_diff(Domains::managed(), $wanted, $skipped, self::network_domains())) : [];

		try {
			$result = wu_runcloud_sync($config, $wanted, ['dry_run' => $dry_run, 'prune' => $candidates]);
		} catch (\Throwable $e) {
			$failure = Domain_Sync::describe($e);
			Log::operation('sync', '', 'failed', $failure['status'], $failure['message'], 'error');
			return new \WP_Error('wu_runcloud_' . $failure['outcome'], $failure['message'], ['status' => $failure['status']]);
		}

		$added   = array_values((array) ($result['added'] ?? []));
		$removed = array_values((array) ($result['removed'] ?? []));
		$failed  = (array) ($result['failed'] ?? []);

		if (!$dry_run) {
			$site_ids = self::site_ids($wanted);
			foreach ((array) ($result['ids'] ?? []) as $name => $id) {
				Domains::present((string) $name, (int) $id, $site_ids[$name] ?? 0, in_array($name, $added, true));
			}
			foreach ($removed as $name) {
				Domains::absent((string) $name);
			}
			foreach ($added as $name) {
				Log::operation('add', (string) $name, 'added', 0, 'by reconcile');
			}
			foreach ($removed as $name) {
				Log::operation('remove', (string) $name, 'removed', 0, 'pruned by reconcile (added by this plugin, no longer in WordPress)');
			}
			foreach ($failed as $name => $message) {
				Log::operation('sync', (string) $name, 'failed', 0, (string) $message, 'error');
			}
			if (!empty($result['ssl']['action'])) {
				Log::operation('redeploy_ssl', '', (string) $result['ssl']['action'], 0, (string) ($result['ssl']['message'] ?? ''));
			}
		}

		if (!$dry_run) {
			Queue::purge_finished((int) apply_filters('wu_runcloud_keep_finished_days', 30));
		}
		$result['skipped']           = $skipped;
		$result['pruned_candidates'] = $candidates;
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
		];
		update_network_option(null, self::LAST_SYNC_OPTION, $summary);
		Log::operation('sync', '', $dry_run ? 'preview' : 'done', 0, sprintf(
			'%d wanted, %d %s, %d %s, %d failed, %d unchanged, %d covered by a wildcard, %d requests',
			count($wanted),
			count($added), $dry_run ? 'to add' : 'added',
			count($removed), $dry_run ? 'to remove' : 'removed',
			count($failed), $summary['unchanged'], count($skipped), $summary['requests']
		));
		return $result;
	}

	/**
	 * The main domains of every network: never wanted (RunCloud serves them as the app's own)
	 * and never pruned, even when this plugin once added the name (a site's hostname later
	 * made the network's domain).
	 */
	private static function network_domains(): array {
		$domains = [Queue::normalize((string) get_network()->domain)];
		foreach (get_networks(['number' => 100]) as $network) {
			$domains[] = Queue::normalize((string) $network->domain);
		}
		return array_values(array_unique($domains));
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
				$out[Queue::normalize($row->domain)] = (int) $row->blog_id;
			}
		}
		return $out;
	}
}
