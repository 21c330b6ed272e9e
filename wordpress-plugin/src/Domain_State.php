<?php
/**
 * Where each domain is on its way to HTTPS: waiting for DNS → in RunCloud → certificate
 * pending → HTTPS live, or the step that failed and why. The Domains table, `wp runcloud
 * status`, the log and other tools read a domain's state through of() (one place).
 *
 * Table {base_prefix}wu_runcloud_states, one row per target (server, app) and domain: what
 * RunCloud and the world show is the same for every network sharing the app.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domain_State {

	public const WAITING_DNS  = 'waiting_dns';
	public const IN_RUNCLOUD  = 'in_runcloud';
	public const CERT_PENDING = 'cert_pending';
	public const HTTPS_LIVE   = 'https_live';

	/** Failing steps: the note says why. */
	public const DNS_GAVE_UP  = 'dns_gave_up';
	public const CERT_FAILED  = 'cert_failed';
	public const HTTPS_FAILED = 'https_failed';
	/** Live, but its DNS no longer points here: renewals will fail (in basic mode, for every domain). */
	public const DNS_MOVED = 'dns_moved';

	/** The steps that failed: the domain shows as failing, the note says why. */
	public const FAILING = [self::DNS_GAVE_UP, self::CERT_FAILED, self::HTTPS_FAILED, self::DNS_MOVED];

	/** Added to RunCloud and not yet seen served over HTTPS: what a redeploy covers and a check looks at. */
	public const AWAITING_HTTPS = [self::IN_RUNCLOUD, self::CERT_PENDING, self::CERT_FAILED, self::HTTPS_FAILED];

	public static function table(): string {
		return Schema::table(Schema::STATES);
	}

	/** @return array<string, string> stage => what an operator reads */
	public static function labels(): array {
		return [
			self::WAITING_DNS  => __('waiting for DNS', 'wu-runcloud'),
			self::IN_RUNCLOUD  => __('in RunCloud', 'wu-runcloud'),
			self::CERT_PENDING => __('certificate pending', 'wu-runcloud'),
			self::HTTPS_LIVE   => __('HTTPS live', 'wu-runcloud'),
			self::DNS_GAVE_UP  => __('DNS never pointed here', 'wu-runcloud'),
			self::CERT_FAILED  => __('certificate failed', 'wu-runcloud'),
			self::HTTPS_FAILED => __('HTTPS not live', 'wu-runcloud'),
			self::DNS_MOVED    => __('DNS moved away', 'wu-runcloud'),
		];
	}

	public static function label(string $stage): string {
		return self::labels()[$stage] ?? $stage;
	}

	/**
	 * Records a domain's stage. `since` restarts when the stage changes; `checks` counts the
	 * checks made in this stage unless $extra sets it.
	 *
	 * @param array $extra `proxied` (bool), `checks` (int), `not_after` (string), `since` (int).
	 */
	public static function set(array $target, string $domain, string $stage, string $note = '', array $extra = []): void {
		global $wpdb;
		$table  = self::table();
		$now    = time();
		$domain = Domain_Name::normalize($domain);
		$old    = self::of($domain, $target);
		$same   = $old !== null && $old['stage'] === $stage;
		$since  = (int) ($extra['since'] ?? ($same ? $old['since'] : $now));
		$checks = (int) ($extra['checks'] ?? ($same ? $old['checks'] : 0));
		$wpdb->query($wpdb->prepare(
			"INSERT INTO {$table} (server_id, app_id, domain, stage, note, proxied, since, checks, checked_at, not_after, updated_at) VALUES (%d, %d, %s, %s, %s, %d, %d, %d, %d, %s, %d)
			 ON DUPLICATE KEY UPDATE stage = VALUES(stage), note = VALUES(note), proxied = VALUES(proxied), since = VALUES(since), checks = VALUES(checks), checked_at = VALUES(checked_at), not_after = VALUES(not_after), updated_at = VALUES(updated_at)",
			$target[0], $target[1], $domain, $stage, Log::clean($note),
			(int) ($extra['proxied'] ?? ($old['proxied'] ?? false)),
			$since, $checks, $now,
			(string) ($extra['not_after'] ?? ($old['not_after'] ?? '')),
			$now
		));
	}

	/** A domain removed from RunCloud has no state on that target any more. */
	public static function forget(array $target, string $domain): void {
		global $wpdb;
		$wpdb->delete(self::table(), ['server_id' => $target[0], 'app_id' => $target[1], 'domain' => Domain_Name::normalize($domain)], ['%d', '%d', '%s']);
	}

	private static function shape(object $row): array {
		return [
			'domain'     => (string) $row->domain,
			'stage'      => (string) $row->stage,
			'label'      => self::label((string) $row->stage),
			'note'       => (string) $row->note,
			'proxied'    => (bool) $row->proxied,
			'since'      => (int) $row->since,
			'checks'     => (int) $row->checks,
			'checked_at' => (int) $row->checked_at,
			'not_after'  => (string) $row->not_after,
		];
	}

	/**
	 * The state of one domain on the configured target (or $target), or null when the plugin
	 * has never handled it.
	 *
	 * @return array{domain:string, stage:string, label:string, note:string, proxied:bool, since:int, checks:int, checked_at:int, not_after:string}|null
	 */
	public static function of(string $domain, ?array $target = null): ?array {
		global $wpdb;
		$target = $target ?? Settings::target();
		if ($target === null) {
			return null;
		}
		$table = self::table();
		$row   = $wpdb->get_row($wpdb->prepare(
			"SELECT * FROM {$table} WHERE server_id = %d AND app_id = %d AND domain = %s",
			$target[0], $target[1], Domain_Name::normalize($domain)
		));
		return $row ? self::shape($row) : null;
	}

	/** @return array<string, array> domain => state, for those of $domains that have one */
	public static function for_domains(array $domains, ?array $target = null): array {
		$target = $target ?? Settings::target();
		if ($domains === [] || $target === null) {
			return [];
		}
		$table = self::table();
		$out   = [];
		foreach (Schema::select_in("SELECT * FROM {$table} WHERE server_id = %d AND app_id = %d AND domain IN ({in})", [$target[0], $target[1]], $domains, 'the domain states') as $row) {
			$out[(string) $row->domain] = self::shape($row);
		}
		return $out;
	}

	/** @return array<string, array> domain => state, for every domain of the target in $stages */
	public static function in_stages(array $stages, array $target, int $limit = 1000): array {
		$table = self::table();
		$out   = [];
		foreach (Schema::select_in("SELECT * FROM {$table} WHERE server_id = %d AND app_id = %d AND stage IN ({in}) ORDER BY domain LIMIT " . max(1, $limit), [$target[0], $target[1]], $stages, 'the domain states') as $row) {
			$out[(string) $row->domain] = self::shape($row);
		}
		return $out;
	}

	/** @return array<string, int> stage => count on the configured target */
	public static function counts(): array {
		global $wpdb;
		$target = Settings::target();
		if ($target === null) {
			return [];
		}
		$table = self::table();
		$out   = [];
		foreach ((array) $wpdb->get_results($wpdb->prepare("SELECT stage, COUNT(*) AS n FROM {$table} WHERE server_id = %d AND app_id = %d GROUP BY stage", $target[0], $target[1])) as $row) {
			$out[(string) $row->stage] = (int) $row->n;
		}
		return $out;
	}

	/** "HTTPS live", or "certificate failed: <why>": one line for a table cell, CLI or log. */
	public static function describe(?array $state): string {
		if ($state === null) {
			return '';
		}
		return $state['note'] !== '' ? $state['label'] . ': ' . $state['note'] : $state['label'];
	}
}
