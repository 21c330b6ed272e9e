<?php
/**
 * Capability_Module and Base_Capability_Module as in 2.5.2+: return types removed (PR #780),
 * so a module may not add a parameter type the parent lacks (e.g. supports($feature)).
 */

namespace WP_Ultimo\Integrations;

defined('ABSPATH') || exit;

interface Capability_Module {
	public function get_capability_id();
	public function get_title();
	public function get_supported_features();
	public function supports(string $feature);
	public function register_hooks();
	public function get_fields();
	public function get_explainer_lines();
	public function set_integration(Integration $integration);
	public function get_integration();
	public function test_connection();
}

abstract class Base_Capability_Module implements Capability_Module {
	protected Integration $integration;
	protected array $supported_features = [];
	public function supports($feature) { return in_array($feature, $this->supported_features, true); }
	public function set_integration(Integration $integration) { $this->integration = $integration; }
	public function get_integration() { return $this->integration; }
	public function get_supported_features() { return $this->supported_features; }
	public function register_hooks() {}
	public function get_fields() { return []; }
	public function get_explainer_lines() { return ['will' => [], 'will_not' => []]; }
	public function test_connection() { return true; }
}
