<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * wu_runcloud_check_dns and wu_runcloud_check_https against the simulator's DNS server and
 * HTTPS port: one table decides what the resolver sees and whether Let's Encrypt succeeds.
 */
final class ChecksTest extends SimTestCase
{
    private function cfgChecks(string $mode = 'v3', array $overrides = []): array
    {
        return $this->cfg($mode, array_merge($this->sim->checkConfig(), $overrides));
    }

    /** @dataProvider authModes */
    public function test_a_name_pointing_at_the_server_points_here_following_cnames(string $mode): void
    {
        $this->sim->dns([
            ['name' => 'shop.example.com', 'cname' => 'edge.example.net'],
            ['name' => 'edge.example.net', 'a' => ['127.0.0.1']],
        ]);
        $r = wu_runcloud_check_dns($this->cfgChecks($mode), 'Shop.Example.com');
        $this->assertSame(
            ['domain' => 'shop.example.com', 'status' => 'points_here', 'addresses' => ['127.0.0.1'], 'expected' => ['127.0.0.1'], 'reason' => ''],
            $r
        );
    }

    /** @return array<string, array{0: array<string, mixed>, 1: string, 2: string}> */
    public static function elsewhere(): array
    {
        return [
            'another server' => [['a' => ['198.51.100.7']], 'elsewhere', 'resolves to 198.51.100.7, which is not this server (the server is 127.0.0.1)'],
            'half here, half not' => [['a' => ['127.0.0.1'], 'aaaa' => ['2001:db8::1']], 'elsewhere', 'resolves to 2001:db8::1'],
            'cloudflare proxy' => [['a' => ['104.16.1.1', '172.67.2.2'], 'aaaa' => ['2606:4700::6810:101']], 'proxied', "Cloudflare's proxy"],
            'no such name' => [['fail' => 'nxdomain'], 'unresolved', 'does not exist in DNS (NXDOMAIN from 127.0.0.1:'],
            'servfail' => [['fail' => 'servfail'], 'unresolved', 'answered Server Failure'],
            'resolver never answers' => [['fail' => 'timeout'], 'unresolved', 'no answer from 127.0.0.1:'],
        ];
    }

    /** @dataProvider elsewhere */
    public function test_a_name_that_does_not_point_here_says_where_it_points_and_why(array $record, string $status, string $reason): void
    {
        $this->sim->dns([['name' => 'shop.example.com'] + $record]);
        $started = microtime(true);
        $r = wu_runcloud_check_dns($this->cfgChecks(), 'shop.example.com');
        $this->assertSame($status, $r['status'], $r['reason']);
        $this->assertStringContainsString($reason, $r['reason']);
        $this->assertLessThan(7, microtime(true) - $started, 'a silent resolver costs its timeout, not more');
    }

    public function test_a_resolver_that_is_down_leaves_the_name_unresolved_with_the_reason(): void
    {
        $r = wu_runcloud_check_dns($this->cfgChecks('v3', ['dns_servers' => ['127.0.0.1:9']]), 'shop.example.com');
        $this->assertSame('unresolved', $r['status']);
        $this->assertStringContainsString('127.0.0.1:9', $r['reason']);
    }

    public function test_the_servers_address_is_read_once_per_worker_and_the_dns_hint_joins_it(): void
    {
        $cfg = $this->cfgChecks('v3', ['server_id' => 11667]);
        wu_runcloud_check_dns($cfg, 'a.example.com');
        wu_runcloud_check_dns($cfg, 'b.example.com');
        $servers = array_filter($this->sim->requestLines(), static fn (string $l) => $l === 'GET /api/v3/servers/11667');
        $this->assertLessThanOrEqual(1, count($servers), 'cached per worker: ' . implode(', ', $this->sim->requestLines()));
        $added = wu_runcloud_add_domain($this->v3(), 'hinted.example.com', ['redeploy_ssl' => false]);
        $this->sim->clearRequests();
        $r = wu_runcloud_check_dns($cfg, 'hinted.example.com', $added['id']);
        $this->assertSame('points_here', $r['status']);
        $this->assertSame(['GET /api/v3/servers/11667/webapps/940288/domains/' . $added['id'] . '/dns'], $this->sim->requestLines());
    }

    public function test_https_reports_the_certificate_really_served(): void
    {
        $cfg = $this->cfgChecks();
        $r = wu_runcloud_check_https($cfg, 'network.test');
        $this->assertSame('valid', $r['status'], $r['reason']);
        $this->assertSame('runcloud-sim test CA (Let\'s Encrypt stand-in)', $r['issuer']);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', (string) $r['not_after']);
        $this->assertGreaterThan(time() + 80 * 86400, strtotime($r['not_after'] . ' UTC'));
        $this->assertSame('127.0.0.1:' . $cfg['https_port'], $r['address']);

        wu_runcloud_add_domain($this->v3(), 'fresh.example.com', ['redeploy_ssl' => false]);
        $r = wu_runcloud_check_https($cfg, 'fresh.example.com');
        $this->assertSame('name_mismatch', $r['status'], 'added, not yet issued: ' . $r['reason']);
        $this->assertStringContainsString('does not cover fresh.example.com', $r['reason']);
        wu_runcloud_redeploy_ssl($this->v3());
        $this->assertSame('valid', wu_runcloud_check_https($cfg, 'fresh.example.com')['status']);

        $this->sim->tls('fresh.example.com', 'expired');
        $this->assertSame('expired', wu_runcloud_check_https($cfg, 'fresh.example.com')['status']);
        $this->sim->tls('fresh.example.com', 'untrusted');
        $r = wu_runcloud_check_https($cfg, 'fresh.example.com');
        $this->assertSame('untrusted', $r['status']);
        $this->assertSame('Untrusted Stranger CA', $r['issuer']);
        $this->sim->tls('fresh.example.com', 'mismatch');
        $this->assertSame('name_mismatch', wu_runcloud_check_https($cfg, 'fresh.example.com')['status']);
        // Without the simulator's CA the same certificate is untrusted.
        $r = wu_runcloud_check_https(array_diff_key($cfg, ['ca_file' => 1]), 'network.test');
        $this->assertSame('untrusted', $r['status'], $r['reason']);
    }

    public function test_https_to_a_closed_port_or_an_unresolved_name_is_unreachable(): void
    {
        $r = wu_runcloud_check_https($this->cfgChecks('v3', ['https_port' => 9]), 'network.test');
        $this->assertSame('unreachable', $r['status']);
        $this->assertStringContainsString('127.0.0.1:9', $r['reason']);
        $this->sim->dns([['name' => 'gone.example.com', 'fail' => 'nxdomain']]);
        $r = wu_runcloud_check_https($this->cfgChecks(), 'gone.example.com');
        $this->assertSame(['unreachable', null, null], [$r['status'], $r['not_after'], $r['address']]);
        $this->assertStringContainsString('NXDOMAIN', $r['reason']);
    }

    /** @return array<string, array{0: array<string, mixed>, 1: string}> */
    public static function badChecks(): array
    {
        return [
            'dns_servers not a list' => [['dns_servers' => '127.0.0.1:53'], 'dns_servers must be a list'],
            'dns_servers not an address' => [['dns_servers' => ['resolver.example']], 'is not an IP address'],
            'dns_servers port 0' => [['dns_servers' => ['127.0.0.1:0']], 'is not an IP address'],
            'too many resolvers' => [['dns_servers' => array_fill(0, 9, '127.0.0.1:53')], 'at most 8'],
            'https_port 0' => [['https_port' => 0], 'https_port must be a port number'],
            'https_port too big' => [['https_port' => 70000], 'https_port must be a port number'],
            'ssl_timeout 0' => [['ssl_timeout' => 0], 'ssl_timeout must be a number of seconds'],
        ];
    }

    /** @dataProvider badChecks */
    public function test_bad_check_configuration_is_refused_before_any_request(array $bad, string $fragment): void
    {
        foreach (['wu_runcloud_check_dns', 'wu_runcloud_check_https'] as $fn) {
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => $fn($this->v3($bad), 'shop.example.com'));
        }
        $this->assertNoRequest('bad configuration');
        $this->assertSame(0, $this->sim->counters()['dns_queries']);
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function badNames(): array
    {
        return [
            'scheme' => ['https://shop.example.com', 'scheme'],
            'path' => ['shop.example.com/x', 'path'],
            'space' => ['shop example.com', 'whitespace'],
            'wildcard' => ['*.example.com', '*'],
            'empty' => ['', 'empty'],
        ];
    }

    /** @dataProvider badNames */
    public function test_bad_names_are_refused_before_any_query(string $name, string $fragment): void
    {
        foreach (['wu_runcloud_check_dns', 'wu_runcloud_check_https'] as $fn) {
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, [$fragment], fn () => $fn($this->cfgChecks(), $name));
        }
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['positive'], fn () => wu_runcloud_check_dns($this->cfgChecks(), 'shop.example.com', 0));
        $this->assertNoRequest('bad input');
        $this->assertSame(0, $this->sim->counters()['dns_queries'], 'no DNS question either');
        $this->assertSame(0, $this->sim->counters()['https_handshakes']);
    }
}
