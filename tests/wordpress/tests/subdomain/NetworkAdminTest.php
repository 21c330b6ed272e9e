<?php
/**
 * The network-admin page and its handlers: capability first, then nonce, on every action;
 * the page shows status, problems and the log, escaped, without secrets.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Network_Admin;
use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class NetworkAdminTest extends TestCase {

	private int $editor = 0;

	protected function setUp(): void {
		parent::setUp();
		// wp_die() and redirects end the request in WordPress; here they throw so the test can look.
		$this->add_test_filter('wp_die_handler', fn() => static function ($message, $title = '', $args = []) {
			$status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 500;
			throw new Handler_Stopped('die:' . $status . ':' . (is_string($message) ? $message : ''));
		});
		$this->add_test_filter('wp_die_ajax_handler', fn() => static function ($message, $title = '', $args = []) {
			$status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 200;
			throw new Handler_Stopped('ajax-die:' . $status . ':' . (is_scalar($message) ? (string) $message : ''));
		});
		$this->add_test_filter('wp_redirect', static function ($location) {
			throw new Handler_Stopped('redirect:' . $location);
		});
		$user = get_user_by('login', 'wu-editor');
		$this->editor = $user ? (int) $user->ID : (int) wp_insert_user(['user_login' => 'wu-editor', 'user_pass' => wp_generate_password(), 'user_email' => 'editor@network.test', 'role' => 'editor']);
	}

	private function call(string $hook): string {
		try {
			do_action($hook);
		} catch (Handler_Stopped $stop) {
			return $stop->getMessage();
		}
		$this->fail("{$hook} returned without dying or redirecting");
	}

	private function post_as(int $user_id, array $post, ?string $nonce_action): string {
		wp_set_current_user($user_id);
		$_POST = $_REQUEST = $post + ($nonce_action ? ['_wpnonce' => wp_create_nonce($nonce_action)] : []);
		return $this->call('admin_post_' . $post['action']);
	}

	/** @return array<string, array{0:array,1:string}> */
	public static function admin_actions(): array {
		return [
			'toggle'               => [['action' => 'wu_runcloud_toggle', 'enabled' => '0'], 'wu_runcloud_toggle'],
			'test'                 => [['action' => 'wu_runcloud_test'], 'wu_runcloud_test'],
			'sync'                 => [['action' => 'wu_runcloud_sync'], 'wu_runcloud_sync'],
			'dismiss token notice' => [['action' => 'wu_runcloud_dismiss_token_notice'], 'wu_runcloud_dismiss_token_notice'],
			'op'                   => [['action' => 'wu_runcloud_op', 'op_id' => '1', 'do' => 'dismiss'], 'wu_runcloud_op_1'],
			'proceed with a held prune' => [['action' => 'wu_runcloud_prune_force'], 'wu_runcloud_prune_force'],
			'domains bulk action' => [['action' => 'wu_runcloud_domains_bulk', 'bulk_action' => 'recheck', 'domains' => ['x.example.com']], 'bulk-wu-runcloud-domains'],
			'operations bulk action' => [['action' => 'wu_runcloud_ops_bulk', 'bulk_action' => 'dismiss', 'ops' => ['1']], 'bulk-wu-runcloud-operations'],
		];
	}

	/** @dataProvider admin_actions */
	public function test_an_admin_action_refuses_a_user_without_the_capability_even_with_a_valid_nonce(array $post, string $nonce): void {
		$result = $this->post_as($this->editor, $post, $nonce);
		$this->assertStringStartsWith('die:403', $result, 'Expected a 403 for a user without manage_network_options');
		$this->assertTrue(Settings::is_enabled(), 'Nothing may change');
		$this->assertSame([], $this->api_requests(), 'No RunCloud call for an unauthorised user');
	}

	/** @dataProvider admin_actions */
	public function test_an_admin_action_refuses_a_missing_nonce(array $post, string $nonce): void {
		$result = $this->post_as(1, $post, null);
		$this->assertStringStartsWith('die:403', $result, 'Expected check_admin_referer to stop the request');
		$this->assertTrue(Settings::is_enabled(), 'Nothing may change');
		$this->assertSame([], $this->api_requests(), 'No RunCloud call without a nonce');
	}

	public function test_the_toggle_with_capability_and_nonce_disables_then_enables(): void {
		$result = $this->post_as(1, ['action' => 'wu_runcloud_toggle', 'enabled' => '0'], 'wu_runcloud_toggle');
		$this->assertStringStartsWith('redirect:', $result);
		$this->assertStringContainsString('page=wu-runcloud', $result);
		$this->assertFalse(Settings::is_enabled());
		$this->assertSame(0, (int) get_network_option(null, Settings::ENABLED_OPTION), 'Stored in the network option wu_runcloud_enabled');
		$this->post_as(1, ['action' => 'wu_runcloud_toggle', 'enabled' => '1'], 'wu_runcloud_toggle');
		$this->assertTrue(Settings::is_enabled());
	}

	public function test_ajax_test_connection_refuses_without_capability_then_nonce_and_answers_with_details(): void {
		add_filter('wp_doing_ajax', '__return_true');
		try {
			wp_set_current_user($this->editor);
			$_POST = $_REQUEST = ['_wpnonce' => wp_create_nonce('wu_runcloud_test')];
			ob_start();
			$result = $this->call('wp_ajax_wu_runcloud_test');
			$json   = ob_get_clean();
			$this->assertStringStartsWith('ajax-die:', $result);
			$denied = json_decode($json, true);
			$this->assertFalse($denied['success'], 'A user without the capability gets a JSON error');
			$this->assertStringContainsString('not allowed', $denied['data']['message']);
			$this->assertSame([], $this->api_requests(), 'and no RunCloud call');

			wp_set_current_user(1);
			$_POST = $_REQUEST = [];
			ob_start();
			$result = $this->call('wp_ajax_wu_runcloud_test');
			ob_end_clean();
			$this->assertStringStartsWith('ajax-die:403', $result, 'A missing nonce is refused');
			$this->assertSame([], $this->api_requests());

			$_POST = $_REQUEST = ['_wpnonce' => wp_create_nonce('wu_runcloud_test')];
			ob_start();
			$this->call('wp_ajax_wu_runcloud_test');
			$json = json_decode(ob_get_clean(), true);
			$this->assertTrue($json['success'], 'Expected a successful test against the simulator: ' . json_encode($json));
			$this->assertStringContainsString('web-01', $json['data']['message'], 'The message names the server');
			$this->assertStringContainsString('basic', $json['data']['message'], 'and the SSL mode');
		} finally {
			remove_filter('wp_doing_ajax', '__return_true');
		}
	}

	public function test_retry_now_and_dismiss_act_on_a_failed_operation(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'retry-button.example.com', 1);
		$this->run_worker_now();
		$op = $this->ops('retry-button.example.com')[0];
		$this->assertSame('retrying', $op->status);

		$result = $this->post_as(1, ['action' => 'wu_runcloud_op', 'op_id' => (string) $op->id, 'do' => 'retry'], 'wu_runcloud_op_' . $op->id);
		$this->assertStringStartsWith('redirect:', $result);
		$this->assertSame('done', $this->ops('retry-button.example.com')[0]->status, 'Retry now runs it at once');
		$this->assertContains('retry-button.example.com', $this->sim_domains());

		$result = $this->post_as(1, ['action' => 'wu_runcloud_op', 'op_id' => (string) $op->id, 'do' => 'dismiss'], 'wu_runcloud_op_' . ((int) $op->id + 1));
		$this->assertStringStartsWith('die:403', $result, 'A nonce for another operation is refused');
	}

	public function test_sync_dry_run_previews_without_changing_anything(): void {
		$this->create_site('preview');
		global $wpdb;
		$wpdb->query('TRUNCATE TABLE ' . Queue::table()); // only the reconcile should act here
		$before = $this->sim_domains();
		$result = $this->post_as(1, ['action' => 'wu_runcloud_sync', 'dry_run' => '1'], 'wu_runcloud_sync');
		$this->assertStringStartsWith('redirect:', $result);
		$this->assertSame($before, $this->sim_domains(), 'A dry run changes nothing');
		$this->assertSame([], $this->api_requests('POST'));
		$preview = get_site_transient('wu_runcloud_preview_1');
		$this->assertSame(['preview.network.test'], $preview['added'], 'The preview lists what would be added');
		$flash = get_site_transient('wu_runcloud_flash_1');
		$this->assertSame('Preview (nothing was changed): to add: 1, to remove: 0.', $flash['message'] ?? null, 'The preview counts read correctly for any number (no "domain(s)")');
	}

	/** Settings -> RunCloud with these query arguments, as HTML. */
	private function page(array $query = []): string {
		wp_set_current_user(1);
		$_GET = $_REQUEST = $query + ['page' => 'wu-runcloud'];
		ob_start();
		(new Network_Admin())->render_page(); // a fresh request: its table is built for this tab
		return (string) ob_get_clean();
	}

	/** The rows of the list table on the page: first cell text of each row (the domain or op). */
	private static function rows(string $html): array {
		preg_match_all('#<tr[^>]*>\s*<th scope="row" class="check-column">.*?</tr>#s', $html, $rows);
		return $rows[0];
	}

	public function test_the_page_shows_its_tabs_the_tables_and_the_log_escaped_and_without_secrets(): void {
		do_action('wu_add_domain', 'ok.example.com', 1);
		do_action('wu_add_domain', '<script>x</script>.example.com', 1);
		$this->run_worker_now();
		$this->sim()->fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503]);
		$this->create_site('pagecheck');
		Worker::process_due();

		$overview = $this->page();
		$this->assertStringContainsString('nav-tab-active" aria-current="page">Overview', $overview);
		$this->assertStringContainsString('wu_runcloud_sync', $overview, 'Sync now is offered');
		$this->assertMatchesRegularExpression('/Domains failing: 2/', $overview, 'The overview counts the failing domains (the 503 and the refused name)');

		$domains = $this->page(['tab' => 'domains']);
		$this->assertStringContainsString('ok.example.com', $domains, 'The Domains table lists domains');
		$this->assertStringContainsString('pagecheck.network.test', $domains);
		$this->assertMatchesRegularExpression('#wu-rc-state-failing">Failing</span>.*?add retrying \(HTTP 503\)#s', $domains, 'The failing add is shown with its state and status');
		$this->assertMatchesRegularExpression('#<span class="wu-rc-oneline" tabindex="0" title="[^"]*RunCloud answered HTTP 503[^"]*">[^<]*RunCloud answered HTTP 503#', $domains, 'The last error in one line, the whole of it on demand');
		$this->assertStringNotContainsString('<script>x</script>', $domains, 'Output is escaped');
		$this->assertMatchesRegularExpression('#class="current" aria-current="page">All <span class="count">\(3\)</span>#', $domains, 'The views count the domains');

		$ops = $this->page(['tab' => 'operations', 'view' => 'attention']);
		$this->assertMatchesRegularExpression('#Needs attention <span class="count">\(2\)</span>#', $ops);
		$this->assertCount(2, self::rows($ops), 'The attention view lists the two failing operations');
		$this->assertStringContainsString('action=wu_runcloud_op', $ops, 'Each has its Retry now / Dismiss links');

		$log = $this->page(['tab' => 'log']);
		$this->assertMatchesRegularExpression('#wu-runcloud-log".*<td>add</td>\s*<td>ok\.example\.com</td>\s*<td>added</td>#s', $log, 'The log shows one line per operation');

		foreach ([$overview, $domains, $ops, $log] as $html) {
			$this->assertStringNotContainsString('sim-token', $html, 'No secret in the admin HTML');
		}
	}

	public function test_the_domains_table_searches_filters_sorts_and_pages_in_the_views_the_issue_names(): void {
		foreach (['alpha', 'beta', 'gamma'] as $name) {
			do_action('wu_add_domain', "{$name}.example.com", 1);
		}
		$this->seed_domains(['hand.example.com']);
		do_action('wu_add_domain', 'hand.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);

		$html = $this->page(['tab' => 'domains']);
		foreach (['All' => 4, 'Live' => 3, 'Certificate pending' => 0, 'Waiting for DNS' => 0, 'Failing' => 0, 'Not ours' => 1] as $view => $count) {
			$this->assertMatchesRegularExpression('#>' . preg_quote($view, '#') . ' <span class="count">\(' . $count . '\)</span>#', $html, "The {$view} view shows its count");
		}
		$this->assertCount(1, self::rows($this->page(['tab' => 'domains', 's' => 'gam'])), 'A search narrows the rows');
		$this->assertStringContainsString('hand.example.com', $this->page(['tab' => 'domains', 'view' => 'not_ours']));
		$this->assertStringNotContainsString('alpha.example.com', $this->page(['tab' => 'domains', 'view' => 'not_ours']));
		$sorted = self::rows($this->page(['tab' => 'domains', 'orderby' => 'domain', 'order' => 'desc']));
		$this->assertStringContainsString('hand.example.com', $sorted[0], 'Sorted by domain, descending');
		update_user_option(1, Network_Admin::DOMAINS_PER_PAGE, 2, true);
		try {
			$first = $this->page(['tab' => 'domains']);
			$this->assertCount(2, self::rows($first), 'The per-page screen option pages the table');
			$this->assertStringContainsString('4 items', $first);
			$this->assertCount(2, self::rows($this->page(['tab' => 'domains', 'paged' => '2'])));
		} finally {
			delete_user_option(1, Network_Admin::DOMAINS_PER_PAGE, true);
		}
	}

	public function test_the_per_page_screen_option_keeps_a_number_from_1_to_999_for_our_tables_only(): void {
		foreach ([Network_Admin::DOMAINS_PER_PAGE, Network_Admin::OPERATIONS_PER_PAGE] as $option) {
			$this->assertSame(50, apply_filters('set_screen_option_' . $option, false, $option, '50'));
			$this->assertFalse(apply_filters('set_screen_option_' . $option, false, $option, '0'));
			$this->assertFalse(apply_filters('set_screen_option_' . $option, false, $option, '5000'));
		}
		$this->assertSame('kept', Plugin::instance()->admin->filter_set_screen_option_per_page('kept', 'edit_per_page', 10), 'Another screen\'s option is not ours');
	}

	public function test_the_domains_bulk_actions_retry_dismiss_and_recheck_the_selected_domains(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503]);
		do_action('wu_add_domain', 'one.example.com', 1);
		do_action('wu_add_domain', 'two.example.com', 1);
		$this->run_worker_now();
		$this->sim()->clearFaults();
		$this->sim()->clearRequests();
		$referer = Network_Admin::page_url(['tab' => 'domains', 'view' => 'failing']);

		$result = $this->post_as(1, ['action' => 'wu_runcloud_domains_bulk', 'bulk_action' => 'retry', 'domains' => ['one.example.com'], '_wp_http_referer' => $referer], 'bulk-wu-runcloud-domains');
		$this->assertSame('redirect:' . $referer, $result, 'Back to the view the admin was on');
		$one = $this->ops('one.example.com')[0];
		$this->assertSame('retrying', $one->status);
		$this->assertLessThanOrEqual(time(), (int) $one->next_attempt_at, 'Due now: the next worker run takes it');
		$this->assertSame([], $this->domain_posts(), 'Nothing is sent from the admin request');
		Worker::process_due();
		$this->assertContains('one.example.com', $this->sim_domains());
		$this->assertSame('retrying', $this->ops('two.example.com')[0]->status, 'An unselected domain is left alone');

		$this->post_as(1, ['action' => 'wu_runcloud_domains_bulk', 'bulk_action2' => 'dismiss', 'domains' => ['two.example.com', 'one.example.com']], 'bulk-wu-runcloud-domains');
		$this->assertSame('dismissed', $this->ops('two.example.com')[0]->status, 'The bottom selector works too');
		$this->assertStringContainsString('1 operation dismissed. 1 selected item needed no change', $this->flash()['message']);

		$this->post_as(1, ['action' => 'wu_runcloud_domains_bulk', 'bulk_action' => 'recheck', 'domains' => ['one.example.com']], 'bulk-wu-runcloud-domains');
		$check = $this->ops('one.example.com');
		$this->assertSame(['add', 'check'], array_column($check, 'op'), 'Re-check is queued for the worker');
		$this->assertSame([], $this->api_requests('GET', '#/domains#'), 'and not run in the admin request');
	}

	public function test_the_operations_bulk_actions_retry_and_dismiss_the_selected_operations(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503]);
		do_action('wu_add_domain', 'a.example.com', 1);
		do_action('wu_add_domain', 'b.example.com', 1);
		$this->run_worker_now();
		[$a, $b] = [$this->ops('a.example.com')[0], $this->ops('b.example.com')[0]];

		$this->post_as(1, ['action' => 'wu_runcloud_ops_bulk', 'bulk_action' => 'dismiss', 'ops' => [(string) $a->id, (string) $b->id]], 'bulk-wu-runcloud-operations');
		$this->assertSame(['dismissed', 'dismissed'], [$this->ops('a.example.com')[0]->status, $this->ops('b.example.com')[0]->status]);
		$this->post_as(1, ['action' => 'wu_runcloud_ops_bulk', 'bulk_action' => 'retry', 'ops' => [(string) $a->id]], 'bulk-wu-runcloud-operations');
		$this->assertSame('info', $this->flash()['type'], 'A dismissed operation cannot be retried');
		$this->assertSame('dismissed', $this->ops('a.example.com')[0]->status);

		$this->post_as(1, ['action' => 'wu_runcloud_ops_bulk', 'bulk_action' => 'retry', 'ops' => []], 'bulk-wu-runcloud-operations');
		$this->assertSame('Select the operations to act on first.', $this->flash()['message']);
		$result = $this->post_as(1, ['action' => 'wu_runcloud_ops_bulk', 'paged' => '3'], 'bulk-wu-runcloud-operations');
		$this->assertStringContainsString('paged=3', $result, 'The paging box of the table submits the same form: it only pages');
	}

	public function test_a_row_action_link_retries_at_once_through_admin_post(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'link.example.com', 1);
		$this->run_worker_now();
		$op  = $this->ops('link.example.com')[0];
		$url = Network_Admin::op_url((int) $op->id, 'retry');
		parse_str((string) parse_url(html_entity_decode($url), PHP_URL_QUERY), $query);
		wp_set_current_user(1);
		$_GET = $_REQUEST = $query;
		$this->assertStringStartsWith('redirect:', $this->call('admin_post_wu_runcloud_op'));
		$this->assertSame('done', $this->ops('link.example.com')[0]->status, 'Retry now runs it at once; ' . json_encode($this->flash()) . "\n" . $this->describe_ops() . "\n" . $this->describe_requests());
	}

	public function test_the_ssl_limit_warning_follows_the_site_health_check(): void {
		$this->seed_domains(array_map(static fn($n) => "bulk{$n}.example.net", range(1, 95)));
		$this->assertNotInstanceOf(\WP_Error::class, \WU_RunCloud\Domain_Sync::test_connection());
		$this->assertStringContainsString('100 names', $this->page());
	}

	public function test_counts_of_one_read_as_singular_on_the_page_and_in_the_test_result(): void {
		update_network_option(null, \WU_RunCloud\Domain_Sync::LAST_TEST_OPTION, ['ok' => true, 'time' => time(), 'api' => 'v3', 'server' => 'web-01', 'app' => 'network', 'domains' => 1, 'ssl_mode' => 'basic']);
		$html = $this->page();
		$this->assertStringContainsString('basic (1 domain on the app at the last test)', $html, 'One domain is singular');
		$this->assertStringNotContainsString('1 domains', $html, 'Never "1 domains"');

		$one = \WU_RunCloud\Network_Admin::test_message(['api' => 'v3', 'server' => ['name' => 'web-01'], 'app' => ['name' => 'network'], 'domains' => 1, 'ssl_mode' => 'basic']);
		$this->assertStringContainsString(', 1 domain, SSL mode basic', $one);
		$two = \WU_RunCloud\Network_Admin::test_message(['api' => 'v3', 'server' => ['name' => 'web-01'], 'app' => ['name' => 'network'], 'domains' => 2, 'ssl_mode' => 'basic']);
		$this->assertStringContainsString(', 2 domains, SSL mode basic', $two);
		$this->assertStringNotContainsString('domain(s)', $one . $two, 'No "(s)" plural hack');
	}

	public function test_no_ssl_warning_for_a_small_app(): void {
		\WU_RunCloud\Domain_Sync::test_connection();
		$this->assertStringNotContainsString('100 names', $this->page());
	}

	public function test_the_menu_page_is_registered_under_network_settings_for_network_admins(): void {
		global $submenu;
		wp_set_current_user(1);
		do_action('network_admin_menu');
		$slugs = array_column($submenu['settings.php'] ?? [], 2);
		$this->assertContains(Network_Admin::PAGE, $slugs, 'Expected Settings -> RunCloud');
	}
}
