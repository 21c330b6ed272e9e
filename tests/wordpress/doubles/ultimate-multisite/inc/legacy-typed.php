<?php
/**
 * Base_Host_Provider as in 2.4.0-2.5.1: `: void` on init(), register_hooks(),
 * test_connection() and the notice/settings methods (the shape of 2.4.10: no constructor,
 * init() hooks the provider in). A subclass must repeat those return types.
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

abstract class Base_Host_Provider {
	use Base_Host_Provider_Double;

	public function init(): void {
		$this->double_load();
		add_filter('wu_domain_manager_get_integrations', [$this, 'self_register']);
		add_action('init', [$this, 'add_to_integration_list']);
	}
	public function register_hooks(): void {
		$this->double_register_hooks();
	}
	public function add_to_integration_list(): void {}
	public function alert_provider_detected(): void {}
	public function alert_provider_not_setup(): void {}
	public function setup_constants($constant_values): void {}
	/** Legacy providers emit the JSON themselves. */
	public function test_connection(): void {
		wp_send_json_success([]);
	}
}
