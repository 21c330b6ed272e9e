<?php
/**
 * Everything the plugin asks of RunCloud through the extension: one claimed operation (add,
 * remove, SSL redeploy, HTTPS check) and its outcome in the queue, the domains table, each
 * domain's state and the log; Test Connection; the app's wildcard domains.
 *
 * A domain's way: the add waits until its DNS points here (Dns_Gate), is added, the next
 * coalesced redeploy orders its certificate (once: the extension never re-orders blindly),
 * and an HTTPS check confirms the name is served. Orders run only here, in the background
 * worker.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domain_Sync {

	/** Site transient caching the app's wildcard domains (only those; lists can be huge). */
	public const WILDCARD_CACHE = 'wu_runcloud_wildcards';

	/**
	 * Network option: the last Test Connection (no secrets). `ok`, `time`, and on success
	 * `api`, `server`, `app`, `domains`, `ssl_mode`; on failure `status` and `message` (the
	 * extension's words), with the app's figures of the last success kept.
	 */
	public const LAST_TEST_OPTION = 'wu_runcloud_last_test';

	/**
	 * Perform one claimed operation through the extension and record its outcome. An
	 * exception from the extension goes back to the Worker, which records the failure.
	 */
	public static function perform(object $op): void {
		// Each row is its own target's: its server and app, whatever the others are doing.
		$target = [(int) $op->server_id, (int) $op->app_id];
		$config = Settings::config($target);
		switch ($op->op) {
			case 'add':
				self::add($op, $config, $target);
				break;
			case 'remove':
				self::remove($op, $config, $target);
				break;
			case 'redeploy_ssl':
				self::redeploy($op, $config, $target);
				break;
			case 'check_https':
				self::check_https($op, $config, $target);
				break;
			case 'check':
				self::check($op, $config, $target);
				break;
			default:
				Queue::fail($op, 0, sprintf('Unknown operation "%s".', $op->op), true);
		}
	}

	/** A result that belongs to a worker that lost its lease is dropped, and said so. */
	private static function discarded(object $op): void {
		Log::operation($op->op, (string) $op->domain, 'stale', 0, 'result not recorded: this worker outlived its lease', 'warning');
	}

	private static function add(object $op, array $config, array $target): void {
		$domain   = (string) $op->domain;
		$wildcard = self::wildcard_covering($domain, $config, $target);
		if ($wildcard !== null) {
			$note = sprintf('covered by the wildcard domain *.%s', $wildcard);
			if (!Queue::finish($op, 'skipped', 0, null, $note)) {
				self::discarded($op);
				return;
			}
			Log::operation('add', $domain, 'skipped', 0, $note);
			return;
		}
		$proxied = false;
		if (Dns_Gate::enabled()) {
			$dns = Dns_Gate::check_targets($target, $domain);
			if (!$dns['ready']) {
				self::wait_for_dns($op, $target, $domain, $dns['reason'] !== '' ? $dns['reason'] : $dns['status']);
				return;
			}
			$proxied = $dns['status'] === 'proxied';
		}
		$www    = Hostnames::wants_www($domain);
		$result = wu_runcloud_add_domain($config, $domain, [
			'www'          => $www,
			'redirection'  => $www ? 'non-www' : 'none',
			'redeploy_ssl' => false, // Coalesced: one redeploy covers every add of the window.
		]);
		Settings::release_hold();
		$created   = !empty($result['created']);
		$id        = isset($result['id']) ? (int) $result['id'] : null;
		$requested = !in_array((string) $op->source, ['wp_insert_site', 'wp_update_site'], true);
		$name      = (string) ($result['name'] ?? $domain);
		$recorded  = Queue::finish($op, 'done', 0, $id, $created ? '' : 'already in RunCloud', static function () use ($op, $target, $name, $id, $created, $requested, $proxied) {
			Domains::present((int) $op->network_id, $target, $name, $id, (int) $op->site_id, $created, $requested);
			$state = Domain_State::of($name, $target);
			if ($created || $state === null || $state['stage'] !== Domain_State::HTTPS_LIVE) {
				Domain_State::set($target, $name, Domain_State::IN_RUNCLOUD, '', ['proxied' => $proxied, 'checks' => 0]);
			}
		});
		if (!$recorded) {
			self::discarded($op);
			return;
		}
		Log::operation('add', $domain, $created ? 'added' : 'exists', 0, sprintf('RunCloud id %d%s%s', (int) $id, $www ? ', with www alias' : '', $created ? '' : ' (already in RunCloud: not added by this plugin)'));
		// Also when it already existed: a retry after a lost answer lands here, and the
		// certificate was never redeployed for it. The redeploy is coalesced, so this is cheap.
		Queue::enqueue('redeploy_ssl', '', 0, 'after-add', self::ssl_delay(), ['network_id' => (int) $op->network_id, 'target' => $target]);
	}

	private static function remove(object $op, array $config, array $target): void {
		$domain  = (string) $op->domain;
		$network = (int) $op->network_id;
		try {
			$keep = Ownership::reasons_to_keep([$domain], $network, $target)[$domain] ?? null;
		} catch (\RuntimeException $e) {
			// Whether something still uses it is unknown: not removed, asked again later.
			$message = sprintf('not removed: cannot tell whether the domain is still used (%s)', Log::clean($e->getMessage()));
			$next    = Queue::fail($op, 0, $message, false);
			if ($next === false) {
				self::discarded($op);
				return;
			}
			Log::operation('remove', $domain, 'retrying', 0, $message, 'error');
			return;
		}
		if ($keep !== null) {
			$recorded = Queue::finish($op, 'skipped', 0, null, $keep, static function () use ($network, $target, $domain) {
				Domains::unrequest($network, $target, $domain);
			});
			if (!$recorded) {
				self::discarded($op);
				return;
			}
			Log::operation('remove', $domain, 'kept', 0, $keep, 'warning');
			return;
		}
		$id     = Domains::runcloud_id($domain, $target);
		$result = wu_runcloud_remove_domain($config, $domain, $id);
		Settings::release_hold();
		$removed  = !empty($result['removed']);
		$found_id = !empty($result['id']) ? (int) $result['id'] : null;
		// With the id stored at add time the extension acts on that id alone: a domain of the
		// same name under another id (deleted and added again by hand) is not ours to delete.
		$absent   = $id !== null ? sprintf('not in RunCloud under id %d, the one this plugin added it as: nothing was deleted', $id) : 'was not in RunCloud';
		$recorded = Queue::finish($op, 'done', 0, $found_id ?? $id, $removed ? '' : $absent, static function () use ($target, $domain, $found_id) {
			Domains::absent($target, $domain);
			Domain_State::forget($target, $domain);
			if ($found_id !== null) {
				// An IDN is tracked under RunCloud's (punycode) name: forget it by id as well.
				Domains::absent_id($target, $found_id);
			}
		});
		if (!$recorded) {
			self::discarded($op);
			return;
		}
		Log::operation('remove', $domain, $removed ? 'removed' : 'absent', 0, $removed ? sprintf('RunCloud id %d', (int) ($found_id ?? $id)) : $absent);
	}

	/**
	 * The add waits: its DNS does not point here yet. Checked again with backoff; after the
	 * days the gate allows, the add fails (visible until retried or dismissed).
	 */
	private static function wait_for_dns(object $op, array $target, string $domain, string $reason): void {
		$state  = Domain_State::of($domain, $target);
		$was    = $state !== null && $state['stage'] === Domain_State::WAITING_DNS;
		$since  = $was ? $state['since'] : time();
		$checks = ($was ? $state['checks'] : 0) + 1;
		$days   = Dns_Gate::give_up_days();
		if (time() - $since >= $days * DAY_IN_SECONDS) {
			$message = sprintf('not added: the DNS of %1$s has not pointed at the server for %2$d days (%3$s); fix its DNS, then Retry now', $domain, $days, $reason);
			if (Queue::fail($op, 0, $message, true) === false) {
				self::discarded($op);
				return;
			}
			Domain_State::set($target, $domain, Domain_State::DNS_GAVE_UP, $reason, ['checks' => $checks, 'since' => $since]);
			Log::operation('add', $domain, 'gave-up', 0, $message, 'error');
			return;
		}
		$next = time() + Dns_Gate::delay($checks);
		$note = sprintf('waiting for DNS: %1$s (check %2$d; next in %3$d min)', $reason, $checks, (int) ceil(($next - time()) / 60));
		$ok   = Queue::wait($op, $next, $note, static function () use ($target, $domain, $reason, $since, $checks) {
			Domain_State::set($target, $domain, Domain_State::WAITING_DNS, $reason, ['since' => $since, 'checks' => $checks]);
		});
		if ($ok === false) {
			self::discarded($op);
			return;
		}
		Log::operation('add', $domain, 'waiting', 0, $note);
	}

	/**
	 * One coalesced certificate order for every domain added since the last one (basic SSL:
	 * the app's certificate; advanced SSL: each new domain's own). Its outcome moves those
	 * domains on: certificate pending, or the failing step with RunCloud's reason.
	 */
	private static function redeploy(object $op, array $config, array $target): void {
		Queue::absorb_waiting_redeploys($op);
		$awaiting = Domain_State::in_stages(Domain_State::AWAITING_HTTPS, $target);
		$ids      = [];
		foreach (array_keys($awaiting) as $domain) {
			$id = Domains::runcloud_id($domain, $target);
			if ($id !== null) {
				$ids[$domain] = $id;
			}
		}
		$result = $ids !== [] ? wu_runcloud_redeploy_ssl($config, ['domains' => $ids]) : wu_runcloud_redeploy_ssl($config);
		Settings::release_hold();
		$action      = (string) ($result['action'] ?? '');
		$message     = (string) ($result['message'] ?? '');
		$retry_after = isset($result['retry_after']) ? (int) $result['retry_after'] : null;
		if ($action === 'failed') {
			$named = array_values(array_unique(array_map([Domain_Name::class, 'normalize'], (array) ($result['failed_domains'] ?? []))));
			foreach ($named as $domain) {
				if (Domain_State::of($domain, $target) !== null) {
					Domain_State::set($target, $domain, Domain_State::CERT_FAILED, $message);
				}
			}
			$blocked = $named !== [] ? sprintf('not covered yet: the certificate order failed for %s', implode(', ', $named)) : sprintf('not covered yet: the certificate order failed (%s)', $message);
			foreach ($awaiting as $domain => $state) {
				if (!in_array($domain, $named, true)) {
					Domain_State::set($target, $domain, $state['stage'] === Domain_State::CERT_FAILED ? Domain_State::IN_RUNCLOUD : $state['stage'], $blocked);
				}
			}
			// Not an exception, but not done either: keep it visible and try again — when
			// Let's Encrypt says it may be tried again, not before.
			$next = Queue::fail($op, 0, $message !== '' ? $message : 'SSL redeploy failed', false, $retry_after);
			if ($next === false) {
				self::discarded($op);
				return;
			}
			$when = $retry_after !== null && $retry_after > time()
				? sprintf(" (Let's Encrypt's rate limit: next try after %s UTC, as it says)", gmdate('Y-m-d H:i', $retry_after))
				: sprintf(' (next try in %d s)', (int) $next - time());
			Log::operation('redeploy_ssl', implode(', ', $named), 'failed', 0, $message . $when, 'error');
			return;
		}
		if (!Queue::finish($op, 'done', 0, isset($result['certificate_id']) ? (int) $result['certificate_id'] : null, $action)) {
			self::discarded($op);
			return;
		}
		Log::operation('redeploy_ssl', '', $action !== '' ? $action : 'done', 0, $message);
		if ($awaiting === []) {
			return;
		}
		if ($action === 'none') {
			foreach (array_keys($awaiting) as $domain) {
				Domain_State::set($target, $domain, Domain_State::CERT_FAILED, $message);
			}
			return;
		}
		// redeployed, pending (RunCloud is issuing), skipped (AutoSSL issues it): see what is served.
		// A domain already found not live waits for a real new issuance before it is checked as
		// pending again, so "pending" or "skipped" answers never cycle into more orders.
		foreach ($awaiting as $domain => $state) {
			if ($state['stage'] === Domain_State::HTTPS_FAILED && $action !== 'redeployed') {
				continue;
			}
			Domain_State::set($target, $domain, Domain_State::CERT_PENDING, $action === 'redeployed' ? '' : $message, ['checks' => 0]);
		}
		Queue::enqueue('check_https', '', 0, 'after-redeploy', self::https_check_delay($action === 'redeployed'), ['network_id' => (int) $op->network_id, 'target' => $target]);
	}

	/**
	 * Which certificate each domain on its way (and, once a day, each live one) is really
	 * served with. A live domain whose DNS moved away is flagged: in basic SSL mode it will
	 * fail the next renewal of every domain of the app.
	 */
	private static function check_https(object $op, array $config, array $target): void {
		$daily   = (string) $op->source === 'daily';
		$stages  = $daily ? array_merge(Domain_State::AWAITING_HTTPS, [Domain_State::HTTPS_LIVE, Domain_State::DNS_MOVED]) : Domain_State::AWAITING_HTTPS;
		$domains = Domain_State::in_stages($stages, $target, (int) apply_filters('wu_runcloud_https_checks_per_run', 200));
		$max     = max(1, (int) apply_filters('wu_runcloud_https_pending_checks', 3));
		$counts  = ['live' => 0, 'pending' => 0, 'failed' => 0, 'moved' => 0];
		$recheck = false;
		$reorder = false;
		foreach ($domains as $domain => $state) {
			if ($daily && in_array($state['stage'], [Domain_State::HTTPS_LIVE, Domain_State::DNS_MOVED], true)) {
				try {
					$dns = Dns_Gate::check_targets($target, $domain, Domains::runcloud_id($domain, $target));
				} catch (\Throwable $e) {
					// Not known today: the HTTPS check below still says whether it is served.
					$dns = ['ready' => true, 'status' => 'unknown', 'reason' => ''];
				}
				if (!$dns['ready']) {
					if ($state['stage'] !== Domain_State::DNS_MOVED) {
						Log::operation('check_https', $domain, 'dns-moved', 0, sprintf('live, but its DNS no longer points at the server: %s; the next certificate renewal will fail for it (in basic SSL mode, for every domain of the app)', $dns['reason']), 'warning');
					}
					Domain_State::set($target, $domain, Domain_State::DNS_MOVED, $dns['reason']);
					++$counts['moved'];
					continue;
				}
			}
			if ($state['proxied']) {
				Domain_State::set($target, $domain, Domain_State::HTTPS_LIVE, __("through Cloudflare's proxy: the server's own certificate is not visible from here", 'wu-runcloud'));
				++$counts['live'];
				continue;
			}
			try {
				$r = wu_runcloud_check_https($config, $domain);
			} catch (\Throwable $e) {
				$r = ['status' => 'unreachable', 'reason' => Log::clean($e->getMessage()), 'not_after' => null];
			}
			if (($r['status'] ?? '') === 'valid') {
				if ($state['stage'] !== Domain_State::HTTPS_LIVE) {
					Log::operation('check_https', $domain, 'https-live', 0, sprintf('HTTPS live (certificate valid until %s UTC)', (string) ($r['not_after'] ?? '?')));
				}
				Domain_State::set($target, $domain, Domain_State::HTTPS_LIVE, '', ['not_after' => (string) ($r['not_after'] ?? ''), 'checks' => 0]);
				++$counts['live'];
				continue;
			}
			$why = sprintf('%s: %s', (string) ($r['status'] ?? 'unknown'), (string) ($r['reason'] ?? ''));
			if ($state['stage'] === Domain_State::CERT_PENDING && $state['checks'] + 1 < $max) {
				Domain_State::set($target, $domain, Domain_State::CERT_PENDING, sprintf('not served yet (%s)', $why), ['checks' => $state['checks'] + 1]);
				$recheck = true;
				++$counts['pending'];
				continue;
			}
			// Still not covered after the order had its time: a new order is due (the extension
			// reads the certificate back first and never re-orders one RunCloud shows pending).
			$reorder = $reorder || $state['stage'] === Domain_State::CERT_PENDING;
			Domain_State::set($target, $domain, Domain_State::HTTPS_FAILED, $why, ['checks' => $state['checks'] + 1]);
			Log::operation('check_https', $domain, 'not-live', 0, $why, 'warning');
			++$counts['failed'];
		}
		$note = sprintf('%d live, %d pending, %d not live, %d DNS moved', $counts['live'], $counts['pending'], $counts['failed'], $counts['moved']);
		if (!Queue::finish($op, 'done', 0, null, $note)) {
			self::discarded($op);
			return;
		}
		Log::operation('check_https', '', 'done', 0, $note);
		if ($recheck) {
			Queue::enqueue('check_https', '', 0, 'recheck', self::https_check_delay(false), ['network_id' => (int) $op->network_id, 'target' => $target]);
		}
		if ($reorder) {
			Queue::enqueue('redeploy_ssl', '', 0, 'not-covered', self::ssl_delay(), ['network_id' => (int) $op->network_id, 'target' => $target]);
		}
	}

	/** Seconds before HTTPS is checked after a redeploy (longer when RunCloud is still issuing). */
	public static function https_check_delay(bool $issued): int {
		return max(0, (int) apply_filters('wu_runcloud_https_check_delay', $issued ? 0 : 120, $issued));
	}

	/** Re-check: what RunCloud has for the domain now replaces what we recorded. */
	private static function check(object $op, array $config, array $target): void {
		$domain   = (string) $op->domain;
		$found    = wu_runcloud_find_domain($config, $domain);
		Settings::release_hold();
		$id       = is_array($found) && isset($found['id']) ? (int) $found['id'] : null;
		$network  = (int) $op->network_id;
		$recorded = Queue::finish($op, 'done', 0, $id, $id !== null ? '' : 'not in RunCloud', static function () use ($network, $target, $domain, $id) {
			if ($id !== null) {
				Domains::observed($network, $target, $domain, $id);
			} else {
				Domains::missing($target, $domain);
			}
		});
		if (!$recorded) {
			self::discarded($op);
			return;
		}
		Log::operation('check', $domain, $id !== null ? 'present' : 'absent', 0, $id !== null ? sprintf('RunCloud id %d', $id) : 'not in RunCloud');
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
	public static function wildcard_covering(string $domain, array $config, array $target): ?string {
		if (substr_count($domain, '.') < 2) {
			return null;
		}
		// One cache for every target (so Sync now forgets them all), each target's list apart.
		$cache     = get_site_transient(self::WILDCARD_CACHE);
		$cache     = is_array($cache) ? $cache : [];
		$key       = Settings::target_key($target);
		$wildcards = $cache[$key] ?? null;
		if (!is_array($wildcards)) {
			try {
				$wildcards = [];
				foreach (wu_runcloud_list_domains($config) as $item) {
					if (!empty($item['wildcard'])) {
						$wildcards[] = Domain_Name::normalize((string) $item['name']);
					}
				}
				$cache[$key] = $wildcards;
				set_site_transient(self::WILDCARD_CACHE, $cache, (int) apply_filters('wu_runcloud_wildcard_cache_ttl', 6 * HOUR_IN_SECONDS));
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
			return new \WP_Error('wu_runcloud_extension_missing', Settings::extension_missing_message());
		}
		if (!Settings::is_configured()) {
			return new \WP_Error('wu_runcloud_not_configured', Settings::not_configured_message());
		}
		if (Settings::target() === null) {
			return new \WP_Error('wu_runcloud_config', Worker::hold_queue(Settings::target_problem()));
		}
		return null;
	}

	/**
	 * Test Connection: the extension's summary, or a WP_Error whose message names the cause.
	 * Every target is tested; with WU_RUNCLOUD_TARGETS each failure (and each unusable pair)
	 * names its pair, and the summary keeps each target's result (`targets`).
	 *
	 * @return array|\WP_Error
	 */
	public static function test_connection() {
		$not_ready = self::not_ready();
		if ($not_ready !== null) {
			return $not_ready;
		}
		$named    = Settings::uses_target_list();
		$first    = null;
		$results  = [];
		$failures = Settings::target_problems();
		$status   = 0;
		$outcome  = 'config';
		foreach (Settings::targets() as $target) {
			$key = Settings::target_key($target);
			try {
				$result        = wu_runcloud_test_connection(Settings::config($target));
				$first       ??= $result;
				$results[$key] = [
					'ok'       => true,
					'server'   => (string) ($result['server']['name'] ?? ''),
					'app'      => (string) ($result['app']['name'] ?? ''),
					'domains'  => (int) ($result['domains'] ?? 0),
					'ssl_mode' => (string) ($result['ssl_mode'] ?? ''),
				];
				Log::operation('test', '', 'ok', 0, sprintf('%sAPI %s, server %s, app %s, %d domains, SSL %s', $named ? "target {$key}: " : '', (string) ($result['api'] ?? ''), $results[$key]['server'], $results[$key]['app'], $results[$key]['domains'], $results[$key]['ssl_mode']));
			} catch (\Throwable $e) {
				$failure = Failure::of($e);
				if ($failure['outcome'] === 'config' && !$named) {
					$failure['message'] = Worker::hold_queue($failure['message']);
				}
				$message       = $named ? sprintf('RunCloud target %1$s failed: %2$s', $key, $failure['message']) : $failure['message'];
				$results[$key] = ['ok' => false, 'status' => $failure['status'], 'message' => $message];
				$failures[]    = $message;
				$status        = $status ?: $failure['status'];
				$outcome       = $failure['outcome'];
				Log::operation('test', '', 'failed', $failure['status'], $message, 'error');
			}
		}
		$previous = get_network_option(null, self::LAST_TEST_OPTION, []);
		$previous = is_array($previous) ? $previous : [];
		if ($first !== null) {
			$previous = [
				'api'      => (string) ($first['api'] ?? ''),
				'server'   => (string) ($first['server']['name'] ?? ''),
				'app'      => (string) ($first['app']['name'] ?? ''),
				'domains'  => (int) ($first['domains'] ?? 0),
				'ssl_mode' => (string) ($first['ssl_mode'] ?? ''),
			];
			Settings::release_hold();
		}
		$summary = ['ok' => $failures === [], 'time' => time()]
			+ ($failures === [] ? [] : ['status' => $status, 'message' => implode(' ', $failures)])
			+ array_intersect_key($previous, array_flip(['api', 'server', 'app', 'domains', 'ssl_mode']))
			+ ($named ? ['targets' => $results] : []);
		update_network_option(null, self::LAST_TEST_OPTION, $summary);
		if ($failures !== []) {
			return new \WP_Error('wu_runcloud_' . ($first === null || !$named ? $outcome : 'target'), $summary['message'], ['status' => $status, 'targets' => $results]);
		}
		return $named ? $first + ['targets' => $results] : $first;
	}
}
