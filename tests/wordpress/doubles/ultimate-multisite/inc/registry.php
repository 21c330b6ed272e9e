<?php
/**
 * The integration registry framework of 2.4.11+ (test double of inc/integrations/*):
 * Integration (the same in every release), Capability_Module and Base_Capability_Module (from
 * capability-module-typed.php or -untyped.php, per profile), Capabilities\Domain_Mapping_Capability,
 * Integration_Registry, Helpers\Credential_Store and a stub of core's RunCloud integration.
 */

namespace WP_Ultimo\Helpers {

	defined('ABSPATH') || exit;

	/** Double: reversible encoding, never plaintext (the real one is AES-256-CBC). */
	class Credential_Store {
		public static function encrypt($value) {
			return 'double:' . base64_encode(strrev((string) $value));
		}
		public static function decrypt($value) {
			return strpos((string) $value, 'double:') === 0 ? strrev((string) base64_decode(substr($value, 7))) : '';
		}
	}
}

namespace WP_Ultimo\Integrations {

	defined('ABSPATH') || exit;

	class Integration {
		protected string $id;
		protected string $title;
		protected string $description = '';
		protected string $logo = '';
		protected string $tutorial_link = '';
		protected array $constants = [];
		protected array $optional_constants = [];
		protected array $supports = [];
		protected string $enabled_option_key = 'wu_host_integrations_enabled';

		public function __construct(string $id, string $title) {
			$this->id    = $id;
			$this->title = $title;
		}
		public function get_id(): string { return $this->id; }
		public function get_title(): string { return $this->title; }
		public function get_description(): string { return $this->description; }
		public function set_description(string $description) { $this->description = $description; return $this; }
		public function get_logo(): string { return $this->logo; }
		public function set_logo(string $logo) { $this->logo = $logo; return $this; }
		public function get_tutorial_link(): string { return $this->tutorial_link; }
		public function set_tutorial_link(string $link) { $this->tutorial_link = $link; return $this; }
		public function get_constants(): array { return $this->constants; }
		public function set_constants(array $constants) { $this->constants = $constants; return $this; }
		public function get_optional_constants(): array { return $this->optional_constants; }
		public function set_optional_constants(array $constants) { $this->optional_constants = $constants; return $this; }
		public function get_supports(): array { return $this->supports; }
		public function set_supports(array $supports) { $this->supports = $supports; return $this; }

		public function get_all_constants(): array {
			$all = [];
			foreach ($this->constants as $constant) {
				$all = array_merge($all, is_array($constant) ? $constant : [$constant]);
			}
			return array_merge($all, $this->optional_constants);
		}

		/** A defined, non-empty constant wins; else the encrypted network option wu_hosting_credential_{CONST}. */
		public function get_credential(string $constant_name): string {
			if (defined($constant_name) && constant($constant_name)) {
				return (string) constant($constant_name);
			}
			$stored = get_network_option(null, 'wu_hosting_credential_' . $constant_name, '');
			return $stored ? \WP_Ultimo\Helpers\Credential_Store::decrypt($stored) : '';
		}

		public function save_credentials(array $values): void {
			$values = shortcode_atts(array_fill_keys($this->get_all_constants(), ''), $values);
			foreach ($values as $name => $value) {
				if ($value !== '') {
					update_network_option(null, 'wu_hosting_credential_' . $name, \WP_Ultimo\Helpers\Credential_Store::encrypt($value));
				} else {
					delete_network_option(null, 'wu_hosting_credential_' . $name);
				}
			}
		}

		public function is_setup(): bool {
			return $this->get_missing_constants() === [];
		}

		/** An element that is an array means "any one of these". */
		public function get_missing_constants(): array {
			$missing = [];
			foreach ($this->constants as $constant) {
				$names = is_array($constant) ? $constant : [$constant];
				$found = false;
				foreach ($names as $name) {
					if ($this->get_credential($name)) {
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

		public function is_enabled(): bool {
			$list = get_network_option(null, $this->enabled_option_key, []);
			return !empty($list[$this->id]);
		}
		public function enable(): bool {
			$list = get_network_option(null, $this->enabled_option_key, []);
			$list[$this->id] = true;
			return update_network_option(null, $this->enabled_option_key, $list);
		}
		public function disable(): bool {
			$list = get_network_option(null, $this->enabled_option_key, []);
			$list[$this->id] = false;
			return update_network_option(null, $this->enabled_option_key, $list);
		}

		public function get_fields(): array { return []; }
		public function detect(): bool { return false; }
		public function supports(string $feature): bool {
			if (in_array($feature, $this->supports, true)) {
				return true;
			}
			foreach (Integration_Registry::get_instance()->get_capabilities($this->id) as $module) {
				if ($module->supports($feature)) {
					return true;
				}
			}
			return false;
		}
		/** @return bool|\WP_Error */
		public function test_connection() { return true; }
		public function get_explainer_lines(): array {
			$lines = ['will' => [], 'will_not' => []];
			foreach (Integration_Registry::get_instance()->get_capabilities($this->id) as $module) {
				$module_lines      = $module->get_explainer_lines();
				$lines['will']     = array_merge($lines['will'], $module_lines['will'] ?? []);
				$lines['will_not'] = array_merge($lines['will_not'], $module_lines['will_not'] ?? []);
			}
			return $lines;
		}
	}

	// Capability_Module and Base_Capability_Module: typed in 2.4.11-2.5.1, untyped in 2.5.2+.
	require __DIR__ . '/capability-module-' . WU_DOUBLE_UM_REGISTRY . '.php';

	class Integration_Registry {
		private static ?Integration_Registry $instance = null;
		private array $integrations = [];
		private array $capabilities = [];
		private bool $resolved = false;

		public static function get_instance(): Integration_Registry {
			return self::$instance ??= new self();
		}
		private function __construct() {}

		public function init(): void {
			add_action('plugins_loaded', [$this, 'fire_registration_hooks'], 9);
			add_action('plugins_loaded', [$this, 'fire_capability_hooks'], 12);
		}

		public function fire_registration_hooks(): void {
			$this->register(new Providers\RunCloud\RunCloud_Integration()); // core's, first
			do_action('wu_register_integrations', $this);
		}

		public function fire_capability_hooks(): void {
			$this->add_capability('runcloud', new Providers\RunCloud\RunCloud_Domain_Mapping());
			do_action('wu_register_capabilities', $this);
			$this->resolve();
		}

		/** Same id overwrites: that is how an add-on replaces a core integration. */
		public function register(Integration $integration): void {
			$this->integrations[$integration->get_id()] = $integration;
		}
		public function get(string $id): ?Integration { return $this->integrations[$id] ?? null; }
		public function get_all(): array { return $this->integrations; }

		public function add_capability(string $integration_id, Capability_Module $module): void {
			$this->capabilities[$integration_id][$module->get_capability_id()] = $module;
		}
		public function get_capabilities(string $integration_id): array { return $this->capabilities[$integration_id] ?? []; }
		public function has_capability(string $integration_id, string $capability_id): bool { return isset($this->capabilities[$integration_id][$capability_id]); }
		public function get_capability(string $integration_id, string $capability_id): ?Capability_Module { return $this->capabilities[$integration_id][$capability_id] ?? null; }

		/** set_integration() on every module; register_hooks() only when enabled and set up. */
		private function resolve(): void {
			if ($this->resolved) {
				return;
			}
			foreach ($this->capabilities as $integration_id => $modules) {
				$integration = $this->get($integration_id);
				if (!$integration) {
					continue;
				}
				foreach ($modules as $module) {
					$module->set_integration($integration);
					if ($integration->is_enabled() && $integration->is_setup()) {
						$module->register_hooks();
					}
				}
			}
			$this->resolved = true;
		}

		/** Test helper (not in the real class): run registration again as on a new request. */
		public static function double_reset(): void {
			self::$instance = null;
		}
	}
}

namespace WP_Ultimo\Integrations\Capabilities {

	defined('ABSPATH') || exit;

	interface Domain_Mapping_Capability {
		public function on_add_domain(string $domain, int $site_id): void;
		public function on_remove_domain(string $domain, int $site_id): void;
		public function on_add_subdomain(string $subdomain, int $site_id): void;
		public function on_remove_subdomain(string $subdomain, int $site_id): void;
	}
}

namespace WP_Ultimo\Integrations\Providers\RunCloud {

	defined('ABSPATH') || exit;

	/** Stub of core's RunCloud integration (id `runcloud`): must be replaced by ours. */
	class RunCloud_Integration extends \WP_Ultimo\Integrations\Integration {
		public function __construct() {
			parent::__construct('runcloud', 'RunCloud');
			$this->set_constants(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID']);
		}
		public function test_connection() {
			$GLOBALS['wu_double_core_calls'][] = ['test_connection'];
			return true;
		}
	}

	/** Stub of core's module: sends the POST itself, as core does, so a double send would show. */
	class RunCloud_Domain_Mapping extends \WP_Ultimo\Integrations\Base_Capability_Module implements \WP_Ultimo\Integrations\Capabilities\Domain_Mapping_Capability {
		public function get_capability_id(): string { return 'domain-mapping'; }
		public function get_title(): string { return 'Domain Mapping (core RunCloud)'; }
		public function register_hooks(): void {
			add_action('wu_add_domain', [$this, 'on_add_domain'], 10, 2);
			add_action('wu_remove_domain', [$this, 'on_remove_domain'], 10, 2);
			add_action('wu_add_subdomain', [$this, 'on_add_subdomain'], 10, 2);
			add_action('wu_remove_subdomain', [$this, 'on_remove_subdomain'], 10, 2);
		}
		public function on_add_domain(string $domain, int $site_id): void {
			$GLOBALS['wu_double_core_calls'][] = ['on_add_domain', $domain];
			wu_double_core_post($domain);
		}
		public function on_remove_domain(string $domain, int $site_id): void { $GLOBALS['wu_double_core_calls'][] = ['on_remove_domain', $domain]; }
		public function on_add_subdomain(string $subdomain, int $site_id): void { $GLOBALS['wu_double_core_calls'][] = ['on_add_subdomain', $subdomain]; }
		public function on_remove_subdomain(string $subdomain, int $site_id): void { $GLOBALS['wu_double_core_calls'][] = ['on_remove_subdomain', $subdomain]; }
	}
}
