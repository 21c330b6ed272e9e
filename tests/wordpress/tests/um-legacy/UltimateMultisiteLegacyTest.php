<?php
/**
 * Ultimate Multisite 2.0-2.4 (test double: only the Base_Host_Provider framework): we
 * register as the `runcloud` host provider, core's legacy provider is unhooked, and Test
 * Connection answers through the legacy AJAX path.
 */

namespace WU_RunCloud\Tests;

use WP_Ultimo\Integrations\Host_Providers\Runcloud_Host_Provider;
use WP_Ultimo\Managers\Domain_Manager;
use WU_RunCloud\Settings;
use WU_RunCloud\Ultimate_Multisite\Host_Provider;

final class UltimateMultisiteLegacyTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		$GLOBALS['wu_double_core_calls'] = [];
		$GLOBALS['wu_double_log']        = [];
	}

	public function test_the_plugin_sees_the_legacy_framework(): void {
		$this->assertFalse(class_exists('WP_Ultimo\\Integrations\\Integration_Registry'), 'The 2.4 double has no registry');
		$this->assertSame('legacy', Settings::ultimate_multisite_mode());
	}

	public function test_we_are_the_runcloud_host_provider(): void {
		$this->assertSame(Host_Provider::class, Domain_Manager::get_instance()->get_integrations()['runcloud'] ?? null, 'Self-registered under id runcloud, after core');
		$this->assertInstanceOf(Host_Provider::class, Domain_Manager::get_instance()->get_integration_instance('runcloud'));
	}

	public function test_core_legacy_hooks_are_removed_and_ours_added(): void {
		$core = Runcloud_Host_Provider::get_instance();
		$ours = Host_Provider::get_instance();
		foreach (['wu_add_domain' => 'on_add_domain', 'wu_remove_domain' => 'on_remove_domain', 'wu_add_subdomain' => 'on_add_subdomain', 'wu_remove_subdomain' => 'on_remove_subdomain'] as $hook => $method) {
			$this->assertFalse(has_action($hook, [$core, $method]), "Core's {$method} must be unhooked");
			$this->assertSame(10, has_action($hook, [$ours, $method]), "Our {$method} handles {$hook}");
		}
	}

	public function test_a_new_site_is_sent_once_by_us(): void {
		$this->create_site('legacy');
		$this->run_worker_now();
		$posts = $this->domain_posts('legacy.network.test');
		$this->assertCount(1, $posts, "requests:\n" . $this->describe_requests());
		$this->assertStringStartsWith('wu-runcloud/', $posts[0]['user_agent']);
		$this->assertSame([], $GLOBALS['wu_double_core_calls']);
	}

	public function test_test_connection_through_the_legacy_ajax_path(): void {
		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], 1);
		$this->assertTrue($json['success'], json_encode($json));
		$this->assertStringContainsString('web-01', $json['data']['message']);

		$this->sim()->clearRequests();
		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], $this->editor_id());
		$this->assertFalse($json['success'], 'UM\'s legacy handler checks nobody; our provider refuses non-admins');
		$this->assertStringContainsString('not allowed', $json['data']['message']);
		$this->assertSame([], $this->api_requests(), 'No outbound call for an unauthorised user');
	}
}
