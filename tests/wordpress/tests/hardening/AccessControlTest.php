<?php
/**
 * Access control of everything the plugin exposes, found at run time — not from a list:
 * every wp_ajax_* and admin_post_* hook and every admin page whose callback is the plugin's.
 * Each refuses a subscriber (even with a nonce that is valid for them) and a network admin
 * without a nonce or with a bad one, with no side effect (no RunCloud request, no queue or
 * option change). No nopriv (logged-out) endpoint exists.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Queue;

final class AccessControlTest extends TestCase {

	private int $subscriber = 0;
	private int $op_id = 0;

	protected function setUp(): void {
		parent::setUp();
		$this->add_test_filter('wp_die_handler', fn() => static function ($message, $title = '', $args = []) {
			$status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 500;
			throw new Handler_Stopped('die:' . $status);
		});
		$this->add_test_filter('wp_die_ajax_handler', fn() => static function ($message, $title = '', $args = []) {
			$status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 200;
			throw new Handler_Stopped('ajax-die:' . $status . ':' . (is_scalar($message) ? (string) $message : ''));
		});
		$this->add_test_filter('wp_redirect', static function ($location) {
			throw new Handler_Stopped('redirect:' . $location);
		});
		$user = get_user_by('login', 'wu-subscriber');
		$this->subscriber = $user ? (int) $user->ID : (int) wp_insert_user(['user_login' => 'wu-subscriber', 'user_pass' => wp_generate_password(), 'user_email' => 'subscriber@network.test', 'role' => 'subscriber']);
		// A failed operation, so handlers acting on one have something to act on.
		do_action('wu_add_domain', 'https://refused.example.com/x', 1);
		$this->run_worker_now();
		$this->op_id = (int) $this->ops()[0]->id;
		$this->sim()->clearRequests();
	}

	/** @return array<string, callable> hook => our callback, for hooks named with $prefix */
	private static function ours(string $prefix): array {
		global $wp_filter;
		$found = [];
		foreach ($wp_filter as $hook => $wp_hook) {
			if (strpos((string) $hook, $prefix) !== 0) {
				continue;
			}
			foreach ($wp_hook->callbacks as $callbacks) {
				foreach ($callbacks as $cb) {
					$f = $cb['function'];
					$class = is_array($f) ? (is_object($f[0]) ? get_class($f[0]) : (string) $f[0]) : (is_string($f) ? $f : '');
					if (stripos($class, 'WU_RunCloud\\') === 0 || stripos($class, 'wu_runcloud') === 0) {
						$found[(string) $hook] = $f;
					}
				}
			}
		}
		return $found;
	}

	/** What the request carries besides the nonce: every field any of our handlers reads. */
	private function request(string $action): array {
		return [
			'action' => $action, 'op_id' => (string) $this->op_id, 'do' => 'dismiss', 'enabled' => '0', 'dry_run' => '', 'paged' => '1',
			// The list tables' bulk forms: a bulk action and what it selects.
			'bulk_action' => 'dismiss', 'ops' => [(string) $this->op_id], 'domains' => [(string) $this->ops()[0]->domain],
		];
	}

	/** Runs $hook as $user with $request; returns how it ended ("die:403", "ajax-die:…", "redirect:…", "returned"). */
	private function run_as(int $user, string $hook, array $request): string {
		wp_set_current_user($user);
		$_POST = $_REQUEST = $request;
		$_GET = [];
		if (strpos($hook, 'wp_ajax_') === 0) {
			add_filter('wp_doing_ajax', '__return_true');
		}
		ob_start();
		try {
			do_action($hook);
			$how = 'returned';
		} catch (Handler_Stopped $stop) {
			$how = $stop->getMessage();
		} finally {
			$out = (string) ob_get_clean();
			remove_filter('wp_doing_ajax', '__return_true');
			$_POST = $_REQUEST = [];
		}
		return $how . ($out !== '' ? ' output:' . substr($out, 0, 300) : '');
	}

	/** The nonce action the handler checks, learnt by running it as a network admin with a bad nonce. */
	private function nonce_action(string $hook, array $request): ?string {
		$seen = null;
		$spy = static function ($action) use (&$seen) { $seen = $action; };
		add_action('check_admin_referer', $spy, 10, 1);
		add_action('check_ajax_referer', $spy, 10, 1);
		$this->run_as(1, $hook, $request + ['_wpnonce' => 'bogus', '_ajax_nonce' => 'bogus']);
		remove_action('check_admin_referer', $spy, 10);
		remove_action('check_ajax_referer', $spy, 10);
		return is_string($seen) ? $seen : null;
	}

	/** @return array{requests:int, ops:string, enabled:mixed, options:string} */
	private function side_effects(): array {
		global $wpdb;
		return [
			'requests' => count((array) $this->sim()->requests()),
			'ops'      => md5(serialize($this->ops())),
			'enabled'  => get_network_option(null, 'wu_runcloud_enabled'),
			'options'  => md5(serialize($wpdb->get_results("SELECT meta_key, meta_value FROM {$wpdb->sitemeta} WHERE meta_key LIKE 'wu\\_runcloud%' AND meta_key NOT LIKE '%transient%' ORDER BY meta_key"))),
		];
	}

	private function assertRefused(string $how, string $what): void {
		$refused = (bool) preg_match('/^(die:(403|4\d\d)|ajax-die:(403|-1|0)|ajax-die:\d+:-1)/', $how)
			|| (strpos($how, '"success":false') !== false);
		$this->assertTrue($refused, "$what should be refused (403 / -1 / success:false), but it ended with: $how");
	}

	public function test_every_ajax_and_admin_post_action_refuses_subscribers_and_missing_or_bad_nonces(): void {
		wp_set_current_user(1);
		$hooks = self::ours('wp_ajax_') + self::ours('admin_post_');
		$this->assertNotEmpty(self::ours('wp_ajax_'), 'the plugin registers at least one AJAX action (Test Connection)');
		$this->assertNotEmpty(self::ours('admin_post_'), 'the plugin registers admin-post actions');
		$this->assertSame([], array_keys(self::ours('wp_ajax_nopriv_') + self::ours('admin_post_nopriv_')), 'no endpoint for logged-out visitors');
		$checked = [];
		foreach (array_keys($hooks) as $hook) {
			$action = preg_replace('/^(wp_ajax_|admin_post_)/', '', $hook);
			$request = $this->request($action);
			$nonce_action = $this->nonce_action($hook, $request);
			$this->assertNotNull($nonce_action, "$hook checks no nonce (check_admin_referer/check_ajax_referer never ran for a network admin)");

			$before = $this->side_effects();
			wp_set_current_user($this->subscriber);
			$valid_for_subscriber = wp_create_nonce($nonce_action);
			$this->assertRefused($this->run_as($this->subscriber, $hook, $request + ['_wpnonce' => $valid_for_subscriber, '_ajax_nonce' => $valid_for_subscriber]), "$hook as a subscriber with a valid nonce");
			$this->assertRefused($this->run_as($this->subscriber, $hook, $request), "$hook as a subscriber without a nonce");
			$this->assertRefused($this->run_as(1, $hook, $request), "$hook as a network admin without a nonce");
			$this->assertRefused($this->run_as(1, $hook, $request + ['_wpnonce' => 'bogus', '_ajax_nonce' => 'bogus']), "$hook as a network admin with a bad nonce");
			wp_set_current_user(1);
			$stale = wp_create_nonce($nonce_action . '-other');
			$this->assertRefused($this->run_as(1, $hook, $request + ['_wpnonce' => $stale, '_ajax_nonce' => $stale]), "$hook as a network admin with another action's nonce");
			$this->assertSame($before, $this->side_effects(), "$hook had a side effect although it was refused");

			// And with both, it does run (so the refusals above were not a broken handler).
			wp_set_current_user(1);
			$good = wp_create_nonce($nonce_action);
			$how = $this->run_as(1, $hook, $request + ['_wpnonce' => $good, '_ajax_nonce' => $good]);
			$this->assertMatchesRegularExpression('/^(redirect:|ajax-die:\d+:|returned)/', $how, "$hook with capability and nonce should complete; it ended with: $how");
			$this->assertStringNotContainsString('die:403', $how);
			$checked[] = "$hook ($nonce_action)";
		}
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/access-control.txt', "actions checked at run time:\n" . implode("\n", $checked) . "\n", FILE_APPEND);
		$this->assertGreaterThanOrEqual(9, count($checked), 'all registered actions were checked: ' . implode(', ', $checked));
		foreach (['admin_post_wu_runcloud_domains_bulk (bulk-wu-runcloud-domains)', 'admin_post_wu_runcloud_ops_bulk (bulk-wu-runcloud-operations)'] as $bulk) {
			$this->assertContains($bulk, $checked, 'The list tables\' bulk actions are among them, with the nonce WP_List_Table prints');
		}
	}

	public function test_every_admin_page_of_the_plugin_needs_manage_network_options_and_refuses_a_subscriber(): void {
		global $submenu, $_registered_pages;
		wp_set_current_user(1);
		set_current_screen('dashboard-network');
		do_action('network_admin_menu');
		$pages = [];
		foreach (self::ours('') as $hook => $callback) {
			if (isset($_registered_pages[$hook])) {
				$pages[$hook] = $callback;
			}
		}
		$this->assertNotEmpty($pages, 'the plugin registers an admin page');
		foreach ($pages as $hook => $callback) {
			$slug = null;
			foreach ((array) $submenu as $parent => $items) {
				foreach ($items as $item) {
					if (get_plugin_page_hookname($item[2], $parent) === $hook) {
						$slug = $item[2];
						$this->assertSame('manage_network_options', $item[1], "the menu entry of $hook requires manage_network_options");
					}
				}
			}
			$this->assertNotNull($slug, "$hook is in a menu");
			$this->assertRefused($this->run_as($this->subscriber, $hook, []), "rendering $hook as a subscriber");
			$how = $this->run_as(1, $hook, []);
			$this->assertSame('returned', substr($how, 0, 8), "rendering $hook as a network admin works");
			ob_start();
			wp_set_current_user(1);
			call_user_func($callback);
			$html = (string) ob_get_clean();
			file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . "/admin-page-$slug.html", $html);
			$this->assertStringContainsString('<', $html, 'the page rendered HTML');
			file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/access-control.txt', "admin page checked: $hook\n", FILE_APPEND);
		}
	}
}
