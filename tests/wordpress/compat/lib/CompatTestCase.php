<?php
/**
 * Base of the compatibility suite: the wordpress suite's TestCase (clean plugin state, fresh
 * simulator) plus what one real Ultimate Multisite release needs reset and read.
 */

namespace WU_RunCloud\Tests\Compat;

use WU_RunCloud\Queue;
use WU_RunCloud\Tests\TestCase;
use WU_RunCloud\Worker;

abstract class CompatTestCase extends TestCase {

	public const DOMAIN_HOOKS = ['wu_add_domain', 'wu_remove_domain', 'wu_add_subdomain', 'wu_remove_subdomain'];

	protected function setUp(): void {
		parent::setUp();
		// What the reset above did through UM's hooks (deleting old sites) is not under test.
		$GLOBALS['wu_double_as_actions'] = [];
		$GLOBALS['wu_compat']['domains'] = [];
		$GLOBALS['wu_compat']['log']     = [];
		$GLOBALS['wu_compat_http']       = [];
	}

	protected static function release(): string {
		return WU_COMPAT_RELEASE;
	}

	protected static function credentials(): string {
		return WU_COMPAT_CREDENTIALS;
	}

	protected static function has_registry(): bool {
		return class_exists('WP_Ultimo\\Integrations\\Integration_Registry');
	}

	/**
	 * Action Scheduler's runner, for the four domain actions and our worker only (UM's own
	 * DNS/SSL stage checks need parts of UM that are not under test), until nothing is due.
	 *
	 * @return string[] the hooks run, in order
	 */
	protected function run_queue(): array {
		$ran = [];
		for ($round = 0; $round < 10; $round++) {
			$now = wu_double_as_run_due(time(), array_merge(self::DOMAIN_HOOKS, [Worker::HOOK]));
			if ($now === []) {
				return $ran;
			}
			$ran = array_merge($ran, $now);
		}
		$this->fail('The queue still had work after 10 rounds: ' . implode(', ', $ran));
	}

	/** The domain actions enqueued so far: [hook, positional args as the runner passes them, status]. */
	protected function enqueued(): array {
		$out = [];
		foreach ($GLOBALS['wu_double_as_actions'] as $action) {
			if (in_array($action['hook'], self::DOMAIN_HOOKS, true)) {
				$out[] = [$action['hook'], array_values($action['args']), $action['status']];
			}
		}
		return $out;
	}

	protected function describe_enqueued(): string {
		return implode("\n", array_map(static fn($a) => "{$a[0]}(" . implode(', ', array_map('var_export', $a[1], array_fill(0, count($a[1]), true))) . ") {$a[2]}", $this->enqueued()));
	}

	/** Requests made through WordPress's HTTP API to RunCloud (core's code; ours never uses it). */
	protected function wordpress_http_to_runcloud(): array {
		return array_values(array_filter($GLOBALS['wu_compat_http'], static fn($r) => stripos($r['url'], 'runcloud') !== false));
	}

	/** Callbacks on $hook, as "Class::method" strings. */
	protected function callbacks(string $hook): array {
		$out = [];
		foreach ($GLOBALS['wp_filter'][$hook]->callbacks ?? [] as $callbacks) {
			foreach ($callbacks as $cb) {
				$fn    = $cb['function'];
				$out[] = is_array($fn) ? (is_object($fn[0]) ? get_class($fn[0]) : $fn[0]) . '::' . $fn[1] : (is_string($fn) ? $fn : 'closure');
			}
		}
		return $out;
	}
}
