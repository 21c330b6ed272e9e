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

	public function test_the_page_shows_status_problems_and_log_without_secrets(): void {
		do_action('wu_add_domain', 'ok.example.com', 1);
		do_action('wu_add_domain', '<script>x</script>.example.com', 1);
		$this->run_worker_now();
		$this->sim()->fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503]);
		$this->create_site('pagecheck');
		\WU_RunCloud\Worker::process_due();

		wp_set_current_user(1);
		ob_start();
		Plugin::instance()->admin->render_page();
		$html = ob_get_clean();
		$this->assertStringContainsString('ok.example.com', $html, 'The status table lists domains');
		$this->assertStringContainsString('pagecheck.network.test', $html);
		$this->assertMatchesRegularExpression('/retrying.*503|503.*retrying/s', $html, 'The failing add is shown with its status');
		$this->assertStringNotContainsString('<script>x</script>', $html, 'Output is escaped');
		$this->assertStringNotContainsString('sim-token', $html, 'No secret in the admin HTML');
		$this->assertStringContainsString('wu_runcloud_sync', $html, 'Sync now is offered');
		$this->assertMatchesRegularExpression('#wu-runcloud-log".*<td>add</td>\s*<td>ok\.example\.com</td>\s*<td>added</td>#s', $html, 'The log shows one line per operation');
	}

	public function test_a_basic_certificate_near_100_names_shows_a_warning(): void {
		$this->seed_domains(array_map(static fn($n) => "bulk{$n}.example.net", range(1, 95)));
		$this->assertNotInstanceOf(\WP_Error::class, \WU_RunCloud\Domain_Sync::test_connection());
		$this->assertStringContainsString('100 names', Plugin::instance()->admin->ssl_warning());
	}

	public function test_counts_of_one_read_as_singular_on_the_page_and_in_the_test_result(): void {
		update_network_option(null, \WU_RunCloud\Domain_Sync::LAST_TEST_OPTION, ['time' => time(), 'api' => 'v3', 'server' => 'web-01', 'app' => 'network', 'domains' => 1, 'ssl_mode' => 'basic']);
		wp_set_current_user(1);
		ob_start();
		Plugin::instance()->admin->render_page();
		$html = ob_get_clean();
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
		$this->assertSame('', Plugin::instance()->admin->ssl_warning());
	}

	public function test_the_menu_page_is_registered_under_network_settings_for_network_admins(): void {
		global $submenu;
		wp_set_current_user(1);
		do_action('network_admin_menu');
		$slugs = array_column($submenu['settings.php'] ?? [], 2);
		$this->assertContains(Network_Admin::PAGE, $slugs, 'Expected Settings -> RunCloud');
	}
}
