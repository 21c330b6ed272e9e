<?php
/**
 * What we know about each domain on the RunCloud side: its RunCloud id (so removal needs no
 * lookup), whether this plugin added it (only those may ever be removed), whether it was
 * there at the last look, and how many reconciles in a row found it unwanted.
 *
 * Table {base_prefix}wu_runcloud_domains, one row per network, target (server, app) and
 * domain: networks of one install share the table but never each other's rows, and rows
 * recorded for another app are never read as this app's.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domains {

	public static function table(): string {
		return Schema::table(Schema::DOMAINS);
	}

	/**
	 * The row of a network (default: the current one) for the configured target.
	 */
	public static function get(string $domain, ?int $network_id = null, ?array $target = null): ?object {
		global $wpdb;
		$target = $target ?? Settings::target();
		if ($target === null) {
			return null;
		}
		$table = self::table();
		return $wpdb->get_row($wpdb->prepare(
			"SELECT * FROM {$table} WHERE network_id = %d AND server_id = %d AND app_id = %d AND domain = %s",
			$network_id ?? get_current_network_id(), $target[0], $target[1], Domain_Name::normalize($domain)
		)) ?: null;
	}

	/**
	 * Record a domain present in RunCloud for a network. $added_by_us and $requested only
	 * ever turn their flag on: a domain found already there keeps whatever we knew before.
	 *
	 * @param bool $requested Asked for explicitly (wu_add_domain, CLI) rather than derived
	 *                        from a site's hostname: a reconcile keeps it even though no
	 *                        site has that hostname.
	 */
	public static function present(int $network_id, array $target, string $domain, ?int $runcloud_id, int $site_id, bool $added_by_us, bool $requested = false): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"INSERT INTO {$table} (network_id, server_id, app_id, domain, runcloud_id, site_id, managed, requested, in_runcloud, missed, updated_at) VALUES (%d, %d, %d, %s, %d, %d, %d, %d, 1, 0, %d)
			 ON DUPLICATE KEY UPDATE runcloud_id = IF(VALUES(runcloud_id) > 0, VALUES(runcloud_id), runcloud_id), site_id = IF(VALUES(site_id) > 0, VALUES(site_id), site_id),
			 managed = GREATEST(managed, VALUES(managed)), requested = GREATEST(requested, VALUES(requested)), in_runcloud = 1, missed = 0, updated_at = VALUES(updated_at)",
			$network_id, $target[0], $target[1], Domain_Name::normalize($domain), (int) $runcloud_id, $site_id, $added_by_us ? 1 : 0, $requested ? 1 : 0, time()
		));
	}

	/**
	 * A re-check found the domain in RunCloud with this id. A different id than the one we
	 * recorded is another domain object (ours was deleted and the name added again, by hand or
	 * by someone else): it is nobody's here until this plugin adds it, so it is no longer ours
	 * to remove.
	 */
	public static function observed(int $network_id, array $target, string $domain, int $runcloud_id): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET managed = 0 WHERE server_id = %d AND app_id = %d AND domain = %s AND runcloud_id > 0 AND runcloud_id <> %d",
			$target[0], $target[1], Domain_Name::normalize($domain), $runcloud_id
		));
		self::present($network_id, $target, $domain, $runcloud_id, 0, false);
	}

	/**
	 * A re-check did not find the domain in RunCloud: every network's row says so and forgets
	 * the id and that we added it (whoever adds the name again owns that one), but keeps that a
	 * network asked for it, so the next reconcile adds it back.
	 */
	public static function missing(array $target, string $domain): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"UPDATE {$table} SET in_runcloud = 0, managed = 0, runcloud_id = NULL, missed = 0, updated_at = %d WHERE server_id = %d AND app_id = %d AND domain = %s",
			time(), $target[0], $target[1], Domain_Name::normalize($domain)
		));
	}

	/** Domains a network asked for explicitly on this target and has not removed since. */
	public static function requested(int $network_id, array $target): array {
		global $wpdb;
		$table = self::table();
		$names = $wpdb->get_col($wpdb->prepare(
			"SELECT domain FROM {$table} WHERE network_id = %d AND server_id = %d AND app_id = %d AND requested = 1",
			$network_id, $target[0], $target[1]
		));
		if ($wpdb->last_error !== '') {
			throw new \RuntimeException(sprintf('the domains requested through wu_add_domain or WP-CLI could not be read: %s', $wpdb->last_error));
		}
		return array_map('strval', (array) $names);
	}

	/** The network no longer asks for this domain (its remove ran, whatever RunCloud kept). */
	public static function unrequest(int $network_id, array $target, string $domain): void {
		global $wpdb;
		$wpdb->update(
			self::table(),
			['requested' => 0, 'updated_at' => time()],
			['network_id' => $network_id, 'server_id' => $target[0], 'app_id' => $target[1], 'domain' => Domain_Name::normalize($domain)],
			['%d', '%d'],
			['%d', '%d', '%d', '%s']
		);
	}

	/** The domain is gone from this target (removed by us, or found missing): every network's row goes. */
	public static function absent(array $target, string $domain): void {
		global $wpdb;
		$wpdb->delete(self::table(), ['server_id' => $target[0], 'app_id' => $target[1], 'domain' => Domain_Name::normalize($domain)], ['%d', '%d', '%s']);
	}

	public static function absent_id(array $target, int $runcloud_id): void {
		global $wpdb;
		$wpdb->delete(self::table(), ['server_id' => $target[0], 'app_id' => $target[1], 'runcloud_id' => $runcloud_id], ['%d', '%d', '%d']);
	}

	/** RunCloud's id of the domain on this target, as any network recorded it. */
	public static function runcloud_id(string $domain, ?array $target = null): ?int {
		global $wpdb;
		$target = $target ?? Settings::target();
		if ($target === null) {
			return null;
		}
		$table = self::table();
		$id    = (int) $wpdb->get_var($wpdb->prepare(
			"SELECT MAX(runcloud_id) FROM {$table} WHERE server_id = %d AND app_id = %d AND domain = %s",
			$target[0], $target[1], Domain_Name::normalize($domain)
		));
		return $id > 0 ? $id : null;
	}

	/**
	 * Domains this plugin added to this target for a network (default: the current one):
	 * the only ones its reconcile may consider pruning.
	 */
	public static function managed(?int $network_id = null, ?array $target = null): array {
		global $wpdb;
		$target = $target ?? Settings::target();
		if ($target === null) {
			return [];
		}
		$table = self::table();
		return array_map('strval', (array) $wpdb->get_col($wpdb->prepare(
			"SELECT domain FROM {$table} WHERE network_id = %d AND server_id = %d AND app_id = %d AND managed = 1",
			$network_id ?? get_current_network_id(), $target[0], $target[1]
		)));
	}

	/**
	 * Of these domains, those this plugin added to the target, on any network.
	 *
	 * @return array<string, true>
	 */
	public static function added_by_us(array $domains, array $target): array {
		return self::flagged($domains, $target, 'managed = 1', 'which domains this plugin added');
	}

	/**
	 * Of these domains, those a network other than $network_id still asks for.
	 *
	 * @return array<string, int> domain => that network's id
	 */
	public static function requested_elsewhere(array $domains, array $target, int $network_id): array {
		global $wpdb;
		return self::flagged($domains, $target, $wpdb->prepare('requested = 1 AND network_id <> %d', $network_id), 'which domains other networks asked for', 'network_id');
	}

	/** @return array<string, mixed> domain => true or the $column of its first matching row */
	private static function flagged(array $domains, array $target, string $condition, string $what, string $column = ''): array {
		$table = self::table();
		$out   = [];
		$rows  = Schema::select_in(
			"SELECT domain, network_id FROM {$table} WHERE server_id = %d AND app_id = %d AND domain IN ({in}) AND {$condition}",
			[$target[0], $target[1]],
			$domains,
			$what
		);
		foreach ($rows as $row) {
			$out[$row->domain] ??= $column === '' ? true : (int) $row->{$column};
		}
		return $out;
	}

	/**
	 * One reconcile's observation: $missing (managed, no longer wanted) count one more miss
	 * in a row, every other managed domain starts again from zero.
	 *
	 * @return string[] The missing domains now missed by two reconciles in a row or more.
	 */
	public static function note_misses(int $network_id, array $target, array $missing): array {
		global $wpdb;
		$table = self::table();
		$scope = $wpdb->prepare('network_id = %d AND server_id = %d AND app_id = %d AND managed = 1', $network_id, $target[0], $target[1]);
		if ($missing === []) {
			$wpdb->query("UPDATE {$table} SET missed = 0 WHERE {$scope} AND missed > 0");
			return [];
		}
		$in = implode(',', array_fill(0, count($missing), '%s'));
		$wpdb->query($wpdb->prepare("UPDATE {$table} SET missed = 0 WHERE {$scope} AND missed > 0 AND domain NOT IN ({$in})", ...$missing));
		$wpdb->query($wpdb->prepare("UPDATE {$table} SET missed = LEAST(missed + 1, 250) WHERE {$scope} AND domain IN ({$in})", ...$missing));
		return self::missed_at_least($network_id, $target, $missing, 2);
	}

	/** Of $domains, those already missed by at least $times reconciles in a row. */
	public static function missed_at_least(int $network_id, array $target, array $domains, int $times): array {
		global $wpdb;
		if ($domains === []) {
			return [];
		}
		$table = self::table();
		$in    = implode(',', array_fill(0, count($domains), '%s'));
		return array_map('strval', (array) $wpdb->get_col($wpdb->prepare(
			"SELECT domain FROM {$table} WHERE network_id = %d AND server_id = %d AND app_id = %d AND managed = 1 AND missed >= %d AND domain IN ({$in})",
			$network_id, $target[0], $target[1], $times, ...$domains
		)));
	}

	/**
	 * Rows carried over from before domains were scoped by server and app (schema 4) belong
	 * to the target configured when a worker first runs after the upgrade.
	 */
	public static function adopt_unscoped(array $target): void {
		global $wpdb;
		$table = self::table();
		// IGNORE: a row this target already has for that network and domain is the newer one.
		$wpdb->query($wpdb->prepare("UPDATE IGNORE {$table} SET server_id = %d, app_id = %d WHERE server_id = 0 AND app_id = 0", $target[0], $target[1]));
	}

	/** @return array<string, object> domain => this network's row on the configured target */
	public static function for_domains(array $domains): array {
		global $wpdb;
		$target = Settings::target();
		if ($domains === [] || $target === null) {
			return [];
		}
		$table = self::table();
		$in    = implode(',', array_fill(0, count($domains), '%s'));
		$out   = [];
		foreach ((array) $wpdb->get_results($wpdb->prepare(
			"SELECT * FROM {$table} WHERE network_id = %d AND server_id = %d AND app_id = %d AND domain IN ({$in})",
			get_current_network_id(), $target[0], $target[1], ...$domains
		)) as $row) {
			$out[$row->domain] = $row;
		}
		return $out;
	}

	/** Domains of the configured target known to be in RunCloud (each counted once). */
	public static function count(): int {
		global $wpdb;
		$target = Settings::target();
		if ($target === null) {
			return 0;
		}
		$table = self::table();
		return (int) $wpdb->get_var($wpdb->prepare(
			"SELECT COUNT(DISTINCT domain) FROM {$table} WHERE server_id = %d AND app_id = %d AND in_runcloud = 1",
			$target[0], $target[1]
		));
	}
}
