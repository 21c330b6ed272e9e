<?php
/**
 * Our three tables (ops, domains, log), created or upgraded when VERSION changes (on
 * activation, and on the first request after an update), and dropped by uninstall.php.
 *
 * Upgrades that dbDelta cannot do (a new primary key, rewriting stored keys) run first and
 * only when the schema shows they are needed, so running this again — on each network of a
 * multi-network install, whose version options are separate — changes nothing.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Schema {

	public const VERSION        = '6';
	public const VERSION_OPTION = 'wu_runcloud_db_version';

	/** Table names without the network's base prefix: use table(). */
	public const OPS     = 'wu_runcloud_ops';
	public const DOMAINS = 'wu_runcloud_domains';
	public const LOG     = 'wu_runcloud_log';
	public const STATES  = 'wu_runcloud_states';

	public static function table(string $name): string {
		global $wpdb;
		return $wpdb->base_prefix . $name;
	}

	/** Create or upgrade the tables when the schema version changed (a cheap option read otherwise). */
	public static function maybe_install(): void {
		if (get_network_option(null, self::VERSION_OPTION) !== self::VERSION) {
			self::install();
		}
	}

	public static function install(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		self::scope_rows();
		self::key_by_target();

		$charset = $wpdb->get_charset_collate();
		$ops     = self::table(self::OPS);
		$domains = self::table(self::DOMAINS);
		$log     = self::table(self::LOG);
		dbDelta("CREATE TABLE {$ops} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  op varchar(20) NOT NULL,
  domain varchar(253) NOT NULL DEFAULT '',
  network_id bigint(20) unsigned NOT NULL DEFAULT 0,
  server_id bigint(20) unsigned NOT NULL DEFAULT 0,
  app_id bigint(20) unsigned NOT NULL DEFAULT 0,
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
  dedup_key varchar(300) NULL,
  running_key varchar(300) NULL,
  lease varchar(32) NULL,
  lease_until bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (id),
  UNIQUE KEY dedup_key (dedup_key),
  UNIQUE KEY running_key (running_key),
  KEY status_next (status,next_attempt_at),
  KEY domain_op (domain,op)
) {$charset};");
		dbDelta("CREATE TABLE {$domains} (
  network_id bigint(20) unsigned NOT NULL DEFAULT 0,
  server_id bigint(20) unsigned NOT NULL DEFAULT 0,
  app_id bigint(20) unsigned NOT NULL DEFAULT 0,
  domain varchar(253) NOT NULL,
  runcloud_id bigint(20) unsigned NULL,
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  managed tinyint(1) NOT NULL DEFAULT 0,
  requested tinyint(1) NOT NULL DEFAULT 0,
  in_runcloud tinyint(1) NULL,
  missed tinyint(3) unsigned NOT NULL DEFAULT 0,
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (network_id,server_id,app_id,domain),
  KEY target_domain (server_id,app_id,domain)
) {$charset};");
		$states = self::table(self::STATES);
		dbDelta("CREATE TABLE {$states} (
  server_id bigint(20) unsigned NOT NULL DEFAULT 0,
  app_id bigint(20) unsigned NOT NULL DEFAULT 0,
  domain varchar(253) NOT NULL,
  stage varchar(20) NOT NULL DEFAULT '',
  note text NULL,
  proxied tinyint(1) NOT NULL DEFAULT 0,
  since bigint(20) unsigned NOT NULL DEFAULT 0,
  checks int(10) unsigned NOT NULL DEFAULT 0,
  checked_at bigint(20) unsigned NOT NULL DEFAULT 0,
  not_after varchar(19) NOT NULL DEFAULT '',
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (server_id,app_id,domain),
  KEY stage (stage)
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
		update_network_option(null, self::VERSION_OPTION, self::VERSION);
	}

	/**
	 * The rows of $sql for a long list of values, 500 at a time: `{in}` in $sql stands for the
	 * list, $args fill the placeholders before it.
	 *
	 * @param string $what What is read, for the error ("the queue").
	 * @throws \RuntimeException When the database fails: a partial answer must never pass for a
	 *                           complete one (a domain still in use could look unused).
	 */
	public static function select_in(string $sql, array $args, array $values, string $what): array {
		global $wpdb;
		$rows = [];
		foreach (array_chunk(array_values($values), 500) as $chunk) {
			$in    = implode(',', array_fill(0, count($chunk), '%s'));
			$found = $wpdb->get_results($wpdb->prepare(str_replace('{in}', $in, $sql), ...$args, ...$chunk));
			if ($wpdb->last_error !== '') {
				throw new \RuntimeException(sprintf('%s could not be read: %s', $what, $wpdb->last_error));
			}
			array_push($rows, ...(array) $found);
		}
		return $rows;
	}

	/** Uninstall: everything this plugin recorded goes; RunCloud is left alone. */
	public static function drop_tables(): void {
		global $wpdb;
		foreach ([self::OPS, self::DOMAINS, self::LOG, self::STATES] as $name) {
			$wpdb->query('DROP TABLE IF EXISTS ' . self::table($name)); // phpcs:ignore WordPress.DB -- our fixed names
		}
	}

	/**
	 * Schema 3 -> 4: operations and domain rows get the network they belong to, and domain
	 * rows the server and app (primary key network, server, app, domain).
	 *
	 * A row's network is its site's; rows without a site (mapped domains, CLI) belong to the
	 * main network, the only one earlier versions served. Server and app stay 0 until a
	 * worker runs with a valid configuration and adopts them (Domains::adopt_unscoped()):
	 * the ids those rows were made with are the ones configured at the upgrade.
	 */
	private static function scope_rows(): void {
		global $wpdb;
		$ops     = self::table(self::OPS);
		$domains = self::table(self::DOMAINS);
		$main    = (int) get_main_network_id();

		if (self::has_table($ops) && !self::has_column($ops, 'network_id')) {
			$wpdb->query("ALTER TABLE {$ops}
				ADD COLUMN network_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER domain,
				ADD COLUMN server_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER network_id,
				ADD COLUMN app_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER server_id,
				ADD COLUMN running_key varchar(300) NULL,
				ADD COLUMN lease varchar(32) NULL,
				ADD COLUMN lease_until bigint(20) unsigned NOT NULL DEFAULT 0,
				MODIFY dedup_key varchar(300) NULL");
			$wpdb->query($wpdb->prepare(
				"UPDATE {$ops} o LEFT JOIN {$wpdb->blogs} b ON o.site_id > 0 AND b.blog_id = o.site_id SET o.network_id = COALESCE(b.site_id, %d)",
				$main
			));
			$wpdb->query("UPDATE {$ops} SET dedup_key = IF(op = 'redeploy_ssl', 'redeploy_ssl', CONCAT(op, '|', network_id, '|', domain)) WHERE dedup_key IS NOT NULL");
			// Rows a worker of the old version holds: theirs until the usual lease runs out.
			$wpdb->query($wpdb->prepare("UPDATE {$ops} SET lease_until = updated_at + %d WHERE status = 'running'", Queue::LEASE));
		}

		if (self::has_table($domains) && !self::has_column($domains, 'network_id')) {
			$wpdb->query("ALTER TABLE {$domains}
				ADD COLUMN network_id bigint(20) unsigned NOT NULL DEFAULT 0 FIRST,
				ADD COLUMN server_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER network_id,
				ADD COLUMN app_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER server_id,
				ADD COLUMN missed tinyint(3) unsigned NOT NULL DEFAULT 0 AFTER in_runcloud,
				DROP PRIMARY KEY,
				ADD PRIMARY KEY (network_id,server_id,app_id,domain)");
			$wpdb->query($wpdb->prepare(
				"UPDATE {$domains} d LEFT JOIN {$wpdb->blogs} b ON d.site_id > 0 AND b.blog_id = d.site_id SET d.network_id = COALESCE(b.site_id, %d)",
				$main
			));
		}
	}

	/**
	 * Schema 6: a waiting row's dedup_key names its target (one row per target), so a request
	 * made after the upgrade is still absorbed by the row waiting from before it. Idempotent:
	 * a key with a target has a colon, which neither a domain nor an operation has.
	 */
	private static function key_by_target(): void {
		global $wpdb;
		$ops = self::table(self::OPS);
		if (!self::has_table($ops) || !self::has_column($ops, 'server_id')) {
			return;
		}
		$wpdb->query("UPDATE IGNORE {$ops} SET dedup_key = IF(op IN ('redeploy_ssl', 'check_https'), CONCAT(op, '|', server_id, ':', app_id), CONCAT(op, '|', network_id, '|', domain, '|', server_id, ':', app_id)) WHERE dedup_key IS NOT NULL AND dedup_key NOT LIKE '%:%'");
	}

	private static function has_table(string $table): bool {
		global $wpdb;
		return $wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($table))) === $table;
	}

	private static function has_column(string $table, string $column): bool {
		global $wpdb;
		return (bool) $wpdb->get_var($wpdb->prepare("SHOW COLUMNS FROM {$table} LIKE %s", $column));
	}
}
