<?php
/**
 * The one decision every removal goes through, whatever asked for it (Ultimate Multisite,
 * WordPress core hooks, WP-CLI, "Retry now", the reconcile's prune): a domain may be deleted
 * from RunCloud only when this plugin added it to that server and app, and nothing on any
 * network of this install still wants it.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Ownership {

	/**
	 * Why each of these domains must stay in RunCloud although a request to remove it came
	 * from $network_id. A domain with no reason may be deleted.
	 *
	 * @param string[] $domains Normalised names.
	 * @return array<string, string> domain => reason, worded "kept: ..."
	 * @throws \RuntimeException When a source cannot be read: then nobody can say the domain
	 *                           is unused, and nothing may be deleted.
	 */
	public static function reasons_to_keep(array $domains, int $network_id, array $target): array {
		$domains = array_values(array_unique(array_filter($domains, 'strlen')));
		if ($domains === []) {
			return [];
		}
		$keep = [];
		foreach (array_intersect_key(Hostnames::network_domains(), array_flip($domains)) as $main => $network_id) {
			/* translators: %d: network id */
			$keep[$main] = sprintf(__('kept: the main domain of network %d', 'wu-runcloud'), $network_id);
		}

		$ours = Domains::added_by_us($domains, $target);
		foreach ($domains as $domain) {
			if (!isset($ours[$domain])) {
				$keep[$domain] ??= __('kept: not added by this plugin', 'wu-runcloud');
			}
		}

		$open = array_values(array_diff($domains, array_keys($keep)));
		foreach (self::sites_using($open) as $domain => $blog_id) {
			/* translators: %d: site (blog) id */
			$keep[$domain] ??= sprintf(__('kept: still used by site %d', 'wu-runcloud'), $blog_id);
		}
		$open = array_values(array_diff($open, array_keys($keep)));
		foreach (self::mappings_of($open) as $domain => $blog_id) {
			/* translators: %d: site (blog) id */
			$keep[$domain] ??= $blog_id > 0
				? sprintf(__('kept: still used by site %d (domain mapping)', 'wu-runcloud'), $blog_id)
				: __('kept: still mapped in Ultimate Multisite', 'wu-runcloud');
		}
		$open = array_values(array_diff($open, array_keys($keep)));
		foreach (Queue::waiting_adds($open) as $domain => $add) {
			/* translators: 1: operation id, 2: network id */
			$keep[$domain] ??= sprintf(__('kept: operation #%1$d (network %2$d) is about to add it', 'wu-runcloud'), (int) $add->id, (int) $add->network_id);
		}
		$open = array_values(array_diff($open, array_keys($keep)));
		foreach (Domains::requested_elsewhere($open, $target, $network_id) as $domain => $other) {
			/* translators: %d: network id */
			$keep[$domain] ??= sprintf(__('kept: still requested on network %d', 'wu-runcloud'), $other);
		}
		return $keep;
	}

	/**
	 * Sites of any network (deactivated ones too: that is reversible) whose hostname is one
	 * of these domains.
	 *
	 * @return array<string, int> domain => blog id
	 */
	private static function sites_using(array $domains): array {
		global $wpdb;
		$out = [];
		// A site may hold the Unicode spelling of an internationalised name.
		$spellings = [];
		foreach ($domains as $domain) {
			$spellings += Domain_Name::spellings($domain);
		}
		$rows = Schema::select_in("SELECT domain, MIN(blog_id) AS blog_id FROM {$wpdb->blogs} WHERE domain IN ({in}) GROUP BY domain", [], array_keys($spellings), 'the sites');
		foreach ($rows as $row) {
			$name = $spellings[strtolower((string) $row->domain)] ?? Domain_Name::normalize((string) $row->domain);
			$out[$name] ??= (int) $row->blog_id;
		}
		return $out;
	}

	/**
	 * Ultimate Multisite's mappings of these domains, on any site.
	 *
	 * @return array<string, int> domain => blog id (0 when the mapping does not say)
	 */
	private static function mappings_of(array $domains): array {
		if ($domains === [] || !self::ultimate_multisite_active()) {
			return [];
		}
		$wanted = array_flip($domains);
		$out    = [];
		foreach (Reconciler::mapped_domains(['domain__in' => $domains, 'number' => 0]) as $mapping) {
			$name = Domain_Name::normalize((string) $mapping->get_domain());
			if (isset($wanted[$name])) {
				$out[$name] ??= method_exists($mapping, 'get_site_id') ? (int) $mapping->get_site_id() : 0;
			}
		}
		return $out;
	}

	/** Ultimate Multisite is loaded, so its mappings must be read (and must be readable). */
	public static function ultimate_multisite_active(): bool {
		return Settings::ultimate_multisite_mode() !== 'none' || function_exists('wu_get_domains');
	}
}
