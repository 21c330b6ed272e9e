<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * Secrets never appear in exception messages, var_dump of our objects, phpinfo() or INI.
 */
final class SecretsTest extends SimTestCase
{
    private const TOKEN_VALUE = 'tok-7f3a9c1e5b2d8f40-very-secret';
    private const KEY_VALUE = 'key-1b2c3d4e5f60-secret';
    private const SECRET_VALUE = 'sec-a9b8c7d6e5f4-secret';

    private function assertClean(string $text, string $where): void
    {
        foreach ([self::TOKEN_VALUE, self::KEY_VALUE, self::SECRET_VALUE, self::TOKEN, self::KEY, self::SECRET] as $s) {
            $this->assertStringNotContainsString($s, $text, "a credential leaked into $where");
        }
    }

    /** @return list<\Throwable> one exception of each kind, raised with secret-looking credentials */
    private function exceptions(): array
    {
        $bad3 = $this->v3(['api_token' => self::TOKEN_VALUE]);
        $bad2 = $this->v2(['api_key' => self::KEY_VALUE, 'api_secret' => self::SECRET_VALUE]);
        $calls = [
            fn () => wu_runcloud_test_connection($bad3),
            fn () => wu_runcloud_add_domain($bad2, 'x.test'),
            fn () => wu_runcloud_list_domains($this->v3(['app_id' => 1])),
            fn () => wu_runcloud_list_domains($this->v2(['base_url' => 'http://public.example'] + ['api_key' => self::KEY_VALUE, 'api_secret' => self::SECRET_VALUE])),
            fn () => wu_runcloud_add_domain($this->v3(), 'https://' . self::TOKEN . '.test'),
            function () {
                $this->sim->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'status', 'status' => 503]);
                try {
                    wu_runcloud_list_domains($this->v3(['retries' => 0]));
                } finally {
                    $this->sim->call('DELETE', 'faults');
                }
            },
            function () {
                $this->sim->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'malformed_json']);
                try {
                    wu_runcloud_list_domains($this->v2());
                } finally {
                    $this->sim->call('DELETE', 'faults');
                }
            },
        ];
        $caught = [];
        foreach ($calls as $i => $call) {
            try {
                $call();
                $this->fail("call #$i should have thrown");
            } catch (\WuRunCloud\RunCloudException $e) {
                $caught[] = $e;
            }
        }
        return $caught;
    }

    public function test_exception_messages_and_traces_hold_no_credential(): void
    {
        $seen = [];
        foreach ($this->exceptions() as $e) {
            $seen[get_class($e)] = true;
            $this->assertClean($e->getMessage(), get_class($e) . ' message');
            $this->assertClean((string) $e, get_class($e) . ' string form');
        }
        $this->assertGreaterThanOrEqual(4, count($seen), 'several exception classes were checked: ' . implode(', ', array_keys($seen)));
    }

    /** @return array<string, array{0: string}> */
    public static function ignoreArgs(): array
    {
        return ['zend.exception_ignore_args=1 (production)' => ['1'], 'zend.exception_ignore_args=0 (development, php -n)' => ['0']];
    }

    /**
     * Our traces never record call arguments (the caller's $config holds the secrets),
     * whatever zend.exception_ignore_args says.
     *
     * @dataProvider ignoreArgs
     */
    public function test_var_dump_of_our_exceptions_holds_no_credential(string $ignoreArgs): void
    {
        $old = ini_set('zend.exception_ignore_args', $ignoreArgs);
        try {
            $this->assertSame($ignoreArgs, ini_get('zend.exception_ignore_args'));
            $exceptions = $this->exceptions();
        } finally {
            ini_set('zend.exception_ignore_args', (string) $old);
        }
        foreach ($exceptions as $e) {
            ob_start();
            var_dump($e);
            $dump = (string) ob_get_clean();
            $this->assertClean($dump, 'var_dump of ' . get_class($e));
            $this->assertClean(print_r($e, true) . var_export($e->getTrace(), true), 'print_r/trace of ' . get_class($e));
            $this->assertStringContainsString(__FILE__, $dump, 'the dump does show where it was thrown');
        }
    }

    public function test_phpinfo_and_ini_hold_no_credential(): void
    {
        wu_runcloud_test_connection($this->v3());
        ob_start();
        phpinfo();
        $this->assertClean((string) ob_get_clean(), 'phpinfo()');
        $this->assertClean(var_export(ini_get_all('wu_runcloud'), true), 'ini_get_all');
    }

    public function test_results_hold_no_credential(): void
    {
        $out = var_export([
            wu_runcloud_test_connection($this->v3()),
            wu_runcloud_add_domain($this->v2(), 'clean.test'),
            wu_runcloud_sync($this->v3(), ['clean.test', 'more.test']),
            wu_runcloud_redeploy_ssl($this->v2()),
        ], true);
        $this->assertClean($out, 'function results');
    }

    /**
     * Every `$config` parameter carries #[\SensitiveParameter] (added in MINIT: ext-php-rs
     * has no attribute syntax), so PHP shows a SensitiveParameterValue wherever it records
     * the arguments of our functions; no other parameter has it.
     */
    public function test_every_config_parameter_is_marked_sensitive(): void
    {
        $marked = [];
        foreach (get_extension_funcs('wu_runcloud') as $function) {
            foreach ((new \ReflectionFunction($function))->getParameters() as $param) {
                $attributes = array_map(fn (\ReflectionAttribute $a) => $a->getName(), $param->getAttributes());
                if ($param->getName() === 'config') {
                    $this->assertSame(['SensitiveParameter'], $attributes, "$function(\$config)");
                    $this->assertInstanceOf(\SensitiveParameter::class, $param->getAttributes()[0]->newInstance());
                    $marked[] = $function;
                } else {
                    $this->assertSame([], $attributes, "$function(\${$param->getName()}) holds no secret");
                }
            }
        }
        sort($marked);
        $this->assertSame([
            'wu_runcloud_add_domain', 'wu_runcloud_check_dns', 'wu_runcloud_check_https', 'wu_runcloud_find_domain',
            'wu_runcloud_list_domains', 'wu_runcloud_redeploy_ssl', 'wu_runcloud_remove_domain', 'wu_runcloud_sync',
            'wu_runcloud_test_connection',
        ], $marked);
    }

    /**
     * With zend.exception_ignore_args=0, the trace PHP itself builds for an error inside one
     * of our functions shows the configuration as a SensitiveParameterValue (the fixture
     * switches our throw hook off, which otherwise removes every argument).
     */
    public function test_a_trace_built_by_php_shows_the_config_as_a_sensitive_parameter_value(): void
    {
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 2) . '/target/debug/libwu_runcloud.so';
        $cmd = [PHP_BINARY, '-n', '-d', 'extension=ffi', '-d', 'ffi.enable=1', '-d', 'zend.exception_ignore_args=0', '-d', 'extension=' . $ext,
            __DIR__ . '/fixtures/sensitive-trace.php', json_encode($this->v3(['api_token' => self::TOKEN_VALUE]))];
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $this->assertSame(0, proc_close($proc), "stdout:\n$out\nstderr:\n$err");
        $this->assertClean($out . $err, 'the trace PHP built');
        $seen = json_decode($out, true);
        $this->assertSame('wu_runcloud_add_domain', $seen['function'], $out);
        $this->assertStringStartsWith('ArgumentCountError: wu_runcloud_add_domain(): Argument #2 ($domain) not passed', (string) $seen['error']);
        $this->assertSame(['SensitiveParameterValue', null, []], $seen['args'], 'PHP recorded the arguments, the configuration as sensitive');
        $this->assertStringContainsString('wu_runcloud_add_domain(Object(SensitiveParameterValue), NULL, Array)', $seen['trace']);
    }

    /** RunCloud's words quoting the token (a proxy or an API echoing what it was sent). */
    private function echoToken(string $method, string $path): void
    {
        $this->sim->fault(['method' => $method, 'path' => $path, 'kind' => 'message', 'message' => 'invalid value Bearer ' . self::TOKEN]);
    }

    public function test_the_failed_messages_of_a_sync_are_redacted_like_error_messages(): void
    {
        $this->echoToken('POST', '/api/*/servers/*/webapps/*/domains');
        $result = wu_runcloud_sync($this->v3(), ['echo.test']);
        $this->assertArrayHasKey('echo.test', $result['failed'], var_export($result, true));
        $this->assertStringContainsString('[redacted]', $result['failed']['echo.test']);
        $this->assertClean(var_export($result, true), 'sync result');
    }

    public function test_the_ssl_message_of_an_add_is_redacted_like_error_messages(): void
    {
        $this->echoToken('*', '/api/*/servers/*/webapps/*/ssl/**');
        $result = wu_runcloud_add_domain($this->v3(), 'echo.test');
        $this->assertSame('failed', $result['ssl']['action'], var_export($result, true));
        $this->assertStringContainsString('[redacted]', $result['ssl']['message']);
        $this->assertClean(var_export($result, true), 'add_domain result');
    }
}
