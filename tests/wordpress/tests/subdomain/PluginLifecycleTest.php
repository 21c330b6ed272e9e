<?php
/**
 * Hooks are registered in one place with a mirror unregister; uninstall removes only our
 * own data.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class PluginLifecycleTest extends TestCase {

	private const HOOKS = [
		'wu_add_domain' => 'action_wu_add_domain',
		'wu_remove_domain' => 'action_wu_remove_domain',
		'wu_add_subdomain' => 'action_wu_add_subdomain',
		'wu_remove_subdomain' => 'action_wu_remove_subdomain',
		'wp_insert_site' => 'action_wp_insert_site',
		'wp_delete_site' => 'action_wp_delete_site',
		'wp_update_site' => 'action_wp_update_site',
		'wu_runcloud_process_queue' => 'action_wu_runcloud_process_queue',
		'wu_runcloud_reconcile' => 'action_wu_runcloud_reconcile',
		'wu_runcloud_daily_checks' => 'action_wu_runcloud_daily_checks',
		'wu_register_integrations' => 'action_wu_register_integrations',
		'wu_register_capabilities' => 'action_wu_register_capabilities',
		'init' => 'action_init',
		'wp_ultimo_host_providers_load' => 'action_wp_ultimo_host_providers_load',
		'wu_domain_manager_dns_propagation_finished' => 'action_wu_domain_manager_dns_propagation_finished',
	];

	private const ADMIN_HOOKS = [
		'network_admin_menu', 'network_admin_notices', 'admin_post_wu_runcloud_toggle', 'admin_post_wu_runcloud_test',
		'admin_post_wu_runcloud_sync', 'admin_post_wu_runcloud_op', 'admin_post_wu_runcloud_prune_force',
		'admin_post_wu_runcloud_dismiss_token_notice', 'admin_post_wu_runcloud_domains_bulk', 'admin_post_wu_runcloud_ops_bulk',
		'wp_ajax_wu_runcloud_test',
	];

	/** Admin hooks whose name is no method name: hook => the Network_Admin method. */
	private const ADMIN_HOOKS_NAMED = [
		'load-settings_page_wu-runcloud'                => 'action_load_settings_page_wu_runcloud',
		'set_screen_option_wu_runcloud_domains_per_page' => 'filter_set_screen_option_per_page',
		'set_screen_option_wu_runcloud_operations_per_page' => 'filter_set_screen_option_per_page',
	];

	/** Site Health: hook => the Site_Health method. */
	private const HEALTH_HOOKS = [
		'site_status_tests' => 'filter_site_status_tests',
		'debug_information' => 'filter_debug_information',
	];

	/** Every "hook => Class::method" whose callback is the plugin or its admin page, as WordPress holds them now. */
	private function our_callbacks(Plugin $plugin): array {
		$out = [];
		foreach ($GLOBALS['wp_filter'] as $hook => $filter) {
			foreach ($filter->callbacks as $callbacks) {
				foreach ($callbacks as $cb) {
					// render_page is the page callback WordPress hooks itself once the menu is built.
					if (is_array($cb['function']) && in_array($cb['function'][0], [$plugin, $plugin->admin, $plugin->health], true) && $cb['function'][1] !== 'render_page') {
						$out[] = $hook . ' => ' . (new \ReflectionClass($cb['function'][0]))->getShortName() . '::' . $cb['function'][1];
					}
				}
			}
		}
		sort($out);
		return $out;
	}

	public function test_every_hook_is_registered_and_unregister_removes_each_one(): void {
		$plugin   = Plugin::instance();
		$expected = array_merge(
			array_map(static fn($hook, $method) => "{$hook} => Plugin::{$method}", array_keys(self::HOOKS), self::HOOKS),
			array_map(static fn($hook) => "{$hook} => Network_Admin::action_{$hook}", self::ADMIN_HOOKS),
			array_map(static fn($hook, $method) => "{$hook} => Network_Admin::{$method}", array_keys(self::ADMIN_HOOKS_NAMED), self::ADMIN_HOOKS_NAMED),
			array_map(static fn($hook, $method) => "{$hook} => Site_Health::{$method}", array_keys(self::HEALTH_HOOKS), self::HEALTH_HOOKS)
		);
		sort($expected);
		$this->assertSame($expected, $this->our_callbacks($plugin), 'Exactly these hooks, each calling the method named after it');
		foreach (self::HOOKS as $hook => $method) {
			$this->assertNotFalse(has_action($hook, [$plugin, $method]), "{$hook} should call Plugin::{$method}");
		}
		foreach (self::ADMIN_HOOKS as $hook) {
			$this->assertNotFalse(has_action($hook, [$plugin->admin, 'action_' . $hook]), "{$hook} should call Network_Admin::action_{$hook}");
		}

		$plugin->unregister_hooks();
		try {
			$this->assertSame([], $this->our_callbacks($plugin), 'unregister_hooks() mirrors register_hooks(): nothing of ours is left');
			foreach (self::HOOKS as $hook => $method) {
				$this->assertFalse(has_action($hook, [$plugin, $method]), "{$hook} should be gone after unregister_hooks()");
			}
			foreach (self::ADMIN_HOOKS as $hook) {
				$this->assertFalse(has_action($hook, [$plugin->admin, 'action_' . $hook]), "{$hook} should be gone after unregister_hooks()");
			}
			do_action('wu_add_domain', 'unhooked.example.com', 1);
			$this->assertSame([], $this->ops(), 'With the hooks removed nothing is recorded');
		} finally {
			$plugin->register_hooks();
		}
		$this->assertSame(10, has_action('wu_add_domain', [$plugin, 'action_wu_add_domain']), 'Registered again at priority 10');
	}

	public function test_deactivation_removes_our_scheduled_events(): void {
		do_action('wu_add_domain', 'deactivate.example.com', 1);
		Plugin::instance()->action_init();
		$this->assertNotFalse(wp_next_scheduled(Worker::HOOK));
		$this->assertNotFalse(wp_next_scheduled(Plugin::RECONCILE_HOOK));
		Plugin::deactivate();
		$this->assertFalse(wp_next_scheduled(Worker::HOOK));
		$this->assertFalse(wp_next_scheduled(Plugin::RECONCILE_HOOK));
		$this->assertSame('pending', $this->ops('deactivate.example.com')[0]->status, 'Recorded work is kept for reactivation');
	}

	public function test_uninstall_removes_our_tables_options_and_events_and_nothing_else(): void {
		global $wpdb;
		update_network_option(null, 'wu_host_integrations_enabled', ['runcloud' => true, 'other' => true]);
		update_user_meta(1, 'wu_runcloud_domains_per_page', 50); // as Screen Options saves it
		update_user_meta(1, 'edit_per_page', 30);
		do_action('wu_add_domain', 'uninstall.example.com', 1);
		$this->assertNotFalse(wp_next_scheduled(Worker::HOOK));

		define('WP_UNINSTALL_PLUGIN', 'wu-runcloud/wu-runcloud.php');
		include WP_PLUGIN_DIR . '/wu-runcloud/uninstall.php';
		try {
			foreach (['wu_runcloud_ops', 'wu_runcloud_domains', 'wu_runcloud_log'] as $table) {
				$this->assertNull($wpdb->get_var($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->base_prefix . $table)), "{$table} should be dropped");
			}
			$this->assertFalse(get_network_option(null, 'wu_runcloud_enabled'), 'Our toggle option is removed');
			$this->assertFalse(wp_next_scheduled(Worker::HOOK), 'Our cron events are removed');
			$this->assertSame(['runcloud' => true, 'other' => true], get_network_option(null, 'wu_host_integrations_enabled'), "Ultimate Multisite's option is not ours to delete");
			$this->assertNotEmpty(get_network_option(null, 'site_name'), 'Core options untouched');
			$this->assertSame('', get_user_meta(1, 'wu_runcloud_domains_per_page', true), 'Our Screen Options are removed');
			$this->assertSame('30', get_user_meta(1, 'edit_per_page', true), "Core's are not ours");
		} finally {
			delete_network_option(null, 'wu_host_integrations_enabled');
			delete_user_meta(1, 'edit_per_page');
			Plugin::activate();
		}
	}
}
