<?php
/**
 * One line per operation: domain, outcome, HTTP status and RunCloud's message.
 *
 * Goes to Ultimate Multisite's log (handle `integration-runcloud`) when it is present,
 * otherwise to our own bounded table, shown on the network-admin page. Messages are cut
 * short and scrubbed of the configured secrets, so neither credentials nor whole response
 * bodies can land in a log.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Log {

	public const HANDLE = 'integration-runcloud';

	/** Rows kept in our own log; older ones are deleted as new ones arrive. */
	public const MAX_ROWS = 500;

	private const MAX_MESSAGE = 500;

	public static function table(): string {
		return Schema::table(Schema::LOG);
	}

	/**
	 * @param string $op      add | remove | redeploy_ssl | sync | test
	 * @param string $domain  Domain concerned ('' for app-wide operations).
	 * @param string $outcome e.g. added, exists, removed, absent, failed, retrying, skipped.
	 * @param int    $status  HTTP status from RunCloud (0 when none or transport failure).
	 * @param string $message RunCloud's message or ours; shortened and scrubbed here.
	 * @param string $level   info | warning | error
	 */
	public static function operation(string $op, string $domain, string $outcome, int $status = 0, string $message = '', string $level = 'info'): void {
		$message = self::clean($message);
		$line    = sprintf('%s %s: %s', $op, $domain !== '' ? $domain : '-', $outcome);
		if ($status > 0) {
			$line .= sprintf(' (HTTP %d)', $status);
		}
		if ($message !== '') {
			$line .= ' - ' . $message;
		}

		if (function_exists('wu_log_add')) {
			wu_log_add(self::HANDLE, $line, $level);
			return;
		}

		global $wpdb;
		$table = self::table();
		$ok = $wpdb->insert($table, [
			'created_at' => time(),
			'level'      => $level,
			'op'         => $op,
			'domain'     => $domain,
			'outcome'    => $outcome,
			'status'     => $status,
			'message'    => $message,
		], ['%d', '%s', '%s', '%s', '%s', '%d', '%s']);
		if ($ok) {
			// Bounded by count, whatever the ids look like (auto_increment_increment > 1 on
			// replicated databases, gaps): everything older than the MAX_ROWS-th newest row goes.
			$wpdb->query($wpdb->prepare(
				"DELETE FROM {$table} WHERE id <= (SELECT id FROM (SELECT id FROM {$table} ORDER BY id DESC LIMIT 1 OFFSET %d) AS oldest_kept)",
				self::MAX_ROWS
			));
		}
	}

	/** @return array<int, object> newest first */
	public static function recent(int $limit = 50): array {
		global $wpdb;
		$table = self::table();
		return (array) $wpdb->get_results($wpdb->prepare("SELECT * FROM {$table} ORDER BY id DESC LIMIT %d", $limit));
	}

	/** Shortened, single-line, tag-free and without any configured secret. */
	public static function clean(string $message): string {
		$message = trim((string) preg_replace('/\s+/', ' ', wp_strip_all_tags($message)));
		foreach (Settings::secrets() as $secret) {
			$message = str_replace($secret, '[redacted]', $message);
		}
		if (strlen($message) > self::MAX_MESSAGE) {
			$message = substr($message, 0, self::MAX_MESSAGE - 3) . '...';
		}
		return $message;
	}
}
