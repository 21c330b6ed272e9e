<?php

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

/**
 * Every simulator fault × every API function × both API generations: the call ends within
 * its time budget with the right exception class, code and a message naming the cause; once
 * the fault is cleared the same call succeeds in the same PHP process (no poisoned client).
 */
final class FaultMatrixTest extends HardeningTestCase
{
    /** @var array<string, int> tallies printed by tearDownAfterClass */
    private static array $tally = ['cases' => 0, 'recovered' => 0];

    /**
     * fault name => [simulator fault (null: set up by the transport), class, code, message
     * fragments (all required, case-insensitive; a fragment "a|b" accepts either)].
     *
     * @return array<string, array{0: ?array, 1: string, 2: int, 3: list<string>}>
     */
    private static function faults(): array
    {
        $t = 'WuRunCloud\TransportException';
        return [
            'timeout (latency above the budget)' => [['kind' => 'latency', 'ms' => 5000], $t, 0, ['timed out']],
            'hang (never answers)' => [['kind' => 'hang', 'ms' => 20000], $t, 0, ['timed out']],
            'connection reset' => [['kind' => 'reset'], $t, 0, ['lost the connection|connection closed|reset', 'after 1 retry']],
            '500 with HTML' => [['kind' => 'status', 'status' => 500], $t, 500, ['HTTP 500', 'non-JSON body', 'after 1 retry']],
            '502 with HTML' => [['kind' => 'status', 'status' => 502], $t, 502, ['HTTP 502', 'non-JSON body']],
            '503 with HTML' => [['kind' => 'status', 'status' => 503], $t, 503, ['HTTP 503', 'non-JSON body']],
            '429 with Retry-After' => [['kind' => 'rate_limit', 'retry_after' => 1], 'WuRunCloud\RateLimitException', 429, ['HTTP 429', 'Too Many Attempts']],
            '429 without Retry-After' => [['kind' => 'rate_limit'], 'WuRunCloud\RateLimitException', 429, ['HTTP 429', 'Too Many Attempts']],
            'malformed JSON' => [['kind' => 'malformed_json'], $t, 0, ['could not be decoded as JSON']],
            'truncated JSON' => [['kind' => 'truncated_json'], $t, 0, ['could not be decoded as JSON']],
            'wrong content type' => [['kind' => 'wrong_content_type'], $t, 0, ['could not be decoded as JSON', 'text/html']],
            'redirect' => [['kind' => 'redirect'], 'WuRunCloud\RunCloudException', 302, ['redirect', 'HTTP 302', 'not followed']],
            'untrusted TLS certificate' => [null, $t, 0, ['certificate|issuer', '127.0.0.1']],
            'expired TLS certificate' => [null, $t, 0, ['expired', '127.0.0.1']],
            'DNS failure of the base URL' => [null, $t, 0, ['could not connect', 'dns error|failed to lookup', 'runcloud-dns-failure.invalid']],
        ];
    }

    /** @return array<string, callable(array): mixed> */
    private static function operations(): array
    {
        return [
            'test_connection' => static fn (array $c) => wu_runcloud_test_connection($c),
            'list_domains' => static fn (array $c) => wu_runcloud_list_domains($c),
            'find_domain' => static fn (array $c) => wu_runcloud_find_domain($c, 'network.test'),
            'add_domain' => static fn (array $c) => wu_runcloud_add_domain($c, 'fault-added.example.com'),
            'remove_domain' => static fn (array $c) => wu_runcloud_remove_domain($c, 'network-extra.example.com'),
            'redeploy_ssl' => static fn (array $c) => wu_runcloud_redeploy_ssl($c),
            'sync' => static fn (array $c) => wu_runcloud_sync($c, ['fault-synced.example.com']),
        ];
    }

    /** @return array<string, array{0: string, 1: string, 2: string}> */
    public static function matrix(): array
    {
        $cases = [];
        foreach (array_keys(self::faults()) as $fault) {
            foreach (array_keys(self::operations()) as $op) {
                foreach (['v3', 'v2'] as $api) {
                    $cases["$fault / $op / $api"] = [$fault, $op, $api];
                }
            }
        }
        return $cases;
    }

    /** @dataProvider matrix */
    public function test_a_fault_ends_in_the_right_exception_within_the_budget_and_the_call_recovers_once_it_clears(string $fault, string $op, string $api): void
    {
        [$simFault, $class, $code, $fragments] = self::faults()[$fault];
        $call = self::operations()[$op];
        $config = $this->cfg($api);
        if ($fault === 'untrusted TLS certificate') {
            $config['base_url'] = H_HTTPS_URL; // no ca_file: the private CA is not trusted
        } elseif ($fault === 'expired TLS certificate') {
            $config['base_url'] = H_EXPIRED_URL;
            $config['ca_file'] = H_EXPIRED_CA; // the CA is trusted; only the leaf's dates are wrong
        } elseif ($fault === 'DNS failure of the base URL') {
            $config['base_url'] = 'https://runcloud-dns-failure.invalid';
        } else {
            $this->sim->fault(['method' => '*', 'path' => '/api/**'] + $simFault);
        }
        self::$tally['cases']++;

        if ($fault === 'DNS failure of the base URL') {
            [$e, $took] = $this->inIsolatedNetwork($op, $config, "$fault / $op / $api");
        } else {
            [$e, $took] = $this->attempt("$fault / $op / $api", fn () => $call($config));
        }
        $this->assertNotNull($e, "$op under '$fault' should throw $class, but it returned normally");
        $this->assertSame($class, get_class($e), "$op under '$fault' should throw $class, got " . get_class($e) . ': ' . $e->getMessage());
        $this->assertSame($code, $e->getCode(), "$op under '$fault': expected code $code for: " . $e->getMessage());
        foreach ($fragments as $fragment) {
            $this->assertMatchesRegularExpression(
                '/' . implode('|', array_map(static fn ($f) => preg_quote($f, '/'), explode('|', $fragment))) . '/i',
                $e->getMessage(),
                "$op under '$fault': the message should name the cause ('$fragment')"
            );
        }
        $budget = self::TIMEOUT + self::SLACK;
        $this->assertLessThanOrEqual($budget, $took, sprintf("$op under '$fault' took %.2f s; the budget is %.1f s plus %.1f s slack", $took, self::TIMEOUT, self::SLACK));

        // The fault clears: the same call, same process, now succeeds.
        if ($simFault !== null) {
            $this->sim->call('DELETE', 'faults');
        } else {
            $config = $this->cfg($api);
        }
        [$after] = $this->attempt("$fault / $op / $api (after clearing)", fn () => $call($config));
        $this->assertNull($after, "$op should succeed once '$fault' is cleared, but threw " . ($after ? get_class($after) . ': ' . $after->getMessage() : ''));
        if ($op === 'add_domain') {
            $this->assertContains('fault-added.example.com', $this->sim->domainNames(), 'the domain is in RunCloud once the fault cleared');
        }
        self::$tally['recovered']++;
    }

    /** The string arguments each operation gets after $config (as in operations()). */
    private const ARGS = [
        'find_domain' => ['network.test'], 'add_domain' => ['fault-added.example.com'],
        'remove_domain' => ['network-extra.example.com'], 'sync' => ['fault-synced.example.com'],
    ];

    /**
     * Runs the call in a child PHP inside a new network namespace (`unshare -n`, only a
     * loopback that is down): the resolver's query cannot leave the machine, so the lookup
     * of the base URL's host fails for real without any traffic.
     *
     * @return array{0: ?\Throwable, 1: float}
     */
    private function inIsolatedNetwork(string $op, array $config, string $case): array
    {
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 3) . '/target/debug/libwu_runcloud.so';
        $unshare = posix_geteuid() === 0 ? ['unshare', '-n'] : ['unshare', '-rn'];
        $cmd = array_merge($unshare, [PHP_BINARY, '-d', 'extension=' . $ext, __DIR__ . '/fixtures/call.php', $op, json_encode($config)], self::ARGS[$op] ?? []);
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $rc = proc_close($proc);
        $r = json_decode((string) strtok((string) $out, "\n"), true);
        $this->assertIsArray($r, "the isolated child ($rc) should print one JSON line; stdout: $out stderr: $err (needs util-linux unshare and root or user namespaces)");
        file_put_contents(HARDENING_ARTIFACTS . '/exceptions.log', "=== $case (child)\n" . ($r['string'] ?? '') . "\n", FILE_APPEND);
        if ($r['class'] === null) {
            return [null, $r['took']];
        }
        $class = $r['class'];
        return [new $class($r['message'], $r['code']), $r['took']];
    }

    public static function tearDownAfterClass(): void
    {
        $line = sprintf("fault matrix: %d cases tried, %d recovered after the fault cleared\n", self::$tally['cases'], self::$tally['recovered']);
        file_put_contents(HARDENING_ARTIFACTS . '/fault-matrix.txt', $line);
    }
}
