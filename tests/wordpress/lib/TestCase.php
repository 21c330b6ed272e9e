<?php
/**
 * Base test case: a clean plugin state and a freshly reset RunCloud simulator per test.
 *
 * There is no WordPress develop test suite here (no composer): this class does the little
 * that is needed — reset our tables/options/cron events, delete extra sites, reset the
 * simulator — and gives tests readable helpers over the simulator's control API.
 */

namespace WU_RunCloud\Tests;

use WuRunCloud\Harness\Sim;
use WU_RunCloud\Domains;
use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Log;
use WU_RunCloud\Plugin;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Worker;

require_once dirname(__DIR__, 2) . '/lib/php/Sim.php';

/** Thrown by the test wp_die()/redirect handlers: WordPress would end the request there. */
final class Handler_Stopped extends \RuntimeException {}

abstract class TestCase extends \PHPUnit\Framework\TestCase {

	public const SERVER = 11667;
	public const APP    = 940288;

	/** @var array<int, array{0:string,1:callable,2:int}> filters added by a test, removed in tearDown */
	private array $test_filters = [];

	/** @var array<string, string>|null credentials set by set_credentials(), also given to WP-CLI */
	private ?array $credentials = null;

	protected function setUp(): void {
		parent::setUp();
		global $wpdb;
		wp_cache_flush(); // another process (a child PHP) may have changed the database
		wp_set_current_user(1);

		// Delete sites left by the previous test while the plugin is off, so it records nothing.
		Settings::set_enabled(false);
		foreach (get_sites(['fields' => 'ids', 'number' => 0, 'site__not_in' => [get_main_site_id()]]) as $blog_id) {
			wp_delete_site((int) $blog_id);
		}
		foreach ([Queue::table(), Domains::table(), Log::table(), \WU_RunCloud\Domain_State::table()] as $table) {
			$wpdb->query("TRUNCATE TABLE {$table}");
		}
		foreach ([Domain_Sync::LAST_TEST_OPTION, \WU_RunCloud\Reconciler::LAST_SYNC_OPTION, \WU_RunCloud\Network_Admin::TOKEN_NOTICE_OPTION, \WU_RunCloud\Reconciler::PRUNE_HELD_OPTION, Settings::HOLD_OPTION] as $option) {
			delete_network_option(null, $option);
		}
		$this->remove_extra_networks();
		delete_site_transient(Domain_Sync::WILDCARD_CACHE);
		delete_site_transient('wu_runcloud_flash_1');
		delete_site_transient('wu_runcloud_preview_1');
		wp_clear_scheduled_hook(Worker::HOOK);
		wp_clear_scheduled_hook(Plugin::RECONCILE_HOOK);
		wp_clear_scheduled_hook(Plugin::DAILY_CHECK_HOOK);

		$this->reset_sim();

		// No in-extension retries: the plugin's own backoff is what these tests observe.
		// ssl_timeout far beyond a suite: a worker reuses a certificate's route only that long
		// after its last order, so each test sees its own simulator state.
		$this->add_test_filter('wu_runcloud_client_options', static fn() => ['retries' => 0, 'timeout' => 10.0, 'connect_timeout' => 5.0, 'ssl_timeout' => 600.0]);
		Settings::set_enabled(true);
	}

	protected function tearDown(): void {
		if ($this->credentials !== null) {
			Settings::set_credential_source(null);
			$this->credentials = null;
		}
		foreach ($this->test_filters as [$hook, $callback, $priority]) {
			remove_filter($hook, $callback, $priority);
		}
		$this->test_filters = [];
		$_POST = $_GET = $_REQUEST = [];
		parent::tearDown();
	}

	/**
	 * Credentials other than the wp-config constants (constant => value, '' or absent for
	 * undefined), here and in the WP-CLI runs of this test (lib/wp-cli-require.php).
	 */
	protected function set_credentials(array $credentials): void {
		$this->credentials = $credentials;
		Settings::set_credential_source(static fn($constant) => (string) ($credentials[$constant] ?? ''));
	}

	protected function add_test_filter(string $hook, callable $callback, int $priority = 10, int $args = 1): void {
		add_filter($hook, $callback, $priority, $args);
		$this->test_filters[] = [$hook, $callback, $priority];
	}

	// ---- simulator ----------------------------------------------------------------------

	/** The simulator's control API (WU_TEST_SIM_URL). */
	protected function sim(): Sim {
		static $sim = null;
		return $sim ??= new Sim((string) getenv('WU_TEST_SIM_URL'));
	}

	/** A fresh simulator state (the default one, or $state) without its rate limit. */
	protected function reset_sim(?array $state = null): void {
		$this->sim()->reset($state);
		$this->sim()->config(['rate_limit' => null]);
	}

	/** API requests the simulator received, optionally filtered by method and a path regex. */
	protected function api_requests(?string $method = null, ?string $path_regex = null): array {
		return array_values(array_filter($this->sim()->requests(), static function ($r) use ($method, $path_regex) {
			return ($method === null || $r['method'] === $method)
				&& ($path_regex === null || preg_match($path_regex, $r['path']));
		}));
	}

	/** POSTs that create a domain on the test app. */
	protected function domain_posts(?string $name = null): array {
		return array_values(array_filter(
			$this->api_requests('POST', '#/servers/' . self::SERVER . '/webapps/' . self::APP . '/domains$#'),
			static fn($r) => $name === null || (is_array($r['body']) && strtolower((string) ($r['body']['name'] ?? '')) === $name)
		));
	}

	protected function describe_requests(): string {
		return implode("\n", array_map(static fn($r) => "{$r['method']} {$r['path']} -> {$r['status']}", $this->api_requests()));
	}

	/** Names of the domains on the test app, straight from the simulator's state. */
	protected function sim_domains(): array {
		$out = array_map('strtolower', $this->sim()->domainNames());
		sort($out);
		return $out;
	}

	protected function sim_domain(string $name): ?array {
		foreach ($this->sim()->domains() as $d) {
			if (strtolower($d['name']) === $name) {
				return $d;
			}
		}
		return null;
	}

	protected function seed_domains(array $names): void {
		$this->sim()->seed(self::SERVER, self::APP, ['names' => $names]);
	}

	protected function redeploys(): array {
		return $this->sim()->redeploys();
	}

	protected function add_fault(array $fault): void {
		$this->sim()->fault($fault);
	}

	// ---- WordPress ----------------------------------------------------------------------

	/**
	 * Call an AJAX action as $user_id with $request; returns the JSON it printed (decoded),
	 * or null when it printed none.
	 */
	protected function ajax(string $action, array $request, int $user_id): ?array {
		wp_set_current_user($user_id);
		$_POST = $_REQUEST = $request;
		$handler = static fn() => static function ($message = '') {
			throw new Handler_Stopped('ajax-die:' . (is_scalar($message) ? (string) $message : ''));
		};
		add_filter('wp_doing_ajax', '__return_true');
		add_filter('wp_die_ajax_handler', $handler);
		ob_start();
		try {
			do_action('wp_ajax_' . $action);
		} catch (Handler_Stopped $stopped) {
			// wp_send_json_*() ends with wp_die().
		} finally {
			$output = (string) ob_get_clean();
			remove_filter('wp_doing_ajax', '__return_true');
			remove_filter('wp_die_ajax_handler', $handler);
			$_POST = $_REQUEST = [];
		}
		return json_decode($output, true);
	}

	/**
	 * Submit one of the plugin's admin-post forms as $user_id, with a nonce for
	 * $nonce_action (none when null). Returns how the handler ended: "redirect:URL" or
	 * "die:STATUS:MESSAGE".
	 */
	protected function admin_post(int $user_id, array $post, ?string $nonce_action): string {
		$die = static fn() => static function ($message, $title = '', $args = []) {
			$status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 500;
			throw new Handler_Stopped('die:' . $status . ':' . (is_string($message) ? $message : ''));
		};
		$redirect = static function ($location) {
			throw new Handler_Stopped('redirect:' . $location);
		};
		add_filter('wp_die_handler', $die);
		add_filter('wp_redirect', $redirect);
		wp_set_current_user($user_id);
		$_POST = $_REQUEST = $post + ($nonce_action !== null ? ['_wpnonce' => wp_create_nonce($nonce_action)] : []);
		try {
			do_action('admin_post_' . $post['action']);
		} catch (Handler_Stopped $stop) {
			return $stop->getMessage();
		} finally {
			remove_filter('wp_die_handler', $die);
			remove_filter('wp_redirect', $redirect);
			$_POST = $_REQUEST = [];
			wp_set_current_user(1);
		}
		$this->fail("admin_post_{$post['action']} returned without dying or redirecting");
	}

	/** The flash message a handler left for the page. */
	protected function flash(): array {
		return (array) get_site_transient('wu_runcloud_flash_1');
	}

	/** A user who may not manage network options (an editor of the main site). */
	protected function editor_id(): int {
		$user = get_user_by('login', 'wu-editor');
		return $user ? (int) $user->ID : (int) wp_insert_user(['user_login' => 'wu-editor', 'user_pass' => wp_generate_password(), 'user_email' => 'editor@network.test', 'role' => 'editor']);
	}

	protected function is_subdomain_install(): bool {
		return defined('SUBDOMAIN_INSTALL') && SUBDOMAIN_INSTALL;
	}

	/** Create a site the way the network's mode does (foo.network.test or network.test/foo/). */
	protected function create_site(string $slug): \WP_Site {
		$network = get_network();
		$args    = $this->is_subdomain_install()
			? ['domain' => $slug . '.' . $network->domain, 'path' => '/']
			: ['domain' => $network->domain, 'path' => '/' . $slug . '/'];
		$id = wp_insert_site($args + ['network_id' => (int) $network->id, 'user_id' => 1, 'title' => $slug]);
		$this->assertIsInt($id, 'wp_insert_site failed: ' . (is_wp_error($id) ? $id->get_error_message() : ''));
		return get_site($id);
	}

	// ---- more networks, more processes ---------------------------------------------------

	/**
	 * A second network in this WordPress (sharing our tables), with its main site, the plugin
	 * network-activated and enabled there, as an operator of a multi-network install has it.
	 */
	protected function create_network(string $domain): \WP_Network {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/schema.php';
		$id     = (int) $wpdb->get_var("SELECT MAX(id) FROM {$wpdb->site}") + 1;
		$result = populate_network($id, $domain, (string) get_userdata(1)->user_email, 'Network ' . $id, '/', true);
		$this->assertNotInstanceOf(\WP_Error::class, $result, is_wp_error($result) ? $result->get_error_message() : '');
		$main = wp_insert_site(['domain' => $domain, 'path' => '/', 'network_id' => $id, 'user_id' => 1, 'title' => $domain]);
		$this->assertIsInt($main, is_wp_error($main) ? $main->get_error_message() : '');
		update_network_option($id, 'active_sitewide_plugins', ['wu-runcloud/wu-runcloud.php' => time()]);
		update_network_option($id, Settings::ENABLED_OPTION, 1);
		clean_network_cache($id);
		return get_network($id);
	}

	/** A site on another network ($slug.<that network's domain>). */
	protected function create_site_on(\WP_Network $network, string $slug): \WP_Site {
		$id = wp_insert_site(['domain' => $slug . '.' . $network->domain, 'path' => '/', 'network_id' => (int) $network->id, 'user_id' => 1, 'title' => $slug]);
		$this->assertIsInt($id, is_wp_error($id) ? $id->get_error_message() : '');
		return get_site($id);
	}

	/** Networks other than the main one, left by a test (their sites are already deleted). */
	private function remove_extra_networks(): void {
		global $wpdb;
		$main = (int) get_main_network_id();
		$ids  = array_map('intval', (array) $wpdb->get_col($wpdb->prepare("SELECT id FROM {$wpdb->site} WHERE id <> %d", $main)));
		foreach ($ids as $id) {
			$wpdb->delete($wpdb->sitemeta, ['site_id' => $id]);
			$wpdb->delete($wpdb->site, ['id' => $id]);
			clean_network_cache($id);
		}
	}

	/** The wu_runcloud .so this process loaded, for the processes it starts. */
	private function loaded_extension(): string {
		$ext = getenv('WU_RUNCLOUD_EXT') ?: '';
		foreach ((array) @file('/proc/self/maps') as $line) {
			if (preg_match('#\s(/\S*wu_runcloud\S*\.so)$#', trim((string) $line), $m)) {
				$ext = $m[1];
				break;
			}
		}
		$this->assertNotSame('', $ext, 'Cannot tell which wu_runcloud .so this process loaded');
		return $ext;
	}

	/** The PHP command of a child process that loads this extension as this process does. */
	private function child_command(array $args): array {
		return array_merge([PHP_BINARY, '-d', 'extension=' . $this->loaded_extension(), dirname(__DIR__) . '/lib/child.php'], $args);
	}

	/**
	 * Run the real WP-CLI (the phar tests/wordpress/run.sh verified, WU_TEST_WP_CLI) against
	 * this WordPress, with the extension this process loaded: `wp runcloud status` is
	 * $this->wp(['runcloud', 'status']). Tests that call it are in group wp-cli, which run.sh
	 * reports as not run when the phar is missing.
	 *
	 * @param array $env  More environment (SHELL_PIPE=0 shows the progress bar; WU_TEST_BARRIER
	 *                    and WU_TEST_PARK_ON park it; the others lib/wp-cli-require.php reads).
	 * @param string $host The network (by its domain) the command runs on.
	 * @return array{exit:int, stdout:string, stderr:string} stderr without WordPress core's and
	 *               WP-CLI's own deprecation notices (ours stay, so tests can see them)
	 */
	protected function wp(array $args, array $env = [], string $host = ''): array {
		$phar = (string) getenv('WU_TEST_WP_CLI');
		$this->assertNotSame('', $phar, 'WU_TEST_WP_CLI is not set: run the wp-cli tests through tests/wordpress/run.sh, which verifies the phar');
		$command = array_merge([
			PHP_BINARY, ...(extension_loaded('wu_runcloud') ? ['-d', 'extension=' . $this->loaded_extension()] : []), $phar,
			'--path=' . getenv('WU_TEST_WP_DIR'),
			'--url=http://' . ($host !== '' ? $host : (getenv('WU_TEST_DOMAIN') ?: 'network.test')) . '/',
			'--allow-root',
			'--no-color',
			'--require=' . __DIR__ . '/wp-cli-require.php',
		], $args);
		if ($this->credentials !== null) {
			$env += ['WU_TEST_CREDENTIAL_SOURCE' => (string) json_encode($this->credentials)];
		}
		$env  = $env + getenv();
		$proc = proc_open($command, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
		$this->assertIsResource($proc, 'Could not start WP-CLI');
		$out  = (string) stream_get_contents($pipes[1]);
		$err  = (string) stream_get_contents($pipes[2]);
		fclose($pipes[1]);
		fclose($pipes[2]);
		$code = proc_close($proc);
		wp_cache_flush(); // WP-CLI changed the database
		$err = implode("\n", array_filter(explode("\n", $err), static fn($line) => !preg_match('#^(PHP )?Deprecated: .* in (phar://|\S*/wp-(includes|admin)/)#', $line)));
		return ['exit' => $code, 'stdout' => $out, 'stderr' => trim($err)];
	}

	/** What a WP-CLI run printed, for failure messages. */
	protected static function transcript(array $run): string {
		return "exit {$run['exit']}\n--- stdout\n{$run['stdout']}\n--- stderr\n{$run['stderr']}";
	}

	/**
	 * Start another PHP process on this WordPress (see lib/child.php for the commands).
	 * With $barrier, its first operation matching $park_on stops at
	 * `wu_runcloud_operation_started` until release_child().
	 *
	 * @return array{proc: resource, pipes: array, barrier: string, args: array}
	 */
	protected function start_child(array $args, ?string $barrier = null, string $park_on = '', string $host = '', string $mu_plugins = ''): array {
		$env = getenv();
		$env['WU_TEST_DOMAIN'] = $host !== '' ? $host : (getenv('WU_TEST_DOMAIN') ?: 'network.test');
		if ($mu_plugins !== '') {
			$env['WU_TEST_MU_PLUGINS'] = $mu_plugins;
		}
		if ($barrier !== null) {
			$env['WU_TEST_BARRIER'] = $barrier;
			$env['WU_TEST_PARK_ON'] = $park_on;
		}
		$proc = proc_open($this->child_command($args), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
		$this->assertIsResource($proc, 'Could not start a child PHP');
		return ['proc' => $proc, 'pipes' => $pipes, 'barrier' => (string) $barrier, 'args' => $args];
	}

	/** Run a child to its end; returns its JSON answer. */
	protected function child(array $args, string $host = '', string $mu_plugins = ''): array {
		return $this->finish_child($this->start_child($args, null, '', $host, $mu_plugins));
	}

	/** A fresh directory for one barrier. */
	protected function barrier(): string {
		$dir = sys_get_temp_dir() . '/wu-barrier-' . bin2hex(random_bytes(6));
		$this->assertTrue(mkdir($dir), "Cannot create {$dir}");
		return $dir;
	}

	/** Wait until the child stopped at its barrier; returns the operation it holds. */
	protected function wait_parked(array $child): array {
		$until = microtime(true) + 60;
		while (!is_file($child['barrier'] . '/parked.json')) {
			$status = proc_get_status($child['proc']);
			if (!$status['running'] || microtime(true) > $until) {
				proc_terminate($child['proc']);
				$this->fail('The child never reached its barrier: ' . json_encode($this->finish_child($child, false)));
			}
			usleep(10000);
		}
		wp_cache_flush(); // the child changed the database
		return (array) json_decode((string) file_get_contents($child['barrier'] . '/parked.json'), true);
	}

	/** Let a parked child go on, and wait for its answer. */
	protected function release_child(array $child): array {
		touch($child['barrier'] . '/go');
		return $this->finish_child($child);
	}

	private function finish_child(array $child, bool $must_succeed = true): array {
		$out = stream_get_contents($child['pipes'][1]);
		$err = stream_get_contents($child['pipes'][2]);
		fclose($child['pipes'][1]);
		fclose($child['pipes'][2]);
		$code = proc_close($child['proc']);
		if ($child['barrier'] !== '') {
			array_map('unlink', glob($child['barrier'] . '/*') ?: []);
			@rmdir($child['barrier']);
		}
		wp_cache_flush();
		$lines  = array_values(array_filter(explode("\n", (string) $out), 'strlen'));
		$answer = json_decode((string) end($lines), true);
		if ($must_succeed) {
			$this->assertSame(0, $code, 'child ' . implode(' ', $child['args']) . " failed:\n{$out}\n{$err}");
			$this->assertIsArray($answer, 'child ' . implode(' ', $child['args']) . " printed no JSON answer:\n{$out}\n{$err}");
		}
		return is_array($answer) ? $answer : ['exit' => $code, 'stdout' => $out, 'stderr' => $err];
	}

	/** The ops rows, oldest first, for assertions. */
	protected function ops(?string $domain = null): array {
		global $wpdb;
		$table = Queue::table();
		return $domain === null
			? (array) $wpdb->get_results("SELECT * FROM {$table} ORDER BY id")
			: (array) $wpdb->get_results($wpdb->prepare("SELECT * FROM {$table} WHERE domain = %s ORDER BY id", $domain));
	}

	protected function describe_ops(): string {
		return implode("\n", array_map(static fn($o) => "#{$o->id} {$o->op} '{$o->domain}' {$o->status} attempts={$o->attempts} http={$o->last_status} err={$o->last_error}", $this->ops()));
	}

	/**
	 * Run our due WP-Cron events as wp-cron.php would at time $now (DISABLE_WP_CRON is set
	 * in the test install, so nothing runs unless a test asks). Returns the hooks run.
	 */
	protected function run_due_cron(?int $now = null): array {
		$now = $now ?? time();
		$ran = [];
		foreach ((array) _get_cron_array() as $timestamp => $hooks) {
			if ($timestamp > $now) {
				continue;
			}
			foreach ($hooks as $hook => $events) {
				if (strpos($hook, 'wu_runcloud_') !== 0) {
					continue;
				}
				foreach ($events as $event) {
					wp_unschedule_event($timestamp, $hook, $event['args']);
					do_action_ref_array($hook, $event['args']);
					$ran[] = $hook;
				}
			}
		}
		return $ran;
	}

	/** Run the worker as its scheduled cron event would, after checking it is scheduled. */
	/** Everything due up to $now, including what the first runs queue (redeploy, HTTPS check). */
	protected function run_all_due(int $now): void {
		for ($i = 0; $i < 5; $i++) {
			Worker::process_due($now);
		}
	}

	protected function run_worker_now(): void {
		if (function_exists('wu_double_as_run_due')) {
			// Ultimate Multisite bundles Action Scheduler: the worker is queued there instead.
			$next = as_next_scheduled_action(Worker::HOOK, [], Worker::GROUP);
			$this->assertNotFalse($next, "Expected the worker queued in Action Scheduler; ops:\n" . $this->describe_ops());
			$this->assertTrue($next === true || $next <= time() + 1, 'Expected the worker to be due now');
			wu_double_as_run_due(time());
			return;
		}
		$next = wp_next_scheduled(Worker::HOOK);
		$this->assertNotFalse($next, "Expected the worker to be scheduled in WP-Cron; ops:\n" . $this->describe_ops());
		$this->assertLessThanOrEqual(time() + 1, $next, 'Expected the worker to be due now');
		$this->run_due_cron();
	}

	/** Run the coalesced SSL redeploy as if its window had passed. */
	protected function run_after_ssl_window(): void {
		Worker::process_due(time() + Domain_Sync::ssl_delay() + 1);
	}
}
