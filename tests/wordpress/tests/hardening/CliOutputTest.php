<?php
/**
 * Every `wp runcloud` command, healthy and while RunCloud refuses the credentials or fails,
 * through the command class (WP-CLI itself is not installed here). The output is kept in
 * tests/artifacts/hardening/wordpress/cli-output.txt (WU_HARDENING_ARTIFACTS) for the secrets scan.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\CLI;

final class Cli_Capture {
	public array $lines = [];
	public function line(string $m): void { $this->lines[] = "line: {$m}"; }
	public function success(string $m): void { $this->lines[] = "success: {$m}"; }
	public function warning(string $m): void { $this->lines[] = "warning: {$m}"; }
	public function error(string $m): void { $this->lines[] = "error: {$m}"; throw new Handler_Stopped('cli-error'); }
}

final class CliOutputTest extends TestCase {

	/** @return array<string, array{0: ?array}> */
	public static function conditions(): array {
		return [
			'healthy'            => [null],
			'credentials refused' => [['kind' => 'status', 'status' => 401]],
			'503 from a proxy'   => [['kind' => 'status', 'status' => 503]],
			'malformed JSON'     => [['kind' => 'malformed_json']],
		];
	}

	/** @dataProvider conditions */
	public function test_every_command_prints_something_useful_and_never_a_secret(?array $fault): void {
		if ($fault !== null) {
			$this->add_fault(['method' => '*', 'path' => '/api/**'] + $fault);
		}
		$commands = [
			'status'         => static fn(CLI $c) => $c->status(),
			'test'           => static fn(CLI $c) => $c->test(),
			'sync --dry-run' => static fn(CLI $c) => $c->sync([], ['dry-run' => true]),
			'sync --prune'   => static fn(CLI $c) => $c->sync([], ['prune' => true]),
			'add'            => static fn(CLI $c) => $c->add(['cli.example.com']),
			'remove'         => static fn(CLI $c) => $c->remove(['cli.example.com']),
		];
		$all = '';
		foreach ($commands as $name => $run) {
			$out = new Cli_Capture();
			try {
				$run(new CLI($out));
			} catch (Handler_Stopped $e) {
				// error() ends the command, as WP_CLI::error() exits
			}
			$text = implode("\n", $out->lines);
			$this->assertNotSame('', $text, "wp runcloud $name printed nothing");
			$all .= "\$ wp runcloud $name   # " . ($fault['kind'] ?? 'healthy') . ' ' . ($fault['status'] ?? '') . "\n$text\n";
		}
		file_put_contents(getenv('WU_HARDENING_ARTIFACTS') . '/cli-output.txt', $all, FILE_APPEND);
		foreach (['sim-token', 'sim-key', 'sim-secret'] as $secret) {
			$this->assertFalse(strpos($all, $secret) !== false, 'a configured credential appeared in the CLI output');
		}
	}
}
