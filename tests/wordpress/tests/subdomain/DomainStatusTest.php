<?php
/**
 * Each domain's state comes from one place (Domain_Status): its row in the domains table and
 * its latest operation, derived by the database a page at a time. Views, counts, search and
 * sorting are answered in SQL, and no query of the Domains table returns more than a page.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Status;
use WU_RunCloud\Domains;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class DomainStatusTest extends TestCase {

	private function state_of(string $domain): ?string {
		$row = Domain_Status::of($domain);
		return $row?->state;
	}

	public function test_each_state_follows_from_the_domain_row_and_its_latest_operation(): void {
		// live: added by this plugin.
		do_action('wu_add_domain', 'live.example.com', 1);
		// not ours: already in RunCloud when it was mapped.
		$this->seed_domains(['theirs.example.com']);
		do_action('wu_add_domain', 'theirs.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61); // its certificate ordered, HTTPS seen served
		// cert_pending: in RunCloud, its certificate not ordered yet (the redeploy waits 60 s).
		do_action('wu_add_domain', 'fresh.example.com', 1);
		Worker::process_due();
		// failing: RunCloud refuses it.
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'refused.example.com', 1);
		Worker::process_due();
		// queued: asked for, no worker ran yet.
		do_action('wu_add_domain', 'waiting.example.com', 1);
		// missing: a site created while the plugin was off.
		Settings::set_enabled(false);
		$this->create_site('quiet');
		Settings::set_enabled(true);

		$expected = [
			'live.example.com'     => 'live',
			'fresh.example.com'    => 'cert_pending',
			'theirs.example.com'   => 'not_ours',
			'refused.example.com'  => 'failing',
			'waiting.example.com'  => 'queued',
			'quiet.network.test'   => 'missing',
		];
		foreach ($expected as $domain => $state) {
			$this->assertSame($state, $this->state_of($domain), "{$domain}; ops:\n" . $this->describe_ops());
		}
		$this->assertNull(Domain_Status::of('network.test'), "The network's main domain is the app's own: never listed");
		$refused = Domain_Status::of('refused.example.com');
		$this->assertStringContainsString('plan allows more domains', $refused->last_error, 'A failing row carries the failure in the extension\'s words');
		$this->assertSame('failed', $refused->op_status);
		$this->assertTrue(Domain_Status::of('live.example.com')->managed);
		$this->assertFalse(Domain_Status::of('theirs.example.com')->managed);
	}

	public function test_a_subdomain_a_wildcard_covers_is_live_without_being_added(): void {
		$this->reset_sim(['servers' => [[
			'id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '203.0.113.10',
			'webapps' => [['id' => self::APP, 'name' => 'network', 'primary_domain' => 'app.test', 'ssl' => 'basic', 'domains' => [['name' => 'network.test', 'wildcard' => true]]]],
		]]]);
		$this->create_site('wild');
		$this->run_worker_now();
		$this->assertSame('wildcard', $this->state_of('wild.network.test'));
		$this->assertSame(1, Domain_Status::view_counts(Domain_Status::counts())['live'], 'The Live view counts it');
	}

	public function test_the_latest_operation_decides_and_a_dismissed_one_no_longer_counts(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'again.example.com', 1);
		$this->run_worker_now();
		$this->assertSame('failing', $this->state_of('again.example.com'));
		// Mapped again: a new add succeeds while the old failure still waits in the attention list.
		do_action('wu_add_domain', 'again.example.com', 1);
		Worker::process_due();
		$this->assertSame('failed', $this->ops('again.example.com')[0]->status, 'precondition: the old failure is still listed');
		$this->assertSame('cert_pending', $this->state_of('again.example.com'), "The newer operation decides: added, its certificate next; ops:\n" . $this->describe_ops());

		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'dismissed.example.com', 1);
		Worker::process_due();
		$this->assertSame('failing', $this->state_of('dismissed.example.com'));
		$this->assertTrue(Queue::dismiss((int) $this->ops('dismissed.example.com')[0]->id));
		$this->assertNull(Domain_Status::of('dismissed.example.com'), 'A dismissed failure is no one\'s intent any more: a name no site, record or operation holds is not listed');
	}

	public function test_views_counts_search_sorting_and_paging_are_answered_by_the_database(): void {
		foreach (['a', 'b', 'c', 'd', 'e'] as $i => $letter) {
			do_action('wu_add_domain', "{$letter}-ok.example.com", 1);
		}
		$this->run_worker_now();
		$this->run_all_due(time() + 61);
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422]);
		do_action('wu_add_domain', 'z-bad.example.com', 1);
		do_action('wu_add_domain', 'y-bad.example.com', 1);
		Worker::process_due();

		$counts = Domain_Status::counts();
		$this->assertSame(array_keys($counts), Domain_Status::states(), 'Every state is counted, zero included');
		$views = Domain_Status::view_counts($counts);
		$this->assertSame(['all' => 7, 'live' => 5, 'pending' => 0, 'waiting_dns' => 0, 'failing' => 2, 'not_ours' => 0], $views);
		$this->assertSame(2, Domain_Status::view_counts(Domain_Status::counts('bad'))['all'], 'Counts follow the search');

		$failing = Domain_Status::page(['states' => Domain_Status::VIEWS['failing']]);
		$this->assertSame(['y-bad.example.com', 'z-bad.example.com'], array_column($failing, 'domain'));
		$page2 = Domain_Status::page(['per_page' => 3, 'paged' => 2]);
		$this->assertSame(['d-ok.example.com', 'e-ok.example.com', 'y-bad.example.com'], array_column($page2, 'domain'), 'Page 2 of 3 per page, by domain');
		$by_state = Domain_Status::page(['orderby' => 'state', 'order' => 'asc', 'per_page' => 2]);
		$this->assertSame(['failing', 'failing'], array_column($by_state, 'state'), 'Sorted by state, the failing come first (precedence, not the alphabet)');
		$desc = Domain_Status::page(['orderby' => 'domain', 'order' => 'desc', 'per_page' => 1]);
		$this->assertSame('z-bad.example.com', $desc[0]->domain);
		$this->assertSame(['c-ok.example.com'], array_column(Domain_Status::page(['search' => 'C-OK']), 'domain'), 'Search is case-insensitive on the name');
		$this->assertSame([], Domain_Status::page(['states' => Domain_Status::VIEWS['waiting_dns']]), 'Nothing waits for DNS until the DNS gate exists');
	}

	public function test_a_page_of_the_domains_table_reads_a_page_of_rows_not_the_whole_network(): void {
		global $wpdb;
		$target = Settings::target();
		$now    = current_time('mysql');
		$values = $domains = [];
		foreach (range(1, 600) as $n) {
			$values[]  = $wpdb->prepare('(%d, %s, %s, %s, %s)', get_current_network_id(), "bulk{$n}.network.test", '/', $now, $now);
			$domains[] = $wpdb->prepare('(%d, %d, %d, %s, %d, 0, 1, 0, 1, 0, %d)', get_current_network_id(), $target[0], $target[1], "bulk{$n}.network.test", 5000 + $n, time());
		}
		$wpdb->query("INSERT INTO {$wpdb->blogs} (site_id, domain, path, registered, last_updated) VALUES " . implode(',', $values));
		$wpdb->query('INSERT INTO ' . Domains::table() . ' (network_id, server_id, app_id, domain, runcloud_id, site_id, managed, requested, in_runcloud, missed, updated_at) VALUES ' . implode(',', $domains));
		$queries = [];
		$spy     = static function ($query) use (&$queries) {
			if (stripos($query, 'wu_runcloud_') !== false && stripos(ltrim($query), 'SELECT') === 0) {
				$queries[] = $query;
			}
			return $query;
		};
		try {
			add_filter('query', $spy);
			$_GET = $_REQUEST = ['page' => 'wu-runcloud', 'tab' => 'domains', 'paged' => '7'];
			set_current_screen('settings_page_wu-runcloud-network');
			ob_start();
			\WU_RunCloud\Plugin::instance()->admin->render_page();
			$html = (string) ob_get_clean();
			remove_filter('query', $spy);
			$this->assertStringContainsString('bulk' , $html);
			$this->assertMatchesRegularExpression('/600 items/', $html, 'The pagination counts every domain');
			$this->assertNotEmpty($queries);
			foreach ($queries as $query) {
				$rows = count((array) $wpdb->get_results($query));
				$this->assertLessThanOrEqual(20, $rows, "A query of the Domains table returned {$rows} rows, more than a page (20):\n{$query}");
			}
		} finally {
			remove_filter('query', $spy);
			$wpdb->query("DELETE FROM {$wpdb->blogs} WHERE domain LIKE 'bulk%.network.test'");
			$wpdb->query('DELETE FROM ' . Domains::table() . " WHERE domain LIKE 'bulk%.network.test'");
		}
	}

	public function test_a_recheck_corrects_what_was_recorded_so_a_domain_re_added_by_hand_is_never_removed(): void {
		do_action('wu_add_domain', 'moved.example.com', 1);
		$this->run_worker_now();
		$this->assertTrue(Domains::get('moved.example.com')->managed > 0, 'precondition: ours');
		// Someone deletes it in the RunCloud dashboard, and later adds it again by hand.
		$this->sim()->unseed('moved.example.com');
		Queue::enqueue('check', 'moved.example.com', 0, 'recheck');
		$this->run_worker_now();
		$this->assertSame('missing', $this->state_of('moved.example.com'), "ops:\n" . $this->describe_ops());
		$this->assertSame(0, (int) Domains::get('moved.example.com')->managed, 'A domain found gone is no longer counted as ours');
		$this->seed_domains(['moved.example.com']);
		Queue::enqueue('check', 'moved.example.com', 0, 'recheck');
		Worker::process_due();
		$this->assertSame('not_ours', $this->state_of('moved.example.com'));

		$this->sim()->clearRequests();
		do_action('wu_remove_domain', 'moved.example.com', 1);
		Worker::process_due();
		$this->assertSame([], $this->api_requests('DELETE'), 'The hand-added domain is not deleted');
		$this->assertSame('kept: not added by this plugin', $this->ops('moved.example.com')[array_key_last($this->ops('moved.example.com'))]->last_error);
	}

	public function test_a_recheck_of_a_domain_re_added_by_hand_under_a_new_id_is_no_longer_ours(): void {
		do_action('wu_add_domain', 'swapped.example.com', 1);
		$this->run_worker_now();
		$old = (int) Domains::get('swapped.example.com')->runcloud_id;
		$this->sim()->unseed('swapped.example.com');
		$this->seed_domains(['swapped.example.com']); // same name, another RunCloud domain
		Queue::enqueue('check', 'swapped.example.com', 0, 'recheck');
		$this->run_worker_now();
		$row = Domains::get('swapped.example.com');
		$this->assertNotSame($old, (int) $row->runcloud_id, 'The new id is recorded');
		$this->assertSame(0, (int) $row->managed, 'Another domain object under the same name is not ours to remove');
		$this->assertSame('not_ours', $this->state_of('swapped.example.com'));
	}
}
