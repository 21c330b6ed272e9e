<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * Retries, timeouts, broken answers and redirects, driven by simulator faults.
 */
final class TransportTest extends SimTestCase
{
    private const LIST = '/api/*/servers/*/webapps/*/domains';

    /** @return array<string, array{0: int}> */
    public static function serverErrors(): array
    {
        return ['500' => [500], '502' => [502], '503' => [503], '504' => [504]];
    }

    /** @dataProvider serverErrors */
    public function test_a_5xx_is_retried_then_succeeds(int $status): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'status', 'status' => $status, 'times' => 2]);
        $list = wu_runcloud_list_domains($this->v3());
        $this->assertSame('network.test', $list[0]['name']);
        $this->assertSame([$status, $status, 200], array_column($this->sim->requests(), 'status'), 'two failures, then the retry that succeeds');
    }

    public function test_a_429_with_retry_after_is_retried_after_the_wait(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'rate_limit', 'retry_after' => 1, 'times' => 1]);
        $t = microtime(true);
        wu_runcloud_list_domains($this->v2());
        $took = microtime(true) - $t;
        $this->assertSame([429, 200], array_column($this->sim->requests(), 'status'));
        $this->assertGreaterThanOrEqual(0.95, $took, 'Retry-After: 1 is honoured');
        $this->assertLessThan(3.0, $took);
    }

    public function test_a_429_without_retry_after_backs_off_then_succeeds(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'rate_limit', 'times' => 1]);
        $t = microtime(true);
        wu_runcloud_list_domains($this->v3());
        $this->assertSame([429, 200], array_column($this->sim->requests(), 'status'));
        $this->assertGreaterThanOrEqual(0.45, microtime(true) - $t, 'exponential backoff starts around 1 s (jittered 0.5–1 s)');
    }

    public function test_retries_exhausted_on_5xx_throw_transport_with_the_status_code(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'status', 'status' => 503]);
        $this->assertThrows('WuRunCloud\TransportException', 503, ['HTTP 503', 'after 3 retries', 'non-JSON body'], fn () => wu_runcloud_list_domains($this->v3()));
        $this->assertCount(4, $this->sim->requests(), 'the first attempt and 3 retries (wu_runcloud.retries)');
    }

    public function test_the_retries_option_overrides_the_ini_default(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'status', 'status' => 502]);
        $this->assertThrows('WuRunCloud\TransportException', 502, ['after 1 retry'], fn () => wu_runcloud_list_domains($this->v3(['retries' => 1])));
        $this->assertCount(2, $this->sim->requests());
    }

    public function test_retries_exhausted_on_429_throw_rate_limit(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'rate_limit', 'retry_after' => 0]);
        $this->assertThrows('WuRunCloud\RateLimitException', 429, ['HTTP 429', 'Too Many Attempts'], fn () => wu_runcloud_list_domains($this->v3()));
        $this->assertCount(4, $this->sim->requests());
    }

    public function test_a_retry_after_longer_than_the_time_budget_is_not_waited_for(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'rate_limit', 'retry_after' => 30]);
        $t = microtime(true);
        $this->assertThrows('WuRunCloud\RateLimitException', 429, ['HTTP 429'], fn () => wu_runcloud_list_domains($this->v3(['timeout' => 2])));
        $this->assertLessThan(1.0, microtime(true) - $t, 'a 30 s Retry-After does not fit a 2 s budget: give up at once');
    }

    /** @return array<string, array{0: int}> */
    public static function clientErrors(): array
    {
        return ['400' => [400], '405' => [405], '409' => [409]];
    }

    /** @dataProvider clientErrors */
    public function test_other_4xx_are_never_retried(int $status): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'status', 'status' => $status]);
        $this->assertThrows('WuRunCloud\RunCloudException', $status, ["HTTP $status"], fn () => wu_runcloud_list_domains($this->v3()));
        $this->assertCount(1, $this->sim->requests());
    }

    public function test_a_hang_hits_the_timeout_and_throws_transport_with_code_0(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'hang', 'ms' => 20000]);
        $t = microtime(true);
        $this->assertThrows('WuRunCloud\TransportException', 0, ['timed out'], fn () => wu_runcloud_list_domains($this->v3(['timeout' => 1])));
        $took = microtime(true) - $t;
        $this->assertGreaterThanOrEqual(0.9, $took);
        $this->assertLessThan(2.5, $took, 'the whole call, retries included, stays within the 1 s budget (plus slack)');
    }

    public function test_a_connection_reset_is_retried(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'reset', 'times' => 1]);
        $this->assertSame('network.test', wu_runcloud_list_domains($this->v3())[0]['name']);
        $this->assertSame(2, $this->sim->counters()['requests']);
    }

    public function test_connection_resets_every_time_throw_transport(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'reset']);
        $this->assertThrows('WuRunCloud\TransportException', 0, ['RunCloud', 'after 3 retries'], fn () => wu_runcloud_list_domains($this->v3()));
    }

    public function test_a_refused_connection_throws_transport_naming_the_host(): void
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $addr = stream_socket_get_name($sock, false);
        fclose($sock); // the port is now closed
        $this->assertThrows('WuRunCloud\TransportException', 0, ['could not connect', "http://$addr"], fn () => wu_runcloud_list_domains($this->v3(['base_url' => "http://$addr", 'retries' => 1])));
    }

    /** @return array<string, array{0: string}> */
    public static function brokenBodies(): array
    {
        return ['malformed JSON' => ['malformed_json'], 'truncated JSON' => ['truncated_json'], 'HTML with 200' => ['wrong_content_type']];
    }

    /** @dataProvider brokenBodies */
    public function test_an_undecodable_body_throws_transport_with_code_0_and_is_not_retried(string $kind): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => $kind]);
        $e = $this->assertThrows('WuRunCloud\TransportException', 0, ['could not be decoded as JSON'], fn () => wu_runcloud_list_domains($this->v3()));
        $this->assertStringNotContainsString('<html', $e->getMessage(), 'bodies are described, never copied');
        $this->assertStringNotContainsString('<b>Warning', $e->getMessage());
        $this->assertCount(1, $this->sim->requests());
    }

    public function test_a_redirect_is_an_error_naming_it_and_is_not_followed(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'redirect']);
        $this->assertThrows('WuRunCloud\RunCloudException', 302, ['redirect', 'HTTP 302', 'manage.runcloud.io/login', 'not followed'], fn () => wu_runcloud_list_domains($this->v3()));
        $this->assertCount(1, $this->sim->requests(), 'the redirect was not followed');
    }

    public function test_the_client_always_sends_accept_json_so_a_strict_server_does_not_redirect(): void
    {
        $this->sim->config(['require_accept_json' => true]);
        $this->assertNotEmpty(wu_runcloud_list_domains($this->v3()));
    }

    public function test_latency_below_the_timeout_is_fine(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => self::LIST, 'kind' => 'latency', 'ms' => 300, 'times' => 1]);
        $this->assertNotEmpty(wu_runcloud_list_domains($this->v3(['timeout' => 2])));
        $this->assertCount(1, $this->sim->requests());
    }
}
