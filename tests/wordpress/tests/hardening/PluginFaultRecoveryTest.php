<?php
/**
 * RunCloud misbehaves while domains are mapped: the plugin records each failure with a
 * message and a next attempt, and once the fault clears the queue (time-travelled, not slept)
 * puts every domain in RunCloud. Lost operations are counted and must be zero.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class PluginFaultRecoveryTest extends TestCase {

	/** @var array{faults:int, operations:int, recorded:int, recovered:int, lost:int} */
	private static array $tally = ['faults' => 0, 'operations' => 0, 'recorded' => 0, 'recovered' => 0, 'lost' => 0];

	protected function setUp(): void {
		parent::setUp();
		// A 1 s budget and no in-extension retry, so hangs and timeouts are quick.
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['retries' => 0, 'timeout' => 1.0, 'connect_timeout' => 1.0], 20);
	}

	/** @return array<string, array{0: array}> */
	public static function faults(): array {
		return [
			'503 with HTML'           => [['kind' => 'status', 'status' => 503]],
			'500 with HTML'           => [['kind' => 'status', 'status' => 500]],
			'connection reset'        => [['kind' => 'reset']],
			'hang'                    => [['kind' => 'hang', 'ms' => 20000]],
			'timeout (latency 3 s)'   => [['kind' => 'latency', 'ms' => 3000]],
			'429 with Retry-After'    => [['kind' => 'rate_limit', 'retry_after' => 30]],
			'429 without Retry-After' => [['kind' => 'rate_limit']],
			'malformed JSON'          => [['kind' => 'malformed_json']],
			'truncated JSON'          => [['kind' => 'truncated_json']],
			'wrong content type'      => [['kind' => 'wrong_content_type']],
			'redirect'                => [['kind' => 'redirect']],
		];
	}

	/** @dataProvider faults */
	public function test_a_domain_mapped_during_a_fault_is_recorded_retried_and_in_runcloud_once_it_clears(array $fault): void {
		$domain = 'fault-' . substr(md5(json_encode($fault)), 0, 8) . '.example.com';
		$this->add_fault(['method' => '*', 'path' => '/api/**'] + $fault);
		self::$tally['faults']++;
		self::$tally['operations']++;

		$t = microtime(true);
		do_action('wu_add_domain', $domain, 1);
		$this->run_worker_now();
		$this->assertLessThan(10.0, microtime(true) - $t, 'the worker is not held up by the fault beyond its budget');

		$op = $this->ops($domain)[0];
		$this->assertSame('retrying', $op->status, "the failure is recorded for a retry; ops:\n" . $this->describe_ops());
		$this->assertNotSame('', trim((string) $op->last_error), 'the failure has a message');
		$this->assertGreaterThan(time(), (int) $op->next_attempt_at, 'a next attempt is planned');
		if ($fault['kind'] !== 'truncated_json') {
			$this->assertNotContains($domain, $this->sim_domains(), 'the fault answered before RunCloud did anything');
		} // truncated_json cuts the answer of a request RunCloud carried out: the retry must find the domain and not add it twice
		self::$tally['recorded']++;

		$this->sim()->clearFaults();
		Worker::process_due((int) $op->next_attempt_at + 1);
		Worker::process_due(time() + 7 * 3600);
		$this->assertContains($domain, $this->sim_domains(), "the domain is in RunCloud once the fault cleared; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
		$this->assertSame('done', $this->ops($domain)[0]->status);
		self::$tally['recovered']++;
	}

	public function test_fifty_domains_mapped_while_runcloud_is_down_all_arrive_once_it_is_back(): void {
		$this->add_fault(['method' => '*', 'path' => '/api/**', 'kind' => 'status', 'status' => 503]);
		$domains = array_map(static fn($i) => "down{$i}.example.com", range(1, 50));
		foreach ($domains as $i => $d) {
			do_action('wu_add_domain', $d, 1);
		}
		Worker::process_due(time(), 100);
		$problems = count(array_filter($this->ops(), static fn($o) => $o->status === 'retrying'));
		$this->sim()->clearFaults();
		Worker::process_due(time() + 7 * 3600, 100);
		Worker::process_due(time() + 14 * 3600, 100);
		$present = array_intersect($domains, $this->sim_domains());
		$lost = count($domains) - count($present);
		self::$tally['operations'] += count($domains);
		self::$tally['recorded'] += $problems;
		self::$tally['recovered'] += count($present);
		self::$tally['lost'] += $lost;
		$this->assertGreaterThan(0, $problems, 'the outage was recorded');
		$this->assertSame(0, $lost, 'lost operations: ' . implode(', ', array_diff($domains, $present)) . "\nops:\n" . $this->describe_ops());
	}

	/** The plugin's log and the stored errors of this test, kept for the secrets scan. */
	protected function tearDown(): void {
		$rows = array_map(static fn($r) => json_encode($r), array_merge(\WU_RunCloud\Log::recent(200), $this->ops()));
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/plugin-log.txt', implode("\n", $rows) . "\n", FILE_APPEND);
		parent::tearDown();
	}

	public static function tearDownAfterClass(): void {
		$t = self::$tally;
		$line = sprintf("plugin fault recovery: %d fault kinds, %d operations, %d recorded as failing, %d in RunCloud after the fault cleared, %d lost\n", $t['faults'], $t['operations'], $t['recorded'], $t['recovered'], $t['lost']);
		fwrite(STDOUT, "\n" . $line);
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/fault-recovery.txt', $line);
	}
}
