<?php
/**
 * Domain names as the plugin keys them: the extension's normal form (lower-case, no trailing
 * dot, IDN as punycode), so every spelling of a domain shares one queue key, one tracking row
 * and one ownership decision.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domain_Name {

	/**
	 * The normal form. Without the extension, or for a name it rejects (the worker reports
	 * why), a plain ASCII fold: the row is still recorded and keyed.
	 */
	public static function normalize(string $domain): string {
		if (function_exists('wu_runcloud_normalize_domain')) {
			try {
				return wu_runcloud_normalize_domain($domain);
			} catch (\Throwable $e) {
				// Invalid: recorded as given, and the worker's failure names the problem.
			}
		}
		return rtrim(strtolower(trim($domain)), '.');
	}

	/** @param iterable<mixed> $domains @return string[] each one normalised, in order */
	public static function normalize_all(iterable $domains): array {
		$out = [];
		foreach ($domains as $domain) {
			$out[] = self::normalize((string) $domain);
		}
		return $out;
	}

	public static function same(string $a, string $b): bool {
		return self::normalize($a) === self::normalize($b);
	}

	/** Why the extension refuses this name (no I/O), or null when it is valid or cannot tell. */
	public static function problem(string $domain): ?string {
		if (!function_exists('wu_runcloud_normalize_domain')) {
			return null;
		}
		try {
			wu_runcloud_normalize_domain($domain);
			return null;
		} catch (\Throwable $e) {
			return $e->getMessage();
		}
	}

	/**
	 * The spellings WordPress may store for a normalised name: the name itself and, for an
	 * internationalised one, its Unicode form (a site may hold either).
	 *
	 * @return array<string, string> spelling => the normalised name
	 */
	public static function spellings(string $domain): array {
		$out = [$domain => $domain];
		if (str_contains($domain, 'xn--') && function_exists('idn_to_utf8')) {
			$unicode = idn_to_utf8($domain, IDNA_DEFAULT, INTL_IDNA_VARIANT_UTS46);
			if (is_string($unicode) && $unicode !== '') {
				$out[$unicode] = $domain;
			}
		}
		return $out;
	}
}
