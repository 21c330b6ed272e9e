<?php
/**
 * WordPress core site creation, deletion and domain changes on a subdomain network drive
 * the same operations as Ultimate Multisite's actions (no UM loaded in this suite).
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domains;

final class SiteLifecycleTest extends TestCase {

	public function test_a_new_site_on_a_subdomain_network_gets_its_subdomain_added(): void {
		$this->assertTrue($this->is_subdomain_install(), 'This suite runs on a subdomain network');
		$site = $this->create_site('alpha');
		$this->assertSame([], $this->api_requests(), 'Site creation must not wait on RunCloud');
		$this->run_worker_now();
		$this->assertContains('alpha.network.test', $this->sim_domains(), "Expected the new site's hostname in RunCloud; ops:\n" . $this->describe_ops());
		$this->assertSame((int) $site->blog_id, (int) Domains::get('alpha.network.test')->site_id, 'The site id is kept with the domain');
		$post = $this->domain_posts('alpha.network.test')[0];
		$this->assertFalse((bool) $post['body']['www'], 'No www alias for a subdomain of the network (not a registrable domain)');
	}

	public function test_a_deleted_site_has_its_subdomain_removed(): void {
		$site = $this->create_site('bravo');
		$this->run_worker_now();
		$this->assertContains('bravo.network.test', $this->sim_domains());

		wp_delete_site((int) $site->blog_id);
		$this->run_worker_now();
		$this->assertNotContains('bravo.network.test', $this->sim_domains(), "Expected removal after the site was deleted; ops:\n" . $this->describe_ops());
	}

	public function test_changing_a_sites_domain_removes_the_old_name_and_adds_the_new_one(): void {
		$site = $this->create_site('charlie');
		$this->run_worker_now();

		wp_update_site((int) $site->blog_id, ['domain' => 'charlie-shop.com']);
		$this->run_worker_now();

		$domains = $this->sim_domains();
		$this->assertNotContains('charlie.network.test', $domains, 'The old hostname must not linger in RunCloud');
		$this->assertContains('charlie-shop.com', $domains, 'The new hostname must be added');
		$post = $this->domain_posts('charlie-shop.com')[0];
		$this->assertTrue((bool) $post['body']['www'], 'A registrable apex domain gets a www alias by default');
	}

	public function test_the_networks_primary_domain_is_never_removed(): void {
		do_action('wu_remove_domain', 'network.test', 1);
		$this->run_worker_now();
		$this->assertContains('network.test', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'), 'No DELETE may be sent for the primary domain');
		$this->assertSame('skipped', $this->ops('network.test')[0]->status);
	}
}
