<?php
/**
 * Each failure is worded once, by the extension, and shown as it is: wherever an operator
 * reads it (the log, the queue row, the admin page, the Domains and Operations tables, Site
 * Health, WP-CLI) the hint appears once, names the wp-config constant rather than the
 * extension's configuration key, and is never wrapped in a second explanation ("… Details: …").
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Log;
use WU_RunCloud\Plugin;
use WU_RunCloud\Settings;
use WU_RunCloud\Site_Health;
use WU_RunCloud\Worker;

final class ErrorWordingTest extends TestCase {

	private const CREDENTIALS = ['WU_RUNCLOUD_API_TOKEN' => 'sim-token', 'WU_RUNCLOUD_SERVER_ID' => '11667', 'WU_RUNCLOUD_APP_ID' => '940288'];

	/**
	 * @return array<string, array{0: array, 1: string}> what goes wrong, and the words every
	 *         surface must show for it
	 */
	public static function failures(): array {
		$all = ['method' => '*', 'path' => '/api/**'];
		return [
			'wrong token'          => [['credentials' => ['WU_RUNCLOUD_API_TOKEN' => 'not-the-token']], 'rejected the v3 API token (WU_RUNCLOUD_API_TOKEN) with HTTP 401'],
			'wrong key and secret' => [['credentials' => ['WU_RUNCLOUD_API_TOKEN' => '', 'WU_RUNCLOUD_API_KEY' => 'not-the-key', 'WU_RUNCLOUD_API_SECRET' => 'not-the-secret']], 'create a token and set WU_RUNCLOUD_API_TOKEN'],
			'no permission'        => [['fault' => $all + ['kind' => 'status', 'status' => 403]], 'RunCloud\'s API is only for Business and Enterprise plans'],
			'wrong app id'         => [['credentials' => ['WU_RUNCLOUD_APP_ID' => '999999']], 'check WU_RUNCLOUD_SERVER_ID 11667 and WU_RUNCLOUD_APP_ID 999999'],
			'domain refused'       => [['fault' => ['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422]], 'plan allows more domains'],
			'rate limited'         => [['fault' => $all + ['kind' => 'rate_limit', 'retry_after' => 0]], 'rate limit (HTTP 429)'],
			'server error'         => [['fault' => $all + ['kind' => 'status', 'status' => 503]], 'RunCloud answered HTTP 503'],
			'connection reset'     => [['fault' => $all + ['kind' => 'reset']], 'lost the connection to RunCloud'],
			'refused configuration' => [['options' => ['timeout' => 9999.0]], 'timeout (filter wu_runcloud_client_options) must be a number of seconds'],
			'invalid domain name'  => [['domain' => 'https://bad.example.com/x'], 'invalid domain name "https://bad.example.com/x": it contains a URL scheme'],
		];
	}

	/** Makes the failure happen: credentials, a simulator fault, client options. */
	private function arrange(array $case): void {
		if (isset($case['credentials'])) {
			$this->set_credentials($case['credentials'] + self::CREDENTIALS);
		}
		if (isset($case['fault'])) {
			$this->add_fault($case['fault']);
		}
		if (isset($case['options'])) {
			$this->add_test_filter('wu_runcloud_client_options', static fn() => $case['options'], 20);
		}
	}

	/** @dataProvider failures */
	public function test_every_surface_shows_the_one_wording_of_a_failure(array $case, string $words): void {
		$this->arrange($case);
		do_action('wu_add_domain', $case['domain'] ?? 'wording.example.com', 1);
		Worker::process_due();
		$this->admin_post(1, ['action' => 'wu_runcloud_test'], 'wu_runcloud_test'); // its result is the page's flash

		$held = ($case['options'] ?? null) !== null; // a refused configuration fails no row: it holds the queue
		$surfaces = [
			'log'              => [array_map(static fn($l) => (string) $l->message, Log::recent(50)), true],
			'queue row'        => [array_filter(array_map(static fn($o) => (string) $o->last_error, $this->ops()), 'strlen'), !$held],
			'admin page'       => [$this->admin_page_texts([]), true],
			'Domains table'    => [$this->admin_page_texts(['tab' => 'domains']), !$held],
			'Operations table' => [$this->admin_page_texts(['tab' => 'operations']), !$held],
			'Site Health'      => [array_merge(...array_map(static fn($r) => [$r['label'], $r['message']], array_values(Site_Health::results()))), true],
		];
		foreach ($surfaces as $where => [$texts, $must_show]) {
			foreach ($texts as $text) {
				$this->assert_worded_once($where, $text);
			}
			if ($where === 'queue row' && $held) {
				$this->assertSame([], $texts, 'A refused configuration holds the queue: no row failed');
			}
			if ($must_show) {
				$this->assert_shows($where, $texts, $words);
			}
		}
	}

	/**
	 * The same failures through the real `wp runcloud` commands.
	 *
	 * @dataProvider failures
	 * @group wp-cli
	 */
	public function test_wp_cli_shows_the_one_wording_of_a_failure(array $case, string $words): void {
		$this->arrange($case);
		do_action('wu_add_domain', $case['domain'] ?? 'wording.example.com', 1);
		$env  = isset($case['options']) ? ['WU_TEST_CLIENT_OPTIONS' => json_encode($case['options'])] : [];
		$held = isset($case['options']);
		// Test Connection fails too unless only one domain is refused (its name, or RunCloud's 422).
		$app_wide = !isset($case['domain']) && ($case['fault']['path'] ?? '/api/**') === '/api/**';
		$lines    = [];
		foreach ([['queue', 'run'], ['status'], ['test'], ['add', $case['domain'] ?? 'wording-cli.example.com'], ['queue', 'list', '--status=all', '--format=json'], ['domains', '--format=json']] as $args) {
			$command = 'wp runcloud ' . implode(' ', $args);
			$run     = $this->wp(array_merge(['runcloud'], $args), $env);
			$json   = in_array('--format=json', $args, true);
			foreach (array_filter(explode("\n", $run['stderr'] . "\n" . ($json ? '' : $run['stdout'])), 'strlen') as $line) {
				$this->assert_worded_once($command, $line);
			}
			$listed = $json ? array_column((array) json_decode($run['stdout'], true), 'error') : [];
			foreach ($listed as $error) {
				$this->assert_worded_once($command, (string) $error);
			}
			if ($args[0] === 'add' || ($args[0] === 'test' && $app_wide)) {
				$this->assertSame(1, $run['exit'], "{$command} ends with WP_CLI::error: " . self::transcript($run));
			}
			if ($args[0] === 'add') {
				$this->assert_shows($command, [$run['stderr']], $words);
			}
			if (($args[1] ?? '') === 'list' && !$held) {
				$this->assert_shows($command, $listed, $words);
			}
			$lines = array_merge($lines, [$run['stdout'], $run['stderr']], $listed);
		}
		$this->assert_shows('WP-CLI', $lines, $words);
	}

	private function assert_shows(string $where, array $texts, string $words): void {
		$this->assertNotEmpty(
			array_filter($texts, static fn($t) => str_contains(html_entity_decode((string) $t, ENT_QUOTES), $words)),
			"The {$where} should show the extension's words \"{$words}\"; it shows:\n" . implode("\n", $texts)
		);
	}

	public function test_the_check_catches_a_hint_given_twice(): void {
		$doubled = [
			'RunCloud refused the credentials: check WU_RUNCLOUD_API_TOKEN. Details: RunCloud rejected the v3 API token (api_token) with HTTP 401 (check the token in API Management)',
			'check WU_RUNCLOUD_APP_ID: RunCloud has no web application 9 (HTTP 404): check WU_RUNCLOUD_APP_ID, the number after /apps/',
			'invalid RunCloud configuration: server_id must be a positive integer',
		];
		foreach ($doubled as $text) {
			$this->assertNotSame([], self::hint_problems($text), "Not caught: {$text}");
		}
		$this->assertSame([], self::hint_problems('RunCloud has no server 5 for these credentials (HTTP 404): check WU_RUNCLOUD_SERVER_ID, the number after /servers/ in the dashboard URL'));
	}

	private function assert_worded_once(string $where, string $text): void {
		$this->assertSame([], self::hint_problems($text), "{$where}: the hint is given twice or in the extension's terms in:\n{$text}");
	}

	/** What makes a message a doubled hint: each finding in words, none when it is worded once. */
	private static function hint_problems(string $text): array {
		$text     = html_entity_decode($text, ENT_QUOTES);
		$problems = [];
		if (substr_count(strtolower($text), 'check ') > 1) {
			$problems[] = 'two "check" hints';
		}
		if (stripos($text, 'details:') !== false) {
			$problems[] = 'a message wrapped in another ("Details:")';
		}
		preg_match_all('/WU_RUNCLOUD_[A-Z_]+/', $text, $constants);
		foreach (array_count_values($constants[0]) as $constant => $times) {
			if ($times > 1) {
				$problems[] = "{$constant} named {$times} times";
			}
		}
		if (preg_match('/\b(api_token|api_key|api_secret|server_id|app_id|base_url|ca_file)\b/', $text, $key)) {
			$problems[] = "the extension's key {$key[1]} instead of the constant";
		}
		return $problems;
	}

	/** Each piece of text of a tab of Settings -> RunCloud and the network-admin notices, on its own. */
	private function admin_page_texts(array $query): array {
		wp_set_current_user(1);
		$_GET = $_REQUEST = $query + ['page' => 'wu-runcloud'];
		set_site_transient('wu_runcloud_flash_1', $this->flash() ?: null, 300); // every tab shows the flash once
		ob_start();
		do_action('network_admin_notices');
		(new \WU_RunCloud\Network_Admin())->render_page(); // a fresh request: its table is built for this tab
		$html = (string) ob_get_clean();
		$_GET = $_REQUEST = [];
		$dom  = new \DOMDocument();
		libxml_use_internal_errors(true);
		$dom->loadHTML('<?xml encoding="utf-8"?><body>' . $html . '</body>');
		libxml_clear_errors();
		$texts = [];
		foreach ((new \DOMXPath($dom))->query('//td|//p|//li|//pre|//span[@class="wu-rc-oneline"]') as $node) {
			$text = trim((string) preg_replace('/\s+/', ' ', $node->textContent));
			if ($text !== '') {
				$texts[] = $text;
			}
		}
		$this->assertNotEmpty($texts, 'The page rendered nothing');
		return $texts;
	}
}
