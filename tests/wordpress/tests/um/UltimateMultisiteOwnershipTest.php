<?php
/**
 * Ownership through Ultimate Multisite 2.5's own path: its domain-mapping module (ours)
 * receives wu_add_domain / wu_remove_domain as UM's async actions fire them, and a removal
 * deletes only a domain this plugin added that no mapping still uses.
 */

namespace WU_RunCloud\Tests;

use WP_Ultimo\Integrations\Integration_Registry;
use WU_RunCloud\Ultimate_Multisite\Domain_Mapping;

final class UltimateMultisiteOwnershipTest extends TestCase {

	protected function setUp(): void {
		parent::setUp();
		$GLOBALS['wu_double_log']     = [];
		$GLOBALS['wu_double_domains'] = [];
		$module = Integration_Registry::get_instance()->get_capability('runcloud', 'domain-mapping');
		$this->assertInstanceOf(Domain_Mapping::class, $module);
		$this->assertSame(10, has_action('wu_remove_domain', [$module, 'action_wu_remove_domain']), 'UM\'s module path handles the removal');
	}

	private function um_log(): array {
		return array_column($GLOBALS['wu_double_log']['integration-runcloud'] ?? [], 'message');
	}

	public function test_a_domain_added_by_hand_then_mapped_by_a_customer_then_unmapped_stays_in_runcloud(): void {
		$this->seed_domains(['staging.example.com']);
		$GLOBALS['wu_double_domains'] = ['staging.example.com'];
		do_action('wu_add_domain', 'staging.example.com', '1'); // as UM's async action passes it
		$this->run_worker_now();
		$this->assertSame('already in RunCloud', $this->ops('staging.example.com')[0]->last_error);

		$GLOBALS['wu_double_domains'] = [];
		do_action('wu_remove_domain', 'staging.example.com', '1');
		$this->run_worker_now();

		$this->assertContains('staging.example.com', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'));
		$this->assertSame('kept: not added by this plugin', $this->ops('staging.example.com')[1]->last_error);
		$this->assertContains('remove staging.example.com: kept - kept: not added by this plugin', $this->um_log(), implode(' | ', $this->um_log()));
	}

	public function test_a_domain_we_added_stays_while_another_mapping_still_uses_it(): void {
		do_action('wu_add_domain', 'two-sites.example.com', '1');
		$this->run_worker_now();
		$this->assertContains('two-sites.example.com', $this->sim_domains());
		// The mapping moves to another site: UM deletes the old record, the new one remains.
		$GLOBALS['wu_double_domains'] = ['two-sites.example.com'];
		do_action('wu_remove_domain', 'two-sites.example.com', '1');
		$this->run_worker_now();
		$this->assertContains('two-sites.example.com', $this->sim_domains());
		$this->assertSame('kept: still mapped in Ultimate Multisite', $this->ops('two-sites.example.com')[1]->last_error);

		$GLOBALS['wu_double_domains'] = [];
		do_action('wu_remove_domain', 'two-sites.example.com', '1');
		$this->run_worker_now();
		$this->assertNotContains('two-sites.example.com', $this->sim_domains(), "No mapping left, and ours: removed; ops:\n" . $this->describe_ops());
	}
}
