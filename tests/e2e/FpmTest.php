<?php
/**
 * The extension as it runs in production: loaded in the php-fpm master, serving requests that
 * come through nginx, in 2 static workers, with the RunCloud simulator as the API.
 * Needs a stack started by tests/e2e/run.sh (scripts/stack.sh up --probe).
 */

namespace WuRunCloudE2E;

use PHPUnit\Framework\TestCase;

final class FpmTest extends TestCase {

	/** How many simulator requests one wu_runcloud_test_connection() makes (measured once). */
	private static int $calls_per_test = 0;

	private static int $seq = 0;

	protected function setUp(): void {
		Stack::sim()->clearFaults();
	}

	protected function tearDown(): void {
		Stack::sim()->clearFaults();
	}

	/** Simulator request-log entries after the last one seen. */
	private static function new_requests(): array {
		$entries = Stack::sim()->requests(self::$seq);
		foreach ($entries as $e) {
			self::$seq = max(self::$seq, (int) $e['seq']);
		}
		return $entries;
	}

	/** One line per logged request: "seq METHOD path -> status @connection". */
	private static function summary(array $log): string {
		return implode('; ', array_map(static fn($e) => sprintf('%d %s %s -> %s @%s', $e['seq'], $e['method'], $e['path'], $e['status'] ?? 'none', $e['connection']), $log));
	}

	private static function skip_to_end_of_request_log(): void {
		self::new_requests();
	}

	private function assertProbeOk(array $r, string $what): void {
		$this->assertSame(200, $r['http_status'], "$what: expected HTTP 200 from nginx, got {$r['http_status']}: " . json_encode($r));
		$this->assertArrayNotHasKey('exception', $r, "$what: expected no exception, got " . json_encode($r));
		$this->assertTrue($r['loaded'] ?? false, "$what: expected the wu_runcloud module loaded in worker " . ($r['pid'] ?? '?') . ': ' . json_encode($r));
	}

	/**
	 * Two requests that land on two different workers: A calls the API and then holds its
	 * worker busy, B is sent once A's calls are all in the simulator's log, so the idle worker
	 * takes it and the log entries can be attributed to each worker in order.
	 *
	 * @return array{0: array, 1: array, 2: array, 3: array} [A, A's log entries, B, B's log entries]
	 */
	private function two_workers(array $query, string $script = '/wu-e2e-probe.php'): array {
		$this->assertGreaterThan(0, self::$calls_per_test, 'calls per test_connection not measured yet');
		self::skip_to_end_of_request_log();
		$mh    = curl_multi_init();
		$a     = Stack::handle($script . '?' . http_build_query($query + ['hold_ms' => 1500]));
		$start = microtime(true);
		curl_multi_add_handle($mh, $a);
		$a_log = [];
		do {
			curl_multi_exec($mh, $running);
			curl_multi_select($mh, 0.05);
			$a_log = array_merge($a_log, self::new_requests());
		} while (count($a_log) < self::$calls_per_test && microtime(true) - $start < 10);
		$this->assertCount(self::$calls_per_test, $a_log, 'request A: expected exactly ' . self::$calls_per_test . ' simulator requests while it held its worker, got ' . self::summary($a_log));
		$b     = Stack::probe($query, $script);
		$b_log = self::new_requests();
		do {
			curl_multi_exec($mh, $running);
			curl_multi_select($mh, 0.05);
		} while ($running);
		$a_res = Stack::decode_probe($a, curl_multi_getcontent($a), $start);
		curl_multi_remove_handle($mh, $a);
		curl_multi_close($mh);
		$this->assertProbeOk($a_res, 'request A');
		$this->assertProbeOk($b, 'request B');
		$this->assertNotSame($a_res['pid'], $b['pid'], 'expected B to be served by the other worker while A held its worker busy; both were served by ' . $a_res['pid']);
		return [$a_res, $a_log, $b, $b_log];
	}

	public function test_measure_how_many_requests_one_test_connection_makes(): void {
		self::skip_to_end_of_request_log();
		$r = Stack::probe(['op' => 'test']);
		$this->assertProbeOk($r, 'test_connection through nginx');
		$this->assertSame(11667, (int) ($r['result']['server']['id'] ?? 0), 'expected test_connection to report server 11667: ' . json_encode($r));
		$this->assertSame(940288, (int) ($r['result']['app']['id'] ?? 0), 'expected test_connection to report app 940288: ' . json_encode($r));
		$log = self::new_requests();
		$this->assertNotEmpty($log, 'expected test_connection to reach the simulator');
		self::$calls_per_test = count($log);
	}

	/**
	 * Through WordPress (wp=1): the plugin's own configuration, in each of the 2 workers.
	 *
	 * @depends test_measure_how_many_requests_one_test_connection_makes
	 */
	public function test_every_worker_serves_requests_with_the_extension_loaded(): void {
		$pids = [];
		for ($i = 0; $i < 3; $i++) {
			[$a, , $b] = $this->two_workers(['op' => 'test', 'wp' => 1]);
			foreach ([$a, $b] as $r) {
				$this->assertSame(940288, (int) ($r['result']['app']['id'] ?? 0), 'expected every worker to read app 940288 from RunCloud: ' . json_encode($r));
				$this->assertSame('v3', $r['result']['api'] ?? null, 'expected the v3 token to be used: ' . json_encode($r));
				$pids[$r['pid']] = true;
			}
		}
		$this->assertCount(2, $pids, 'expected the 2 static workers to have served requests, saw pids ' . implode(',', array_keys($pids)));
	}

	/**
	 * Through WordPress (wp=1), so a page load that talked to RunCloud would show up here too.
	 *
	 * @depends test_measure_how_many_requests_one_test_connection_makes
	 */
	public function test_each_worker_reuses_one_connection_to_runcloud_across_requests(): void {
		Stack::sim()->reset();
		self::$seq = 0;
		$connections_by_pid = [];
		$rounds = 4;
		for ($i = 0; $i < $rounds; $i++) {
			[$a, $a_log, $b, $b_log] = $this->two_workers(['op' => 'test', 'wp' => 1]);
			foreach ([[$a, $a_log], [$b, $b_log]] as [$r, $log]) {
				foreach ($log as $entry) {
					$connections_by_pid[$r['pid']][$entry['connection']] = true;
				}
			}
		}
		$this->assertCount(2, $connections_by_pid, 'expected requests from 2 workers: ' . json_encode($connections_by_pid));
		$seen = [];
		foreach ($connections_by_pid as $pid => $ids) {
			$this->assertCount(1, $ids, "worker $pid served $rounds requests (" . ($rounds * self::$calls_per_test) . ' API calls) over connections ' . implode(',', array_keys($ids)) . '; expected one kept-alive connection');
			$seen[] = array_key_first($ids);
		}
		$this->assertNotSame($seen[0], $seen[1], 'expected each worker to own its connection, both used ' . $seen[0]);
		$counters = Stack::sim()->counters();
		$this->assertLessThanOrEqual(2, $counters['connections'], 'expected at most one new TCP connection per worker at the simulator after ' . (2 * $rounds) . ' requests, counters: ' . json_encode($counters));
		$this->assertSame(2 * $rounds * self::$calls_per_test, $counters['requests'], 'expected every API call counted: ' . json_encode($counters));
	}

	public function test_the_legacy_v2_key_and_secret_work_through_php_fpm(): void {
		self::skip_to_end_of_request_log();
		$r = Stack::probe(['op' => 'test', 'auth' => 'basic']);
		$this->assertProbeOk($r, 'test_connection with key + secret');
		$this->assertSame('v2', $r['result']['api'] ?? null, 'expected the key + secret to use API v2: ' . json_encode($r));
		$this->assertSame(940288, (int) ($r['result']['app']['id'] ?? 0), 'expected app 940288 over v2: ' . json_encode($r));
		$log = self::new_requests();
		$this->assertNotEmpty($log, 'expected the v2 call to reach the simulator');
		foreach ($log as $e) {
			$this->assertSame('basic', $e['auth'], 'expected HTTP Basic auth on every v2 request: ' . self::summary($log));
			$this->assertStringStartsWith('/api/v2/', $e['path'], 'expected only /api/v2 paths with key + secret: ' . self::summary($log));
		}
	}

	public function test_recycled_workers_come_back_with_a_working_extension(): void {
		$offset = Stack::fpm_log_size();
		$pids   = [];
		for ($i = 1; $i <= 10; $i++) {
			$r = Stack::probe(['op' => 'test'], '/wu-e2e-probe-recycle.php');
			$this->assertProbeOk($r, "request $i to the pool with pm.max_requests=3");
			$pids[$r['pid']] = ($pids[$r['pid']] ?? 0) + 1;
		}
		foreach ($pids as $pid => $n) {
			$this->assertLessThanOrEqual(3, $n, "worker $pid served $n requests; pm.max_requests=3 should have recycled it: " . json_encode($pids));
		}
		$this->assertGreaterThanOrEqual(4, count($pids), 'expected 10 requests at 3 per worker to need at least 4 worker processes: ' . json_encode($pids));
		usleep(300000);
		$log = Stack::fpm_log_since($offset);
		$this->assertStringNotContainsString('exited on signal', $log, "expected recycled workers to exit cleanly; php-fpm log:\n$log");
		$this->assertMatchesRegularExpression('/\[pool recycle\] child \d+ exited with code 0/', $log, "expected php-fpm to log a clean exit of a recycled worker; log:\n$log");
	}

	/** @depends test_measure_how_many_requests_one_test_connection_makes */
	public function test_a_slow_runcloud_ends_in_our_timeout_not_in_php_fpm_killing_the_worker(): void {
		$offset = Stack::fpm_log_size();
		Stack::sim()->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'latency', 'ms' => 45000]);
		$r = Stack::probe(['op' => 'test', 'timeout' => 3, 'connect_timeout' => 1, 'retries' => 0]);
		$this->assertSame(200, $r['http_status'], 'expected the worker to answer (our timeout), not a 502/504 from a killed worker: ' . json_encode($r));
		$this->assertSame('WuRunCloud\\TransportException', $r['exception'] ?? null, 'expected a TransportException for a RunCloud that does not answer: ' . json_encode($r));
		$this->assertSame(0, (int) $r['code'], 'expected code 0 for a transport failure: ' . json_encode($r));
		$this->assertGreaterThanOrEqual(2500, $r['elapsed_ms'], 'expected the call to wait for the 3 s timeout: ' . json_encode($r));
		$this->assertLessThan(6000, $r['elapsed_ms'], 'expected the call to give up close to its 3 s timeout: ' . json_encode($r));
		$log = Stack::fpm_log_since($offset);
		$this->assertStringNotContainsString('execution timed out', $log, "expected php-fpm not to terminate the request; log:\n$log");
		$this->assertStringNotContainsString('exited on signal', $log, "expected no worker to die; log:\n$log");
	}

	/**
	 * Production defaults, as the plugin configures the client inside WordPress: the whole call
	 * must end before php-fpm's request_terminate_timeout (30 s in the e2e pool).
	 */
	public function test_the_plugins_default_timeouts_end_a_hung_runcloud_before_request_terminate_timeout(): void {
		$offset = Stack::fpm_log_size();
		Stack::sim()->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'latency', 'ms' => 45000]);
		$r = Stack::probe(['op' => 'test', 'wp' => 1]);
		$this->assertSame(200, $r['http_status'], 'expected our client to time out before php-fpm kills the worker (30 s); got ' . json_encode($r));
		$this->assertSame('WuRunCloud\\TransportException', $r['exception'] ?? null, 'expected a TransportException with the plugin\'s default configuration: ' . json_encode($r));
		$this->assertLessThan(25000, $r['elapsed_ms'], 'expected the default budget (15 s) to bound the call well inside request_terminate_timeout: ' . json_encode($r));
		$log = Stack::fpm_log_since($offset);
		$this->assertStringNotContainsString('execution timed out', $log, "expected php-fpm not to terminate the request; log:\n$log");
	}

	/** @depends test_measure_how_many_requests_one_test_connection_makes */
	public function test_reload_replaces_every_worker_without_a_crash(): void {
		[$a, , $b] = $this->two_workers(['op' => 'test']); // both workers now own a client thread
		$old    = [$a['pid'], $b['pid']];
		$offset = Stack::fpm_log_size();
		$master = Stack::fpm_master_pid();
		$this->assertTrue(posix_kill($master, SIGUSR2), "could not send SIGUSR2 to the php-fpm master $master");
		$deadline = microtime(true) + 20;
		$log      = '';
		while (microtime(true) < $deadline) {
			$log = Stack::fpm_log_since($offset);
			if (substr_count($log, 'ready to handle connections') >= 1) {
				break;
			}
			usleep(100000);
		}
		$this->assertStringContainsString('ready to handle connections', $log, "expected php-fpm to come back after SIGUSR2 within 20 s; log:\n$log");
		foreach ($old as $pid) {
			$this->assertFileDoesNotExist("/proc/$pid", "expected old worker $pid to be gone after the reload");
			$this->assertMatchesRegularExpression("/child $pid exited with code 0/", $log, "expected old worker $pid (which had used the extension) to exit cleanly on reload; log:\n$log");
		}
		$this->assertStringNotContainsString('exited on signal', $log, "expected no worker killed by a signal during the reload; log:\n$log");
		self::skip_to_end_of_request_log();
		[$a2, , $b2] = $this->two_workers(['op' => 'test']);
		$this->assertEmpty(array_intersect($old, [$a2['pid'], $b2['pid']]), 'expected new workers after the reload, got ' . json_encode([$old, $a2['pid'], $b2['pid']]));
	}

	public function test_no_secret_appears_in_any_log_or_in_the_database(): void {
		$secrets = ['sim-token', 'sim-secret'];
		$dir     = Stack::get('STACK_DIR');
		$files   = array_merge(
			glob("$dir/php-fpm/*.log") ?: [],
			glob("$dir/nginx/logs/*.log") ?: [],
			glob("$dir/wordpress/*.log") ?: [],
			glob("$dir/wordpress/wp-content/*.log") ?: []
		);
		$this->assertNotEmpty($files, "expected log files under $dir");
		foreach ($files as $file) {
			$text = (string) file_get_contents($file);
			foreach ($secrets as $secret) {
				$this->assertStringNotContainsString($secret, $text, "expected no credential in $file");
			}
		}
		$dump = shell_exec('mariadb-dump --no-defaults --skip-comments --socket=' . escapeshellarg(Stack::get('STACK_MARIADB_SOCKET')) . ' -uroot wu_stack 2>&1');
		$this->assertIsString($dump);
		$this->assertStringContainsString('wp_sitemeta', $dump, 'expected a database dump of the e2e network');
		foreach ($secrets as $secret) {
			$this->assertStringNotContainsString($secret, $dump, 'expected no credential stored in the WordPress database');
		}
	}
}
