<?php
/**
 * What the e2e tests know about the running stack (scripts/stack.sh up … writes stack.env),
 * plus HTTP helpers: requests to nginx resolve the test host names to the stack's loopback
 * address (like curl --resolve); the simulator's control client (tests/lib/php/Sim.php)
 * talks to it directly.
 */

namespace WuRunCloudE2E;

use WuRunCloud\Harness\Sim;

require_once dirname(__DIR__, 2) . '/lib/php/Sim.php';

final class Stack {

	/** @var array<string,string> */
	private static array $env = [];

	public static function load(string $file): void {
		if (!is_file($file)) {
			throw new \RuntimeException("stack.env not found at $file: was scripts/stack.sh up run?");
		}
		foreach (file($file, FILE_IGNORE_NEW_LINES) as $line) {
			if (preg_match("/^([A-Z_]+)='(.*)'$/", $line, $m)) {
				self::$env[$m[1]] = $m[2];
			}
		}
	}

	public static function get(string $key): string {
		if (!isset(self::$env[$key])) {
			throw new \RuntimeException("stack.env has no $key");
		}
		return self::$env[$key];
	}

	/** Host name => loopback address, for every name the tests use. */
	public static function resolve(string $host): array {
		return [sprintf('%s:%s:%s', $host, self::get('STACK_PORT'), self::get('STACK_ADDR'))];
	}

	/**
	 * A curl handle for a request through nginx.
	 *
	 * @param string $path e.g. '/wu-e2e-probe.php?op=info'
	 */
	public static function handle(string $path, ?string $host = null, array $opts = []) {
		$host = $host ?? self::get('STACK_DOMAIN');
		$port = self::get('STACK_PORT');
		$url  = "http://$host" . ($port === '80' ? '' : ":$port") . $path;
		$ch   = curl_init($url);
		curl_setopt_array($ch, $opts + [
			CURLOPT_RETURNTRANSFER => true,
			CURLOPT_RESOLVE        => self::resolve($host),
			CURLOPT_TIMEOUT        => 90,
			CURLOPT_CONNECTTIMEOUT => 5,
			CURLOPT_NOPROXY        => '*',
		]);
		return $ch;
	}

	/** GET through nginx: [status, body]. */
	public static function get_page(string $path, ?string $host = null): array {
		$ch   = self::handle($path, $host);
		$body = curl_exec($ch);
		if ($body === false) {
			throw new \RuntimeException("GET $path failed: " . curl_error($ch));
		}
		return [curl_getinfo($ch, CURLINFO_RESPONSE_CODE), $body];
	}

	/**
	 * The probe through nginx; returns its decoded JSON plus 'http_status' and 'wall_ms'.
	 *
	 * @param array $query e.g. ['op' => 'test']
	 */
	public static function probe(array $query = [], string $script = '/wu-e2e-probe.php'): array {
		$ch    = self::handle($script . '?' . http_build_query($query));
		$start = microtime(true);
		$body  = curl_exec($ch);
		return self::decode_probe($ch, $body, $start);
	}

	public static function decode_probe($ch, $body, float $start): array {
		$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
		$wall   = (int) round((microtime(true) - $start) * 1000);
		$json   = is_string($body) ? json_decode($body, true) : null;
		if (!is_array($json)) {
			return ['http_status' => $status, 'wall_ms' => $wall, 'raw' => is_string($body) ? substr($body, 0, 500) : curl_error($ch)];
		}
		return $json + ['http_status' => $status, 'wall_ms' => $wall];
	}

	/** The simulator's control API, spoken directly (not through nginx). */
	public static function sim(): Sim {
		static $sim = null;
		return $sim ??= new Sim(self::get('STACK_SIM_URL'));
	}

	/** The php-fpm log from byte $offset on. */
	public static function fpm_log_since(int $offset): string {
		clearstatcache();
		$log = (string) @file_get_contents(self::get('STACK_FPM_LOG'));
		return substr($log, $offset);
	}

	public static function fpm_log_size(): int {
		clearstatcache();
		return (int) @filesize(self::get('STACK_FPM_LOG'));
	}

	public static function fpm_master_pid(): int {
		return (int) trim((string) file_get_contents(self::get('STACK_FPM_PIDFILE')));
	}
}
