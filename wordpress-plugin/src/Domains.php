<?php
/**
 * What we know about each domain on the RunCloud side: its RunCloud id (so removal needs no
 * lookup), whether this plugin added it (only those may ever be pruned), and whether it was
 * there at the last look. Table {base_prefix}wu_runcloud_domains, one row per domain.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domains {

	public static function table(): string {
		global $wpdb;
		return $wpdb->base_prefix . 'wu_runcloud_domains';
	}

	public static function get(string $domain): ?object {
		global $wpdb;
		$table = self::table();
		return $wpdb->get_row($wpdb->prepare("SELECT * FROM {$table} WHERE domain = %s", Queue::normalize($domain))) ?: null;
	}

	/**
	 * Record a domain present in RunCloud. $added_by_us and $requested only ever turn their
	 * flag on: a domain found already there keeps whatever we knew before.
	 *
	 * @param bool $requested Asked for explicitly (wu_add_domain, CLI) rather than derived
	 *                        from a site's hostname: a reconcile keeps it even though no
	 *                        site has that hostname.
	 */
	public static function present(string $domain, ?int $runcloud_id, int $site_id, bool $added_by_us, bool $requested = false): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query($wpdb->prepare(
			"INSERT INTO {$table} (domain, runcloud_id, site_id, managed, requested, in_runcloud, updated_at) VALUES (%s, %d, %d, %d, %d, 1, %d)
			 ON DUPLICATE KEY UPDATE runcloud_id = IF(VALUES(runcloud_id) > 0, VALUES(runcloud_id), runcloud_id), site_id = IF(VALUES(site_id) > 0, VALUES(site_id), site_id),
			 managed = GREATEST(managed, VALUES(managed)), requested = GREATEST(requested, VALUES(requested)), in_runcloud = 1, updated_at = VALUES(updated_at)",
			Queue::normalize($domain), (int) $runcloud_id, $site_id, $added_by_us ? 1 : 0, $requested ? 1 : 0, time()
		));
	}

	/** Domains asked for explicitly and not removed since. */
	public static function requested(): array {
		global $wpdb;
		$table = self::table();
		return array_map('strval', (array) $wpdb->get_col("SELECT domain FROM {$table} WHERE requested = 1"));
	}

	/** The domain is gone from RunCloud (removed by us, or found missing). */
	public static function absent(string $domain): void {
		global $wpdb;
		$wpdb->delete(self::table(), ['domain' => Queue::normalize($domain)], ['%s']);
	}

	public static function absent_id(int $runcloud_id): void {
		global $wpdb;
		$wpdb->delete(self::table(), ['runcloud_id' => $runcloud_id], ['%d']);
	}

	public static function runcloud_id(string $domain): ?int {
		$row = self::get($domain);
		return $row && (int) $row->runcloud_id > 0 ? (int) $row->runcloud_id : null;
	}

	/** Domains this plugin added: the only ones a reconcile may prune. */
	public static function managed(): array {
		global $wpdb;
		$table = self::table();
		return array_map('strval', (array) $wpdb->get_col("SELECT domain FROM {$table} WHERE managed = 1"));
	}

	/** @return array<string, object> domain => row */
	public static function for_domains(array $domains): array {
		global $wpdb;
		if ($domains === []) {
			return [];
		}
		$table = self::table();
		$in    = implode(',', array_fill(0, count($domains), '%s'));
		$out   = [];
		foreach ((array) $wpdb->get_results($wpdb->prepare("SELECT * FROM {$table} WHERE domain IN ({$in})", ...$domains)) as $row) {
			$out[$row->domain] = $row;
		}
		return $out;
	}

	public static function count(): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->get_var("SELECT COUNT(*) FROM {$table} WHERE in_runcloud = 1");
	}
}
