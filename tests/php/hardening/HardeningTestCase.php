<?php
/**
 * Base of the hardening tests: the simulators accept only this run's distinctive
 * credentials, and every exception a test sees is written out in full (string form with
 * trace, var_dump) to tests/artifacts/hardening/exceptions.log for the secrets scan.
 */

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

use WuRunCloud\Harness\Sim;
use WuRunCloud\Tests\SimTestCase;

abstract class HardeningTestCase extends SimTestCase
{
    /** The budget the fault matrix gives each call (seconds) and the slack allowed on top. */
    public const TIMEOUT = 1.5;
    public const SLACK = 1.0;

    protected Sim $https;
    protected Sim $expired;

    protected function setUp(): void
    {
        $this->sim = new Sim(H_HTTP_URL);
        $this->https = new Sim(H_HTTPS_URL, H_HTTPS_CA);
        $this->expired = new Sim(H_EXPIRED_URL, null);
        $state = self::secretState();
        $this->sim->reset($state);
        $this->https->reset($state);
        // The expired simulator's control API is only reachable over its own (expired) TLS,
        // so it is used with its default state: the TLS handshake fails before any route.
    }

    /** The default simulator state, but accepting only this run's credentials. */
    public static function secretState(): array
    {
        return [
            'tokens' => [HARDENING_TOKEN],
            'basic' => [['key' => HARDENING_KEY, 'secret' => HARDENING_SECRET]],
            'v2_accepts_bearer' => false,
        ];
    }

    protected function v3(array $overrides = []): array
    {
        return array_merge([
            'api_token' => HARDENING_TOKEN,
            'server_id' => self::SERVER,
            'app_id' => self::APP,
            'base_url' => H_HTTP_URL,
            'timeout' => self::TIMEOUT,
            'connect_timeout' => 1,
            'retries' => 1,
        ], $overrides);
    }

    protected function v2(array $overrides = []): array
    {
        return array_merge([
            'api_key' => HARDENING_KEY,
            'api_secret' => HARDENING_SECRET,
            'server_id' => (string) self::SERVER,
            'app_id' => (string) self::APP,
            'base_url' => H_HTTP_URL,
            'timeout' => self::TIMEOUT,
            'connect_timeout' => 1,
            'retries' => 1,
        ], $overrides);
    }

    /**
     * Appends what PHP shows of $e (string form with trace, var_dump) to the artefact the
     * secrets scan reads; each record is capped at 64 KiB (a var_dump walks the trace's
     * objects, which can be the whole PHPUnit object graph).
     */
    protected static function record(\Throwable $e, string $case): void
    {
        ob_start();
        var_dump($e);
        $dump = (string) ob_get_clean();
        $text = "=== $case\n" . $e . "\n--- var_dump\n" . $dump;
        file_put_contents(HARDENING_ARTIFACTS . '/exceptions.log', substr($text, 0, 65536) . "\n", FILE_APPEND);
    }

    /**
     * Runs $fn, returning [the throwable or null, seconds taken]; records the throwable.
     *
     * @return array{0: ?\Throwable, 1: float}
     */
    protected function attempt(string $case, callable $fn): array
    {
        $t = microtime(true);
        try {
            $fn();
            $e = null;
        } catch (\Throwable $caught) {
            $e = $caught;
            self::record($e, $case);
        }
        return [$e, microtime(true) - $t];
    }
}
