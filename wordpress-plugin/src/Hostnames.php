<?php
/**
 * Hostname policy: which hostnames of a network need their own RunCloud domain, which
 * network a request belongs to, and whether a domain gets a www alias.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Hostnames {

	/**
	 * A site's hostname needs its own RunCloud domain unless it is its network's main domain
	 * (RunCloud serves that one as the app's own).
	 */
	public static function needs_own_domain(string $hostname, int $network_id): bool {
		$network = get_network($network_id ?: null);
		return $network && !Domain_Name::same($hostname, (string) $network->domain);
	}

	/** The network a request for $site_id belongs to: the site's while it exists, else the current one. */
	public static function network_of(int $site_id): int {
		$site = $site_id > 0 ? get_site($site_id) : null;
		return $site ? (int) $site->network_id : get_current_network_id();
	}

	/**
	 * The main domain of every network of this install: never wanted as a domain of its own,
	 * never removed.
	 *
	 * @return array<string, int> normalised domain => network id
	 */
	public static function network_domains(): array {
		$out = [];
		foreach (get_networks(['number' => 0]) as $network) {
			$out[Domain_Name::normalize((string) $network->domain)] ??= (int) $network->id;
		}
		return $out;
	}

	/**
	 * Whether a www alias should be requested for $domain: Ultimate Multisite's setting when
	 * present, otherwise only for registrable apex domains (example.com, example.co.uk).
	 */
	public static function wants_www(string $domain): bool {
		$domain = strtolower(trim($domain, " .\t\n"));
		if (str_starts_with($domain, 'www.')) {
			return false;
		}
		if (class_exists('WP_Ultimo\\Managers\\Domain_Manager')
			&& method_exists('WP_Ultimo\\Managers\\Domain_Manager', 'get_instance')
			&& method_exists('WP_Ultimo\\Managers\\Domain_Manager', 'should_create_www_subdomain')) {
			return (bool) \WP_Ultimo\Managers\Domain_Manager::get_instance()->should_create_www_subdomain($domain);
		}
		if (function_exists('wu_get_setting')) {
			$setting = wu_get_setting('auto_create_www_subdomain', 'always');
			if ($setting === 'never') {
				return false;
			}
			if ($setting !== 'main_only') {
				return true;
			}
		}
		return self::is_apex($domain);
	}

	/** A registrable domain: two labels, or three under a common two-label public suffix. */
	public static function is_apex(string $domain): bool {
		$labels = explode('.', $domain);
		if (count($labels) === 2) {
			return true;
		}
		if (count($labels) !== 3) {
			return false;
		}
		$second   = $labels[1];
		$tld      = $labels[2];
		$suffixes = apply_filters('wu_runcloud_second_level_suffixes', ['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ltd', 'plc', 'me', 'or', 'ne', 'gen', 'nom']);
		return strlen($tld) === 2 && in_array($second, (array) $suffixes, true);
	}
}
