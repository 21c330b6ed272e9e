<?php

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

/**
 * Hostile and malformed input: every bad domain name, configuration value, option and PHP
 * argument gets a clear InvalidArgumentException (naming the problem) or a TypeError, and
 * no request reaches RunCloud. Valid edge cases (IDN, 63-character labels, 253-character
 * names) go through, in the form RunCloud must receive.
 */
final class BadInputTest extends HardeningTestCase
{
    private const INVALID = 'WuRunCloud\InvalidArgumentException';

    /** @return array<string, array{0: string, 1: string}> domain => fragment of the reason */
    public static function badDomains(): array
    {
        $label62 = str_repeat('a', 62);
        return [
            'empty' => ['', 'it is empty'],
            'only spaces' => ['   ', 'it is empty'],
            'a lone dot' => ['.', 'empty label'],
            'inner space' => ['shop example.com', 'whitespace'],
            'tab inside' => ["shop\texample.com", 'control character U+0009'],
            'https scheme' => ['https://shop.example.com', 'URL scheme'],
            'scheme-relative' => ['//shop.example.com', 'slash'],
            'path' => ['shop.example.com/wp-admin', 'path'],
            'port' => ['shop.example.com:8443', 'port'],
            'leading wildcard' => ['*.example.com', 'wildcards'],
            'inner wildcard' => ['shop.*.com', 'wildcards'],
            '64-character label' => [str_repeat('a', 64) . '.example.com', 'longer than 63'],
            '254-character name' => ["$label62.$label62.$label62.$label62.abc", 'longer than 253'],
            'a megabyte of x' => [str_repeat('x', 1 << 20), 'longer than'],
            'NUL byte' => ["shop\0.example.com", 'control character U+0000'],
            'newline (log injection)' => ["shop.example.com\nFAKE LOG LINE", 'control character U+000A'],
            'escape sequence' => ["shop\e[31m.example.com", 'control character U+001B'],
            'DEL' => ["shop\x7f.example.com", 'control character U+007F'],
            '../ escape' => ['../../servers/11668', 'slash'],
            'dot-dot only' => ['..', 'empty label'],
            'path traversal after a name' => ['shop.example.com/../../11668', 'slash'],
            'percent-encoded dots' => ['%2e%2e.example.com', 'percent'],
            'percent-encoded slash' => ['shop%2Fexample.com', 'percent'],
            'backslash' => ['shop\\example.com', 'slash'],
            'query string' => ['shop.example.com?x=1', 'query string'],
            'fragment' => ['shop.example.com#top', 'fragment'],
            'user info' => ['admin@shop.example.com', 'user information'],
            'IPv6 literal' => ['[::1]', 'IPv6'],
            'IPv4 address' => ['127.0.0.1', 'IP address'],
            'single label' => ['localhost', 'single-label'],
            'leading hyphen' => ['-shop.example.com', 'hyphen'],
            'trailing hyphen' => ['shop-.example.com', 'hyphen'],
            'underscore' => ['shop_1.example.com', 'not allowed'],
            'two trailing dots' => ['shop.example.com..', 'empty label'],
            'invalid punycode' => ['xn--zz.example.com', 'UTS #46'],
            'empty punycode' => ['xn--.example.com', 'hyphen'],
            'right-to-left override' => ["\u{202E}moc.elpmaxe", 'UTS #46'],
            'all-digit top-level label' => ['shop.123', 'all digits'],
        ];
    }

    /** @dataProvider badDomains */
    public function test_a_bad_domain_name_is_refused_by_every_function_before_any_request(string $domain, string $fragment): void
    {
        foreach (['v3', 'v2'] as $api) {
            $c = $this->cfg($api);
            foreach ([
                'add_domain' => fn () => wu_runcloud_add_domain($c, $domain),
                'find_domain' => fn () => wu_runcloud_find_domain($c, $domain),
                'remove_domain' => fn () => wu_runcloud_remove_domain($c, $domain),
                'remove_domain with id' => fn () => wu_runcloud_remove_domain($c, $domain, 5),
            ] as $fn => $call) {
                [$e] = $this->attempt("bad domain / $fn", $call);
                $this->assertNotNull($e, "$fn should refuse " . json_encode(substr($domain, 0, 80)));
                $this->assertSame(self::INVALID, get_class($e), "$fn: " . $e->getMessage());
                $this->assertStringContainsString('invalid domain name', $e->getMessage());
                $this->assertStringContainsString($fragment, $e->getMessage(), "$fn: the message should name the problem");
                $this->assertLessThan(400, strlen($e->getMessage()), 'the message quotes a bounded excerpt of the input');
                $this->assertDoesNotMatchRegularExpression('/[\x00-\x08\x0a-\x1f\x7f]/', $e->getMessage(), 'control characters are escaped, so a log line stays one line');
            }
        }
        $this->assertNoRequest('the domain name is invalid');
    }

    public function test_sync_reports_a_bad_name_as_failed_and_never_sends_it(): void
    {
        $r = wu_runcloud_sync($this->v3(), ['good.example.com', 'https://bad.example.com', '../../servers/11668', "evil\n.example.com"]);
        $this->assertSame(['good.example.com'], $r['added']);
        $this->assertCount(3, $r['failed'], 'each bad name is reported: ' . json_encode($r['failed']));
        foreach ($r['failed'] as $name => $message) {
            $this->assertStringContainsString('invalid domain name', $message, "the reason for $name");
        }
        foreach ($this->sim->requests() as $req) {
            $this->assertStringNotContainsString('bad.example', json_encode($req['body']) . $req['path'], 'a bad name never reaches RunCloud');
            $this->assertStringNotContainsString('11668', $req['path'], 'a ../ name never changes the URL path');
        }
    }

    /** @return array<string, array{0: string, 1: string}> input => what RunCloud receives */
    public static function edgeNamesThatAreValid(): array
    {
        $label63 = str_repeat('b', 63);
        $name253 = str_repeat('c', 63) . '.' . str_repeat('d', 63) . '.' . str_repeat('e', 63) . '.' . str_repeat('f', 57) . '.com';
        return [
            'Unicode (IDN)' => ['bücher.example.com', 'xn--bcher-kva.example.com'],
            'punycode as given' => ['xn--bcher-kva.example.com', 'xn--bcher-kva.example.com'],
            'upper-case Unicode with trailing dot' => ['BÜCHER.Example.COM.', 'xn--bcher-kva.example.com'],
            'Cyrillic' => ['пример.example.com', 'xn--e1afmkfd.example.com'],
            'a 63-character label' => ["$label63.example.com", "$label63.example.com"],
            'a 253-character name' => [$name253, $name253],
            'surrounding whitespace' => ["\t shop.example.com \n", 'shop.example.com'],
        ];
    }

    /** @dataProvider edgeNamesThatAreValid */
    public function test_a_valid_edge_case_name_reaches_runcloud_in_ascii_form(string $input, string $sent): void
    {
        $this->assertSame(253, strlen($this->edgeNamesThatAreValid()['a 253-character name'][1]), 'the fixture is exactly 253 characters');
        $r = wu_runcloud_add_domain($this->v2(), $input, ['redeploy_ssl' => false]);
        $this->assertSame($sent, $r['name']);
        $this->assertContains($sent, $this->sim->domainNames());
        $this->assertSame('/api/v2/servers/11667/webapps/940288/domains', $this->sim->requests()[0]['path'], 'the name travels in the body, never in the path');
    }

    /** @return array<string, array{0: array, 1: string}> config overrides => fragment */
    public static function badConfigs(): array
    {
        return [
            'token as int' => [['api_token' => 12345], 'api_token must be a string'],
            'token as array' => [['api_token' => ['x']], 'api_token must be a string'],
            'token as bool' => [['api_token' => true], 'api_token must be a string'],
            'empty token and no key' => [['api_token' => ''], 'no RunCloud credentials'],
            'negative server id' => [['server_id' => -5], 'server_id must be a positive integer'],
            'negative server id string' => [['server_id' => '-5'], 'server_id must be a positive integer'],
            'zero app id' => [['app_id' => 0], 'app_id'],
            'float server id' => [['server_id' => 1.5], 'server_id'],
            'server id beyond 64 bits' => [['server_id' => '99999999999999999999'], 'server_id'],
            'exponent server id' => [['server_id' => '1e3'], 'server_id'],
            'hex server id' => [['server_id' => '0x10'], 'server_id'],
            'array app id' => [['app_id' => [940288]], 'app_id'],
            'bool server id' => [['server_id' => true], 'server_id'],
            'missing app id' => [['app_id' => null], 'app_id is missing'],
            'base_url as int' => [['base_url' => 80], 'base_url must be a string'],
            'ftp base_url' => [['base_url' => 'ftp://127.0.0.1'], 'unsupported scheme'],
            'plain http to a private address' => [['base_url' => 'http://10.0.0.1'], 'plain http'],
            'plain http to a public name' => [['base_url' => 'http://manage.runcloud.io'], 'plain http'],
            'plain http to localhost.evil.com' => [['base_url' => 'http://localhost.evil.com'], 'plain http'],
            'plain http to 127.0.0.1.nip.io' => [['base_url' => 'http://127.0.0.1.nip.io'], 'plain http'],
            'plain http with 127.0.0.1 as user info' => [['base_url' => 'http://127.0.0.1@evil.example'], 'plain http'],
            'plain http to 0.0.0.0' => [['base_url' => 'http://0.0.0.0:9'], 'plain http'],
            'base_url without scheme' => [['base_url' => '127.0.0.1:9'], 'not a valid URL'],
            'base_url with a query' => [['base_url' => 'https://manage.runcloud.io/?x=1'], 'query'],
            'negative timeout' => [['timeout' => -1], 'timeout'],
            'NaN timeout' => [['timeout' => NAN], 'timeout'],
            'infinite timeout' => [['timeout' => INF], 'timeout'],
            'huge timeout' => [['timeout' => 1e9], 'timeout'],
            'string timeout' => [['timeout' => 'soon'], 'timeout'],
            'zero connect_timeout' => [['connect_timeout' => 0], 'connect_timeout'],
            'negative retries' => [['retries' => -1], 'retries'],
            'fractional retries' => [['retries' => 1.5], 'retries'],
            'ca_file as array' => [['ca_file' => ['/etc/ssl']], 'ca_file must be a string'],
            'missing ca_file' => [['ca_file' => '/nonexistent/ca.pem'], 'ca_file'],
        ];
    }

    /** @dataProvider badConfigs */
    public function test_a_bad_configuration_is_refused_by_every_function_before_any_request(array $overrides, string $fragment): void
    {
        $c = array_merge($this->v3(), $overrides);
        foreach ([
            'test_connection' => fn () => wu_runcloud_test_connection($c),
            'list_domains' => fn () => wu_runcloud_list_domains($c),
            'find_domain' => fn () => wu_runcloud_find_domain($c, 'a.example.com'),
            'add_domain' => fn () => wu_runcloud_add_domain($c, 'a.example.com'),
            'remove_domain' => fn () => wu_runcloud_remove_domain($c, 'a.example.com', 7),
            'redeploy_ssl' => fn () => wu_runcloud_redeploy_ssl($c),
            'sync' => fn () => wu_runcloud_sync($c, ['a.example.com']),
        ] as $fn => $call) {
            [$e] = $this->attempt("bad config / $fn", $call);
            $this->assertNotNull($e, "$fn should refuse the configuration");
            $this->assertSame(self::INVALID, get_class($e), "$fn: " . $e->getMessage());
            $this->assertStringContainsString($fragment, $e->getMessage(), "$fn: the message should name the bad key");
        }
        $this->assertNoRequest('the configuration is invalid');
    }

    /** @return array<string, array{0: callable, 1: string, 2: string}> call => [class, fragment] */
    public static function badArguments(): array
    {
        return [
            'config as string' => [fn (array $c) => wu_runcloud_list_domains('api_token=x'), 'TypeError', 'config'],
            'config as list' => [fn (array $c) => wu_runcloud_list_domains(['x', 'y']), self::INVALID, 'must be an array with keys'],
            'domain as array' => [fn (array $c) => wu_runcloud_add_domain($c, ['a.example.com']), 'TypeError', 'domain'],
            'domain as int' => [fn (array $c) => wu_runcloud_add_domain($c, 5), 'TypeError', 'domain'],
            'domain as null' => [fn (array $c) => wu_runcloud_find_domain($c, null), 'TypeError', 'domain'],
            'domain not UTF-8' => [fn (array $c) => wu_runcloud_add_domain($c, "\xff\xfe.example.com"), 'TypeError', 'domain'],
            'options as string' => [fn (array $c) => wu_runcloud_add_domain($c, 'a.example.com', 'www'), 'TypeError', 'options'],
            'id as string' => [fn (array $c) => wu_runcloud_remove_domain($c, 'a.example.com', 'abc'), 'TypeError', 'id'],
            'id negative' => [fn (array $c) => wu_runcloud_remove_domain($c, 'a.example.com', -1), self::INVALID, 'invalid domain id -1'],
            'id zero' => [fn (array $c) => wu_runcloud_remove_domain($c, 'a.example.com', 0), self::INVALID, 'invalid domain id 0'],
            'id minimum int' => [fn (array $c) => wu_runcloud_remove_domain($c, 'a.example.com', PHP_INT_MIN), self::INVALID, 'invalid domain id'],
            'wanted as string' => [fn (array $c) => wu_runcloud_sync($c, 'a.example.com'), 'TypeError', 'wanted'],
            'wanted nested' => [fn (array $c) => wu_runcloud_sync($c, [['a.example.com']]), self::INVALID, 'wanted must be a list of domain names'],
            'option www not bool' => [fn (array $c) => wu_runcloud_add_domain($c, 'a.example.com', ['www' => 'yes']), self::INVALID, 'www'],
            'option redirection unknown' => [fn (array $c) => wu_runcloud_add_domain($c, 'a.example.com', ['redirection' => 'sideways']), self::INVALID, 'redirection'],
            'option redirection int' => [fn (array $c) => wu_runcloud_add_domain($c, 'a.example.com', ['redirection' => 1]), self::INVALID, 'redirection'],
            'option redeploy_ssl string' => [fn (array $c) => wu_runcloud_add_domain($c, 'a.example.com', ['redeploy_ssl' => 'no']), self::INVALID, 'redeploy_ssl'],
            'option prune not a list' => [fn (array $c) => wu_runcloud_sync($c, ['a.example.com'], ['prune' => 'a.example.com']), self::INVALID, 'prune'],
            'option prune of ints' => [fn (array $c) => wu_runcloud_sync($c, ['a.example.com'], ['prune' => [5]]), self::INVALID, 'prune'],
            'option dry_run string' => [fn (array $c) => wu_runcloud_sync($c, ['a.example.com'], ['dry_run' => 'yes']), self::INVALID, 'dry_run'],
            'too few arguments' => [fn (array $c) => wu_runcloud_add_domain($c), 'ArgumentCountError', 'expects at least 2 arguments'],
            'too many arguments' => [fn (array $c) => wu_runcloud_list_domains($c, 'extra'), 'ArgumentCountError', 'expects exactly 1 argument'],
        ];
    }

    /** @dataProvider badArguments */
    public function test_a_php_argument_of_the_wrong_type_or_range_is_refused_before_any_request(callable $call, string $class, string $fragment): void
    {
        [$e] = $this->attempt("bad argument / $class", fn () => $call($this->v3()));
        $this->assertNotNull($e, "expected $class");
        $this->assertSame($class, get_class($e), $e->getMessage());
        $this->assertStringContainsString($fragment, $e->getMessage());
        $this->assertNoRequest('the arguments are invalid');
    }

    public function test_a_deeply_nested_configuration_does_not_crash_php(): void
    {
        $deep = [];
        $x = &$deep;
        for ($i = 0; $i < 100000; $i++) {
            $x['n'] = [];
            $x = &$x['n'];
        }
        unset($x);
        $r = wu_runcloud_list_domains($this->v3(['unused' => $deep]));
        $this->assertSame('network.test', $r[0]['name'], 'an unknown deeply nested key is ignored, not walked into a stack overflow');
    }
}
