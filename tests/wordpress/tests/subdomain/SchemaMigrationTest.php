<?php
/**
 * Upgrading from schema 3 (one domain row per name, for whatever app) to 4 (rows scoped by
 * network, server and app): existing rows keep what they knew, belong to their site's
 * network, and to the app configured when the first worker runs after the upgrade.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Domains;
use WU_RunCloud\Queue;
use WU_RunCloud\Schema;
use WU_RunCloud\Worker;

final class SchemaMigrationTest extends TestCase {

	protected function tearDown(): void {
		Schema::install(); // whatever happened, later tests get today's tables (and the version)
		parent::tearDown();
	}

	/** The tables as version 3 of the plugin created them (its create_tables(), verbatim). */
	private function install_schema_3(): void {
		global $wpdb;
		$charset = $wpdb->get_charset_collate();
		$wpdb->query('DROP TABLE IF EXISTS ' . Queue::table());
		$wpdb->query('DROP TABLE IF EXISTS ' . Domains::table());
		$wpdb->query('CREATE TABLE ' . Queue::table() . " (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  op varchar(20) NOT NULL,
  domain varchar(253) NOT NULL DEFAULT '',
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  source varchar(32) NOT NULL DEFAULT '',
  status varchar(20) NOT NULL DEFAULT 'pending',
  attempts int(10) unsigned NOT NULL DEFAULT 0,
  next_attempt_at bigint(20) unsigned NOT NULL DEFAULT 0,
  last_status smallint(5) unsigned NOT NULL DEFAULT 0,
  last_error text NULL,
  runcloud_id bigint(20) unsigned NULL,
  created_at bigint(20) unsigned NOT NULL DEFAULT 0,
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  dedup_key varchar(280) NULL,
  PRIMARY KEY  (id),
  UNIQUE KEY dedup_key (dedup_key),
  KEY status_next (status,next_attempt_at),
  KEY domain_op (domain,op)
) {$charset}");
		$wpdb->query('CREATE TABLE ' . Domains::table() . " (
  domain varchar(253) NOT NULL,
  runcloud_id bigint(20) unsigned NULL,
  site_id bigint(20) unsigned NOT NULL DEFAULT 0,
  managed tinyint(1) NOT NULL DEFAULT 0,
  requested tinyint(1) NOT NULL DEFAULT 0,
  in_runcloud tinyint(1) NULL,
  updated_at bigint(20) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY  (domain)
) {$charset}");
	}

	public function test_rows_of_schema_3_are_scoped_and_keep_working(): void {
		global $wpdb;
		$second = $this->create_network('second.test');
		$theirs = $this->create_site_on($second, 'theirs');
		$this->seed_domains(['old-ours.example.com', 'old-hand.example.com', 'theirs.second.test']);
		$ids = [];
		foreach ((array) $this->sim()->domains() as $d) {
			$ids[strtolower($d['name'])] = (int) $d['id'];
		}

		$this->install_schema_3();
		$now = time();
		foreach ([
			['old-ours.example.com', $ids['old-ours.example.com'], 0, 1, 1],
			['old-hand.example.com', $ids['old-hand.example.com'], 0, 0, 1],
			['theirs.second.test', $ids['theirs.second.test'], (int) $theirs->blog_id, 1, 0],
		] as [$domain, $rc, $site, $managed, $requested]) {
			$wpdb->insert(Domains::table(), ['domain' => $domain, 'runcloud_id' => $rc, 'site_id' => $site, 'managed' => $managed, 'requested' => $requested, 'in_runcloud' => 1, 'updated_at' => $now]);
		}
		$wpdb->insert(Queue::table(), ['op' => 'add', 'domain' => 'old-pending.example.com', 'site_id' => 1, 'source' => 'wu_add_domain', 'status' => 'pending', 'next_attempt_at' => $now, 'created_at' => $now, 'updated_at' => $now, 'dedup_key' => 'add|old-pending.example.com']);
		$pending = (int) $wpdb->insert_id;
		update_network_option(null, Schema::VERSION_OPTION, '3');

		Schema::maybe_install();
		$this->assertSame(Schema::VERSION, get_network_option(null, Schema::VERSION_OPTION));
		$key = array_column((array) $wpdb->get_results('SHOW INDEX FROM ' . Domains::table() . " WHERE Key_name = 'PRIMARY'"), 'Column_name');
		$this->assertSame(['network_id', 'server_id', 'app_id', 'domain'], $key);
		$rows = $wpdb->get_results('SELECT domain, network_id, server_id, app_id, managed, requested, runcloud_id FROM ' . Domains::table() . ' ORDER BY domain', OBJECT_K);
		$this->assertSame((int) $second->id, (int) $rows['theirs.second.test']->network_id, 'A site\'s row belongs to the site\'s network');
		$this->assertSame((int) get_main_network_id(), (int) $rows['old-ours.example.com']->network_id, 'A mapped name belongs to the main network');
		$this->assertSame('1', $rows['old-ours.example.com']->managed, 'What we knew is kept');
		$this->assertSame('add|' . get_main_network_id() . '|old-pending.example.com|0:0', Queue::get($pending)->dedup_key, 'Waiting rows keep de-duplicating (aimed at the targets when claimed)');
		$this->assertSame($pending, Queue::enqueue('add', 'old-pending.example.com', 1, 'wu_add_domain'), 'A repeat lands on the migrated row');

		Worker::process_due();
		$this->assertSame('done', Queue::get($pending)->status, "The migrated operation ran; ops:\n" . $this->describe_ops());
		$this->assertSame(0, (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . Domains::table() . ' WHERE server_id = 0 OR app_id = 0'), 'The first run adopted every row for the configured app');

		// Ownership carried over: ours goes, the hand-added one stays.
		do_action('wu_remove_domain', 'old-ours.example.com', 1);
		do_action('wu_remove_domain', 'old-hand.example.com', 1);
		Worker::process_due();
		$this->assertNotContains('old-ours.example.com', $this->sim_domains());
		$this->assertContains('old-hand.example.com', $this->sim_domains());
		$this->assertSame('kept: not added by this plugin', $this->ops('old-hand.example.com')[0]->last_error);
		$this->assertCount(1, $this->api_requests('DELETE'));
		$this->assertStringEndsWith('/domains/' . $ids['old-ours.example.com'], $this->api_requests('DELETE')[0]['path'], 'The stored RunCloud id was kept');

		// Another network's copy of the version option runs the install again: nothing changes.
		$before = $wpdb->get_results('SELECT * FROM ' . Domains::table() . ' ORDER BY domain');
		Schema::install();
		$this->assertEquals($before, $wpdb->get_results('SELECT * FROM ' . Domains::table() . ' ORDER BY domain'));
	}
}
