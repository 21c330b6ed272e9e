<?php
/**
 * Bootstrap of the hardening PHPUnit suite (tests/hardening/run.sh).
 *
 * - Reuses the extension suite's simulator client (tests/php/src).
 * - Starts three simulators on 127.0.0.1:0: plain HTTP, HTTPS (--tls) and HTTPS with an
 *   expired leaf (--tls-expired). Their stdout/stderr go to tests/artifacts/hardening/ so
 *   the secrets scan can read them.
 * - Uses distinctive credentials from WU_HARDENING_TOKEN / _KEY / _SECRET (run.sh makes
 *   random ones); each test resets the simulators to accept exactly those.
 * - Stops every simulator by pid at shutdown.
 */

declare(strict_types=1);

if (!extension_loaded('wu_runcloud')) {
    fwrite(STDERR, "The wu_runcloud extension is not loaded; run tests/hardening/run.sh\n");
    exit(2);
}
if (!function_exists('curl_init')) {
    fwrite(STDERR, "The curl extension is needed to drive the simulator's control API (apt install php8.2-curl).\n");
    exit(2);
}

$root = dirname(__DIR__, 3);
require_once $root . '/tests/lib/php/Sim.php';
require_once $root . '/tests/php/src/SimTestCase.php';
require_once __DIR__ . '/HardeningTestCase.php';

define('HARDENING_ARTIFACTS', $root . '/tests/artifacts/hardening');
@mkdir(HARDENING_ARTIFACTS, 0777, true);

foreach (['TOKEN', 'KEY', 'SECRET'] as $what) {
    $value = getenv("WU_HARDENING_$what");
    if ($value === false || $value === '') {
        $value = 'sec-' . $what . '-' . bin2hex(random_bytes(8));
        putenv("WU_HARDENING_$what=$value");
    }
    define("HARDENING_$what", $value);
}

$bin = getenv('RUNCLOUD_SIM_BIN') ?: $root . '/target/debug/runcloud-sim';
if (!is_executable($bin)) {
    fwrite(STDERR, "The simulator binary $bin is missing; run: cargo build -p runcloud-sim\n");
    exit(2);
}

/**
 * Starts one simulator with its output in HARDENING_ARTIFACTS/sim-$name.{out,err};
 * returns [process, pid, url, ca_file].
 *
 * @param list<string> $flags
 * @return array{0: resource, 1: int, 2: string, 3: ?string}
 */
function hardening_start_sim(string $bin, string $name, array $flags): array
{
    $out = HARDENING_ARTIFACTS . "/sim-$name.out";
    $err = HARDENING_ARTIFACTS . "/sim-$name.err";
    @unlink($out);
    $cmd = array_merge([$bin, '--listen', '127.0.0.1:0', '--rate-limit', 'off'], $flags);
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'w'], 2 => ['file', $err, 'w']], $pipes);
    if (!is_resource($proc)) {
        fwrite(STDERR, 'Could not start the simulator: ' . implode(' ', $cmd) . "\n");
        exit(2);
    }
    $deadline = microtime(true) + 10;
    $info = null;
    while (microtime(true) < $deadline) {
        $first = (string) @file_get_contents($out);
        if (str_contains($first, "\n")) {
            $info = json_decode(strtok($first, "\n"), true);
            break;
        }
        usleep(20000);
    }
    if (!is_array($info) || !isset($info['url'], $info['pid'])) {
        proc_terminate($proc, 15);
        proc_close($proc);
        fwrite(STDERR, "The simulator $name did not print its first-line JSON within 10 s; see $out and $err\n");
        exit(2);
    }
    return [$proc, (int) $info['pid'], (string) $info['url'], $info['ca_file'] ?? null];
}

$GLOBALS['hardening_sims'] = [];
register_shutdown_function(static function (): void {
    foreach ($GLOBALS['hardening_sims'] as [$proc, $pid]) {
        posix_kill($pid, 15);
        proc_close($proc);
    }
});

foreach (['http' => [], 'https' => ['--tls'], 'expired' => ['--tls-expired']] as $name => $flags) {
    $GLOBALS['hardening_sims'][$name] = hardening_start_sim($bin, $name, $flags);
}
define('H_HTTP_URL', $GLOBALS['hardening_sims']['http'][2]);
define('H_HTTPS_URL', $GLOBALS['hardening_sims']['https'][2]);
define('H_HTTPS_CA', (string) $GLOBALS['hardening_sims']['https'][3]);
define('H_EXPIRED_URL', $GLOBALS['hardening_sims']['expired'][2]);
define('H_EXPIRED_CA', (string) $GLOBALS['hardening_sims']['expired'][3]);
