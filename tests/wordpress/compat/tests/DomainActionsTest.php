<?php
/**
 * The four domain actions, fired by this release's own Domain_Manager the way it fires them
 * (handle_site_created on wp_insert_site, send_domain_to_host on a new Domain record,
 * handle_domain_deleted on its deletion, handle_site_deleted on wp_delete_site; all enqueued
 * with wu_enqueue_async_action and run later with positional arguments), reach RunCloud
 * exactly once each, from our extension only.
 */

namespace WU_RunCloud\Tests\Compat;

final class DomainActionsTest extends CompatTestCase {

	private const MAPPED = 'shop-compat.example.com';

	/**
	 * Runs the whole lifecycle: a new subdomain site, a mapped domain, the mapping removed,
	 * the site deleted. Returns the site's hostname.
	 */
	private function site_and_mapping_lifecycle(bool $expect_sent): string {
		$site     = $this->create_site('compat');
		$hostname = $site->domain;
		$mapping  = wu_create_domain(['blog_id' => (int) $site->blog_id, 'domain' => self::MAPPED, 'active' => true, 'primary_domain' => false, 'stage' => 'checking-dns']);
		$this->assertDomainActionsFiredAsThisReleaseDoes($hostname, (int) $site->blog_id, 'add');
		$this->run_queue();
		if ($expect_sent) {
			foreach ([$hostname, self::MAPPED] as $name) {
				$posts = $this->domain_posts($name);
				$this->assertCount(1, $posts, "One POST for {$name}; actions run:\n" . $this->describe_enqueued() . "\nrequests:\n" . $this->describe_requests());
				$this->assertStringStartsWith('wu-runcloud/', $posts[0]['user_agent']);
				$this->assertNotNull($this->sim_domain($name), "{$name} is in RunCloud");
			}
		}
		$ids = [];
		foreach ([$hostname, self::MAPPED] as $name) {
			$ids[$name] = $this->sim_domain($name)['id'] ?? null;
		}

		$GLOBALS['wu_double_as_actions'] = [];
		$mapping->delete();
		wp_delete_site((int) $site->blog_id);
		$this->assertDomainActionsFiredAsThisReleaseDoes($hostname, (int) $site->blog_id, 'remove');
		$this->run_queue();
		if ($expect_sent) {
			foreach ($ids as $name => $id) {
				$deletes = $this->api_requests('DELETE', '#/webapps/' . self::APP . '/domains/' . $id . '$#');
				$this->assertCount(1, $deletes, "One DELETE for {$name} (id {$id}); actions run:\n" . $this->describe_enqueued() . "\nrequests:\n" . $this->describe_requests());
				$this->assertNull($this->sim_domain($name), "{$name} is gone from RunCloud");
			}
		}
		foreach ($this->enqueued() as [$hook, $args, $status]) {
			$this->assertSame('complete', $status, "{$hook} ran to completion (a handler was registered and did not throw)");
		}
		return $hostname;
	}

	/** What this release's Domain_Manager enqueued, read from its code's observable effect. */
	private function assertDomainActionsFiredAsThisReleaseDoes(string $hostname, int $blog_id, string $verb): void {
		$fired = $this->enqueued();
		$sub   = array_values(array_filter($fired, static fn($a) => $a[0] === "wu_{$verb}_subdomain"));
		$this->assertCount(1, $sub, "wu_{$verb}_subdomain enqueued once:\n" . $this->describe_enqueued());
		$this->assertSame([$hostname, (string) $blog_id], $sub[0][1], 'Positional (hostname, site id), the site id a string (WP_Site::$blog_id)');

		// 2.4.0+ also creates (and, on deletion, deletes) a Domain record for the site: the double fire.
		$double = method_exists('WP_Ultimo\\Managers\\Domain_Manager', 'create_domain_record_for_site');
		$names  = array_map(static fn($a) => $a[1][0], array_filter($fired, static fn($a) => $a[0] === "wu_{$verb}_domain"));
		sort($names);
		$expected = $double ? [$hostname, self::MAPPED] : [self::MAPPED];
		sort($expected);
		$this->assertSame($expected, $names, "wu_{$verb}_domain on Ultimate Multisite " . self::release() . ":\n" . $this->describe_enqueued());
	}

	/** @group credentials */
	public function test_the_four_actions_as_this_release_fires_them_reach_runcloud_exactly_once_each(): void {
		$this->site_and_mapping_lifecycle(true);
		$this->assertSame([], $this->wordpress_http_to_runcloud(), "Ultimate Multisite's own RunCloud code sent nothing");
		$this->assertSame(4, count($this->api_requests('POST', '#/domains$#')) + count($this->api_requests('DELETE')), "Two adds and two removes, nothing else written:\n" . $this->describe_requests());
	}

	/** @group no-credentials */
	public function test_without_credentials_nothing_reaches_runcloud_and_core_sends_nothing_either(): void {
		$this->site_and_mapping_lifecycle(false);
		$this->assertSame([], $this->api_requests(), "No request without credentials:\n" . $this->describe_requests());
		$this->assertSame([], $this->wordpress_http_to_runcloud(), "Ultimate Multisite's own RunCloud code sent nothing");
	}
}
