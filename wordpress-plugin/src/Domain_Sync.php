<?php
/**
 * The worker: takes due operations from the Queue and performs them through the extension.
 *
 * This is the one boundary where the extension's exceptions become an outcome, an HTTP
 * status and a message (describe()); that triple goes to the queue row (admin-visible)
 * and to one log line.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domain_Sync {

	/** Site transient caching the app's wildcard domains (only those; lists can be huge). */
	public const WILDCARD_CACHE = 'wu_runcloud_wildcards';

	/** Network option with the last successful Test Connection summary (no secrets). */
	public const LAST_TEST_OPTION = 'wu_runcloud_last_test';

	/**
	 * Run every due operation, within a time budget, then schedule the next worker run.
	 *
	 * @param int|null $now Treat this as the current time when picking due rows.
	 * @return array{processed:int, reason:string}
	 */
	public static function process_due(?int $now = null, ?int $limit = null): array {
		if (!Settings::extension_loaded()) {
			return ['processed' => 0, 'reason' => 'extension_missing'];
		}
		if (!Settings::is_configured()) {
			return ['processed' => 0, 'reason' => 'not_configured'];
		}
		$now      = $now ?? time();
		$limit    = $limit ?? (int) apply_filters('wu_runcloud_worker_batch_size', 50);
		$deadline = microtime(true) + (float) apply_filters('wu_runcloud_worker_time_budget', 20.0);
		$done     = 0;

		foreach (Queue::due($now, $limit) as $op) {
			if (microtime(true) > $deadline) {
				break;
			}
			if (!Queue::claim((int) $op->id)) {
				continue; // Another worker took it.
			}
			$op->attempts = (int) $op->attempts + 1;
			self::run($op);
			++$done;
		}

		$next = Queue::next_due_time();
		if ($next !== null) {
			Queue::schedule_worker(max($next, time()));
		}
		return ['processed' => $done, 'reason' => ''];
	}

	/** Perform one claimed operation and record its outcome. */
	public static function run(object $op): void {
		if (Queue::supersede_if_outdated($op)) {
			Log::operation($op->op, (string) $op->domain, 'superseded', 0, 'a newer request for this domain decides');
			return;
		}
		$config = Settings::config();
		try {
			switch ($op->op) {
				case 'add':
					self::add($op, $config);
					break;
				case 'remove':
					self::remove($op, $config);
					break;
				case 'redeploy_ssl':
					self::redeploy($op, $config);
					break;
				default:
					Queue::fail((int) $op->id, (int) $op->attempts, 0, sprintf('Unknown operation "%s".', $op->op), true);
			}
		} catch (\Throwable $e) {
			$failure = self::describe($e, (string) $op->op);
			if (Queue::supersede_if_outdated($op)) {
				// The opposite request arrived while this ran: no retry against it.
				Log::operation($op->op, (string) $op->domain, 'superseded', $failure['status'], $failure['message'] . ' (not retried: a newer request for this domain decides)', 'warning');
				return;
			}
			$next = Queue::fail((int) $op->id, (int) $op->attempts, $failure['status'], $failure['message'], $failure['permanent']);
			Log::operation(
				$op->op,
				(string) $op->domain,
				$next === null ? 'failed' : 'retrying',
				$failure['status'],
				$failure['message'] . ($next === null ? '' : ' ' . sprintf('(attempt %d; next try in %d s)', (int) $op->attempts, $next - time())),
				'error'
			);
		}
		if ($op->op === 'redeploy_ssl') {
			Queue::supersede_older_redeploys((int) $op->id);
		}
	}

	private static function add(object $op, array $config): void {
		$domain   = (string) $op->domain;
		$wildcard = self::wildcard_covering($domain, $config);
		if ($wildcard !== null) {
			$note = sprintf('covered by the wildcard domain *.%s', $wildcard);
			Queue::finish((int) $op->id, 'skipped', 0, null, $note);
			Log::operation('add', $domain, 'skipped', 0, $note);
			return;
		}
		$www    = Settings::wants_www($domain);
		$result = wu_runcloud_add_domain($config, $domain, [
			'www'          => $www,
			'redirection'  => $www ? 'non-www' : 'none',
			'redeploy_ssl' => false, // Coalesced: one redeploy covers every add of the window.
		]);
		$created = !empty($result['created']);
		$id      = isset($result['id']) ? (int) $result['id'] : null;
		$requested = !in_array((string) $op->source, ['wp_insert_site', 'wp_update_site'], true);
		Domains::present((string) ($result['name'] ?? $domain), $id, (int) $op->site_id, $created, $requested);
		Queue::finish((int) $op->id, 'done', 0, $id, $created ? '' : 'already in RunCloud');
		Log::operation('add', $domain, $created ? 'added' : 'exists', 0, sprintf('RunCloud id %d%s', (int) $id, $www ? ', with www alias' : ''));
		// Also when it already existed: a retry after a lost answer lands here, and the
		// certificate was never redeployed for it. The redeploy is coalesced, so this is cheap.
		Queue::enqueue('redeploy_ssl', '', 0, 'after-add', self::ssl_delay());
	}

	private static function remove(object $op, array $config): void {
		$domain = (string) $op->domain;
		if ($domain === Queue::normalize((string) get_network()->domain)) {
			$note = "the network's primary domain is never removed";
			Queue::finish((int) $op->id, 'skipped', 0, null, $note);
			Log::operation('remove', $domain, 'skipped', 0, $note, 'warning');
			return;
		}
		$id     = Domains::runcloud_id($domain);
		$result = wu_runcloud_remove_domain($config, $domain, $id);
		Domains::absent($domain);
		if (!empty($result['id'])) {
			// An IDN is tracked under RunCloud's (punycode) name: forget it by id as well.
			Domains::absent_id((int) $result['id']);
		}
		$removed = !empty($result['removed']);
		Queue::finish((int) $op->id, 'done', 0, isset($result['id']) ? (int) $result['id'] : $id, $removed ? '' : 'was not in RunCloud');
		Log::operation('remove', $domain, $removed ? 'removed' : 'absent', 0, $removed ? sprintf('RunCloud id %d', (int) ($result['id'] ?? $id)) : 'was not in RunCloud');
	}

	private static function redeploy(object $op, array $config): void {
		$result  = wu_runcloud_redeploy_ssl($config);
		$action  = (string) ($result['action'] ?? '');
		$message = (string) ($result['message'] ?? '');
		if ($action === 'failed') {
			// Not an exception, but not done either: keep it visible and try again.
			$next = Queue::fail((int) $op->id, (int) $op->attempts, 0, $message !== '' ? $message : 'SSL redeploy failed', false);
			Log::operation('redeploy_ssl', '', 'retrying', 0, $message . sprintf(' (next try in %d s)', (int) $next - time()), 'error');
			return;
		}
		Queue::finish((int) $op->id, 'done', 0, isset($result['certificate_id']) ? (int) $result['certificate_id'] : null, $action);
		Log::operation('redeploy_ssl', '', $action !== '' ? $action : 'done', 0, $message);
	}

	/** Seconds between the first add of a window and the one redeploy that covers them all. */
	public static function ssl_delay(): int {
		return max(0, (int) apply_filters('wu_runcloud_ssl_redeploy_delay', 60));
	}

	/**
	 * The wildcard domain of the app that already serves $domain, if any, so subdomains of a
	 * wildcard are not added one by one. Finding them means listing every domain of the app
	 * (one request per 40), so the answer is cached for hours; "Sync now" and `wp runcloud
	 * sync` refresh it. A failed lookup never blocks an add.
	 */
	public static function wildcard_covering(string $domain, array $config): ?string {
		if (substr_count($domain, '.') < 2) {
			return null;
		}
		$wildcards = get_site_transient(self::WILDCARD_CACHE);
		if (!is_array($wildcards)) {
			try {
				$wildcards = [];
				foreach (wu_runcloud_list_domains($config) as $item) {
					if (!empty($item['wildcard'])) {
						$wildcards[] = Queue::normalize((string) $item['name']);
					}
				}
				set_site_transient(self::WILDCARD_CACHE, $wildcards, (int) apply_filters('wu_runcloud_wildcard_cache_ttl', 6 * HOUR_IN_SECONDS));
			} catch (\Throwable $e) {
				return null;
			}
		}
		foreach ($wildcards as $wildcard) {
			// *.example.com covers one label only (a certificate's wildcard does, RFC 6125):
			// a.b.example.com needs its own domain.
			$label = $wildcard !== '' && str_ends_with($domain, '.' . $wildcard) ? substr($domain, 0, -strlen('.' . $wildcard)) : '';
			if ($label !== '' && !str_contains($label, '.')) {
				return $wildcard;
			}
		}
		return null;
	}

	/** Why nothing can be sent to RunCloud (extension missing, constants missing), or null. */
	public static function not_ready(): ?\WP_Error {
		if (!Settings::extension_loaded()) {
			return new \WP_Error('wu_runcloud_extension_missing', Plugin::extension_missing_message());
		}
		if (!Settings::is_configured()) {
			return new \WP_Error('wu_runcloud_not_configured', sprintf(
				/* translators: %s: comma-separated constant names */
				__('RunCloud is not configured: define %s in wp-config.php.', 'wu-runcloud'),
				implode(', ', Settings::missing_constants())
			));
		}
		return null;
	}

	/**
	 * Test Connection: the extension's summary, or a WP_Error whose message names the cause.
	 *
	 * @return array|\WP_Error
	 */
	public static function test_connection() {
		$not_ready = self::not_ready();
		if ($not_ready !== null) {
			return $not_ready;
		}
		try {
			$result  = wu_runcloud_test_connection(Settings::config());
			$summary = [
				'time'     => time(),
				'api'      => (string) ($result['api'] ?? ''),
				'server'   => (string) ($result['server']['name'] ?? ''),
				'app'      => (string) ($result['app']['name'] ?? ''),
				'domains'  => (int) ($result['domains'] ?? 0),
				'ssl_mode' => (string) ($result['ssl_mode'] ?? ''),
			];
			update_network_option(null, self::LAST_TEST_OPTION, $summary);
			Log::operation('test', '', 'ok', 0, sprintf('API %s, server %s, app %s, %d domains, SSL %s', $summary['api'], $summary['server'], $summary['app'], $summary['domains'], $summary['ssl_mode']));
			return $result;
		} catch (\Throwable $e) {
			$failure = self::describe($e);
			Log::operation('test', '', 'failed', $failure['status'], $failure['message'], 'error');
			return new \WP_Error('wu_runcloud_' . $failure['outcome'], $failure['message'], ['status' => $failure['status']]);
		}
	}

	/**
	 * The single translation of an extension exception into what we show and store.
	 *
	 * @return array{outcome:string, status:int, message:string, permanent:bool}
	 */
	public static function describe(\Throwable $e, string $op = ''): array {
		$status  = $e instanceof \WuRunCloud\RunCloudException ? (int) $e->getCode() : 0;
		$detail  = Log::clean($e->getMessage());
		$server  = Settings::server_id();
		$app     = Settings::app_id();

		if ($e instanceof \WuRunCloud\InvalidArgumentException) {
			return ['outcome' => 'invalid', 'status' => 0, 'permanent' => true, 'message' => sprintf(__('Invalid request: %s', 'wu-runcloud'), $detail)];
		}
		if ($e instanceof \WuRunCloud\ValidationException) {
			$errors = [];
			foreach ((array) $e->getErrors() as $field => $messages) {
				foreach ((array) $messages as $message) {
					$errors[] = is_string($field) ? "{$field}: {$message}" : (string) $message;
				}
			}
			$message = $op === 'redeploy_ssl'
				/* translators: %s: RunCloud's message */
				? sprintf(__('RunCloud refused to redeploy the SSL certificate: %s', 'wu-runcloud'), $detail)
				/* translators: %s: RunCloud's message */
				: sprintf(__('RunCloud rejected the request: %s', 'wu-runcloud'), $detail);
			if ($errors !== []) {
				$message .= ' (' . Log::clean(implode('; ', $errors)) . ')';
			}
			if (in_array($op, ['', 'add'], true)) {
				// The causes the documentation names for a domain that was not added.
				$message .= ' ' . __('Check that the domain is not already on another web application and that your RunCloud plan allows more domains.', 'wu-runcloud');
			}
			return ['outcome' => 'rejected', 'status' => $status ?: 422, 'permanent' => true, 'message' => $message];
		}
		if ($e instanceof \WuRunCloud\AuthenticationException) {
			return ['outcome' => 'auth_failed', 'status' => $status, 'permanent' => false, 'message' => sprintf(
				/* translators: %s: RunCloud's message */
				__('RunCloud refused the credentials: check WU_RUNCLOUD_API_TOKEN (or WU_RUNCLOUD_API_KEY and WU_RUNCLOUD_API_SECRET) and that the key has access to this server. Details: %s', 'wu-runcloud'),
				$detail
			)];
		}
		if ($e instanceof \WuRunCloud\NotFoundException) {
			return ['outcome' => 'not_found', 'status' => $status ?: 404, 'permanent' => false, 'message' => sprintf(
				/* translators: 1: server id, 2: app id, 3: RunCloud's message */
				__('RunCloud does not know server %1$s or web application %2$s: check WU_RUNCLOUD_SERVER_ID and WU_RUNCLOUD_APP_ID. Details: %3$s', 'wu-runcloud'),
				$server, $app, $detail
			)];
		}
		if ($e instanceof \WuRunCloud\RateLimitException) {
			return ['outcome' => 'rate_limited', 'status' => $status ?: 429, 'permanent' => false, 'message' => sprintf(__('RunCloud rate limit reached: %s', 'wu-runcloud'), $detail)];
		}
		if ($e instanceof \WuRunCloud\TransportException) {
			return ['outcome' => 'unreachable', 'status' => $status, 'permanent' => false, 'message' => sprintf(__('RunCloud could not be reached or answered with an error: %s', 'wu-runcloud'), $detail)];
		}
		return ['outcome' => 'error', 'status' => $status, 'permanent' => false, 'message' => sprintf(__('Unexpected error: %s', 'wu-runcloud'), $detail)];
	}
}
