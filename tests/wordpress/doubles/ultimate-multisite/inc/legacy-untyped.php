<?php
/**
 * Base_Host_Provider as in 2.5.2+ (kept for DNS features): untyped again, no constructor,
 * init() hooks the provider in. A subclass may not add a parameter type.
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

abstract class Base_Host_Provider {
	use Base_Host_Provider_Double;

	public function init() {
		$this->double_load();
		add_filter('wu_domain_manager_get_integrations', [$this, 'self_register']);
		add_action('init', [$this, 'add_to_integration_list']);
	}
	public function register_hooks() {
		$this->double_register_hooks();
	}
	public function add_to_integration_list() {}
	public function alert_provider_detected() {}
	public function alert_provider_not_setup() {}
	public function setup_constants($constant_values) {}
	/** Legacy providers emit the JSON themselves. */
	public function test_connection() {
		wp_send_json_success([]);
	}
}
