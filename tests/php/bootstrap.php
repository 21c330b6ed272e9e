<?php
/**
 * Bootstrap of the extension's PHPUnit suite.
 *
 * - Fails fast when the wu_runcloud extension is not loaded.
 * - Starts one HTTP and one HTTPS (--tls) RunCloud simulator on 127.0.0.1:0 from
 *   RUNCLOUD_SIM_BIN (default target/debug/runcloud-sim), reads their first-line JSON and
 *   exports the URLs and the CA file as constants.
 * - Stops both by pid at shutdown, whatever happens to the tests.
 */

declare(strict_types=1);

if (!extension_loaded('wu_runcloud')) {
    fwrite(STDERR, "The wu_runcloud extension is not loaded. Run tests/php/run.sh, or:\n"
        . "  php -d extension=target/debug/libwu_runcloud.so /usr/bin/phpunit -c tests/php/phpunit.xml\n");
    exit(2);
}
if (!function_exists('curl_init')) {
    fwrite(STDERR, "The curl extension is needed to drive the simulator's control API (apt install php8.2-curl).\n");
    exit(2);
}

require_once dirname(__DIR__) . '/lib/php/Sim.php';
require_once __DIR__ . '/src/SimTestCase.php';

$root = dirname(__DIR__, 2);
$bin = getenv('RUNCLOUD_SIM_BIN') ?: $root . '/target/debug/runcloud-sim';
if (!is_executable($bin)) {
    fwrite(STDERR, "The simulator binary $bin is missing; run: cargo build -p runcloud-sim\n");
    exit(2);
}

/**
 * Starts one simulator and returns [process, pid, url, ca_file].
 *
 * @return array{0: resource, 1: int, 2: string, 3: ?string}
 */
function wu_runcloud_tests_start_sim(string $bin, bool $tls): array
{
    $cmd = [$bin, '--listen', '127.0.0.1:0', '--rate-limit', 'off'];
    if ($tls) {
        $cmd[] = '--tls';
    }
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
    if (!is_resource($proc)) {
        fwrite(STDERR, "Could not start the simulator: " . implode(' ', $cmd) . "\n");
        exit(2);
    }
    $status = proc_get_status($proc);
    $read = [$pipes[1]];
    $none = null;
    $line = false;
    if (stream_select($read, $none, $none, 10) === 1) {
        $line = fgets($pipes[1]);
    }
    $info = is_string($line) ? json_decode($line, true) : null;
    if (!is_array($info) || !isset($info['url'])) {
        proc_terminate($proc, 15);
        proc_close($proc);
        fwrite(STDERR, "The simulator did not print its first-line JSON within 10 s (got " . var_export($line, true) . ")\n");
        exit(2);
    }
    // Keep reading its stdout in the background would need threads; it prints one line only.
    return [$proc, (int) ($info['pid'] ?? $status['pid']), (string) $info['url'], $info['ca_file'] ?? null];
}

$GLOBALS['wu_runcloud_sims'] = [];
register_shutdown_function(static function (): void {
    foreach ($GLOBALS['wu_runcloud_sims'] as [$proc, $pid]) {
        if (function_exists('posix_kill')) {
            posix_kill($pid, 15);
        } else {
            proc_terminate($proc, 15);
        }
        proc_close($proc);
    }
});

$http = wu_runcloud_tests_start_sim($bin, false);
$GLOBALS['wu_runcloud_sims'][] = $http;
$https = wu_runcloud_tests_start_sim($bin, true);
$GLOBALS['wu_runcloud_sims'][] = $https;

define('SIM_HTTP_URL', $http[2]);
define('SIM_HTTPS_URL', $https[2]);
define('SIM_CA_FILE', (string) $https[3]);
