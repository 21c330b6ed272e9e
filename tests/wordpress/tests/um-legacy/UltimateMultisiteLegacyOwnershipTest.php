<?php
/**
 * Ownership through Ultimate Multisite 2.0-2.4's host-provider path (our Host_Provider
 * receives the domain actions).
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Ultimate_Multisite\Host_Provider;

final class UltimateMultisiteLegacyOwnershipTest extends TestCase {

	public function test_a_domain_added_by_hand_then_mapped_by_a_customer_then_unmapped_stays_in_runcloud(): void {
		$this->assertSame(10, has_action('wu_remove_domain', [Host_Provider::get_instance(), 'on_remove_domain']), 'The legacy provider path handles the removal');
		$GLOBALS['wu_double_domains'] = [];
		$this->seed_domains(['staging.example.com']);
		do_action('wu_add_domain', 'staging.example.com', 1);
		$this->run_worker_now();
		$this->assertSame('already in RunCloud', $this->ops('staging.example.com')[0]->last_error);

		do_action('wu_remove_domain', 'staging.example.com', 1);
		$this->run_worker_now();
		$this->assertContains('staging.example.com', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'));
		$this->assertSame('kept: not added by this plugin', $this->ops('staging.example.com')[1]->last_error);
	}
}
