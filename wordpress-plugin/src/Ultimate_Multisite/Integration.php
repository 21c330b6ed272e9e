<?php
/**
 * Our RunCloud integration for Ultimate Multisite's integration registry (2.4.11+). Same id
 * as core's (`runcloud`), so registering it replaces core's object and its `domain-mapping`
 * module: a domain is never sent twice, and the enabled flag carries over. Only loaded when
 * UM's base class exists. The parent is typed the same way in every registry release.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud\Ultimate_Multisite;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Network_Admin;
use WU_RunCloud\Settings;

defined('ABSPATH') || exit;

class Integration extends \WP_Ultimo\Integrations\Integration {

	public function __construct() {
		parent::__construct(Settings::INTEGRATION_ID, 'RunCloud');
		$this->set_description(__('Adds mapped domains and new subdomains to your RunCloud web application and redeploys its SSL certificate, in the background, with retries and a status page (Network Admin -> Settings -> RunCloud).', 'wu-runcloud'));
		// A token (API v3) or the legacy key+secret pair (API v2), then the ids.
		$this->set_constants([['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY'], 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID']);
		$this->set_optional_constants(['WU_RUNCLOUD_API_SECRET']);
		$this->set_supports(['autossl']);
		$this->set_tutorial_link('https://runcloud.io/docs/api');
		// Shown next to the network's logo on the wizard's Activation step, as core's are.
		$this->set_logo(Settings::logo_url());
	}

	/** Exact: a key needs its secret, which UM's "any one of" constant list cannot say. */
	public function is_setup(): bool {
		return Settings::is_configured();
	}

	/** Read through get_credential(), so values saved in the wizard count too. */
	public function get_missing_constants(): array {
		return Settings::missing_constants();
	}

	/** The wizard form; keys are the constant names. */
	public function get_fields(): array {
		return Settings::wizard_fields();
	}

	/** RunCloud apps live under /home/<system user>/webapps/<app>. */
	public function detect(): bool {
		return (bool) preg_match('#/home/[^/]+/webapps/[^/]+/#', ABSPATH) || stripos(ABSPATH, 'runcloud') !== false;
	}

	/**
	 * @return bool|\WP_Error true, or a WP_Error naming the cause (credentials, server id,
	 *                        app id, unreachable, extension missing).
	 */
	public function test_connection() {
		// UM's AJAX handler checks neither capability nor nonce (reference §3): we check who asks.
		if (wp_doing_ajax() && !current_user_can(Network_Admin::CAPABILITY)) {
			return new \WP_Error('wu_runcloud_forbidden', __('You are not allowed to test the RunCloud connection.', 'wu-runcloud'));
		}
		$result = Domain_Sync::test_connection();
		return is_wp_error($result) ? $result : true;
	}

	/** Shown by UM's wizard (found with method_exists). */
	public function get_instructions(): void {
		include __DIR__ . '/../../views/um-instructions.php';
	}
}
