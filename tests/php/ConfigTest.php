<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * The configuration array and domain names are checked before any request.
 */
final class ConfigTest extends SimTestCase
{
    /** @return array<string, array{0: array, 1: string}> */
    public static function badConfigs(): array
    {
        $base = ['server_id' => 11667, 'app_id' => 940288, 'base_url' => 'http://127.0.0.1:9'];
        return [
            'no credentials' => [$base, 'no RunCloud credentials'],
            'key without secret' => [$base + ['api_key' => 'k'], 'api_secret'],
            'secret without key' => [$base + ['api_secret' => 's'], 'api_key'],
            'non-numeric server id' => [['server_id' => 'web-01'] + $base + ['api_token' => 't'], 'server_id'],
            'non-numeric app id' => [['app_id' => '94x'] + $base + ['api_token' => 't'], 'app_id'],
            'missing app id' => [['api_token' => 't', 'server_id' => 1], 'app_id is missing'],
            'zero server id' => [['server_id' => 0] + $base + ['api_token' => 't'], 'server_id'],
            'plain http to a public host' => [['base_url' => 'http://manage.runcloud.io'] + $base + ['api_token' => 't'], 'plain http'],
            'unreadable ca_file' => [$base + ['api_token' => 't', 'ca_file' => '/nonexistent/ca.pem'], 'ca_file'],
            'zero timeout' => [$base + ['api_token' => 't', 'timeout' => 0], 'timeout'],
            'too many retries' => [$base + ['api_token' => 't', 'retries' => 50], 'retries'],
        ];
    }

    /** @dataProvider badConfigs */
    public function test_a_bad_configuration_throws_invalid_argument_before_any_request(array $config, string $fragment): void
    {
        // base_url points at the simulator so that a request, if one were made, would be logged.
        $config['base_url'] = str_starts_with((string) ($config['base_url'] ?? ''), 'http://manage') ? $config['base_url'] : SIM_HTTP_URL;
        foreach (['wu_runcloud_test_connection', 'wu_runcloud_list_domains', 'wu_runcloud_redeploy_ssl'] as $fn) {
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => $fn($config));
        }
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => wu_runcloud_add_domain($config, 'a.test'));
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => wu_runcloud_sync($config, ['a.test']));
        $this->assertNoRequest('the configuration is invalid');
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function badDomains(): array
    {
        return [
            'scheme' => ['https://shop.example.com', 'URL scheme'],
            'path' => ['shop.example.com/wp-admin', 'path'],
            'port' => ['shop.example.com:8080', 'port'],
            'space' => ['shop example.com', 'whitespace'],
            'wildcard' => ['*.example.com', 'wildcard'],
            'empty label' => ['shop..example.com', 'empty label'],
            'empty' => ['   ', 'empty'],
            'single label' => ['localhost', 'single-label'],
            'label too long' => [str_repeat('a', 64) . '.com', 'longer than 63'],
            'name too long' => [implode('.', array_fill(0, 5, str_repeat('a', 60))) . '.com', '253'],
            'control character' => ["shop\x07.example.com", 'control character'],
        ];
    }

    /** @dataProvider badDomains */
    public function test_an_invalid_domain_name_is_rejected_naming_the_problem_before_any_request(string $domain, string $fragment): void
    {
        $e = $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['invalid domain name', $fragment], fn () => wu_runcloud_add_domain($this->v3(), $domain));
        $this->assertStringNotContainsString("\x07", $e->getMessage(), 'control characters are escaped in messages');
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => wu_runcloud_find_domain($this->v3(), $domain));
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => wu_runcloud_remove_domain($this->v3(), $domain));
        $this->assertNoRequest('the domain name is invalid');
    }

    public function test_names_are_trimmed_lowercased_stripped_of_the_trailing_dot_and_converted_to_punycode(): void
    {
        $r = wu_runcloud_add_domain($this->v3(), "  Shop.Example.COM. ", ['redeploy_ssl' => false]);
        $this->assertSame('shop.example.com', $r['name']);
        $r = wu_runcloud_add_domain($this->v3(), 'Bücher.example', ['redeploy_ssl' => false]);
        $this->assertSame('xn--bcher-kva.example', $r['name'], 'IDN names are sent to RunCloud in punycode');
        $this->assertContains('xn--bcher-kva.example', $this->sim->domainNames());
        $this->assertNotNull(wu_runcloud_find_domain($this->v3(), 'BÜCHER.example'), 'find accepts the Unicode form');
    }

    public function test_a_bad_option_is_rejected_before_any_request(): void
    {
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['redirection'], fn () => wu_runcloud_add_domain($this->v3(), 'a.test', ['redirection' => 'sideways']));
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['www'], fn () => wu_runcloud_add_domain($this->v3(), 'a.test', ['www' => 'yes']));
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['prune'], fn () => wu_runcloud_sync($this->v3(), ['a.test'], ['prune' => 'a.test']));
        $this->assertNoRequest('the options are invalid');
    }

    public function test_a_token_wins_over_key_and_secret(): void
    {
        $r = wu_runcloud_test_connection($this->v3(['api_key' => 'sim-key', 'api_secret' => 'sim-secret']));
        $this->assertSame('v3', $r['api']);
        $this->assertSame('bearer', $this->sim->requests()[0]['auth']);
        $this->assertStringStartsWith('/api/v3/', $this->sim->requests()[0]['path']);
    }

    public function test_a_base_url_with_trailing_slash_or_api_suffix_is_normalised(): void
    {
        wu_runcloud_list_domains($this->v3(['base_url' => SIM_HTTP_URL . '/']));
        wu_runcloud_list_domains($this->v3(['base_url' => SIM_HTTP_URL . '/api/v3']));
        foreach ($this->sim->requests() as $r) {
            $this->assertSame('/api/v3/servers/11667/webapps/940288/domains', $r['path']);
        }
    }

    /** How the WordPress plugin names the settings: its wp-config constants. */
    private const NAMES = [
        'api_token' => 'WU_RUNCLOUD_API_TOKEN', 'api_key' => 'WU_RUNCLOUD_API_KEY', 'api_secret' => 'WU_RUNCLOUD_API_SECRET',
        'server_id' => 'WU_RUNCLOUD_SERVER_ID', 'app_id' => 'WU_RUNCLOUD_APP_ID', 'base_url' => 'WU_RUNCLOUD_API_URL',
        'ca_file' => 'WU_RUNCLOUD_CA_FILE', 'timeout' => 'timeout (filter wu_runcloud_client_options)',
    ];

    public function test_setting_names_make_every_message_name_the_setting_the_way_the_caller_knows_it(): void
    {
        $named = fn (array $overrides, string $mode = 'v3') => $this->cfg($mode, $overrides + ['setting_names' => self::NAMES]);
        $cases = [
            'bad server id' => [fn () => wu_runcloud_list_domains($named(['server_id' => 'web-01'])), 'WU_RUNCLOUD_SERVER_ID must be a positive integer', 'server_id'],
            'bad ca file' => [fn () => wu_runcloud_list_domains($named(['ca_file' => '/nonexistent/ca.pem'])), 'WU_RUNCLOUD_CA_FILE "/nonexistent/ca.pem" cannot be read', 'ca_file'],
            'wrong app' => [fn () => wu_runcloud_test_connection($named(['app_id' => 999])), 'check WU_RUNCLOUD_APP_ID, the number after /apps/', 'app_id'],
            'wrong token' => [fn () => wu_runcloud_test_connection($named(['api_token' => 'not-the-token'])), 'RunCloud rejected the v3 API token (WU_RUNCLOUD_API_TOKEN) with HTTP 401', 'api_token'],
            'wrong key pair' => [fn () => wu_runcloud_test_connection($named(['api_secret' => 'not-the-secret'], 'v2')), 'the v2 API key and secret (WU_RUNCLOUD_API_KEY/WU_RUNCLOUD_API_SECRET)', 'api_key'],
        ];
        foreach ($cases as $case => [$call, $said, $key]) {
            try {
                $call();
                $this->fail("$case: expected an exception");
            } catch (\WuRunCloud\RunCloudException $e) {
                $this->assertStringContainsString($said, $e->getMessage(), $case);
                $this->assertStringNotContainsString($key, $e->getMessage(), "$case: the setting is named by the caller's name only");
                $this->assertLessThanOrEqual(1, substr_count($e->getMessage(), 'check '), "$case: one hint, once: " . $e->getMessage());
            }
        }
        $this->assertSame('v3', wu_runcloud_test_connection($named([]))['api'], 'names change no behaviour');
    }

    public function test_a_bad_setting_name_is_refused_before_any_request_without_being_shown(): void
    {
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['setting_names.server_id must be 1 to 100 letters'], fn () => wu_runcloud_list_domains($this->v3(['setting_names' => ['server_id' => "<b>\nX"]])));
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['setting_names must be an array'], fn () => wu_runcloud_list_domains($this->v3(['setting_names' => 'WU_RUNCLOUD_SERVER_ID'])));
        $this->assertNoRequest('the configuration is invalid');
        $e = $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['[redacted] must be a positive integer'], fn () => wu_runcloud_list_domains($this->v3(['server_id' => 'x', 'setting_names' => ['server_id' => self::TOKEN]])));
        $this->assertStringNotContainsString(self::TOKEN, $e->getMessage(), 'a credential given as a name is never shown');
    }

    /**
     * The binding keeps the last configuration it parsed in a request and reuses it for an
     * equal array: every difference, however small or deep, must still be seen.
     */
    public function test_each_call_is_made_with_its_own_configuration_even_after_an_equal_one(): void
    {
        $base = $this->v3(['setting_names' => ['app_id' => 'WU_RUNCLOUD_APP_ID', 'server_id' => 'WU_RUNCLOUD_SERVER_ID']]);
        $this->assertCount(1, wu_runcloud_list_domains($base), 'the app has its primary domain');
        $this->assertCount(1, wu_runcloud_list_domains($base), 'the same array again');

        $variants = [
            'another app id' => [['app_id' => 940999] + $base, 'WuRunCloud\NotFoundException', ['940999', 'WU_RUNCLOUD_APP_ID']],
            'the app id as a string of another number' => [['app_id' => '940999'] + $base, 'WuRunCloud\NotFoundException', ['940999']],
            'another token' => [['api_token' => 'not-the-token'] + $base, 'WuRunCloud\AuthenticationException', ['token']],
            'a setting renamed, deep in setting_names' => [['app_id' => 940999, 'setting_names' => ['app_id' => 'MY_APP', 'server_id' => 'WU_RUNCLOUD_SERVER_ID']] + $base, 'WuRunCloud\NotFoundException', ['MY_APP']],
            'setting_names in another order' => [['app_id' => 940999, 'setting_names' => ['server_id' => 'WU_RUNCLOUD_SERVER_ID', 'app_id' => 'WU_RUNCLOUD_APP_ID']] + $base, 'WuRunCloud\NotFoundException', ['WU_RUNCLOUD_APP_ID']],
            'one key more' => [$base + ['retries' => 50], 'WuRunCloud\InvalidArgumentException', ['retries']],
            'one key less' => [array_diff_key($base, ['app_id' => 1]), 'WuRunCloud\InvalidArgumentException', ['WU_RUNCLOUD_APP_ID is missing']],
            'a reference to another value' => [(static function (array $c): array { $x = 940999; $c['app_id'] = &$x; return $c; })($base), 'WuRunCloud\NotFoundException', ['940999']],
        ];
        foreach ($variants as $case => [$config, $class, $fragments]) {
            $this->assertCount(1, wu_runcloud_list_domains($base), "$case: the good configuration, just before");
            $this->assertThrows($class, $class === 'WuRunCloud\InvalidArgumentException' ? 0 : ($class === 'WuRunCloud\NotFoundException' ? 404 : 401), $fragments, fn () => wu_runcloud_list_domains($config));
            $this->assertCount(1, wu_runcloud_list_domains($base), "$case: and the good one again, just after");
        }

        // The INI defaults a configuration was parsed with are part of what is compared.
        $old = ini_set('wu_runcloud.retries', '0');
        try {
            $this->sim->fault(['method' => 'GET', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
            $this->sim->call('DELETE', 'requests');
            $this->assertThrows('WuRunCloud\TransportException', 503, ['503'], fn () => wu_runcloud_list_domains($base));
            $this->assertCount(1, $this->sim->requests(), 'wu_runcloud.retries=0, set after the array was parsed, applies: no retry');
        } finally {
            ini_set('wu_runcloud.retries', (string) $old);
        }
    }
}

