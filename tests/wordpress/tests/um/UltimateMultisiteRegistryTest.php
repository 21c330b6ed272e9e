<?php
/**
 * Ultimate Multisite 2.5+ (test double of its integration framework, loaded as mu-plugins):
 * our integration replaces core's `runcloud`, its module hooks follow UM's enabled flag,
 * Test Connection works through UM's AJAX, domains are sent once, logs go to UM's log.
 */

namespace WU_RunCloud\Tests;

use WP_Ultimo\Integrations\Integration_Registry;
use WU_RunCloud\Log;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Settings;
use WU_RunCloud\Ultimate_Multisite\Domain_Mapping;
use WU_RunCloud\Ultimate_Multisite\Integration;

final class UltimateMultisiteRegistryTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		$GLOBALS['wu_double_log']        = [];
		$GLOBALS['wu_double_core_calls'] = [];
		$GLOBALS['wu_double_domains']    = [];
		delete_network_option(null, 'wp-ultimo_settings');
		$this->boot_um(true);
	}

	/**
	 * Replay UM's registration as on a new request: plugins_loaded:9 then :12 (resolve),
	 * with the given enabled flag. Hooks of the previous request's modules are dropped.
	 */
	private function boot_um(bool $enabled): Integration_Registry {
		$old = Integration_Registry::get_instance();
		foreach ($old->get_capabilities('runcloud') as $module) {
			if ($module instanceof Domain_Mapping) {
				$module->unregister_hooks();
			} else {
				foreach (['wu_add_domain' => 'on_add_domain', 'wu_remove_domain' => 'on_remove_domain', 'wu_add_subdomain' => 'on_add_subdomain', 'wu_remove_subdomain' => 'on_remove_subdomain'] as $hook => $method) {
					remove_action($hook, [$module, $method], 10);
				}
			}
		}
		update_network_option(null, 'wu_host_integrations_enabled', ['runcloud' => $enabled]);
		Integration_Registry::double_reset();
		$registry = Integration_Registry::get_instance();
		$registry->fire_registration_hooks();
		$registry->fire_capability_hooks();
		return $registry;
	}

	private function module(): Domain_Mapping {
		$module = Integration_Registry::get_instance()->get_capability('runcloud', 'domain-mapping');
		$this->assertInstanceOf(Domain_Mapping::class, $module, 'Expected our module to be the domain-mapping capability of runcloud');
		return $module;
	}

	public function test_the_plugin_sees_ultimate_multisite_2_5(): void {
		$this->assertSame('registry', Settings::ultimate_multisite_mode());
	}

	public function test_our_integration_replaces_core_runcloud_under_the_same_id(): void {
		$registry = Integration_Registry::get_instance();
		$this->assertInstanceOf(Integration::class, $registry->get('runcloud'), 'Registered with id runcloud, overwriting core');
		$this->assertCount(1, array_filter($registry->get_all(), static fn($i) => $i->get_title() === 'RunCloud'), 'Exactly one RunCloud integration');
		$this->assertSame(['domain-mapping'], array_keys($registry->get_capabilities('runcloud')), 'One domain-mapping module, ours');
		$this->assertSame($registry->get('runcloud'), $this->module()->get_integration(), 'The module is attached to our integration');
	}

	public function test_the_host_provider_kept_next_to_the_registry_registers_but_never_acts(): void {
		$this->assertTrue(class_exists('WP_Ultimo\\Integrations\\Host_Providers\\Base_Host_Provider'), 'Profiles 2.5.1 and 2.9 keep Base_Host_Provider, as the real 2.5+ does');
		$provider = \WP_Ultimo\Managers\Domain_Manager::get_instance()->get_integration_instance('runcloud');
		$this->assertInstanceOf(\WU_RunCloud\Ultimate_Multisite\Host_Provider::class, $provider, 'Lookups by id find ours');
		foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $hook) {
			$this->assertFalse(has_action($hook, [$provider, str_replace('wu_', 'on_', $hook)]), "{$hook} is the registry module's alone");
		}
	}

	public function test_module_hooks_exist_only_while_the_integration_is_enabled(): void {
		$module = $this->module();
		foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $hook) {
			$this->assertSame(10, has_action($hook, [$module, 'action_' . $hook]), "{$hook} should be handled by our module when enabled");
		}

		$this->boot_um(false);
		$module = $this->module();
		foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $hook) {
			$this->assertFalse(has_action($hook, [$module, 'action_' . $hook]), "{$hook} must not be handled while disabled");
		}
		do_action('wu_add_domain', 'disabled.example.com', 1);
		$this->assertSame([], $this->ops(), 'Disabled in Ultimate Multisite: nothing recorded (our standalone handler stays out of the way too)');
	}

	public function test_the_module_unregisters_what_it_registered(): void {
		$module = $this->module();
		$module->unregister_hooks();
		foreach (['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'] as $hook) {
			$this->assertFalse(has_action($hook, [$module, 'action_' . $hook]));
		}
		$module->register_hooks();
	}

	public function test_the_enable_toggle_is_ultimate_multisites_flag(): void {
		delete_network_option(null, Settings::ENABLED_OPTION); // may be left by the standalone suite on this install
		$integration = Integration_Registry::get_instance()->get('runcloud');
		$integration->disable();
		$this->assertFalse(Settings::is_enabled(), 'Our page reads UM\'s flag');
		Settings::set_enabled(true);
		$this->assertTrue($integration->is_enabled(), 'and writes it');
		$this->assertSame(['runcloud' => true], get_network_option(null, 'wu_host_integrations_enabled'));
		$this->assertFalse(get_network_option(null, Settings::ENABLED_OPTION, false), 'Our standalone option is not used under UM');
	}

	public function test_fields_description_detect_and_instructions(): void {
		$integration = Integration_Registry::get_instance()->get('runcloud');
		$this->assertSame(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'], array_keys($integration->get_fields()));
		$this->assertSame('password', $integration->get_fields()['WU_RUNCLOUD_API_TOKEN']['type']);
		$this->assertNotSame('', $integration->get_description());
		$this->assertTrue($integration->is_setup());
		$this->assertSame([], $integration->get_missing_constants());
		$this->assertFalse($integration->detect(), 'The test install is not under /home/<user>/webapps/');
		$this->assertTrue($integration->supports('autossl'));
		ob_start();
		$integration->get_instructions();
		$this->assertStringContainsString("define('WU_RUNCLOUD_API_TOKEN'", ob_get_clean());
		$this->assertNotEmpty($integration->get_explainer_lines()['will']);
		$this->assertStringNotContainsString('sim-token', print_r($integration, true) . print_r($this->module(), true), 'No secret held in (or dumped from) our objects');
	}

	public function test_test_connection_through_ultimate_multisites_ajax_says_access_authorized(): void {
		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], 1);
		$this->assertSame(['success' => true, 'data' => ['message' => 'Access Authorized']], $json);
		$this->assertSame([], $GLOBALS['wu_double_core_calls'], 'Core\'s test_connection never runs');
		$this->assertNotEmpty($this->api_requests('GET'), 'It really asked RunCloud');
	}

	public function test_test_connection_returns_the_specific_cause_as_a_wp_error(): void {
		$this->reset_sim(['servers' => [['id' => self::SERVER, 'name' => 'web-01', 'webapps' => [['id' => 1, 'name' => 'elsewhere']]]]]);
		$result = Integration_Registry::get_instance()->get('runcloud')->test_connection();
		$this->assertInstanceOf(\WP_Error::class, $result);
		$this->assertStringContainsString('WU_RUNCLOUD_APP_ID', $result->get_error_message(), 'A wrong app id names the constant');

		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], 1);
		$this->assertFalse($json['success']);
		$this->assertStringContainsString('WU_RUNCLOUD_APP_ID', $json['data']['message']);
	}

	public function test_test_connection_refuses_a_user_without_the_capability_although_ums_handler_checks_nothing(): void {
		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], $this->editor_id());
		$this->assertFalse($json['success']);
		$this->assertStringContainsString('not allowed', $json['data']['message']);
		$this->assertSame([], $this->api_requests(), 'No outbound call for an unauthorised user');
	}

	public function test_a_new_site_fires_both_actions_and_runcloud_gets_one_post_from_us_only(): void {
		$this->create_site('umsite');
		$ops = $this->ops('umsite.network.test');
		$this->assertCount(1, $ops, "wu_add_subdomain + wu_add_domain must collapse into one operation:\n" . $this->describe_ops());
		$this->run_worker_now();
		$posts = $this->domain_posts('umsite.network.test');
		$this->assertCount(1, $posts, "Expected one POST; requests:\n" . $this->describe_requests());
		$this->assertStringStartsWith('wu-runcloud/', $posts[0]['user_agent'], 'The POST comes from our extension, not core\'s module');
		$this->assertSame([], $GLOBALS['wu_double_core_calls'], 'Core\'s RunCloud module was replaced and never called');
	}

	public function test_deleting_the_site_removes_its_domain_once(): void {
		$site = $this->create_site('umgone');
		$this->run_worker_now();
		wp_delete_site((int) $site->blog_id);
		$this->assertCount(1, array_filter($this->ops('umgone.network.test'), static fn($o) => $o->op === 'remove'), 'One remove for the double fire');
		$this->run_worker_now();
		$this->assertNotContains('umgone.network.test', $this->sim_domains());
		$this->assertCount(1, $this->api_requests('DELETE'));
	}

	/** @return array<string, array{0:string,1:string,2:bool}> */
	public static function www_cases(): array {
		return [
			'always, subdomain'     => ['always', 'sub.network.test', true],
			'never, apex'           => ['never', 'never.com', false],
			'main_only, apex'       => ['main_only', 'main.com', true],
			'main_only, co.uk apex' => ['main_only', 'shop.co.uk', true],
			'main_only, subdomain'  => ['main_only', 'blog.main.com', false],
			'always, www. already'  => ['always', 'www.already.com', false],
		];
	}

	/** @dataProvider www_cases */
	public function test_the_www_alias_follows_ultimate_multisites_setting(string $setting, string $domain, bool $www): void {
		update_network_option(null, 'wp-ultimo_settings', ['auto_create_www_subdomain' => $setting]);
		do_action('wu_add_domain', $domain, 1);
		$this->run_worker_now();
		$posts = $this->domain_posts($domain);
		$this->assertCount(1, $posts, "requests:\n" . $this->describe_requests());
		$this->assertSame($www, (bool) $posts[0]['body']['www'], "www for {$domain} with setting {$setting}");
	}

	public function test_log_lines_go_to_ultimate_multisites_log_without_secrets(): void {
		do_action('wu_add_domain', 'logged.example.com', 1);
		$this->run_worker_now();
		$lines = array_column($GLOBALS['wu_double_log']['integration-runcloud'] ?? [], 'message');
		$this->assertContains('add logged.example.com: added - RunCloud id ' . $this->sim_domain('logged.example.com')['id'] . ', with www alias', $lines, 'One line per operation with domain and outcome: ' . implode(' | ', $lines));
		$this->assertSame([], Log::recent(), 'Our own log is only the fallback');
		$this->assertStringNotContainsString('sim-token', implode("\n", $lines));
	}

	public function test_dns_propagation_finished_schedules_one_coalesced_ssl_redeploy(): void {
		do_action('wu_domain_manager_dns_propagation_finished', (object) ['domain' => 'dns.example.com']);
		do_action('wu_domain_manager_dns_propagation_finished', (object) ['domain' => 'dns2.example.com']);
		$ssl = array_values(array_filter($this->ops(), static fn($o) => $o->op === 'redeploy_ssl'));
		$this->assertCount(1, $ssl, 'Two domains passing DNS in one window: one redeploy');
		$this->assertEqualsWithDelta(time() + 60, (int) $ssl[0]->next_attempt_at, 2);
		$this->run_after_ssl_window();
		$this->assertCount(1, $this->redeploys());
	}

	public function test_reconcile_includes_ultimate_multisites_mapped_domains(): void {
		$GLOBALS['wu_double_domains'] = ['mapped-in-um.com'];
		$result = Reconciler::run(false);
		$this->assertContains('mapped-in-um.com', $result['added']);
		$this->assertContains('mapped-in-um.com', $this->sim_domains());
	}
}
