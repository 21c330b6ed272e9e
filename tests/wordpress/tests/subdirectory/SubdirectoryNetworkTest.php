<?php
/**
 * A subdirectory network: new sites share the network's hostname, so RunCloud must not be
 * called for them; mapped domains still are.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class SubdirectoryNetworkTest extends TestCase {

	public function test_this_suite_runs_on_a_subdirectory_network(): void {
		$this->assertFalse($this->is_subdomain_install(), 'Expected SUBDOMAIN_INSTALL false in this suite');
	}

	public function test_a_new_site_records_nothing_and_makes_no_request(): void {
		$site = $this->create_site('blog');
		$this->assertSame('network.test', $site->domain);
		$this->assertSame([], $this->ops(), "A subdirectory site needs nothing in RunCloud; ops:\n" . $this->describe_ops());
		$this->assertFalse(wp_next_scheduled(Worker::HOOK), 'No worker scheduled for nothing');
		\WU_RunCloud\Worker::process_due();
		$this->assertSame([], $this->api_requests(), "No request expected; got:\n" . $this->describe_requests());
	}

	public function test_deleting_a_subdirectory_site_never_removes_the_shared_hostname(): void {
		$site = $this->create_site('shared');
		wp_delete_site((int) $site->blog_id);
		$this->assertSame([], $this->ops(), 'The network hostname is shared: nothing to remove');
		$this->assertSame([], $this->api_requests());
	}

	public function test_wu_add_domain_adds_a_mapped_domain_and_redeploys_ssl(): void {
		do_action('wu_add_domain', 'mapped.example.org', 2);
		$this->run_worker_now();
		$this->assertContains('mapped.example.org', $this->sim_domains(), "requests:\n" . $this->describe_requests());
		$this->run_after_ssl_window();
		$this->assertCount(1, $this->redeploys(), 'One SSL redeploy after the add');
	}

	public function test_a_site_given_its_own_domain_gets_it_added_and_the_old_shared_one_kept(): void {
		$site = $this->create_site('custom');
		wp_update_site((int) $site->blog_id, ['domain' => 'custom-domain.org', 'path' => '/']);
		$this->run_worker_now();
		$this->assertContains('custom-domain.org', $this->sim_domains());
		$this->assertSame([], $this->api_requests('DELETE'), 'The network hostname is still used by other sites: never removed');
	}
}
