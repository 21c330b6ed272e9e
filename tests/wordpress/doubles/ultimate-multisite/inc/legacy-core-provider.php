<?php
/**
 * Stub of core's legacy (v2) RunCloud provider, loaded by Domain_Manager before the registry
 * existed. Its overrides carry return types, which link against every profile.
 */

namespace WP_Ultimo\Integrations\Host_Providers;

defined('ABSPATH') || exit;

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
	public function is_setup(): bool { return true; }
	public function detect(): bool { return false; }
	public function on_add_domain($domain, $site_id) {
		$GLOBALS['wu_double_core_calls'][] = ['legacy_on_add_domain', $domain];
		wu_double_core_post($domain);
	}
	public function on_remove_domain($domain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_remove_domain', $domain]; }
	public function on_add_subdomain($subdomain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_add_subdomain', $subdomain]; }
	public function on_remove_subdomain($subdomain, $site_id) { $GLOBALS['wu_double_core_calls'][] = ['legacy_on_remove_subdomain', $subdomain]; }
	public function test_connection(): void {
		$GLOBALS['wu_double_core_calls'][] = ['legacy_test_connection'];
		wp_send_json_success(['message' => 'core legacy stub']);
	}
	public static function double_reset() { self::$instance = null; }
}
