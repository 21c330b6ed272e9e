<?php
/**
 * The DNS gate: a domain is added to RunCloud only once its DNS points at the server, because
 * in basic SSL mode one unpointed name fails Let's Encrypt's whole order and stops HTTPS
 * renewing for every domain of the app. Until then it waits, checked again with backoff.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Dns_Gate {

	/**
	 * Whether adds wait for DNS. Operators who want the old behaviour (add at once) return
	 * false from `wu_runcloud_dns_gate`.
	 */
	public static function enabled(): bool {
		return (bool) apply_filters('wu_runcloud_dns_gate', true);
	}

	/**
	 * A name behind Cloudflare's proxy passes HTTP-01 (the proxy forwards the challenge), so
	 * it counts as ready unless `wu_runcloud_dns_proxied_is_ready` says otherwise.
	 */
	public static function proxied_ready(string $domain): bool {
		return (bool) apply_filters('wu_runcloud_dns_proxied_is_ready', true, $domain);
	}

	/** Seconds before the next check after the $checks-th one: 1, 2, 5, 10, 30 minutes, then hourly. */
	public static function delay(int $checks): int {
		$delays = apply_filters('wu_runcloud_dns_recheck_delays', [60, 120, 300, 600, 1800, 3600]);
		$delays = array_values(array_filter(array_map('intval', (array) $delays), static fn($d) => $d > 0)) ?: [3600];
		return $delays[min(max($checks, 1), count($delays)) - 1];
	}

	/** Days a domain may wait for its DNS before the plugin gives up on it (with a notice). */
	public static function give_up_days(): int {
		return max(1, (int) apply_filters('wu_runcloud_dns_give_up_days', 7));
	}

	/**
	 * Asks the extension where the domain points. Whatever DNS answers (no such name,
	 * SERVFAIL, no answer, a resolver that is down) is a reason to wait; what the extension
	 * throws (a bad name or configuration, refused credentials, RunCloud unreachable while
	 * reading the server's address) is the operation's failure, handled like any other.
	 *
	 * @return array{ready:bool, status:string, reason:string, addresses:string[]}
	 */
	public static function check(array $config, string $domain, ?int $runcloud_id = null): array {
		$r      = $runcloud_id ? wu_runcloud_check_dns($config, $domain, $runcloud_id) : wu_runcloud_check_dns($config, $domain);
		$status = (string) ($r['status'] ?? '');
		$ready  = $status === 'points_here' || ($status === 'proxied' && self::proxied_ready($domain));
		$reason = (string) ($r['reason'] ?? '');
		if ($status === 'proxied' && !$ready) {
			$reason = sprintf('%s, and proxied names are not treated as ready here (filter wu_runcloud_dns_proxied_is_ready)', $reason);
		}
		return ['ready' => $ready, 'status' => $status, 'reason' => $reason, 'addresses' => array_map('strval', (array) ($r['addresses'] ?? []))];
	}

	/**
	 * Whether the domain may go live on $target: its DNS points at that target's server, at
	 * any other target's server (every target serves the same network, e.g. behind a
	 * balancer doing its own routing), or at an address of the operator's load balancer
	 * (Settings::balancer_ips()). The own target is asked first, so one target costs what it
	 * always did; the others are asked only while the answer is "not here".
	 *
	 * @return array{ready:bool, status:string, reason:string, addresses:string[]}
	 */
	public static function check_targets(array $target, string $domain, ?int $runcloud_id = null): array {
		$first     = self::check(Settings::config($target), $domain, $runcloud_id);
		$balancers = Settings::balancer_ips();
		if ($first['ready'] || ($first['addresses'] === [] && $balancers === [])) {
			return $first;
		}
		$addresses = array_map(static fn($ip) => ($packed = @inet_pton($ip)) !== false ? inet_ntop($packed) : $ip, $first['addresses']);
		$balancer  = array_values(array_intersect($addresses, $balancers));
		if ($balancer !== []) {
			return ['ready' => true, 'status' => 'balancer', 'reason' => sprintf('points at the load balancer (%s)', implode(', ', $balancer)), 'addresses' => $first['addresses']];
		}
		foreach (Settings::targets() as $other) {
			if ($other === $target || $first['addresses'] === []) {
				continue;
			}
			try {
				$r = self::check(Settings::config($other), $domain);
			} catch (\Throwable $e) {
				continue; // That server's address is unknown now: the own target's answer stands.
			}
			if ($r['ready']) {
				$r['reason'] = sprintf('points at the server of target %s', Settings::target_key($other));
				return $r;
			}
		}
		return $first;
	}

	/**
	 * Ultimate Multisite found the domain's DNS right (wu_domain_manager_dns_propagation_finished):
	 * its waiting add is checked now instead of at its next backoff step.
	 *
	 * @param mixed $domain UM's Domain object, or a name.
	 * @return int How many waiting adds were made due.
	 */
	public static function propagated($domain): int {
		$name = is_object($domain) && method_exists($domain, 'get_domain') ? (string) $domain->get_domain() : (is_string($domain) ? $domain : '');
		if ($name === '') {
			return 0;
		}
		$name = Domain_Name::normalize($name);
		$ids  = Queue::waiting_for_dns($name);
		foreach ($ids as $id) {
			Queue::due_now($id);
		}
		if ($ids !== []) {
			Worker::schedule(time());
			Log::operation('add', $name, 'dns-ready', 0, 'Ultimate Multisite reports its DNS has propagated: checking now');
		}
		return count($ids);
	}
}
