<?php
/**
 * Capability_Module and Base_Capability_Module as in 2.4.11-2.5.1: every method but
 * test_connection() declares its return type, so a module overriding one must declare it too.
 */

namespace WP_Ultimo\Integrations;

defined('ABSPATH') || exit;

interface Capability_Module {
	public function get_capability_id(): string;
	public function get_title(): string;
	public function get_supported_features(): array;
	public function supports(string $feature): bool;
	public function register_hooks(): void;
	public function get_fields(): array;
	public function get_explainer_lines(): array;
	public function set_integration(Integration $integration): void;
	public function get_integration(): Integration;
	public function test_connection();
}

abstract class Base_Capability_Module implements Capability_Module {
	protected Integration $integration;
	protected array $supported_features = [];
	public function supports(string $feature): bool { return in_array($feature, $this->supported_features, true); }
	public function set_integration(Integration $integration): void { $this->integration = $integration; }
	public function get_integration(): Integration { return $this->integration; }
	public function get_supported_features(): array { return $this->supported_features; }
	public function register_hooks(): void {}
	public function get_fields(): array { return []; }
	public function get_explainer_lines(): array { return ['will' => [], 'will_not' => []]; }
	public function test_connection() { return true; }
}
