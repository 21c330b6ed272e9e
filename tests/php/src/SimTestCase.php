<?php
/**
 * Base class: a reset simulator per test, configuration builders and assertion helpers.
 */

declare(strict_types=1);

namespace WuRunCloud\Tests;

use PHPUnit\Framework\TestCase;
use WuRunCloud\Harness\Sim;

abstract class SimTestCase extends TestCase
{
    public const TOKEN = 'sim-token';
    public const KEY = 'sim-key';
    public const SECRET = 'sim-secret';
    public const SERVER = 11667;
    public const APP = 940288;

    protected Sim $sim;

    protected function setUp(): void
    {
        $this->sim = new Sim(SIM_HTTP_URL);
        $this->sim->reset();
    }

    /** A v3 (token) configuration pointing at the HTTP simulator, with short test timeouts. */
    protected function v3(array $overrides = []): array
    {
        return array_merge([
            'api_token' => self::TOKEN,
            'server_id' => self::SERVER,
            'app_id' => self::APP,
            'base_url' => SIM_HTTP_URL,
            'timeout' => 5,
            'connect_timeout' => 2,
            // A worker reuses the certificate's route once ssl_timeout has passed since its
            // last order: far beyond this suite, so each test sees its own simulator state.
            'ssl_timeout' => 600,
        ], $overrides);
    }

    /** A legacy v2 (key + secret) configuration; ids as numeric strings like wp-config constants. */
    protected function v2(array $overrides = []): array
    {
        return array_merge([
            'api_key' => self::KEY,
            'api_secret' => self::SECRET,
            'server_id' => (string) self::SERVER,
            'app_id' => (string) self::APP,
            'base_url' => SIM_HTTP_URL,
            'timeout' => 5,
            'connect_timeout' => 2,
            // A worker reuses the certificate's route once ssl_timeout has passed since its
            // last order: far beyond this suite, so each test sees its own simulator state.
            'ssl_timeout' => 600,
        ], $overrides);
    }

    /** @return array<string, array{0: string}> both auth modes, for data providers */
    public static function authModes(): array
    {
        return ['v3 token' => ['v3'], 'v2 key+secret' => ['v2']];
    }

    protected function cfg(string $mode, array $overrides = []): array
    {
        return $mode === 'v3' ? $this->v3($overrides) : $this->v2($overrides);
    }

    /**
     * Runs $fn, asserts it throws exactly $class with $code, and that the message contains
     * every fragment. Returns the exception for further checks.
     */
    protected function assertThrows(string $class, int $code, array $fragments, callable $fn): \Throwable
    {
        try {
            $fn();
        } catch (\Throwable $e) {
            $this->assertSame(
                $class,
                get_class($e),
                "expected $class, got " . get_class($e) . ' with message: ' . $e->getMessage()
            );
            $this->assertSame($code, $e->getCode(), "expected code $code for: " . $e->getMessage());
            foreach ($fragments as $f) {
                $this->assertStringContainsString($f, $e->getMessage(), "the message should contain '$f'");
            }
            return $e;
        }
        $this->fail("expected $class (code $code) to be thrown, but nothing was thrown");
    }

    /** Asserts the simulator received no API request at all. */
    protected function assertNoRequest(string $why): void
    {
        $this->assertSame([], $this->sim->requestLines(), "no request should reach RunCloud: $why");
    }

    /** @return list<string> request lines whose method is not GET */
    protected function writeRequests(): array
    {
        return array_values(array_filter($this->sim->requestLines(), static fn (string $l): bool => !str_starts_with($l, 'GET ')));
    }

    /** A state with a second app on the same server, and per-app SSL modes. */
    protected function stateWith(array $networkApp = [], array $extraApps = []): array
    {
        return [
            'servers' => [
                [
                    'id' => self::SERVER, 'name' => 'web-01', 'ipAddress' => '127.0.0.1',
                    'webapps' => array_merge([
                        array_merge(['id' => self::APP, 'name' => 'network', 'primary_domain' => 'network.test', 'ssl' => 'basic'], $networkApp),
                    ], $extraApps),
                ],
            ],
        ];
    }
}
