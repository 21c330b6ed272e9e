<?php

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

/**
 * Produces every kind of output PHP can make of our functions while they hold this run's
 * distinctive credentials — one exception of each class (string form with trace, var_dump,
 * print_r), phpinfo(), INI values, results — writes them to
 * tests/artifacts/hardening/, and checks them here; tests/hardening/secrets/scan.sh then
 * greps every artefact of every suite for the same values.
 */
final class SecretsExposureTest extends HardeningTestCase
{
    /** @return list<string> the forms a secret could leak in (raw, and Basic auth's base64). */
    private static function secretForms(): array
    {
        return [HARDENING_TOKEN, HARDENING_KEY, HARDENING_SECRET, base64_encode(HARDENING_KEY . ':' . HARDENING_SECRET)];
    }

    /** Fails naming the place and a redacted excerpt — never printing the secret itself. */
    private function assertNoSecret(string $text, string $where): void
    {
        $names = ['the token', 'the key', 'the secret', 'the Basic auth base64 of key:secret'];
        foreach (self::secretForms() as $i => $secret) {
            $at = strpos($text, $secret);
            $excerpt = $at === false ? '' : str_replace(self::secretForms(), '[SECRET]', substr($text, max(0, $at - 120), 240 + strlen($secret)));
            $this->assertFalse($at !== false, "{$names[$i]} leaked into $where at byte $at: …{$excerpt}…");
        }
    }

    /** @return array<string, array{0: string, 1: string, 2: callable, 3?: array}> [class, api, call, simulator fault] */
    public static function exceptionOfEachClass(): array
    {
        return [
            'InvalidArgument' => ['WuRunCloud\InvalidArgumentException', 'v3', fn (array $c) => wu_runcloud_add_domain($c, 'https://bad/' . HARDENING_TOKEN)],
            'InvalidArgument (config)' => ['WuRunCloud\InvalidArgumentException', 'v2', fn (array $c) => wu_runcloud_list_domains(['base_url' => 'http://example.com'] + $c)],
            'InvalidArgument (token of the wrong type)' => ['WuRunCloud\InvalidArgumentException', 'v3', fn (array $c) => wu_runcloud_list_domains(['api_token' => [HARDENING_TOKEN]] + $c)],
            'Authentication v3' => ['WuRunCloud\AuthenticationException', 'v3', fn (array $c) => wu_runcloud_test_connection(['api_token' => HARDENING_TOKEN . '-revoked'] + $c)],
            'Authentication v2' => ['WuRunCloud\AuthenticationException', 'v2', fn (array $c) => wu_runcloud_test_connection(['api_secret' => HARDENING_SECRET . '-old'] + $c)],
            'NotFound' => ['WuRunCloud\NotFoundException', 'v3', fn (array $c) => wu_runcloud_list_domains(['app_id' => 999999] + $c)],
            'Validation' => ['WuRunCloud\ValidationException', 'v2', fn (array $c) => wu_runcloud_add_domain($c, 'network.test.example'), ['method' => 'POST', 'path' => '/api/**', 'kind' => 'status', 'status' => 422]],
            'RateLimit' => ['WuRunCloud\RateLimitException', 'v3', fn (array $c) => wu_runcloud_list_domains($c), ['method' => '*', 'path' => '/api/**', 'kind' => 'rate_limit', 'retry_after' => 0]],
            'Transport' => ['WuRunCloud\TransportException', 'v2', fn (array $c) => wu_runcloud_list_domains(['base_url' => 'http://127.0.0.1:9', 'retries' => 0] + $c)],
            // Thrown by ext-php-rs's argument parsing in our function, not by our code: the
            // trace must still carry no arguments (the closure's frame holds the config).
            'TypeError from our function' => ['TypeError', 'v3', fn (array $c) => wu_runcloud_add_domain($c, ['not', 'a', 'string'])],
            'ArgumentCountError from our function' => ['ArgumentCountError', 'v2', fn (array $c) => wu_runcloud_find_domain($c)],
            'RunCloud (redirect)' => ['WuRunCloud\RunCloudException', 'v3', fn (array $c) => wu_runcloud_sync($c, ['a.example.com']), ['method' => '*', 'path' => '/api/**', 'kind' => 'redirect']],
        ];
    }

    /** @dataProvider exceptionOfEachClass */
    public function test_no_form_of_an_exception_of_ours_contains_a_secret(string $class, string $api, callable $call, ?array $fault = null): void
    {
        if ($fault !== null) {
            $this->sim->fault($fault);
        }
        $config = $this->cfg($api);
        [$e] = $this->attempt("secrets: $class", fn () => $call($config));
        $this->assertSame($class, $e === null ? null : get_class($e), 'the call should throw ' . $class . ($e ? ': ' . $e->getMessage() : ''));
        ob_start();
        var_dump($e);
        $dump = ob_get_clean();
        $this->assertNoSecret((string) $e, "(string) of $class");
        $this->assertNoSecret($e->getMessage(), "the message of $class");
        $this->assertNoSecret($e->getTraceAsString(), "the trace of $class");
        $this->assertNoSecret(print_r($e->getTrace(), true), "getTrace() of $class (zend.exception_ignore_args=0 here)");
        $this->assertNoSecret($dump, "var_dump of $class");
        $this->assertNoSecret(print_r($e, true), "print_r of $class");
        if (method_exists($e, 'getErrors')) {
            $this->assertNoSecret(print_r($e->getErrors(), true), "getErrors() of $class");
        }
    }

    public function test_an_uncaught_exception_printed_by_php_shows_no_secret(): void
    {
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 3) . '/target/debug/libwu_runcloud.so';
        $code = 'function f(array $c) { return wu_runcloud_list_domains($c); } f(json_decode($argv[1], true));';
        $config = $this->v2(['base_url' => 'http://127.0.0.1:9', 'retries' => 0]);
        $cmd = [PHP_BINARY, '-d', 'extension=' . $ext, '-d', 'zend.exception_ignore_args=0', '-d', 'display_errors=stderr', '-d', 'log_errors=1', '-d', 'error_log=' . HARDENING_ARTIFACTS . '/uncaught-error.log', '-r', $code, json_encode($config)];
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        $rc = proc_close($proc);
        file_put_contents(HARDENING_ARTIFACTS . '/uncaught-output.txt', $out);
        $this->assertSame(255, $rc, "an uncaught exception ends PHP with 255; output: $out");
        $this->assertStringContainsString('Uncaught WuRunCloud\TransportException', $out);
        $this->assertNoSecret($out, 'PHP\'s uncaught-exception output');
        $this->assertNoSecret((string) @file_get_contents(HARDENING_ARTIFACTS . '/uncaught-error.log'), 'the PHP error log');
    }

    public function test_phpinfo_ini_values_and_results_show_no_secret(): void
    {
        $config = $this->v2();
        $results = [
            wu_runcloud_test_connection($config),
            wu_runcloud_add_domain($this->v3(), 'shown.example.com'),
            wu_runcloud_sync($config, ['shown.example.com', 'other.example.com'], ['dry_run' => true]),
        ];
        ob_start();
        // Everything but INFO_ENVIRONMENT / INFO_VARIABLES: run.sh hands this run's credentials
        // to PHPUnit through the environment (production keeps them in wp-config constants).
        phpinfo(INFO_GENERAL | INFO_CONFIGURATION | INFO_MODULES | INFO_CREDITS | INFO_LICENSE);
        var_dump($results, ini_get_all('wu_runcloud'), get_defined_constants(true)['wu_runcloud'] ?? []);
        $text = ob_get_clean();
        file_put_contents(HARDENING_ARTIFACTS . '/phpinfo-and-results.txt', $text);
        $this->assertStringContainsString('wu_runcloud', $text, 'phpinfo() lists the module');
        $this->assertNoSecret($text, 'phpinfo(), INI values, constants or results');
    }
}
