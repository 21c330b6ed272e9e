<?php
/**
 * The 2.0-2.4 host-provider framework (test double of
 * inc/integrations/host-providers/class-base-host-provider.php): what every release shares,
 * untyped in all of them. The signatures that differ by release are in legacy-2.3.php
 * (untyped, final constructor), legacy-typed.php (2.4.0-2.5.1) and legacy-untyped.php (2.5.2+).
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

trait Base_Host_Provider_Double {
	protected $id;
	protected $title;
	protected $tutorial_link = '';
	protected $supports = [];
	protected $constants = [];
	protected $optional_constants = [];

	/** Hooks only when enabled and set up (what the real init()/constructor decide). */
	protected function double_load(): void {
		if ($this->is_enabled() && $this->is_setup()) {
			$this->load_dependencies();
			$this->register_hooks();
		}
	}

	protected function double_register_hooks(): void {
		add_action('wu_add_domain', [$this, 'on_add_domain'], 10, 2);
		add_action('wu_remove_domain', [$this, 'on_remove_domain'], 10, 2);
		add_action('wu_add_subdomain', [$this, 'on_add_subdomain'], 10, 2);
		add_action('wu_remove_subdomain', [$this, 'on_remove_subdomain'], 10, 2);
		$this->additional_hooks();
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
	public function additional_hooks() {}
	public function load_dependencies() {}

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
	public function get_constants_string($constant_values) { return ''; }
	public function get_explainer_lines() { return ['will' => [], 'will_not' => []]; }
	public function get_description() { return 'No description provided.'; }
	public function get_logo() { return ''; }

	abstract public function detect();
	abstract public function on_add_domain($domain, $site_id);
	abstract public function on_remove_domain($domain, $site_id);
	abstract public function on_add_subdomain($subdomain, $site_id);
	abstract public function on_remove_subdomain($subdomain, $site_id);
}
