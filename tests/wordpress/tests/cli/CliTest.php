<?php
/**
 * Every `wp runcloud` command, run as the operator runs it: the real WP-CLI (the verified
 * phar, TestCase::wp()) against this test network, with the extension loaded. Listings in
 * WP-CLI's formats (table, json, csv, yaml, count) and --fields, exit status 1 with
 * WP_CLI::error on failure, the progress bar of long runs, and never a secret or a PHP error.
 *
 * @group wp-cli
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Queue;
use WU_RunCloud\Settings;

final class CliTest extends TestCase {

	/** Runs `wp runcloud ARGS…`, checks nothing secret or broken came out, returns the run. */
	private function runcloud(array $args, array $env = []): array {
		$run = $this->wp(array_merge(['runcloud'], $args), $env);
		$all = $run['stdout'] . $run['stderr'];
		foreach (['sim-token', 'sim-key', 'sim-secret'] as $secret) {
			$this->assertStringNotContainsString($secret, $all, 'wp runcloud ' . implode(' ', $args) . ' printed a credential');
		}
		$this->assertDoesNotMatchRegularExpression('/(PHP )?(Fatal error|Warning|Notice|Deprecated):.*wu-runcloud/', $all, 'A PHP error from the plugin: ' . self::transcript($run));
		return $run;
	}

	private function assertExit(int $code, array $run, string $what): void {
		$this->assertSame($code, $run['exit'], $what . "\n" . self::transcript($run));
	}

	public function test_status_prints_the_configuration_in_every_format(): void {
		$table = $this->runcloud(['status']);
		$this->assertExit(0, $table, 'status');
		$this->assertMatchesRegularExpression('/Credentials\s+API token \(RunCloud API v3\)/', $table['stdout']);
		$this->assertStringContainsString('Warning: [recommended] The RunCloud credentials have not been tested yet', $table['stderr'], 'Site Health checks that are not good are warnings');

		$json = json_decode($this->runcloud(['status', '--format=json', '--fields=key,value'])['stdout'], true);
		$this->assertIsArray($json);
		$values = array_column($json, 'value', 'key');
		$this->assertSame('11667', $values['server_id']);
		$this->assertSame(['key', 'value'], array_keys($json[0]), '--fields picks the fields');
		$this->assertStringContainsString('key: server_id', $this->runcloud(['status', '--format=yaml', '--fields=key,value'])['stdout']);
		$this->assertStringStartsWith('setting,value', $this->runcloud(['status', '--format=csv'])['stdout']);
		$this->assertSame((string) count($json), trim($this->runcloud(['status', '--format=count'])['stdout']));
		$bad = $this->runcloud(['status', '--fields=password']);
		$this->assertExit(1, $bad, 'an unknown field');
		$this->assertStringContainsString('Error: Unknown field(s) password', $bad['stderr']);
	}

	public function test_test_succeeds_and_a_refused_token_ends_with_an_error_in_the_extensions_words(): void {
		$ok = $this->runcloud(['test']);
		$this->assertExit(0, $ok, 'test');
		$this->assertStringContainsString('Success: Connected (API v3): server "web-01", web application "network"', $ok['stdout']);

		$this->reset_sim(['tokens' => ['another-token']]);
		$refused = $this->runcloud(['test']);
		$this->assertExit(1, $refused, 'a refused token');
		$this->assertStringContainsString('Error: RunCloud rejected the v3 API token (WU_RUNCLOUD_API_TOKEN) with HTTP 401', $refused['stderr']);
	}

	public function test_sync_dry_run_lists_the_changes_in_a_format_and_changes_nothing(): void {
		Settings::set_enabled(false);
		$this->create_site('clidry');
		Settings::set_enabled(true);
		$run = $this->runcloud(['sync', '--dry-run', '--format=json']);
		$this->assertExit(0, $run, 'sync --dry-run');
		$this->assertSame([['domain' => 'clidry.network.test', 'change' => 'would add', 'detail' => '']], json_decode($run['stdout'], true), 'Only the list on stdout: a script reads it');
		$this->assertNotContains('clidry.network.test', $this->sim_domains());
		$table = $this->runcloud(['sync', '--dry-run']);
		$this->assertMatchesRegularExpression('/clidry\.network\.test\s+would add/', $table['stdout']);
		$this->assertStringContainsString('Success: Dry run: 1 added', $table['stdout']);
	}

	public function test_sync_shows_a_progress_bar_and_ends_with_an_error_when_a_domain_failed(): void {
		Settings::set_enabled(false);
		$this->create_site('syncbar');
		$this->create_site('syncbad');
		Settings::set_enabled(true);
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		$run = $this->runcloud(['sync', '--format=csv'], ['SHELL_PIPE' => '0']);
		$this->assertExit(1, $run, 'a sync with a failed domain');
		$this->assertMatchesRegularExpression('/Syncing with RunCloud.*100%/s', $run['stdout'], 'The progress bar');
		$this->assertMatchesRegularExpression('/^syncbad\.network\.test,failed,"RunCloud refused adding domain syncbad\.network\.test .*HTTP 422/m', $run['stdout'], 'The failed domain is listed with the extension\'s words');
		$this->assertMatchesRegularExpression('/^syncbar\.network\.test,added,$/m', $run['stdout']);
		$this->assertStringContainsString('Error: Synced: 1 added, 0 removed, 1 failed', $run['stderr']);
	}

	public function test_add_then_remove_act_at_once_and_a_bad_name_is_an_error(): void {
		$add = $this->runcloud(['add', 'cli.example.com']);
		$this->assertExit(0, $add, 'add');
		$this->assertStringContainsString('Success: add cli.example.com: done', $add['stdout']);
		$this->assertContains('cli.example.com', $this->sim_domains());
		$remove = $this->runcloud(['remove', 'cli.example.com']);
		$this->assertExit(0, $remove, 'remove');
		$this->assertStringContainsString('Success: remove cli.example.com: done', $remove['stdout']);
		$this->assertNotContains('cli.example.com', $this->sim_domains());

		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		$later = $this->runcloud(['add', 'later.example.com']);
		$this->assertExit(1, $later, 'an add RunCloud failed (to be retried)');
		$this->assertMatchesRegularExpression('/^Error: #\d+ add later\.example\.com: retrying, attempts 1, HTTP 503: RunCloud answered HTTP 503/m', $later['stderr'], 'It ran and failed: no "another worker" story');

		$bad = $this->runcloud(['add', 'bad name.example.com']);
		$this->assertExit(1, $bad, 'an invalid name');
		$this->assertMatchesRegularExpression('/^Error: #\d+ add bad name\.example\.com: failed, attempts 1, HTTP 0: invalid domain name "bad name\.example\.com": it contains whitespace/m', $bad['stderr']);
		$this->assertExit(1, $this->runcloud(['add']), 'add without a domain');
	}

	public function test_domains_lists_each_state_filtered_by_status_in_every_format(): void {
		do_action('wu_add_domain', 'good.example.com', 1);
		$this->run_worker_now();
		$this->run_all_due(time() + 61);
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'bad.example.com', 1);
		$this->run_worker_now();

		$all = json_decode($this->runcloud(['domains', '--format=json'])['stdout'], true);
		$this->assertSame(['bad.example.com' => 'failing', 'good.example.com' => 'live'], array_column($all, 'status', 'domain'));
		$this->assertSame(['domain', 'status', 'runcloud_id', 'ours', 'site_id', 'note'], array_keys($all[0]), 'The default fields');
		$csv = $this->runcloud(['domains', '--status=failing', '--format=csv', '--fields=domain,error'])['stdout'];
		$this->assertMatchesRegularExpression('/^domain,error\nbad\.example\.com,"RunCloud refused adding domain bad\.example\.com .*plan allows more domains"$/m', $csv);
		$this->assertSame('1', trim($this->runcloud(['domains', '--status=live', '--format=count'])['stdout']));
		$this->assertSame('0', trim($this->runcloud(['domains', '--status=waiting_dns', '--format=count'])['stdout']), 'Nothing waits for DNS here');
		$this->assertMatchesRegularExpression('/^-\s*\n\s+domain: good\.example\.com\n\s+status: live$/m', $this->runcloud(['domains', '--status=live', '--format=yaml'])['stdout']);
		$this->assertMatchesRegularExpression('/good\.example\.com\s+live/', $this->runcloud(['domains', '--search=good'])['stdout']);
		$bad = $this->runcloud(['domains', '--status=broken']);
		$this->assertExit(1, $bad, 'an unknown status');
		$this->assertStringContainsString('Error: Unknown --status "broken"', $bad['stderr']);
	}

	public function test_queue_list_retry_and_dismiss_act_on_the_operations_the_admin_page_lists(): void {
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'later.example.com', 1);
		$this->run_worker_now();
		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 1]);
		do_action('wu_add_domain', 'never.example.com', 1);
		\WU_RunCloud\Worker::process_due();
		[$later, $never] = [$this->ops('later.example.com')[0], $this->ops('never.example.com')[0]];

		$list = json_decode($this->runcloud(['queue', 'list', '--format=json', '--fields=id,domain,status,error'])['stdout'], true);
		$this->assertSame([(int) $never->id => 'failed', (int) $later->id => 'retrying'], array_column($list, 'status', 'id'), 'Newest first');
		$this->assertStringContainsString('RunCloud answered HTTP 503', $list[1]['error']);
		$this->assertSame('1', trim($this->runcloud(['queue', 'list', '--status=failed', '--format=count'])['stdout']));
		$this->assertExit(1, $this->runcloud(['queue', 'list', '--status=stuck']), 'an unknown status');

		$retry = $this->runcloud(['queue', 'retry', (string) $later->id]);
		$this->assertExit(0, $retry, 'retry');
		$this->assertStringContainsString("#{$later->id} add later.example.com: done", $retry['stdout']);
		$this->assertContains('later.example.com', $this->sim_domains());
		$again = $this->runcloud(['queue', 'retry', (string) $later->id]);
		$this->assertExit(1, $again, 'retrying a done operation');
		$this->assertStringContainsString("Warning: #{$later->id} is done: only failed or retrying operations can be retried", $again['stderr']);

		$dismiss = $this->runcloud(['queue', 'dismiss', (string) $never->id]);
		$this->assertExit(0, $dismiss, 'dismiss');
		$this->assertSame('dismissed', Queue::get((int) $never->id)->status);
		$this->assertExit(1, $this->runcloud(['queue', 'dismiss', (string) $never->id]), 'dismissing twice');
		$this->assertExit(1, $this->runcloud(['queue', 'dismiss', 'abc']), 'an id that is no number');
		$this->assertExit(1, $this->runcloud(['queue', 'dismiss', '999999']), 'an unknown id');
	}

	public function test_queue_run_runs_what_is_due_with_a_progress_bar_and_fails_when_an_operation_failed(): void {
		$nothing = $this->runcloud(['queue', 'run']);
		$this->assertExit(0, $nothing, 'an empty queue');
		$this->assertStringContainsString('Success: Nothing is due.', $nothing['stdout']);

		foreach (['q1', 'q2', 'q3'] as $name) {
			do_action('wu_add_domain', "{$name}.example.com", 1);
		}
		$run = $this->runcloud(['queue', 'run'], ['SHELL_PIPE' => '0']);
		$this->assertExit(0, $run, 'queue run');
		$this->assertMatchesRegularExpression('/Running 3 operations.*100%/s', $run['stdout'], 'The progress bar');
		$this->assertStringContainsString('Success: 3 operations ran: done=3.', $run['stdout']);
		$this->assertSame(['q1.example.com', 'q2.example.com', 'q3.example.com'], array_values(array_filter($this->sim_domains(), static fn($d) => str_starts_with($d, 'q'))));

		$this->add_fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'q4.example.com', 1);
		$failed = $this->runcloud(['queue', 'run']);
		$this->assertExit(1, $failed, 'a run with a failure');
		$this->assertMatchesRegularExpression('/Warning: #\d+ add q4\.example\.com: retrying, attempts 1, HTTP 503: RunCloud answered HTTP 503/', $failed['stderr']);
		$this->assertStringContainsString('Error: 1 operations ran: retrying=1.', $failed['stderr']);
	}
}
