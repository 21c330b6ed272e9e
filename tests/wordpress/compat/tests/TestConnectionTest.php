<?php
/**
 * The wizard's Test Connection, through Ultimate Multisite's own handler as the wizard's
 * script calls it (admin-ajax `wu_test_hosting_integration`, Domain_Manager::test_integration:
 * the registry's integration first, else the legacy provider), against the simulator.
 */

namespace WU_RunCloud\Tests\Compat;

final class TestConnectionTest extends CompatTestCase {

	private function test_connection(): array {
		$json = $this->ajax('wu_test_hosting_integration', ['integration' => 'runcloud'], 1);
		$this->assertIsArray($json, 'Domain_Manager::test_integration answered with JSON');
		return $json;
	}

	public function test_it_succeeds_with_working_credentials_and_names_what_is_missing_without(): void {
		$json = $this->test_connection();
		if (self::credentials() === 'none') {
			$this->assertFalse($json['success']);
			$this->assertStringContainsString('WU_RUNCLOUD_API_TOKEN', $json['data']['message']);
			$this->assertSame([], $this->api_requests(), 'Nothing is asked of RunCloud without credentials');
			return;
		}
		$this->assertTrue($json['success'], 'Test Connection: ' . json_encode($json));
		if (self::has_registry()) {
			$this->assertSame('Access Authorized', $json['data']['message'], "UM's own wording for a registry integration's success");
		} else {
			$this->assertStringContainsString('web-01', $json['data']['message'], 'Our provider answers itself, naming the server');
		}
		$requests = $this->api_requests();
		$this->assertNotEmpty($requests, 'It really asked RunCloud');
		foreach ($requests as $r) {
			$this->assertStringStartsWith('wu-runcloud/', $r['user_agent'], 'Asked by our extension: ' . $r['method'] . ' ' . $r['path']);
			$this->assertSame(self::credentials() === 'token' ? 'bearer' : 'basic', $r['auth']);
		}
		$this->assertSame([], $this->wordpress_http_to_runcloud(), "Core's test_connection never ran");
	}

	/** @group credentials */
	public function test_a_refused_credential_returns_our_specific_message(): void {
		// RunCloud revoked the token (or key): the constants still hold the old values.
		$this->sim()->reset(['tokens' => ['a-newer-token'], 'basic' => [['key' => 'another-key', 'secret' => 'another-secret']]]);
		$json = $this->test_connection();
		$this->assertFalse($json['success']);
		$credential = self::credentials() === 'token' ? 'the v3 API token (WU_RUNCLOUD_API_TOKEN)' : 'the v2 API key and secret (WU_RUNCLOUD_API_KEY/WU_RUNCLOUD_API_SECRET)';
		$this->assertStringStartsWith("RunCloud rejected {$credential} with HTTP 401", $json['data']['message'], 'The extension\'s message, naming the constants to check');
		$this->assertStringContainsString('Invalid credentials.', $json['data']['message'], "RunCloud's own words are kept");
		$this->assertStringNotContainsString('sim-', $json['data']['message'], 'No secret in the message');
	}
}
