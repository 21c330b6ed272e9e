<?php
/**
 * After WU_RUNCLOUD_APP_ID (or the server) changes, what was recorded for the old app is
 * never acted on against the new one: not a prune candidate, not proof of ownership.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;

final class TargetChangeTest extends TestCase {

	private const NEW_APP = 940289;

	protected function tearDown(): void {
		Settings::set_credential_source(null);
		parent::tearDown();
	}

	/** The operator moves the network to another app of the server (or another server). */
	private function switch_to(int $server, int $app): void {
		$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => (string) $server, 'WU_RUNCLOUD_APP_ID' => (string) $app]);
	}

	private function app_domains(int $server, int $app): array {
		return array_map(static fn($d) => strtolower($d['name']), (array) $this->sim()->domains($server, $app));
	}

	/**
	 * The operator moves a name by hand in RunCloud's dashboard: off the old app (a name
	 * lives on one app of a server), onto the new one.
	 */
	private function move_by_hand(string $domain, int $server, int $app): void {
		$this->sim()->unseed($domain);
		$this->sim()->seed($server, $app, ['names' => [$domain]]);
	}

	/** A second app on the server, and the default second server. */
	private function seed_two_apps(array $on_new_app = []): void {
		$this->reset_sim(['servers' => [
			['id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1', 'webapps' => [
				['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic'],
				['id' => self::NEW_APP, 'name' => 'network-new', 'primary_domain' => 'new.network.test', 'ssl' => 'basic', 'domains' => $on_new_app],
			]],
			['id' => 11668, 'name' => 'web-02', 'ipAddress' => '127.0.0.2', 'webapps' => [
				['id' => 940300, 'name' => 'other', 'primary_domain' => 'other.test', 'ssl' => 'none', 'domains' => $on_new_app],
			]],
		]]);
	}

	/** @return array<string, array{0:int, 1:int}> */
	public static function new_targets(): array {
		return [
			'another app of the same server' => [self::SERVER, self::NEW_APP],
			'another server'                 => [11668, 940300],
		];
	}

	/** @dataProvider new_targets */
	public function test_the_old_apps_domains_are_never_pruned_from_the_new_app(int $server, int $app): void {
		$this->seed_two_apps();
		$site = $this->create_site('moved');
		$this->run_worker_now();
		$row = Domains::get('moved.network.test');
		$this->assertNotNull($row, "precondition: ours on the old app; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
		$this->assertSame(1, (int) $row->managed, 'precondition: ours on the old app');

		$this->move_by_hand('moved.network.test', $server, $app);
		$this->switch_to($server, $app);
		Settings::set_enabled(false);
		wp_delete_site((int) $site->blog_id);
		Settings::set_enabled(true);
		$this->assertSame([], Domains::managed(), 'Nothing is ours on the new app');

		foreach ([1, 2, 3] as $run) {
			$result = Reconciler::run(false, true);
			$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
			$this->assertSame([], $result['removed'], "run {$run}");
			$this->assertSame([], $result['prune']['first_miss'], 'The old app\'s row is not even a candidate');
		}
		$this->assertContains('moved.network.test', $this->app_domains($server, $app), 'The hand-added name on the new app stays');
		$this->assertSame([], $this->api_requests('DELETE'), 'No DELETE on either app');
	}

	/**
	 * @dataProvider new_targets
	 * @group wp-cli
	 */
	public function test_a_remove_after_the_change_keeps_the_new_apps_hand_added_domain(int $server, int $app): void {
		$this->seed_two_apps();
		do_action('wu_add_domain', 'carried.example.com', 1);
		$this->run_worker_now();
		$this->move_by_hand('carried.example.com', $server, $app);
		$this->switch_to($server, $app);

		$run = $this->wp(['runcloud', 'remove', 'carried.example.com']);
		$this->assertSame(0, $run['exit'], self::transcript($run));
		$this->assertSame('Warning: remove carried.example.com: kept: not added by this plugin', $run['stderr']);
		$this->assertContains('carried.example.com', $this->app_domains($server, $app));
		$this->assertSame([], $this->api_requests('DELETE'));
	}
}
