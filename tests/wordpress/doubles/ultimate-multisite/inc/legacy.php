<?php
/**
 * The 2.0-2.4 host-provider framework (test double of
 * inc/integrations/host-providers/class-base-host-provider.php) and a stub of core's
 * legacy RunCloud provider.
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

abstract class Base_Host_Provider {
	protected $id;
	protected $title;
	protected $tutorial_link = '';
	protected $supports = [];
	protected $constants = [];
	protected $optional_constants = [];

	/** Hooks only when enabled and set up; then self-registers through the filter. */
	public function init() {
		if ($this->is_enabled() && $this->is_setup()) {
			$this->load_dependencies();
			$this->register_hooks();
		}
		add_filter('wu_domain_manager_get_integrations', [$this, 'self_register']);
	}

	final public function self_register($integrations) {
		$integrations[$this->get_id()] = static::class;
		return $integrations;
	}

	protected function get_enabled_list() {
		return get_network_option(null, 'wu_host_integrations_enabled', []);
	}
	final public function is_enabled() {
		return (bool) wu_get_isset($this->get_enabled_list(), $this->get_id(), false);
	}
	public function enable() {
		$list = $this->get_enabled_list();
		$list[$this->get_id()] = true;
		return update_network_option(null, 'wu_host_integrations_enabled', $list);
	}
	public function disable() {
		$list = $this->get_enabled_list();
		$list[$this->get_id()] = false;
		return update_network_option(null, 'wu_host_integrations_enabled', $list);
	}

	public function get_fields() { return []; }
	public function get_id() { return $this->id; }
	public function get_title() { return $this->title; }
	public function supports($feature) { return in_array($feature, $this->supports, true); }

	public function register_hooks() {
		add_action('wu_add_domain', [$this, 'on_add_domain'], 10, 2);
		add_action('wu_remove_domain', [$this, 'on_remove_domain'], 10, 2);
		add_action('wu_add_subdomain', [$this, 'on_add_subdomain'], 10, 2);
		add_action('wu_remove_subdomain', [$this, 'on_remove_subdomain'], 10, 2);
		$this->additional_hooks();
	}
	public function additional_hooks() {}
	public function load_dependencies() {}

	abstract public function detect();

	public function is_setup() {
		return $this->get_missing_constants() === [];
	}
	public function get_missing_constants() {
		$missing = [];
		foreach ($this->constants as $constant) {
			$names = is_array($constant) ? $constant : [$constant];
			$found = false;
			foreach ($names as $name) {
				if (defined($name) && constant($name)) {
					$found = true;
					break;
				}
			}
			if (!$found) {
				$missing = array_merge($missing, $names);
			}
		}
		return $missing;
	}
	public function get_all_constants() {
		$all = [];
		foreach ($this->constants as $constant) {
			$all = array_merge($all, is_array($constant) ? $constant : [$constant]);
		}
		return array_merge($all, $this->optional_constants);
	}
	public function get_explainer_lines() { return ['will' => [], 'will_not' => []]; }

	abstract public function on_add_domain($domain, $site_id);
	abstract public function on_remove_domain($domain, $site_id);
	abstract public function on_add_subdomain($subdomain, $site_id);
	abstract public function on_remove_subdomain($subdomain, $site_id);

	/** Legacy providers emit the JSON themselves. */
	public function test_connection() {
		wp_send_json_success([]);
	}
	public function get_description() { return 'No description provided.'; }
	public function get_logo() { return ''; }
}

/** Stub of core's legacy (v2) RunCloud provider, loaded by Domain_Manager on 2.0-2.4. */
class Runcloud_Host_Provider extends Base_Host_Provider {
	protected $id = 'runcloud';
	protected $title = 'RunCloud';
	protected $constants = ['WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'];
	private static $instance;

	public static function get_instance() {
		if (!self::$instance) {
			self::$instance = new self();
			self::$instance->init();
		}
		return self::$instance;
	}
	/** Core 2.x checks the v2 constants; the test config has a token, so pretend it is set up. */
	public function is_setup() { return true; }
	public function detect() { return false; }
	public function on_add_domain($domain, $site_id) {
		$GLOBALS['wu_double_core_calls'][] = ['legacy_on_add_domain', $domain];
		wu_double_core_post($domain);
	}
	public function on_remove_domain($domain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_remove_domain', $domain]; }
	public function on_add_subdomain($subdomain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_add_subdomain', $subdomain]; }
	public function on_remove_subdomain($subdomain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_remove_subdomain', $subdomain]; }
	public function test_connection() {
		$GLOBALS['wu_double_core_calls'][] = ['legacy_test_connection'];
		wp_send_json_success(['message' => 'core legacy stub']);
	}
	public static function double_reset() { self::$instance = null; }
}
