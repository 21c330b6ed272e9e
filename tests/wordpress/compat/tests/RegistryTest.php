<?php
namespace WU_RunCloud\Tests\Compat;

use WP_Ultimo\Integrations\Integration_Registry;
use WU_RunCloud\Ultimate_Multisite\Domain_Mapping;
use WU_RunCloud\Ultimate_Multisite\Integration;

/**
 * Ultimate Multisite's integration registry (2.4.11+): our integration replaces the built-in
 * `runcloud`, reports its set-up state from the credentials, offers its wizard form, and its
 * `domain-mapping` module is the only one attached to `runcloud`.
 *
 * @group registry
 */
final class RegistryTest extends CompatTestCase {

	public function test_our_integration_replaces_the_built_in_runcloud(): void {
		$registry = Integration_Registry::get_instance();
		$this->assertTrue(class_exists('WP_Ultimo\\Integrations\\Providers\\RunCloud\\RunCloud_Integration', false), 'Core registered its own RunCloud integration first');
		$this->assertInstanceOf(Integration::class, $registry->get('runcloud'), 'Ours took its place under the id runcloud');
		$runclouds = array_filter($registry->get_all(), static fn($i) => stripos($i->get_title(), 'runcloud') !== false);
		$this->assertSame(['runcloud'], array_keys($runclouds), 'One RunCloud integration in the Integrations list');
	}

	public function test_is_setup_follows_the_credentials_and_names_what_is_missing(): void {
		$integration = Integration_Registry::get_instance()->get('runcloud');
		if (self::credentials() === 'none') {
			$this->assertFalse($integration->is_setup());
			$this->assertSame(['WU_RUNCLOUD_API_TOKEN'], $integration->get_missing_constants(), 'Without a token or key + secret the token is what to add');
		} else {
			$this->assertTrue($integration->is_setup(), 'Set up with ' . self::credentials());
			$this->assertSame([], $integration->get_missing_constants());
		}
	}

	public function test_the_wizard_steps_show_our_logo_explainer_instructions_and_fields(): void {
		$registry    = Integration_Registry::get_instance();
		$integration = $registry->get('runcloud');

		// Activation step: logo next to the network's, and the explainer lines.
		$this->assertStringEndsWith('/wu-runcloud/assets/wu-runcloud.svg', $integration->get_logo());
		$this->assertFileExists(dirname(__DIR__, 4) . '/wordpress-plugin/assets/wu-runcloud.svg');
		$lines = $integration->get_explainer_lines();
		$this->assertContains('Remove a domain from RunCloud when its mapping or site is deleted', $lines['will']);
		$this->assertNotEmpty($lines['will_not']);

		// Instructions step: shown when the method exists and 'no-instructions' is not supported.
		$this->assertTrue(method_exists($integration, 'get_instructions') && !$integration->supports('no-instructions'));
		ob_start();
		$integration->get_instructions();
		$this->assertStringContainsString("define('WU_RUNCLOUD_API_TOKEN'", (string) ob_get_clean());

		// Configuration step: the integration's fields merged with each module's, as the wizard does.
		$fields = $integration->get_fields();
		foreach ($registry->get_capabilities('runcloud') as $module) {
			$fields = array_merge($fields, $module->get_fields());
		}
		$this->assertSame(['WU_RUNCLOUD_API_TOKEN', 'WU_RUNCLOUD_API_KEY', 'WU_RUNCLOUD_API_SECRET', 'WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'], array_keys($fields));
		$this->assertSame('password', $fields['WU_RUNCLOUD_API_TOKEN']['type']);
		$this->assertSame('password', $fields['WU_RUNCLOUD_API_SECRET']['type']);
		$this->assertFalse($integration->supports('no-config'), 'The Configuration step is shown');
	}

	public function test_the_domain_mapping_capability_is_ours_and_the_built_in_module_never_hooks_in(): void {
		$registry = Integration_Registry::get_instance();
		$this->assertTrue(class_exists('WP_Ultimo\\Integrations\\Providers\\RunCloud\\RunCloud_Domain_Mapping', false), 'Core added its module first');
		$this->assertSame(['domain-mapping'], array_keys($registry->get_capabilities('runcloud')));
		$module = $registry->get_capability('runcloud', 'domain-mapping');
		$this->assertInstanceOf(Domain_Mapping::class, $module);
		$this->assertSame($registry->get('runcloud'), $module->get_integration());
		foreach (self::DOMAIN_HOOKS as $hook) {
			$core = array_filter($this->callbacks($hook), static fn($cb) => strpos($cb, 'WP_Ultimo\\') === 0);
			$this->assertSame([], array_values($core), "No Ultimate Multisite code handles {$hook}");
			$this->assertSame(self::credentials() === 'none' ? false : 10, has_action($hook, [$module, 'action_' . $hook]), "Our module handles {$hook} exactly when set up (credentials: " . self::credentials() . ')');
		}
	}
}
