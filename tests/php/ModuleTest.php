<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * The module itself: version, functions and signatures, exception hierarchy, INI, phpinfo.
 */
final class ModuleTest extends SimTestCase
{
    public function test_version_is_the_crate_version_and_makes_no_request(): void
    {
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', wu_runcloud_version());
        $this->assertSame(phpversion('wu_runcloud'), wu_runcloud_version(), 'phpversion() and wu_runcloud_version() should agree');
        $this->assertNoRequest('wu_runcloud_version does no I/O');
    }

    public function test_every_contract_function_exists_with_its_parameters(): void
    {
        $expected = [
            'wu_runcloud_version' => [],
            'wu_runcloud_normalize_domain' => ['domain'],
            'wu_runcloud_test_connection' => ['config'],
            'wu_runcloud_list_domains' => ['config'],
            'wu_runcloud_find_domain' => ['config', 'domain'],
            'wu_runcloud_add_domain' => ['config', 'domain', 'options'],
            'wu_runcloud_remove_domain' => ['config', 'domain', 'id'],
            'wu_runcloud_redeploy_ssl' => ['config', 'options'],
            'wu_runcloud_sync' => ['config', 'wanted', 'options'],
            'wu_runcloud_check_dns' => ['config', 'domain', 'domain_id'],
            'wu_runcloud_check_https' => ['config', 'domain'],
        ];
        foreach ($expected as $fn => $params) {
            $this->assertTrue(function_exists($fn), "$fn should be defined by the extension");
            $r = new \ReflectionFunction($fn);
            $this->assertSame($params, array_map(static fn ($p) => $p->getName(), $r->getParameters()), "parameters of $fn");
        }
        foreach (['wu_runcloud_add_domain', 'wu_runcloud_sync'] as $fn) {
            $options = (new \ReflectionFunction($fn))->getParameters()[2];
            $this->assertTrue($options->isOptional(), "$fn: \$options is optional");
            $this->assertSame('array', (string) $options->getType(), "$fn: \$options is an array");
            $this->assertSame([], $options->getDefaultValue(), "$fn: \$options defaults to []");
        }
        $this->assertSame('?array', (string) (new \ReflectionFunction('wu_runcloud_find_domain'))->getReturnType());
        $this->assertSame('string', (string) (new \ReflectionFunction('wu_runcloud_version'))->getReturnType());
        $options = (new \ReflectionFunction('wu_runcloud_redeploy_ssl'))->getParameters()[1];
        $this->assertTrue($options->isOptional() && $options->getDefaultValue() === [], 'redeploy_ssl $options defaults to []');
        $id = (new \ReflectionFunction('wu_runcloud_check_dns'))->getParameters()[2];
        $this->assertTrue($id->isOptional() && $id->allowsNull(), 'check_dns $domain_id is ?int = null');
        foreach (['test_connection', 'list_domains', 'add_domain', 'remove_domain', 'redeploy_ssl', 'sync', 'check_dns', 'check_https'] as $f) {
            $this->assertSame('array', (string) (new \ReflectionFunction("wu_runcloud_$f"))->getReturnType(), "wu_runcloud_$f returns array");
        }
        $id = (new \ReflectionFunction('wu_runcloud_remove_domain'))->getParameters()[2];
        $this->assertTrue($id->isOptional() && $id->allowsNull(), 'remove_domain $id is ?int = null');
    }

    public function test_normalize_domain_gives_the_name_the_other_functions_send_without_any_request(): void
    {
        $this->assertSame('xn--bcher-kva.example', wu_runcloud_normalize_domain(" B\u{00DC}cher.Example. "), 'trimmed, lower-cased (also non-ASCII), no trailing dot, punycode');
        $this->assertSame('shop.example.com', wu_runcloud_normalize_domain('SHOP.example.com'));
        $this->assertNoRequest('wu_runcloud_normalize_domain does no I/O');
        $added = wu_runcloud_add_domain($this->v3(), " B\u{00DC}cher.Example. ", ['redeploy_ssl' => false]);
        $this->assertSame(wu_runcloud_normalize_domain(" B\u{00DC}cher.Example. "), $added['name'], 'the same form RunCloud receives');
        $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['https://x.test/', 'scheme'], fn () => wu_runcloud_normalize_domain('https://x.test/'));
    }

    public function test_exception_classes_form_the_contract_hierarchy(): void
    {
        $this->assertSame('RuntimeException', get_parent_class('WuRunCloud\RunCloudException'));
        foreach (['Authentication', 'NotFound', 'Validation', 'RateLimit', 'Transport', 'InvalidArgument'] as $name) {
            $class = "WuRunCloud\\{$name}Exception";
            $this->assertTrue(class_exists($class), "$class should exist");
            $this->assertSame('WuRunCloud\RunCloudException', get_parent_class($class), "$class should extend RunCloudException");
        }
        $this->assertTrue(method_exists('WuRunCloud\ValidationException', 'getErrors'), 'ValidationException::getErrors()');
    }

    public function test_ini_defaults_are_registered_and_changeable_at_run_time(): void
    {
        $this->assertSame('15', ini_get('wu_runcloud.timeout'));
        $this->assertSame('5', ini_get('wu_runcloud.connect_timeout'));
        $this->assertSame('3', ini_get('wu_runcloud.retries'));
        $old = ini_set('wu_runcloud.retries', '0');
        try {
            $this->sim->fault(['method' => 'GET', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 503, 'times' => 1]);
            $this->assertThrows('WuRunCloud\TransportException', 503, ['503'], fn () => wu_runcloud_list_domains($this->v3()));
            $this->assertCount(1, $this->sim->requests(), 'with wu_runcloud.retries=0 a 503 is not retried');
        } finally {
            ini_set('wu_runcloud.retries', (string) $old);
        }
    }

    public function test_phpinfo_shows_version_tls_backend_and_ini_values(): void
    {
        wu_runcloud_test_connection($this->v3());
        ob_start();
        phpinfo(INFO_MODULES);
        $info = (string) ob_get_clean();
        $this->assertStringContainsString('wu_runcloud support => enabled', $info);
        $this->assertStringContainsString('version => ' . wu_runcloud_version(), $info);
        $this->assertStringContainsString('TLS backend => rustls', $info);
        $this->assertStringContainsString('wu_runcloud.timeout => 15 => 15', $info);
        $this->assertStringContainsString('wu_runcloud.retries => 3 => 3', $info);
    }

    public function test_phpinfo_names_the_php_version_and_api_this_build_is_for(): void
    {
        ob_start();
        phpinfo(INFO_GENERAL);
        $general = (string) ob_get_clean();
        $this->assertSame(1, preg_match('/^PHP API => (\d+)$/m', $general, $m), 'phpinfo() should show the PHP API number');
        ob_start();
        phpinfo(INFO_MODULES);
        $info = (string) ob_get_clean();
        $this->assertStringContainsString(
            sprintf('build => built for PHP %d.%d (API %s)', PHP_MAJOR_VERSION, PHP_MINOR_VERSION, $m[1]),
            $info,
            'build.rs should bake the PHP it built for into phpinfo(), and it should be the running PHP'
        );
    }

    public function test_the_client_is_reused_across_calls_so_connections_stay_alive(): void
    {
        for ($i = 0; $i < 5; $i++) {
            wu_runcloud_list_domains($this->v3());
        }
        $this->assertSame(5, $this->sim->counters()['requests']);
        $connections = array_unique(array_map(static fn (array $r) => $r['connection'], $this->sim->requests()));
        $this->assertCount(1, $connections, 'five calls in one process should share one keep-alive connection');
    }

    public function test_the_committed_stubs_declare_exactly_the_loaded_functions_and_classes(): void
    {
        $stub = (string) file_get_contents(dirname(__DIR__, 2) . '/php-stubs/wu_runcloud.stubs.php');
        preg_match_all('/function (wu_runcloud_\w+)\(/', $stub, $m);
        $loaded = get_extension_funcs('wu_runcloud');
        sort($loaded);
        $declared = $m[1];
        sort($declared);
        $this->assertSame($loaded, $declared, 'php-stubs/wu_runcloud.stubs.php is stale: regenerate it with cargo php stubs');
        preg_match_all('/class (\w+Exception) extends/', $stub, $c);
        foreach ($c[1] as $class) {
            $this->assertTrue(class_exists("WuRunCloud\\$class"), "stub class WuRunCloud\\$class should be loaded");
        }
        $this->assertCount(7, $c[1], 'seven exception classes in the stubs');
    }

    /**
     * The client runs on a runtime the PHP thread drives itself: after calls over HTTP, over
     * HTTPS and through a host name (the system resolver's thread is short-lived), the process
     * is the one PHP thread it was, with nothing a fork could lose or a signal land on.
     */
    public function test_calls_leave_no_thread_behind(): void
    {
        $threads = fn () => count(glob('/proc/self/task/*') ?: []);
        $this->assertSame(1, $threads(), 'the PHP CLI starts with one thread');
        wu_runcloud_list_domains($this->v3());
        wu_runcloud_list_domains($this->v3(['base_url' => SIM_HTTPS_URL, 'ca_file' => SIM_CA_FILE]));
        $port = parse_url(SIM_HTTP_URL, PHP_URL_PORT);
        $this->assertIsArray(wu_runcloud_list_domains($this->v3(['base_url' => "http://localhost:$port"])), 'a host name is looked up by the system resolver');
        $deadline = microtime(true) + 2;
        while ($threads() > 1 && microtime(true) < $deadline) {
            usleep(10000); // a resolver thread that has answered is on its way out
        }
        $names = array_map(fn ($f) => trim((string) @file_get_contents($f)), glob('/proc/self/task/*/comm') ?: []);
        $this->assertSame(1, $threads(), 'no thread is left after the calls: ' . implode(', ', $names));
    }

    public function test_exceptions_carry_the_callers_file_line_and_trace(): void
    {
        $line = __LINE__ + 2;
        try {
            wu_runcloud_list_domains(['server_id' => 1]);
        } catch (\WuRunCloud\InvalidArgumentException $e) {
            $this->assertSame(__FILE__, $e->getFile(), 'getFile() is the PHP file that called the function');
            $this->assertSame($line, $e->getLine(), 'getLine() is the line of the call');
            $this->assertSame('wu_runcloud_list_domains', $e->getTrace()[0]['function'] ?? null, 'the trace starts at our function');
            $this->assertSame(__FUNCTION__, $e->getTrace()[1]['function'] ?? null, 'then the calling test method');
            return;
        }
        $this->fail('an InvalidArgumentException was expected');
    }

    public function test_our_exceptions_can_be_constructed_and_thrown_from_php_like_any_exception(): void
    {
        $previous = new \LogicException('root cause');
        foreach (['RunCloud', 'Authentication', 'NotFound', 'Validation', 'RateLimit', 'Transport', 'InvalidArgument'] as $name) {
            $class = "WuRunCloud\\{$name}Exception";
            $line = __LINE__ + 1;
            $e = new $class("made in PHP: $name", 418, $previous);
            $this->assertSame("made in PHP: $name", $e->getMessage(), "$class message");
            $this->assertSame(418, $e->getCode(), "$class code");
            $this->assertSame($previous, $e->getPrevious(), "$class previous");
            $this->assertSame($line, $e->getLine(), "$class line is where it was created");
            $this->assertSame(__FUNCTION__, $e->getTrace()[0]['function'] ?? null, "$class trace starts at the creating function");
        }
        $plain = new \WuRunCloud\TransportException();
        $this->assertSame(['', 0, null], [$plain->getMessage(), $plain->getCode(), $plain->getPrevious()]);
        $this->assertSame([], (new \WuRunCloud\ValidationException('v', 422))->getErrors());
        $this->expectException(\WuRunCloud\RunCloudException::class);
        $this->expectExceptionMessage('thrown from PHP');
        throw new \WuRunCloud\RateLimitException('thrown from PHP', 429);
    }
}
