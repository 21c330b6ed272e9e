<?php
namespace WU_RunCloud\Tests\Compat;

use WP_Ultimo\Managers\Domain_Manager;
use WU_RunCloud\Ultimate_Multisite\Host_Provider;

/**
 * Ultimate Multisite's host-provider framework (2.0-2.4.10, and Base_Host_Provider kept in
 * 2.5+): our provider registers once under `runcloud`, core's RunCloud provider is unhooked,
 * and where the registry exists too only one of the two paths acts.
 *
 * @group host-provider
 */
final class HostProviderTest extends CompatTestCase {

	public function test_the_provider_path_registers_once_under_runcloud(): void {
		$ours = array_filter($GLOBALS['wp_filter']['wu_domain_manager_get_integrations']->callbacks ?? [], static fn() => true);
		$count = 0;
		foreach ($ours as $callbacks) {
			foreach ($callbacks as $cb) {
				$count += is_array($cb['function']) && $cb['function'][0] instanceof Host_Provider ? 1 : 0;
			}
		}
		$this->assertSame(1, $count, 'One Host_Provider self-registered');
		$manager = Domain_Manager::get_instance();
		$this->assertSame(Host_Provider::class, $manager->get_integrations()['runcloud'] ?? null, 'runcloud resolves to ours');
		$this->assertSame(Host_Provider::get_instance(), $manager->get_integration_instance('runcloud'));
	}

	/** Before 2.4.11 the wizard asks the provider; its Instructions step calls get_instructions() unconditionally. */
	public function test_the_wizard_gets_our_logo_instructions_and_fields_from_the_provider(): void {
		$provider = Domain_Manager::get_instance()->get_integration_instance('runcloud');
		$this->assertStringEndsWith('/wu-runcloud/assets/wu-runcloud.svg', $provider->get_logo());
		ob_start();
		$provider->get_instructions();
		$this->assertStringContainsString("define('WU_RUNCLOUD_API_TOKEN'", (string) ob_get_clean());
		$this->assertSame(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'], array_keys($provider->get_fields()));
		$this->assertSame(self::credentials() !== 'none', $provider->is_setup());
		$this->assertSame(self::credentials() === 'none' ? ['WU_RUNCLOUD_API_TOKEN'] : [], $provider->get_missing_constants());
	}

	/** @group core-provider */
	public function test_core_runcloud_provider_is_replaced_and_unhooked(): void {
		$core_class = 'WP_Ultimo\\Integrations\\Host_Providers\\Runcloud_Host_Provider';
		$this->assertTrue(class_exists($core_class, false), 'Domain_Manager::load_integrations() loaded core\'s provider first');
		$core = $core_class::get_instance();
		foreach (self::DOMAIN_HOOKS as $hook) {
			foreach (['on_add_domain', 'on_remove_domain', 'on_add_subdomain', 'on_remove_subdomain'] as $method) {
				$this->assertFalse(has_action($hook, [$core, $method]), "Core's {$method} must not handle {$hook} (core set up with these credentials: " . var_export($core->is_setup(), true) . ')');
			}
		}
	}

	public function test_only_one_path_acts(): void {
		$provider = Host_Provider::get_instance();
		$module   = self::has_registry() ? \WP_Ultimo\Integrations\Integration_Registry::get_instance()->get_capability('runcloud', 'domain-mapping') : null;
		$set_up   = self::credentials() !== 'none';
		foreach (self::DOMAIN_HOOKS as $hook) {
			$by_provider = has_action($hook, [$provider, str_replace('wu_', 'on_', $hook)]) !== false;
			$by_module   = $module !== null && has_action($hook, [$module, 'action_' . $hook]) !== false;
			$this->assertFalse($by_provider && $by_module, "{$hook}: the provider and the registry module must never both act");
			if (self::has_registry()) {
				$this->assertFalse($by_provider, "{$hook}: next to the registry the provider stays passive");
				$this->assertSame($set_up, $by_module, "{$hook}: the registry module acts when set up");
			} else {
				$this->assertSame($set_up, $by_provider, "{$hook}: the provider acts when set up");
			}
		}
	}
}
