<?php
/**
 * Base_Host_Provider as in 2.0-2.3.x: untyped; a final constructor hooks the provider in,
 * init() only self-registers (so a subclass may not declare a constructor).
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

abstract class Base_Host_Provider {
	use Base_Host_Provider_Double;

	public function init() {
		add_filter('wu_domain_manager_get_integrations', [$this, 'self_register']);
		add_action('init', [$this, 'add_to_integration_list']);
	}
	final public function __construct() {
		$this->double_load();
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
