<?php
/**
 * Domain_Manager (test double of inc/managers/class-domain-manager.php): fires the four
 * domain actions on site creation/deletion (both the subdomain and the domain action, the
 * double fire of reference §1.5), loads legacy host providers, answers the Test Connection
 * AJAX exactly as the framework does (no nonce, no capability check: reference §3), and
 * decides the www alias.
 */

namespace WP_Ultimo\Managers;

defined('ABSPATH') || exit;

class Domain_Manager {
	private static $instance;

	public static function get_instance() {
		if (!self::$instance) {
			self::$instance = new self();
			self::$instance->init();
		}
		return self::$instance;
	}

	public function init() {
		add_action('plugins_loaded', [$this, 'load_integrations'], 11);
		add_action('wp_insert_site', [$this, 'handle_site_created']);
		add_action('wp_delete_site', [$this, 'handle_site_deleted']);
		add_action('wp_ajax_wu_test_hosting_integration', [$this, 'test_integration']);
	}

	public function load_integrations() {
		if (!class_exists('WP_Ultimo\\Integrations\\Integration_Registry')) {
			\WP_Ultimo\Integrations\Host_Providers\Runcloud_Host_Provider::get_instance();
		}
		do_action('wp_ultimo_host_providers_load');
	}

	public function get_integrations() {
		return apply_filters('wu_domain_manager_get_integrations', []);
	}

	public function get_integration_instance($id) {
		$class = $this->get_integrations()[$id] ?? null;
		return $class ? $class::get_instance() : false;
	}

	/** Real: wu_enqueue_async_action(...) for both; here run at once with positional args. */
	public function handle_site_created($site) {
		$current_site = get_current_site();
		if (str_replace($current_site->domain, '', $site->domain) === '') {
			return;
		}
		do_action('wu_add_subdomain', $site->domain, (string) $site->blog_id);
		// create_domain_record_for_site(): the new Domain record's transition fires wu_add_domain.
		do_action('wu_add_domain', $site->domain, (int) $site->blog_id);
	}

	public function handle_site_deleted($site) {
		$current_site = get_current_site();
		if (str_replace($current_site->domain, '', $site->domain) === '') {
			return;
		}
		do_action('wu_remove_subdomain', $site->domain, (string) $site->blog_id);
		do_action('wu_remove_domain', $site->domain, (int) $site->blog_id);
	}

	/** wp_ajax_wu_test_hosting_integration: registry first, then legacy. */
	public function test_integration() {
		$id = isset($_REQUEST['integration']) ? sanitize_key(wp_unslash($_REQUEST['integration'])) : '';
		if (class_exists('WP_Ultimo\\Integrations\\Integration_Registry')) {
			$integration = \WP_Ultimo\Integrations\Integration_Registry::get_instance()->get($id);
			if ($integration) {
				if (!$integration->is_setup()) {
					wp_send_json_error(['message' => sprintf('The following constants are missing: %s', implode(', ', $integration->get_missing_constants()))]);
				}
				$result = $integration->test_connection();
				if (is_wp_error($result)) {
					wp_send_json_error(['message' => $result->get_error_message()]);
				}
				wp_send_json_success(['message' => 'Access Authorized']);
			}
		}
		$provider = $this->get_integration_instance($id);
		if ($provider) {
			$provider->test_connection();
		}
		wp_send_json_error(['message' => 'Invalid integration']);
	}

	public function should_create_www_subdomain($domain) {
		$domain = trim(strtolower($domain));
		if (strpos($domain, 'www.') === 0) {
			return false;
		}
		switch (wu_get_setting('auto_create_www_subdomain', 'always')) {
			case 'never':
				return false;
			case 'main_only':
				$parts = explode('.', $domain);
				if (count($parts) <= 2) {
					return true;
				}
				foreach (['.co.uk', '.com.au', '.co.nz', '.com.br', '.co.in', '.org.uk', '.net.au'] as $tld) {
					if (str_ends_with($domain, $tld) && count($parts) === 3) {
						return true;
					}
				}
				return false;
			default:
				return true;
		}
	}

	public static function double_reset() { self::$instance = null; }
}
