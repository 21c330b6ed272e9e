<?php
/**
 * Foreign domains are never deleted: every removal path of the plugin, tried on every kind
 * of domain that is not this plugin's to delete. Prints the tally (scenarios tried, foreign
 * domains deleted), which must show 0 deleted.
 *
 * Kinds: added by hand; added by hand then mapped and unmapped; the app's primary domain;
 * another network's main domain; ours but still used by another network's site; ours but
 * still asked for by another network; added by hand on the app the install moved to; ours,
 * then deleted and added again by hand (the same name under a new id: the stored id is gone,
 * and the extension never falls back to a lookup by name); with two targets
 * (WU_RUNCLOUD_TARGETS), ours on one web app and added by hand on the other.
 * Paths: wu_remove_domain, wu_remove_subdomain, a site deleted, a site's domain changed,
 * `wp runcloud remove`, "Retry now" of an old failed remove, the hourly reconcile, "Sync
 * now", `wp runcloud sync --prune --force` (each reconcile path run twice: a prune needs
 * two misses in a row).
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Domains;
use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

final class ForeignDomainsTest extends TestCase {

	private const NEW_APP = 940289;

	/** @var array{scenarios:int, deleted:int, kept_by_rule:int, kept_by_id:int} */
	private static array $tally = ['scenarios' => 0, 'deleted' => 0, 'kept_by_rule' => 0, 'kept_by_id' => 0];

	private const READDED = 'ours, deleted and added again by hand';

	/** The app the foreign domain lives on (changes for the app-move and two-target kinds). */
	private int $app = self::APP;

	private int $server = self::SERVER;

	/** The kind under test (the WP-CLI path words its outcome per kind). */
	private string $kind = '';

	private const TWO_TARGETS = 'ours on one target, hand-added on the other';

	private const KINDS = [self::TWO_TARGETS, 'hand-added', 'hand-added, mapped then unmapped', 'app primary domain', 'another network\'s main domain', 'ours, used by another network\'s site', 'ours, asked for by another network', 'hand-added on the new app', self::READDED];

	/** @return array<string, array{0:string, 1:string}> */
	public static function scenarios(): array {
		return self::combine(self::KINDS, ['wu_remove_domain', 'wu_remove_subdomain', 'site deleted', 'site domain changed', 'Retry now', 'hourly reconcile', 'Sync now']);
	}

	/** The paths of the real WP-CLI (group wp-cli: reported as not run without it). */
	public static function wp_cli_scenarios(): array {
		return self::combine(self::KINDS, ['wp runcloud remove', 'wp runcloud sync --prune --force']);
	}

	private static function combine(array $kinds, array $paths): array {
		$out = [];
		foreach ($kinds as $kind) {
			foreach ($paths as $path) {
				$out["{$kind} / {$path}"] = [$kind, $path];
			}
		}
		return $out;
	}

	/** Make the foreign domain of this kind; returns its name. */
	private function arrange(string $kind): string {
		switch ($kind) {
			case 'hand-added':
				$this->seed_domains(['foreign.example.com']);
				return 'foreign.example.com';
			case 'hand-added, mapped then unmapped':
				$this->seed_domains(['staging.example.com']);
				do_action('wu_add_domain', 'staging.example.com', 1);
				Worker::process_due();
				Domains::unrequest(get_current_network_id(), Settings::target(), 'staging.example.com');
				return 'staging.example.com';
			case 'app primary domain':
				return 'network.test';
			case 'another network\'s main domain':
				$this->create_network('second.test');
				$this->seed_domains(['second.test']);
				return 'second.test';
			case 'ours, used by another network\'s site':
				$second = $this->create_network('second.test');
				do_action('wu_add_domain', 'shared.example.com', 1);
				Worker::process_due();
				Domains::unrequest(get_current_network_id(), Settings::target(), 'shared.example.com');
				$this->quietly(fn() => wp_insert_site(['domain' => 'shared.example.com', 'path' => '/', 'network_id' => (int) $second->id, 'user_id' => 1, 'title' => 'theirs']));
				return 'shared.example.com';
			case 'ours, asked for by another network':
				$second = $this->create_network('second.test');
				$theirs = $this->create_site_on($second, 'shop');
				do_action('wu_add_domain', 'both.example.com', 1);
				do_action('wu_add_domain', 'both.example.com', (int) $theirs->blog_id);
				Worker::process_due();
				Domains::unrequest(get_current_network_id(), Settings::target(), 'both.example.com');
				return 'both.example.com';
			case 'hand-added on the new app':
				$this->reset_sim(['servers' => [['id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1', 'webapps' => [
					['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic'],
					['id' => self::NEW_APP, 'name' => 'network-new', 'primary_domain' => 'new.network.test', 'ssl' => 'basic'],
				]]]]);
				do_action('wu_add_domain', 'moved.example.com', 1);
				Worker::process_due();
				$this->sim()->unseed('moved.example.com');
				$this->sim()->seed(self::SERVER, self::NEW_APP, ['names' => ['moved.example.com']]);
				$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => (string) self::SERVER, 'WU_RUNCLOUD_APP_ID' => (string) self::NEW_APP]);
				$this->app = self::NEW_APP;
				return 'moved.example.com';
			case self::TWO_TARGETS:
				$this->reset_sim(['servers' => [
					['id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1', 'webapps' => [['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic']]],
					['id' => 11668, 'name' => 'web-02', 'ipAddress' => '127.0.0.2', 'webapps' => [['id' => 940300, 'name' => 'network-b', 'primary_domain' => 'b.network.test', 'ssl' => 'basic']]],
				]]);
				$this->sim()->seed(11668, 940300, ['names' => ['split.example.com']]);
				$this->set_credentials(['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_TARGETS' => self::SERVER . ':' . self::APP . ',11668:940300']);
				do_action('wu_add_domain', 'split.example.com', 1);
				Worker::process_due();
				$this->assertTrue(Domains::added_by_us(['split.example.com'], [self::SERVER, self::APP])['split.example.com'] ?? false, 'ours on web-01');
				foreach (Settings::targets() as $target) {
					Domains::unrequest(get_current_network_id(), $target, 'split.example.com');
				}
				[$this->server, $this->app] = [11668, 940300];
				return 'split.example.com';
			case self::READDED:
				do_action('wu_add_domain', 'again.example.com', 1);
				Worker::process_due();
				$this->assertTrue(Domains::added_by_us(['again.example.com'], Settings::target())['again.example.com'] ?? false, 'the plugin added it');
				Domains::unrequest(get_current_network_id(), Settings::target(), 'again.example.com');
				$this->sim()->unseed('again.example.com');
				$this->sim()->seed(self::SERVER, self::APP, ['names' => ['again.example.com']]);
				return 'again.example.com';
		}
		$this->fail("unknown kind {$kind}");
	}

	/** Site changes made while the plugin is off (the foreign domain's history, not the path under test). */
	private function quietly(callable $change) {
		Settings::set_enabled(false);
		try {
			return $change();
		} finally {
			Settings::set_enabled(true);
		}
	}

	/** Take the removal path; returns whether it records a remove for the domain. */
	private function act(string $path, string $domain): bool {
		switch ($path) {
			case 'wu_remove_domain':
			case 'wu_remove_subdomain':
				do_action($path, $domain, 1);
				Worker::process_due();
				return true;
			case 'site deleted':
			case 'site domain changed':
				$site = $this->quietly(fn() => wp_insert_site(['domain' => $domain, 'path' => '/foreign/', 'network_id' => get_current_network_id(), 'user_id' => 1, 'title' => 'foreign']));
				$this->assertIsInt($site);
				if ($path === 'site deleted') {
					wp_delete_site($site);
				} else {
					wp_update_site($site, ['domain' => 'elsewhere.example.org']);
				}
				Worker::process_due();
				// The network's own hostname is shared, never even asked for.
				return $domain !== 'network.test';
			case 'wp runcloud remove':
				$run = $this->wp(['runcloud', 'remove', $domain]);
				$this->assertSame(0, $run['exit'], self::transcript($run));
				if ($this->kind === self::READDED) {
					// The rule lets it through; the extension finds the stored id gone and says so.
					$this->assertStringContainsString("remove {$domain}: done (not in RunCloud under id ", $run['stdout'], 'The command says the stored id is gone');
				} else {
					// With two targets each line names its target ("Warning: target 11668:940300: remove …").
					$this->assertMatchesRegularExpression('/^Warning: (target \d+:\d+: )?' . preg_quote("remove {$domain}: kept: ", '/') . '/m', $run['stderr'], 'The command says why it keeps it');
				}
				file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/cli-output.txt', "\$ wp runcloud remove {$domain}\n{$run['stdout']}{$run['stderr']}\n", FILE_APPEND);
				return true;
			case 'Retry now':
				// A remove that failed long ago (an older version, an outage) comes back by hand.
				foreach (Queue::enqueue_each('remove', $domain, 0, 'old') as $id) {
					Queue::fail(Queue::claim($id), 503, 'RunCloud was down', true);
					$ended = $this->admin_post(1, ['action' => 'wu_runcloud_op', 'op_id' => (string) $id, 'do' => 'retry'], 'wu_runcloud_op_' . $id);
					$this->assertStringStartsWith('redirect:', $ended);
				}
				return true;
			case 'hourly reconcile':
				do_action(Plugin::RECONCILE_HOOK);
				do_action(Plugin::RECONCILE_HOOK);
				return false;
			case 'Sync now':
				foreach ([1, 2] as $run) {
					$this->assertStringStartsWith('redirect:', $this->admin_post(1, ['action' => 'wu_runcloud_sync'], 'wu_runcloud_sync'));
				}
				return false;
			case 'wp runcloud sync --prune --force':
				foreach ([1, 2] as $run) {
					$run = $this->wp(['runcloud', 'sync', '--prune', '--force']);
					$this->assertSame(0, $run['exit'], self::transcript($run));
				}
				return false;
		}
		$this->fail("unknown path {$path}");
	}

	/** @dataProvider scenarios */
	public function test_a_foreign_domain_survives_every_removal_path(string $kind, string $path): void {
		$this->survives($kind, $path);
	}

	/**
	 * @dataProvider wp_cli_scenarios
	 * @group wp-cli
	 */
	public function test_a_foreign_domain_survives_the_wp_cli_removal_paths(string $kind, string $path): void {
		$this->survives($kind, $path);
	}

	private function survives(string $kind, string $path): void {
		$this->kind = $kind;
		$domain     = $this->arrange($kind);
		$this->sim()->clearRequests();
		$asked  = $this->act($path, $domain);

		self::$tally['scenarios']++;
		$present = in_array($domain, array_map(static fn($d) => strtolower($d['name']), (array) $this->sim()->domains($this->server, $this->app)), true);
		if (!$present) {
			self::$tally['deleted']++;
		}
		$this->assertTrue($present, "{$kind} / {$path}: {$domain} was deleted; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
		// On the foreign domain's app (with two targets, the other app's copy is ours to remove).
		$this->assertSame([], $this->api_requests('DELETE', "#/servers/{$this->server}/webapps/{$this->app}/#"), 'Not even attempted');
		if ($asked && $kind === self::READDED) {
			// The rule let it through (the plugin's row still says "ours"); the extension, given
			// the id stored at add time, found it gone and deleted nothing.
			$absent = array_filter($this->ops($domain), static fn($o) => $o->op === 'remove' && $o->status === 'done' && str_starts_with((string) $o->last_error, 'not in RunCloud under id '));
			$this->assertNotEmpty($absent, "{$kind} / {$path}: expected a remove that found the stored id gone; ops:\n" . $this->describe_ops());
			self::$tally['kept_by_id']++;
		} elseif ($asked) {
			// The path really asked, and the rule said no: this scenario could have failed.
			$kept = array_filter($this->ops($domain), fn($o) => $o->op === 'remove' && $o->status === 'skipped' && str_starts_with((string) $o->last_error, 'kept: ') && (int) $o->app_id === $this->app);
			$this->assertNotEmpty($kept, "{$kind} / {$path}: expected a remove kept by the ownership rule; ops:\n" . $this->describe_ops());
			self::$tally['kept_by_rule']++;
		}
	}

	public static function tearDownAfterClass(): void {
		$t    = self::$tally;
		$line = sprintf("foreign domains: %d scenarios (%d kinds x %d removal paths), %d removals asked for and kept by the ownership rule, %d let through by it and refused by the extension (stored id gone), %d foreign domains deleted\n", $t['scenarios'], count(self::KINDS), intdiv($t['scenarios'], count(self::KINDS)), $t['kept_by_rule'], $t['kept_by_id'], $t['deleted']);
		fwrite(STDOUT, "\n" . $line);
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/foreign-domains.txt', $line);
	}
}
