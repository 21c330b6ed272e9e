<?php
/**
 * Every `wp runcloud` command through the real WP-CLI, healthy and while RunCloud refuses the
 * credentials or fails: each prints something useful (or ends with WP_CLI::error and exit 1),
 * never a secret and never a PHP error. The output is kept in
 * tests/artifacts/hardening/wordpress/cli-output.txt (WU_HARDENING_ARTIFACTS) for the secrets
 * scan.
 *
 * @group wp-cli
 */

namespace WU_RunCloud\Tests;

final class CliOutputTest extends TestCase {

	/** @return array<string, array{0: ?array}> */
	public static function conditions(): array {
		return [
			'healthy'             => [null],
			'credentials refused' => [['kind' => 'status', 'status' => 401]],
			'503 from a proxy'    => [['kind' => 'status', 'status' => 503]],
			'malformed JSON'      => [['kind' => 'malformed_json']],
		];
	}

	/** @dataProvider conditions */
	public function test_every_command_prints_something_useful_and_never_a_secret(?array $fault): void {
		do_action('wu_add_domain', 'queued.example.com', 1);
		if ($fault !== null) {
			$this->add_fault(['method' => '*', 'path' => '/api/**'] + $fault);
		}
		$op_id    = (string) $this->ops('queued.example.com')[0]->id;
		$commands = [
			['status'], ['test'], ['sync', '--dry-run'], ['sync', '--prune'], ['add', 'cli.example.com'], ['remove', 'cli.example.com'],
			['domains'], ['domains', '--format=json'], ['queue', 'list', '--status=all'], ['queue', 'run'], ['queue', 'retry', $op_id], ['queue', 'dismiss', $op_id],
		];
		$all = '';
		foreach ($commands as $args) {
			$run  = $this->wp(array_merge(['runcloud'], $args));
			$name = 'wp runcloud ' . implode(' ', $args);
			$text = trim($run['stdout'] . "\n" . $run['stderr']);
			$this->assertNotSame('', $text, "{$name} printed nothing");
			$this->assertContains($run['exit'], [0, 1], "{$name} ends normally or with WP_CLI::error:\n" . self::transcript($run));
			if ($run['exit'] === 1) {
				$this->assertMatchesRegularExpression('/^Error: \S/m', $run['stderr'], "{$name} exits 1 through WP_CLI::error, saying why");
			}
			$this->assertDoesNotMatchRegularExpression('/(Fatal error|PHP Warning|PHP Notice|Uncaught)/', $text, "{$name}: a PHP error");
			$all .= "\$ {$name}   # " . ($fault['kind'] ?? 'healthy') . ' ' . ($fault['status'] ?? '') . " (exit {$run['exit']})\n{$text}\n";
		}
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/cli-output.txt', $all, FILE_APPEND);
		foreach (['sim-token', 'sim-key', 'sim-secret'] as $secret) {
			$this->assertFalse(strpos($all, $secret) !== false, 'a configured credential appeared in the CLI output');
		}
	}
}
