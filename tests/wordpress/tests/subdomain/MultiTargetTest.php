<?php
/**
 * One network served by two RunCloud web apps on two servers (WU_RUNCLOUD_TARGETS): every
 * domain lands on both, each target is worked, retried and failed on its own, removals and
 * the prune follow the ownership rules per target, and bad input names the pair.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Domain_Status;
use WU_RunCloud\Domains;
use WU_RunCloud\Queue;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class MultiTargetTest extends TestCase {

	private const SERVER_B = 11668;
	private const APP_B    = 940300;

	private const BOTH = '11667:940288,11668:940300';

	protected function setUp(): void {
		parent::setUp();
		$this->reset_sim(['servers' => [
			['id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1', 'webapps' => [
				['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic'],
			]],
			['id' => self::SERVER_B, 'name' => 'web-02', 'ipAddress' => '127.0.0.2', 'webapps' => [
				['id' => self::APP_B, 'name' => 'network-b', 'primary_domain' => 'b.network.test', 'ssl' => 'basic'],
			]],
		]]);
		$this->use_targets(self::BOTH);
	}

	private function use_targets(string $targets): void {
		$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_TARGETS' => $targets]);
	}

	private function names_on(int $server, int $app): array {
		$out = array_map(static fn($d) => strtolower((string) $d['name']), (array) $this->sim()->domains($server, $app));
		sort($out);
		return $out;
	}

	private function posts_to(int $server, int $app, string $name): array {
		return array_values(array_filter(
			$this->api_requests('POST', "#/servers/{$server}/webapps/{$app}/domains$#"),
			static fn($r) => is_array($r['body']) && strtolower((string) ($r['body']['name'] ?? '')) === $name
		));
	}

	/** Certificate calls (order, redeploy, read-back) to one app. */
	private function ssl_writes_to(int $server, int $app): array {
		return array_values(array_filter($this->api_requests(null, "#/servers/{$server}/webapps/{$app}/ssl#"), static fn($r) => $r['method'] !== 'GET'));
	}

	/** @return array<string, object> "server:app" => the op's row */
	private function rows(string $op, string $domain): array {
		$out = [];
		foreach ($this->ops($domain) as $row) {
			if ($row->op === $op) {
				$out[$row->server_id . ':' . $row->app_id] = $row;
			}
		}
		ksort($out);
		return $out;
	}

	public function test_the_targets_come_from_wu_runcloud_targets_and_the_single_pair_stays_as_it_was(): void {
		$this->assertSame([[self::SERVER, self::APP], [self::SERVER_B, self::APP_B]], Settings::targets());
		$this->assertSame([], Settings::target_problems());
		$this->assertSame([], Settings::missing_constants(), 'WU_RUNCLOUD_TARGETS replaces the server and app ids');
		$this->assertSame((string) self::SERVER_B, Settings::config([self::SERVER_B, self::APP_B])['server_id']);

		$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => (string) self::SERVER, 'WU_RUNCLOUD_APP_ID' => (string) self::APP]);
		$this->assertSame([[self::SERVER, self::APP]], Settings::targets(), 'absent: the one pair of WU_RUNCLOUD_SERVER_ID + WU_RUNCLOUD_APP_ID');
		$this->assertSame('WU_RUNCLOUD_SERVER_ID', Settings::config()['setting_names']['server_id'], 'messages name the constants as before');
	}

	public function test_a_domain_lands_on_both_targets_with_one_coalesced_redeploy_each(): void {
		do_action('wu_add_domain', 'shop.example.com', 1);
		do_action('wu_add_domain', 'blog.example.com', 1);
		$adds = $this->rows('add', 'shop.example.com');
		$this->assertSame(['11667:940288', '11668:940300'], array_keys($adds), 'one durable row per target');

		$this->run_worker_now();
		foreach (['shop.example.com', 'blog.example.com'] as $name) {
			$this->assertCount(1, $this->posts_to(self::SERVER, self::APP, $name), "{$name} on web-01\n" . $this->describe_requests());
			$this->assertCount(1, $this->posts_to(self::SERVER_B, self::APP_B, $name), "{$name} on web-02 (its DNS points at web-01: any target's server is ready)\n" . $this->describe_ops());
			$this->assertSame(1, (int) Domains::get($name, null, [self::SERVER, self::APP])->managed);
			$this->assertSame(1, (int) Domains::get($name, null, [self::SERVER_B, self::APP_B])->managed);
		}

		$this->run_after_ssl_window();
		$redeploys = array_filter($this->ops(), static fn($o) => $o->op === 'redeploy_ssl');
		$this->assertSame(['11667:940288', '11668:940300'], array_values(array_unique(array_map(static fn($o) => $o->server_id . ':' . $o->app_id, $redeploys))), $this->describe_ops());
		$this->assertCount(2, $redeploys, 'two adds per target, one certificate order per target');
		$this->assertNotSame([], $this->ssl_writes_to(self::SERVER, self::APP));
		$this->assertNotSame([], $this->ssl_writes_to(self::SERVER_B, self::APP_B));

		// Shown per target: one row per domain and target.
		$rows = array_values(array_filter(Domain_Status::page(['search' => 'shop.example.com']), static fn($r) => $r->domain === 'shop.example.com'));
		$this->assertSame(['11667:940288', '11668:940300'], array_column($rows, 'target'));
		$this->assertNotNull(Domain_Status::of('shop.example.com', null, [self::SERVER_B, self::APP_B]));

		// The Domains table: a Target column, a row per domain and target. (Its cells are
		// checked by rendering each one: WordPress keeps a screen's column headers for the rest
		// of a process, and other tests render this screen with one target.)
		require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
		$table   = new \WU_RunCloud\Domains_Table(['screen' => 'settings_page_wu-runcloud-network']);
		$columns = $table->get_columns();
		$this->assertSame('Target (server:app)', $columns['target'] ?? null);
		$this->assertSame(['cb', 'domain', 'target', 'state'], array_slice(array_keys($columns), 0, 4), 'right after the domain');
		$cell = new \ReflectionMethod($table, 'column_target');
		$cell->setAccessible(true);
		$this->assertSame(['11667:940288', '11668:940300'], array_map(static fn($row) => $cell->invoke($table, $row), $rows));
	}

	public function test_one_target_answering_503_for_an_hour_never_delays_the_other_and_heals_after(): void {
		$this->add_fault(['method' => '*', 'path' => '/api/*/servers/' . self::SERVER_B . '/**', 'kind' => 'status', 'status' => 503]);
		do_action('wu_add_domain', 'shop.example.com', 1);
		$this->run_worker_now();

		$adds = $this->rows('add', 'shop.example.com');
		$this->assertSame('done', $adds['11667:940288']->status, 'the healthy target is done at once');
		$this->assertContains('shop.example.com', $this->names_on(self::SERVER, self::APP));
		$this->assertSame('retrying', $adds['11668:940300']->status, $this->describe_ops());
		$this->assertSame(503, (int) $adds['11668:940300']->last_status);

		// The healthy target's certificate is ordered while the other is still down.
		$this->run_after_ssl_window();
		$this->assertNotSame([], $this->ssl_writes_to(self::SERVER, self::APP), 'the healthy target\'s redeploy ran');

		// An hour of simulated time: every retry of the failed row fails, alone.
		$start = time();
		foreach ([60, 360, 1260, 3600] as $at) {
			$this->sim()->advance($at === 60 ? 60 : 300);
			Worker::process_due($start + $at + 1);
			$row = $this->rows('add', 'shop.example.com')['11668:940300'];
			$this->assertSame('retrying', $row->status, "still down at +{$at}s: " . $this->describe_ops());
		}
		$this->assertGreaterThanOrEqual(4, (int) $this->rows('add', 'shop.example.com')['11668:940300']->attempts);
		$this->assertSame('done', $this->rows('add', 'shop.example.com')['11667:940288']->status, 'never touched again');
		$this->assertCount(1, $this->posts_to(self::SERVER, self::APP, 'shop.example.com'), 'the healthy target was asked once');
		$health = \WU_RunCloud\Site_Health::domains();
		$this->assertStringContainsString('shop.example.com (11668:940300): ', $health['message'], 'Site Health names the failing target');
		$this->assertStringNotContainsString('(11667:940288)', $health['message']);

		$this->sim()->clearFaults();
		$this->run_all_due(time() + 7 * 3600); // past the longest backoff (6 h)
		$this->assertSame('done', $this->rows('add', 'shop.example.com')['11668:940300']->status, 'heals once its server answers: ' . $this->describe_ops());
		$this->assertContains('shop.example.com', $this->names_on(self::SERVER_B, self::APP_B));
		$this->assertNotSame([], $this->ssl_writes_to(self::SERVER_B, self::APP_B), 'and gets its own certificate order');
	}

	public function test_a_removal_leaves_the_domain_on_neither_target(): void {
		do_action('wu_add_domain', 'gone.example.com', 1);
		$this->run_worker_now();
		$this->assertContains('gone.example.com', $this->names_on(self::SERVER_B, self::APP_B), 'precondition');

		do_action('wu_remove_domain', 'gone.example.com', 1);
		$this->assertSame(['11667:940288', '11668:940300'], array_keys($this->rows('remove', 'gone.example.com')));
		$this->run_worker_now();
		$this->assertNotContains('gone.example.com', $this->names_on(self::SERVER, self::APP), $this->describe_ops());
		$this->assertNotContains('gone.example.com', $this->names_on(self::SERVER_B, self::APP_B));
		$this->assertNull(Domains::get('gone.example.com', null, [self::SERVER_B, self::APP_B]));
	}

	public function test_a_domain_added_by_hand_on_one_target_survives_removal_and_the_prune_there_only(): void {
		$this->sim()->seed(self::SERVER_B, self::APP_B, ['names' => ['hand.example.com', 'pruned.network.test']]);
		do_action('wu_add_domain', 'hand.example.com', 1);
		$this->run_worker_now();
		$this->assertSame(1, (int) Domains::get('hand.example.com', null, [self::SERVER, self::APP])->managed, 'added by us on web-01');
		$this->assertSame(0, (int) Domains::get('hand.example.com', null, [self::SERVER_B, self::APP_B])->managed, 'already there by hand on web-02');

		do_action('wu_remove_domain', 'hand.example.com', 1);
		$this->run_worker_now();
		$removes = $this->rows('remove', 'hand.example.com');
		$this->assertSame('done', $removes['11667:940288']->status);
		$this->assertSame('skipped', $removes['11668:940300']->status);
		$this->assertSame('kept: not added by this plugin', $removes['11668:940300']->last_error);
		$this->assertNotContains('hand.example.com', $this->names_on(self::SERVER, self::APP));
		$this->assertContains('hand.example.com', $this->names_on(self::SERVER_B, self::APP_B), 'the hand-added domain stays');

		// The prune: a site's hostname we added to web-01, but found on web-02 already.
		$site = $this->create_site('pruned');
		$this->run_worker_now();
		$this->assertSame(1, (int) Domains::get('pruned.network.test', null, [self::SERVER, self::APP])->managed, $this->describe_ops());
		Settings::set_enabled(false);
		wp_delete_site((int) $site->blog_id);
		Settings::set_enabled(true);
		foreach ([1, 2] as $run) {
			$result = Reconciler::run(false, true);
			$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
		}
		$this->assertNotContains('pruned.network.test', $this->names_on(self::SERVER, self::APP), 'pruned where we added it: ' . $this->describe_ops());
		$this->assertContains('pruned.network.test', $this->names_on(self::SERVER_B, self::APP_B), 'kept where it was added by hand');
		$this->assertSame(['pruned.network.test'], get_network_option(null, Reconciler::LAST_SYNC_OPTION)['removed'], 'the last sync speaks for every target');
		$deletes = array_map(static fn($r) => $r['path'], $this->api_requests('DELETE'));
		$this->assertSame([], preg_grep('#/servers/' . self::SERVER_B . '/#', $deletes), 'no DELETE ever reached web-02');
	}

	public function test_a_malformed_or_repeated_pair_is_named_and_the_others_keep_working(): void {
		$this->use_targets('11667:940288, abc , 11667:940288,11668:940300,12:0');
		$this->assertSame([[self::SERVER, self::APP], [self::SERVER_B, self::APP_B]], Settings::targets());
		$problems = Settings::target_problems();
		$this->assertCount(3, $problems);
		$this->assertStringContainsString('WU_RUNCLOUD_TARGETS: "abc" is not a server:app pair', $problems[0]);
		$this->assertStringContainsString('WU_RUNCLOUD_TARGETS: "11667:940288" is listed more than once', $problems[1]);
		$this->assertStringContainsString('"12:0"', $problems[2]);

		$test = Domain_Sync::test_connection();
		$this->assertWPError($test);
		$this->assertStringContainsString('"abc"', $test->get_error_message(), 'Test Connection names the pair');
		$this->assertTrue(get_network_option(null, Domain_Sync::LAST_TEST_OPTION)['targets']['11668:940300']['ok'], 'the good pairs were tested');

		$this->use_targets(self::BOTH);
		$ok = Domain_Sync::test_connection();
		$this->assertIsArray($ok, is_wp_error($ok) ? $ok->get_error_message() : '');
		$this->assertSame('Connected (API v3) to every target: 11667:940288: server "web-01", web application "network", 1 domain, SSL mode basic; 11668:940300: server "web-02", web application "network-b", 1 domain, SSL mode basic.', \WU_RunCloud\Network_Admin::test_message($ok));
		$this->assertTrue(get_network_option(null, Domain_Sync::LAST_TEST_OPTION)['ok']);
		$this->use_targets('11667:940288, abc , 11667:940288,11668:940300,12:0');

		do_action('wu_add_domain', 'shop.example.com', 1);
		$this->run_worker_now();
		$this->assertNull(Settings::held(), 'nothing is held');
		$this->assertContains('shop.example.com', $this->names_on(self::SERVER, self::APP));
		$this->assertContains('shop.example.com', $this->names_on(self::SERVER_B, self::APP_B));
	}

	public function test_an_id_runcloud_does_not_know_fails_that_targets_operations_naming_it(): void {
		$this->use_targets('11667:940288,11668:999999');
		$test = Domain_Sync::test_connection();
		$this->assertWPError($test);
		$this->assertStringContainsString('RunCloud target 11668:999999 failed:', $test->get_error_message());
		$this->assertStringNotContainsString('11667:940288', $test->get_error_message(), 'only the failed one is named');

		do_action('wu_add_domain', 'shop.example.com', 1);
		$this->run_worker_now();
		$adds = $this->rows('add', 'shop.example.com');
		$this->assertSame('done', $adds['11667:940288']->status);
		$this->assertContains($adds['11668:999999']->status, ['retrying', 'failed'], $this->describe_ops());
		$this->assertStringContainsString('WU_RUNCLOUD_TARGETS (app 999999 of the pair 11668 and 999999)', (string) $adds['11668:999999']->last_error, 'the failure names the pair');
		$this->assertNull(Settings::held(), 'the other target is not held');
	}

	public function test_the_dns_gate_accepts_a_domain_pointing_at_any_targets_server(): void {
		// Public addresses (loopback ones all count as this machine's), on servers of their own
		// (a worker keeps a server's address for a while).
		$this->reset_sim(['servers' => [
			['id' => 31001, 'name' => 'web-01', 'ipAddress' => '192.0.2.1', 'webapps' => [['id' => 960001, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic']]],
			['id' => 31002, 'name' => 'web-02', 'ipAddress' => '192.0.2.2', 'webapps' => [['id' => 960002, 'name' => 'network-b', 'primary_domain' => 'b.network.test', 'ssl' => 'basic']]],
		]]);
		$this->use_targets('31001:960001,31002:960002');
		$this->sim()->dns([['name' => 'a.example.com', 'a' => ['192.0.2.1']], ['name' => 'elsewhere.example.com', 'a' => ['192.0.2.77']]]);
		do_action('wu_add_domain', 'a.example.com', 1);
		do_action('wu_add_domain', 'elsewhere.example.com', 1);
		$this->run_worker_now();
		$this->assertSame(['done', 'done'], array_values(array_map(static fn($r) => $r->status, $this->rows('add', 'a.example.com'))), 'web-02 serves it too: ' . $this->describe_ops());
		$this->assertCount(1, $this->posts_to(31002, 960002, 'a.example.com'));
		$this->assertSame(['waiting', 'waiting'], array_values(array_map(static fn($r) => $r->status, $this->rows('add', 'elsewhere.example.com'))), 'an address no target has is not here');
	}

	public function test_the_dns_gate_accepts_a_declared_balancer_address(): void {
		$this->sim()->dns([['name' => 'lb.example.com', 'a' => ['192.0.2.10']]]);
		do_action('wu_add_domain', 'lb.example.com', 1);
		$this->run_worker_now();
		$this->assertSame(['waiting', 'waiting'], array_values(array_map(static fn($r) => $r->status, $this->rows('add', 'lb.example.com'))), 'an unknown address is not here');

		$this->add_test_filter('wu_runcloud_balancer_ips', static fn($ips) => array_merge($ips, ['192.0.2.10']));
		$this->run_all_due(time() + 61);
		$this->assertSame(['done', 'done'], array_values(array_map(static fn($r) => $r->status, $this->rows('add', 'lb.example.com'))), $this->describe_ops());
	}

	public function test_an_operation_recorded_before_any_target_was_usable_runs_on_every_target(): void {
		$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token']);
		do_action('wu_add_domain', 'early.example.com', 1);
		$this->assertSame(['0:0'], array_keys($this->rows('add', 'early.example.com')), 'one row, for no target yet');

		$this->use_targets(self::BOTH);
		Worker::process_due();
		Worker::process_due();
		$this->assertSame(['11667:940288', '11668:940300'], array_keys($this->rows('add', 'early.example.com')), $this->describe_ops());
		$this->assertContains('early.example.com', $this->names_on(self::SERVER, self::APP));
		$this->assertContains('early.example.com', $this->names_on(self::SERVER_B, self::APP_B));
		$this->assertCount(1, $this->posts_to(self::SERVER_B, self::APP_B, 'early.example.com'), 'once each');
	}

	public function test_a_row_waiting_from_before_the_upgrade_still_absorbs_the_same_request(): void {
		global $wpdb;
		$this->use_targets('11667:940288');
		$id = Queue::enqueue('add', 'old.example.com', 0, 'test');
		$wpdb->query($wpdb->prepare('UPDATE ' . Queue::table() . " SET dedup_key = 'add|%d|old.example.com' WHERE id = %d", get_current_network_id(), $id));
		update_network_option(null, \WU_RunCloud\Schema::VERSION_OPTION, '5');
		\WU_RunCloud\Schema::maybe_install();
		$this->assertSame($id, Queue::enqueue('add', 'old.example.com', 0, 'test'), 'the same row, not a second add');
		$this->assertCount(1, $this->ops('old.example.com'));
	}

	/** @group wp-cli */
	public function test_wp_runcloud_sync_works_on_one_target_and_domains_shows_each(): void {
		$site = $this->create_site('synced');
		Queue::dismiss(0);
		global $wpdb;
		$wpdb->query('TRUNCATE TABLE ' . Queue::table()); // only the reconcile adds it

		$run = $this->wp(['runcloud', 'sync', '--target=11668:940300']);
		$this->assertSame(0, $run['exit'], self::transcript($run));
		$this->assertContains('synced.network.test', $this->names_on(self::SERVER_B, self::APP_B));
		$this->assertNotContains('synced.network.test', $this->names_on(self::SERVER, self::APP), 'the other target untouched');

		$bad = $this->wp(['runcloud', 'sync', '--target=1:2']);
		$this->assertSame(1, $bad['exit']);
		$this->assertStringContainsString('--target=1:2 is not one of the configured targets (11667:940288, 11668:940300)', $bad['stderr']);

		$list = $this->wp(['runcloud', 'domains', '--format=csv', '--fields=domain,target,status', '--search=synced']);
		$this->assertSame(0, $list['exit'], self::transcript($list));
		$this->assertStringContainsString('synced.network.test,11667:940288,missing', $list['stdout']);
		$this->assertStringContainsString('synced.network.test,11668:940300,cert_pending', $list['stdout']);
		unset($site);

		// Status: the targets, and a failing operation names its target.
		$this->add_fault(['method' => '*', 'path' => '/api/*/servers/' . self::SERVER_B . '/**', 'kind' => 'status', 'status' => 503]);
		do_action('wu_add_domain', 'down.example.com', 1);
		Worker::process_due();
		$status = $this->wp(['runcloud', 'status', '--format=csv', '--fields=key,value']);
		$this->assertSame(0, $status['exit'], self::transcript($status));
		$this->assertStringContainsString('targets,"11667:940288, 11668:940300"', $status['stdout']);
		$this->assertMatchesRegularExpression('/Warning: #\d+ add down\.example\.com \(11668:940300\): retrying, attempts 1, HTTP 503/', $status['stderr']);
		$this->assertStringNotContainsString('down.example.com (11667:940288)', $status['stderr']);
	}

	private function assertWPError($value): void {
		$this->assertInstanceOf(\WP_Error::class, $value);
	}
}
