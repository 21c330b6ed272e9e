<?php
/**
 * An invalid configuration holds the queue instead of failing every row: one notice naming
 * what to fix, rows left exactly as they were, and they run once it is fixed. Only a bad
 * domain name fails its own row.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Failure;
use WU_RunCloud\Log;
use WU_RunCloud\Queue;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class ConfigHoldTest extends TestCase {

	protected function tearDown(): void {
		Settings::set_credential_source(null);
		parent::tearDown();
	}

	private function notices(): string {
		ob_start();
		do_action('network_admin_notices');
		return (string) ob_get_clean();
	}

	/** The same state of every row, before and after. */
	private function snapshot(array $ids): array {
		return array_map(static function ($id) {
			$row = (array) Queue::get($id);
			return array_intersect_key($row, array_flip(['status', 'attempts', 'next_attempt_at', 'last_error', 'last_status', 'dedup_key']));
		}, $ids);
	}

	public function test_an_out_of_range_timeout_holds_the_queue_with_one_notice_and_the_rows_run_once_fixed(): void {
		do_action('wu_add_domain', 'ours.example.com', 1);
		$this->run_worker_now();
		$this->sim()->clearRequests();

		do_action('wu_add_domain', 'new.example.com', 1);
		do_action('wu_remove_domain', 'ours.example.com', 1);
		$rows = [(int) $this->ops('new.example.com')[0]->id, (int) $this->ops('ours.example.com')[1]->id];
		$before = $this->snapshot($rows);

		// A filter sets a timeout the extension refuses (at most 600 s).
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['timeout' => 9999.0], 20);
		foreach ([1, 2, 3] as $run) {
			$result = Worker::process_due(time() + $run * 7200);
			$this->assertSame('held', $result['reason'], "run {$run}");
			$this->assertSame($before, $this->snapshot($rows), "Rows keep their state (run {$run}); ops:\n" . $this->describe_ops());
		}
		$this->assertSame([], $this->api_requests(), 'Nothing is sent with a refused configuration');
		$this->assertSame([], Queue::problems(), 'Nothing is marked failed');

		$notices = $this->notices();
		$this->assertSame(1, substr_count($notices, 'RunCloud configuration error'), "One notice:\n{$notices}");
		$this->assertStringContainsString('timeout (filter wu_runcloud_client_options)', $notices, 'It names what to fix');
		$this->assertStringContainsString('at most 600', $notices, 'and the extension\'s reason');
		$held = array_filter(Log::recent(50), static fn($l) => $l->outcome === 'held');
		$this->assertCount(1, $held, 'One log line, not one per run or per row');
		$this->assertNotFalse(wp_next_scheduled(Worker::HOOK), 'The worker looks again later');

		// Fixed: the next run sends both, in order.
		remove_all_filters('wu_runcloud_client_options', 20);
		Worker::process_due();
		$this->assertContains('new.example.com', $this->sim_domains(), "ops:\n" . $this->describe_ops());
		$this->assertNotContains('ours.example.com', $this->sim_domains(), 'The remove was not lost either');
		$this->assertSame('', trim(strip_tags($this->notices())), 'The notice is gone once RunCloud accepted a call');
	}

	public function test_a_non_numeric_app_id_holds_the_queue_naming_the_constant(): void {
		do_action('wu_add_domain', 'waits.example.com', 1);
		$id     = (int) $this->ops('waits.example.com')[0]->id;
		$before = $this->snapshot([$id]);
		Settings::set_credential_source(static fn($c) => ['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => 'my-app'][$c] ?? '');

		$this->assertSame('held', Worker::process_due()['reason']);
		$this->assertSame($before, $this->snapshot([$id]));
		$this->assertStringContainsString('WU_RUNCLOUD_APP_ID must be the positive number from the RunCloud dashboard URL, not "my-app"', html_entity_decode($this->notices(), ENT_QUOTES));
		$sync = Reconciler::run(false);
		$this->assertInstanceOf(\WP_Error::class, $sync);
		$this->assertStringContainsString('WU_RUNCLOUD_APP_ID', $sync->get_error_message());
		$this->assertSame([], $this->api_requests());

		Settings::set_credential_source(null);
		Worker::process_due();
		$this->assertContains('waits.example.com', $this->sim_domains());
	}

	/** @group wp-cli */
	public function test_wp_runcloud_add_on_a_held_queue_records_and_ends_with_an_error_naming_the_constant(): void {
		$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => 'my-app']);
		$run = $this->wp(['runcloud', 'add', 'cli-waits.example.com']);
		$this->assertSame(1, $run['exit'], self::transcript($run));
		$this->assertMatchesRegularExpression('/^Error: add cli-waits\.example\.com: recorded \(#\d+\), not sent: .*WU_RUNCLOUD_APP_ID must be the positive number/', $run['stderr']);
		$this->assertSame('pending', $this->ops('cli-waits.example.com')[0]->status, 'Recorded, to run once the constant is fixed');
		$this->assertSame([], $this->api_requests());
	}

	public function test_only_a_bad_domain_name_fails_its_own_row_while_the_queue_is_held(): void {
		do_action('wu_add_domain', 'bad name.example.com', 1);
		do_action('wu_add_domain', 'good.example.com', 1);
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['connect_timeout' => -1], 20);
		Worker::process_due();
		$bad  = $this->ops('bad name.example.com')[0];
		$good = $this->ops('good.example.com')[0];
		$this->assertSame('failed', $bad->status, "ops:\n" . $this->describe_ops());
		$this->assertStringContainsString('invalid domain name "bad name.example.com"', (string) $bad->last_error);
		$this->assertStringNotContainsString('connect_timeout', (string) $bad->last_error, 'The name\'s own problem, not the configuration\'s');
		$this->assertSame(['pending', 0], [$good->status, (int) $good->attempts]);
		$this->assertStringContainsString('connect_timeout (filter wu_runcloud_client_options)', $this->notices());
	}

	/** @return array<string, array{0: array, 1: string, 2: string}> */
	public static function refused_configurations(): array {
		return [
			'API URL' => [['base_url' => 'ftp://127.0.0.1:1'], 'WU_RUNCLOUD_API_URL "ftp://127.0.0.1:1" has the unsupported scheme "ftp"', 'base_url'],
			'CA file' => [['ca_file' => '/nonexistent/ca.pem'], 'WU_RUNCLOUD_CA_FILE "/nonexistent/ca.pem" cannot be read', 'ca_file'],
			'retries' => [['retries' => 99], 'retries (filter wu_runcloud_client_options) must be an integer from 0 to 10', 'retries must'],
			'token'   => [['api_token' => ''], 'no RunCloud credentials: set WU_RUNCLOUD_API_TOKEN (API v3)', 'api_token'],
		];
	}

	/**
	 * Each key the extension can refuse is named by its constant in the extension's own
	 * message, which the plugin keeps as it is (real calls, no request made).
	 *
	 * @dataProvider refused_configurations
	 */
	public function test_the_refused_key_is_named_by_its_constant(array $override, string $said, string $not_said): void {
		try {
			wu_runcloud_list_domains($override + Settings::config());
			$this->fail('The extension accepted ' . json_encode(array_keys($override)));
		} catch (\WuRunCloud\InvalidArgumentException $e) {
			$failure = Failure::of($e, 'valid.example.com');
		}
		$this->assertSame('config', $failure['outcome'], $failure['message']);
		$this->assertSame('invalid RunCloud configuration: ' . $said, substr($failure['message'], 0, strlen('invalid RunCloud configuration: ' . $said)), $failure['message']);
		$this->assertStringNotContainsString($not_said, $failure['message'], 'Named by the constant only, never the extension\'s key');
		$this->assertSame([], $this->api_requests());
	}
}
