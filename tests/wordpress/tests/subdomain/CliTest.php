<?php
/**
 * `wp runcloud …` through the command class (WP-CLI itself is not installed here; the
 * class takes any object with line/success/warning/error).
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\CLI;

final class Cli_Recorder {
	public array $lines = [];
	public function line(string $m): void { $this->lines[] = "line: {$m}"; }
	public function success(string $m): void { $this->lines[] = "success: {$m}"; }
	public function warning(string $m): void { $this->lines[] = "warning: {$m}"; }
	public function error(string $m): void { $this->lines[] = "error: {$m}"; }
	public function text(): string { return implode("\n", $this->lines); }
}

final class CliTest extends TestCase {

	private Cli_Recorder $out;
	private CLI $cli;

	protected function setUp(): void {
		parent::setUp();
		$this->out = new Cli_Recorder();
		$this->cli = new CLI($this->out);
	}

	public function test_status_reports_extension_credentials_and_queue(): void {
		do_action('wu_add_domain', 'queued.example.com', 1);
		$this->cli->status();
		$text = $this->out->text();
		$this->assertStringContainsString('Extension: loaded', $text);
		$this->assertStringContainsString('Credentials: token', $text);
		$this->assertStringContainsString('pending=1', $text);
		$this->assertStringNotContainsString('sim-token', $text, 'No secret in CLI output');
	}

	public function test_test_reports_the_server_and_app(): void {
		$this->cli->test();
		$this->assertStringContainsString('success: Connected (API v3): server "web-01", web application "network"', $this->out->text());
	}

	public function test_sync_dry_run_lists_what_would_change_and_changes_nothing(): void {
		\WU_RunCloud\Settings::set_enabled(false);
		$this->create_site('clidry');
		\WU_RunCloud\Settings::set_enabled(true);
		$this->cli->sync([], ['dry-run' => true]);
		$this->assertStringContainsString('line: would add clidry.network.test', $this->out->text());
		$this->assertStringContainsString('success: Dry run: 1 added', $this->out->text());
		$this->assertNotContains('clidry.network.test', $this->sim_domains());
	}

	public function test_add_then_remove_act_at_once(): void {
		$this->cli->add(['cli.example.com']);
		$this->assertStringContainsString('success: add cli.example.com: done', $this->out->text());
		$this->assertContains('cli.example.com', $this->sim_domains());
		$this->cli->remove(['cli.example.com']);
		$this->assertStringContainsString('success: remove cli.example.com: done', $this->out->text());
		$this->assertNotContains('cli.example.com', $this->sim_domains());
	}

	public function test_add_of_an_invalid_name_is_an_error_naming_the_problem(): void {
		$this->cli->add(['bad name.example.com']);
		$this->assertMatchesRegularExpression('/^error: add bad name\.example\.com: failed .*invalid domain name "bad name\.example\.com": it contains whitespace/m', $this->out->text());
	}
}
