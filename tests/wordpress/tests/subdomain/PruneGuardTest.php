<?php
/**
 * The reconcile's prune cannot be talked into a mass deletion: a wanted list it could not
 * read completely aborts it, a name must be missing from two reconciles in a row, and one
 * run removes at most max(5, 10 %) of the domains this network manages — more than that
 * removes none and raises an alert that an admin resolves on purpose.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;
use WU_RunCloud\Log;
use WU_RunCloud\Plugin;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;

final class PruneGuardTest extends TestCase {

	/**
	 * Sites whose hostnames this plugin added (one sync), the first $unwanted of them then
	 * deleted while the plugin was off, so nothing asked for their removal.
	 *
	 * @return string[] the unwanted hostnames
	 */
	private function managed_sites(int $count, int $unwanted, string $prefix = 'p'): array {
		Settings::set_enabled(false);
		$sites = [];
		foreach (range(1, $count) as $n) {
			$sites[] = $this->create_site("{$prefix}{$n}");
		}
		Settings::set_enabled(true);
		$added = Reconciler::run(false, false);
		$this->assertIsArray($added);
		$this->assertCount($count, $added['added'], 'precondition: every hostname added by this plugin');
		Settings::set_enabled(false);
		$gone = [];
		foreach (array_slice($sites, 0, $unwanted) as $site) {
			$gone[] = $site->domain;
			wp_delete_site((int) $site->blog_id);
		}
		Settings::set_enabled(true);
		sort($gone);
		return $gone;
	}

	/** Names the wu_runcloud_wanted_domains filter adds (a cheap stand-in for many sites). */
	private array $also_wanted = [];

	protected function setUp(): void {
		parent::setUp();
		$this->also_wanted = [];
		$this->add_test_filter('wu_runcloud_wanted_domains', fn($domains) => is_array($domains) ? array_merge($domains, $this->also_wanted) : $domains, 5);
	}

	/**
	 * $count domains this plugin added, wanted through the filter; then the first $unwanted
	 * of them no longer wanted.
	 *
	 * @return string[] the unwanted ones
	 */
	private function managed_domains(int $count, int $unwanted): array {
		$names = array_map(static fn($n) => sprintf('d%02d.example.com', $n), range(1, $count));
		$this->also_wanted = $names;
		$added = Reconciler::run(false, false);
		$this->assertIsArray($added);
		$this->assertCount($count, $added['added'], 'precondition: every name added by this plugin');
		$this->also_wanted = array_slice($names, $unwanted);
		return array_slice($names, 0, $unwanted);
	}

	/** The alert as the network admin sees it, and its button's form fields. */
	private function alert(): array {
		ob_start();
		do_action('network_admin_notices');
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression('/name="held" value="([0-9a-f]{32})"/', $html, 'The alert has its button');
		preg_match('/name="held" value="([0-9a-f]{32})"/', $html, $m);
		return ['html' => $html, 'post' => ['action' => 'wu_runcloud_prune_force', 'held' => $m[1]]];
	}

	private function reconcile(bool $dry_run = false): array {
		$result = Reconciler::run($dry_run, true);
		$this->assertIsArray($result, is_wp_error($result) ? $result->get_error_message() : '');
		return $result;
	}

	public function test_a_domain_is_pruned_only_after_two_reconciles_in_a_row_missed_it(): void {
		$gone = $this->managed_sites(3, 1);
		$this->assertSame([], $this->reconcile()['removed'], 'First miss: kept');

		// It comes back (the site is restored under the same name): the count starts again.
		Settings::set_enabled(false);
		$back = $this->create_site(explode('.', $gone[0])[0]);
		Settings::set_enabled(true);
		$this->assertSame([], $this->reconcile()['removed']);
		Settings::set_enabled(false);
		wp_delete_site((int) $back->blog_id);
		Settings::set_enabled(true);

		$this->assertSame([], $this->reconcile()['removed'], 'Missing again: a first miss again, not a second');
		$this->assertContains($gone[0], $this->sim_domains());
		$this->assertSame($gone, $this->reconcile()['removed'], 'Second miss in a row: pruned');
		$this->assertNotContains($gone[0], $this->sim_domains());
	}

	public function test_a_failed_sites_query_aborts_the_prune_and_says_why(): void {
		global $wpdb;
		$this->managed_sites(3, 0);
		// The sites query fails: the list of wanted names comes back empty.
		$this->add_test_filter('query', static fn($q) => str_contains($q, "SELECT DISTINCT domain FROM {$wpdb->blogs}") ? str_replace($wpdb->blogs, $wpdb->base_prefix . 'wu_no_such_table', $q) : $q);
		$wpdb->suppress_errors(true);
		try {
			$first  = $this->reconcile();
			$second = $this->reconcile();
		} finally {
			$wpdb->suppress_errors(false);
		}
		foreach ([$first, $second] as $result) {
			$this->assertSame('aborted', $result['prune']['status']);
			$this->assertSame([], $result['removed']);
			$this->assertStringContainsString('the list of sites could not be read', implode(' ', $result['prune']['reasons']));
		}
		$this->assertCount(3, array_intersect(['p1.network.test', 'p2.network.test', 'p3.network.test'], $this->sim_domains()), 'Every wanted domain is still there');
		$this->assertSame([], $this->api_requests('DELETE'));
		$lines = array_map(static fn($l) => "{$l->outcome}: {$l->message}", Log::recent(20));
		$this->assertNotEmpty(preg_grep('/^prune aborted: nothing removed: the list of sites could not be read/', $lines), 'The log says why: ' . implode(' | ', $lines));
		$this->assertStringContainsString('prune aborted', (string) get_network_option(null, Reconciler::LAST_SYNC_OPTION)['prune_why'], 'and so does the page');
	}

	/** @return array<string, array{0: mixed}> */
	public static function broken_filter_results(): array {
		return [
			'null'   => [null],
			'false'  => [false],
			'string' => ['shop.example.com'],
		];
	}

	/** @dataProvider broken_filter_results */
	public function test_a_wanted_domains_filter_returning_a_non_array_aborts_the_prune($broken): void {
		$this->managed_sites(2, 0);
		$this->add_test_filter('wu_runcloud_wanted_domains', static fn() => $broken);
		$this->reconcile();
		$result = $this->reconcile();
		$this->assertSame('aborted', $result['prune']['status']);
		$this->assertStringContainsString('the wu_runcloud_wanted_domains filter returned ' . get_debug_type($broken) . ' instead of an array', implode(' ', $result['prune']['reasons']));
		$this->assertSame([], $this->api_requests('DELETE'));
		$this->assertContains('p1.network.test', $this->sim_domains());
	}

	public function test_up_to_five_domains_are_pruned_in_one_run(): void {
		$gone = $this->managed_domains(12, 5);
		$this->reconcile();
		$result = $this->reconcile();
		$this->assertSame('done', $result['prune']['status']);
		$this->assertSame($gone, $result['removed'], "ops:\n" . $this->describe_ops());
		$this->assertSame([], array_intersect($gone, $this->sim_domains()));
	}

	public function test_ten_percent_of_the_managed_domains_may_go_in_one_run_when_that_is_more_than_five(): void {
		$gone = $this->managed_domains(60, 6);
		$this->reconcile();
		$result = $this->reconcile();
		$this->assertSame(6, $result['prune']['limit']);
		$this->assertSame($gone, $result['removed']);
	}

	public function test_a_larger_prune_removes_nothing_and_raises_an_alert_until_an_admin_proceeds(): void {
		$gone = $this->managed_domains(12, 6);
		$this->reconcile();
		do_action(Plugin::RECONCILE_HOOK); // the hourly run: the second miss

		$this->assertSame($gone, array_values(array_intersect($gone, $this->sim_domains())), 'Nothing removed');
		$this->assertSame([], $this->api_requests('DELETE'));
		$held = get_network_option(null, Reconciler::PRUNE_HELD_OPTION);
		$this->assertSame(['count' => 6, 'limit' => 5, 'managed' => 12, 'domains' => $gone], array_intersect_key($held, array_flip(['count', 'limit', 'managed', 'domains'])));

		$alert  = $this->alert();
		$notice = $alert['html'];
		foreach ($gone as $domain) {
			$this->assertStringContainsString($domain, $notice, 'The alert lists what would be removed');
		}
		$this->assertStringContainsString('wp runcloud sync --prune --force', $notice);
		$this->assertStringContainsString('name="action" value="wu_runcloud_prune_force"', $notice, 'and offers the button');
		$this->assertStringContainsString('name="_wpnonce"', $notice);

		// A user without the capability cannot proceed, a valid nonce notwithstanding.
		$this->assertStringStartsWith('die:403', $this->admin_post($this->editor_id(), $alert['post'], 'wu_runcloud_prune_force'));
		$this->assertStringStartsWith('die:403', $this->admin_post(1, $alert['post'], null));
		$this->assertSame([], $this->api_requests('DELETE'));

		$this->assertStringStartsWith('redirect:', $this->admin_post(1, $alert['post'], 'wu_runcloud_prune_force'));
		$this->assertSame([], array_intersect($gone, $this->sim_domains()), "The admin proceeded: removed; ops:\n" . $this->describe_ops());
		$this->assertSame('success', $this->flash()['type'], json_encode($this->flash()));
		$this->assertFalse(get_network_option(null, Reconciler::PRUNE_HELD_OPTION, false), 'The alert is gone');
	}

	public function test_the_button_proceeds_only_with_the_list_its_page_showed(): void {
		$gone = $this->managed_domains(12, 6);
		$this->reconcile();
		$this->reconcile();
		$shown = $this->alert(); // the admin opens the page

		// Meanwhile another domain becomes unwanted and joins the held list.
		$this->also_wanted = array_values(array_diff($this->also_wanted, ['d12.example.com']));
		$this->reconcile();
		$this->reconcile();
		$this->assertSame(7, get_network_option(null, Reconciler::PRUNE_HELD_OPTION)['count']);

		$this->assertStringStartsWith('redirect:', $this->admin_post(1, $shown['post'], 'wu_runcloud_prune_force'));
		$this->assertSame('error', $this->flash()['type']);
		$this->assertStringContainsString('changed since this page was shown', $this->flash()['message']);
		$this->assertSame([], $this->api_requests('DELETE'), 'Not what the admin confirmed: nothing removed');

		$this->admin_post(1, $this->alert()['post'], 'wu_runcloud_prune_force');
		$this->assertSame([], array_intersect(array_merge($gone, ['d12.example.com']), $this->sim_domains()), "ops:\n" . $this->describe_ops());
	}

	/** @group wp-cli */
	public function test_wp_runcloud_sync_prune_force_proceeds_on_purpose(): void {
		$gone   = $this->managed_domains(12, 6);
		$wanted = ['WU_TEST_ALSO_WANTED' => implode(',', $this->also_wanted)];
		$this->wp(['runcloud', 'sync', '--prune'], $wanted);
		$held = $this->wp(['runcloud', 'sync', '--prune'], $wanted);
		$this->assertSame(0, $held['exit'], self::transcript($held));
		$this->assertMatchesRegularExpression('/^Warning: Prune held, nothing removed: 6 domains would be removed, more than the limit of 5 per run: d01\.example\.com, .*wp runcloud sync --prune --force$/m', $held['stderr']);
		$this->assertSame([], $this->api_requests('DELETE'));
		$status = $this->wp(['runcloud', 'status']);
		$this->assertMatchesRegularExpression('/^Warning: Prune held: 6 domains would be removed, more than the limit of 5/m', $status['stderr'], 'status says so too');

		$forced = $this->wp(['runcloud', 'sync', '--prune', '--force', '--format=csv', '--fields=domain,change'], $wanted);
		$this->assertSame(0, $forced['exit'], self::transcript($forced));
		foreach ($gone as $domain) {
			$this->assertStringContainsString("{$domain},removed", $forced['stdout']);
		}
		$this->assertSame([], array_intersect($gone, $this->sim_domains()));
		$this->assertFalse(get_network_option(null, Reconciler::PRUNE_HELD_OPTION, false));
	}

	/** @group wp-cli */
	public function test_force_is_refused_without_prune(): void {
		$run = $this->wp(['runcloud', 'sync', '--force']);
		$this->assertSame(1, $run['exit']);
		$this->assertSame('Error: --force only applies to --prune.', $run['stderr']);
		$this->assertSame([], $this->api_requests());
	}

	public function test_a_prune_candidate_still_used_by_another_site_is_kept_and_said_so(): void {
		$gone = $this->managed_sites(3, 1);
		// A path-based site keeps the hostname in use although the original site is gone...
		// on another network, which this network's wanted list does not see.
		$second = $this->create_network('second.test');
		$other  = wp_insert_site(['domain' => $gone[0], 'path' => '/', 'network_id' => (int) $second->id, 'user_id' => 1, 'title' => 'other']);
		$this->assertIsInt($other);
		$this->reconcile();
		$result = $this->reconcile();
		$this->assertSame([], $result['removed']);
		$this->assertSame([$gone[0] => "kept: still used by site {$other}"], $result['prune']['kept']);
		$this->assertContains($gone[0], $this->sim_domains());
	}

	public function test_ultimate_multisite_loaded_without_its_list_of_mapped_domains_aborts_the_prune(): void {
		// Mapped in Ultimate Multisite, so added by a reconcile: wanted only through UM's list.
		$this->managed_domains(3, 0);
		$fixture = dirname(__DIR__, 2) . '/lib/um-without-domain-list';
		$this->also_wanted = [];
		foreach ([1, 2] as $run) {
			$child = $this->child(['reconcile', 'prune'], '', $fixture);
			$this->assertSame('aborted', $child['result']['prune']['status'], "run {$run}: " . json_encode($child));
			$this->assertStringContainsString('Ultimate Multisite is active but its list of mapped domains (wu_get_domains) is not available', implode(' ', $child['result']['prune']['reasons']));
		}
		$this->assertSame([], $this->api_requests('DELETE'));
		$this->assertSame(['d01.example.com', 'd02.example.com', 'd03.example.com'], array_values(array_intersect(['d01.example.com', 'd02.example.com', 'd03.example.com'], $this->sim_domains())));
	}
}
