<?php
/**
 * The older host-provider registration (Ultimate Multisite 2.0-2.4.10, and the
 * Base_Host_Provider that 2.5+ keeps for DNS features). Same id as core's legacy RunCloud
 * provider; core's hooks are removed so a domain is never sent twice. Where the integration
 * registry exists its `domain-mapping` module does the work and this provider only answers
 * lookups by id: the two paths never both act.
 *
 * Signatures: the parent is untyped in 2.0-2.3 and 2.5.2+, typed (`init(): void`,
 * `register_hooks(): void`, `test_connection(): void` …) in 2.4.0-2.5.1, and has a final
 * constructor up to 2.4.x. So: return types on every override (a child may add one), no
 * parameter types (a child may not add one to an untyped parent), no constructor, and
 * properties redeclared untyped as the parent declares them.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud\Ultimate_Multisite;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Network_Admin;
use WU_RunCloud\Plugin;
use WU_RunCloud\Settings;

defined('ABSPATH') || exit;

class Host_Provider extends \WP_Ultimo\Integrations\Host_Providers\Base_Host_Provider {

	protected $id = Settings::INTEGRATION_ID;

	protected $title = 'RunCloud';

	protected $tutorial_link = 'https://runcloud.io/docs/api';

	protected $supports = ['autossl'];

	protected $constants = [['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY'], 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'];

	protected $optional_constants = ['WU_RUNCLOUD_API_SECRET'];

	private static ?Host_Provider $instance = null;

	public static function get_instance() {
		if (self::$instance === null) {
			self::$instance = new self();
			self::$instance->init();
		}
		return self::$instance;
	}

	public function init(): void {
		$this->unhook_core_provider();
		parent::init();
	}

	/** Core's legacy RunCloud provider was loaded before us: take its place. */
	private function unhook_core_provider(): void {
		$core_class = 'WP_Ultimo\\Integrations\\Host_Providers\\Runcloud_Host_Provider';
		if (!class_exists($core_class) || !method_exists($core_class, 'get_instance')) {
			return;
		}
		$core = $core_class::get_instance();
		foreach (['wu_add_domain' => 'on_add_domain', 'wu_remove_domain' => 'on_remove_domain', 'wu_add_subdomain' => 'on_add_subdomain', 'wu_remove_subdomain' => 'on_remove_subdomain'] as $hook => $method) {
			remove_action($hook, [$core, $method], 10);
		}
	}

	/** With the integration registry present, our `domain-mapping` module acts instead. */
	private static function registry_acts(): bool {
		return Settings::ultimate_multisite_mode() === 'registry';
	}

	public function register_hooks(): void {
		if (!self::registry_acts()) {
			parent::register_hooks();
		}
	}

	/** The registry lists (and notifies about) the integration itself: one row, one notice. */
	public function add_to_integration_list(): void {
		if (!self::registry_acts()) {
			parent::add_to_integration_list();
		}
	}

	public function alert_provider_detected(): void {
		if (!self::registry_acts()) {
			parent::alert_provider_detected();
		}
	}

	public function alert_provider_not_setup(): void {
		if (!self::registry_acts()) {
			parent::alert_provider_not_setup();
		}
	}

	/** Exact: a key needs its secret, which UM's "any one of" constant list cannot say. */
	public function is_setup(): bool {
		return Settings::is_configured();
	}

	public function get_missing_constants(): array {
		return Settings::missing_constants();
	}

	public function detect(): bool {
		return (bool) preg_match('#/home/[^/]+/webapps/[^/]+/#', ABSPATH) || stripos(ABSPATH, 'runcloud') !== false;
	}

	public function get_description(): string {
		return __('Adds mapped domains and new subdomains to your RunCloud web application and redeploys its SSL certificate, in the background, with retries.', 'wu-runcloud');
	}

	public function get_fields(): array {
		return Settings::wizard_fields();
	}

	public function get_logo(): string {
		return Settings::logo_url();
	}

	/** The wizard's Instructions step calls this unconditionally before 2.4.11. */
	public function get_instructions(): void {
		include __DIR__ . '/../../views/um-instructions.php';
	}

	public function on_add_domain($domain, $site_id): void {
		Plugin::request('add', $domain, $site_id, 'wu_add_domain');
	}

	public function on_remove_domain($domain, $site_id): void {
		Plugin::request('remove', $domain, $site_id, 'wu_remove_domain');
	}

	public function on_add_subdomain($subdomain, $site_id): void {
		Plugin::request('add', $subdomain, $site_id, 'wu_add_subdomain');
	}

	public function on_remove_subdomain($subdomain, $site_id): void {
		Plugin::request('remove', $subdomain, $site_id, 'wu_remove_subdomain');
	}

	/** Legacy providers answer the AJAX themselves; the framework checks nobody, so we do. */
	public function test_connection(): void {
		if (!current_user_can(Network_Admin::CAPABILITY)) {
			wp_send_json_error(['message' => __('You are not allowed to test the RunCloud connection.', 'wu-runcloud')], 403);
		}
		$result = Domain_Sync::test_connection();
		if (is_wp_error($result)) {
			wp_send_json_error(['message' => $result->get_error_message()]);
		}
		wp_send_json_success(['message' => Network_Admin::test_message($result)]);
	}
}
