<?php
/**
 * What sites and operators rely on stays as it is, whatever the classes inside look like:
 * the filters and actions the plugin fires, its network options, tables and WP-CLI commands.
 * (The hooks it listens to are PluginLifecycleTest's.)
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\CLI;
use WU_RunCloud\CLI_Queue;

final class PublicSurfaceTest extends TestCase {

	private const FIRED = [
		'apply_filters' => [
			'wu_runcloud_balancer_ips', 'wu_runcloud_client_options', 'wu_runcloud_dns_gate',
			'wu_runcloud_dns_give_up_days', 'wu_runcloud_dns_proxied_is_ready', 'wu_runcloud_dns_recheck_delays',
			'wu_runcloud_https_check_delay', 'wu_runcloud_https_checks_per_run', 'wu_runcloud_https_pending_checks',
			'wu_runcloud_keep_finished_days', 'wu_runcloud_reconcile_recurrence',
			'wu_runcloud_retry_delays', 'wu_runcloud_second_level_suffixes', 'wu_runcloud_ssl_redeploy_delay',
			'wu_runcloud_ssl_san_warning', 'wu_runcloud_wanted_domains', 'wu_runcloud_wildcard_cache_ttl',
			'wu_runcloud_worker_batch_size', 'wu_runcloud_worker_time_budget',
		],
		'do_action'     => ['wu_runcloud_operation_started'],
	];

	private const OPTIONS = [
		'wu_host_integrations_enabled', // Ultimate Multisite's, shared
		'wu_runcloud_config_hold', 'wu_runcloud_db_version', 'wu_runcloud_enabled', 'wu_runcloud_last_sync',
		'wu_runcloud_last_test', 'wu_runcloud_prune_held', 'wu_runcloud_token_notice_dismissed',
	];

	private const TABLES = ['wu_runcloud_domains', 'wu_runcloud_log', 'wu_runcloud_ops', 'wu_runcloud_states'];

	/** `wp runcloud <command>` and `wp runcloud queue <command>`. */
	private const COMMANDS = ['add', 'domains', 'remove', 'status', 'sync', 'test'];

	private const QUEUE_COMMANDS = ['dismiss', 'list', 'retry', 'run'];

	/** Per-user options (Screen Options of the two tables), removed by uninstall.php. */
	private const USER_OPTIONS = ['wu_runcloud_domains_per_page', 'wu_runcloud_operations_per_page'];

	/** @return string[] every PHP file of the plugin */
	private static function sources(): array {
		$files = [];
		$dir   = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator(WP_PLUGIN_DIR . '/wu-runcloud/src', \FilesystemIterator::SKIP_DOTS));
		foreach ($dir as $file) {
			if ($file->getExtension() === 'php') {
				$files[] = $file->getPathname();
			}
		}
		sort($files);
		return $files;
	}

	public function test_the_filters_and_actions_the_plugin_fires_keep_their_names(): void {
		$found = ['apply_filters' => [], 'do_action' => []];
		foreach (self::sources() as $file) {
			preg_match_all('/\b(apply_filters|do_action)\(\s*([^,)]+)/', (string) file_get_contents($file), $calls, PREG_SET_ORDER);
			foreach ($calls as [, $function, $name]) {
				$this->assertMatchesRegularExpression("/^'[a-z_]+'$/", trim($name), "{$function}() in {$file} takes a literal hook name, so this test sees it");
				$found[$function][] = trim($name, " '");
			}
		}
		$found = array_map(static function ($names) {
			$names = array_values(array_unique($names));
			sort($names);
			return $names;
		}, $found);
		$this->assertSame(self::FIRED, $found);
	}

	public function test_the_network_options_keep_their_names_and_uninstall_removes_ours(): void {
		$options = [];
		foreach (self::sources() as $file) {
			preg_match_all("/const [A-Z_]*OPTION[A-Z_]* *= *'([a-z_]+)'/", (string) file_get_contents($file), $m);
			$options = array_merge($options, $m[1]);
		}
		sort($options);
		$this->assertSame(self::OPTIONS, $options);
		$uninstall = (string) file_get_contents(WP_PLUGIN_DIR . '/wu-runcloud/uninstall.php');
		foreach (array_filter(self::OPTIONS, static fn($o) => str_starts_with($o, 'wu_runcloud_')) as $option) {
			$this->assertStringContainsString("'{$option}'", $uninstall, "uninstall.php removes {$option}");
		}
	}

	public function test_the_tables_keep_their_names(): void {
		global $wpdb;
		$tables = array_map(static fn($t) => substr((string) $t, strlen($wpdb->base_prefix)), (array) $wpdb->get_col($wpdb->prepare('SHOW TABLES LIKE %s', $wpdb->esc_like($wpdb->base_prefix . 'wu_runcloud_') . '%')));
		sort($tables);
		$this->assertSame(self::TABLES, $tables);
	}

	/** A command class's subcommands as WP-CLI names them (public instance methods, `@subcommand`). */
	private static function subcommands(string $class): array {
		$commands = [];
		foreach ((new \ReflectionClass($class))->getMethods(\ReflectionMethod::IS_PUBLIC) as $method) {
			if ($method->isConstructor() || $method->isStatic()) {
				continue;
			}
			$commands[] = preg_match('/@subcommand (\S+)/', (string) $method->getDocComment(), $m) ? $m[1] : $method->getName();
		}
		sort($commands);
		return $commands;
	}

	public function test_the_wp_cli_commands_keep_their_names(): void {
		$this->assertSame(self::COMMANDS, self::subcommands(CLI::class), 'wp runcloud <command>');
		$this->assertSame(self::QUEUE_COMMANDS, self::subcommands(CLI_Queue::class), 'wp runcloud queue <command>');
	}

	public function test_the_per_page_user_options_keep_their_names_and_uninstall_removes_them(): void {
		$this->assertSame(self::USER_OPTIONS, [\WU_RunCloud\Network_Admin::DOMAINS_PER_PAGE, \WU_RunCloud\Network_Admin::OPERATIONS_PER_PAGE]);
		$uninstall = (string) file_get_contents(WP_PLUGIN_DIR . '/wu-runcloud/uninstall.php');
		foreach (self::USER_OPTIONS as $option) {
			$this->assertStringContainsString("'{$option}'", $uninstall, "uninstall.php removes the user option {$option}");
		}
	}
}
