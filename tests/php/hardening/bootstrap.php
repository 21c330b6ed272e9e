<?php
/**
 * Bootstrap of the hardening PHPUnit suite (tests/hardening/run.sh).
 *
 * - Reuses the extension suite's test case (tests/php/src) and the shared harness (tests/lib/php).
 * - Starts three simulators on 127.0.0.1:0: plain HTTP, HTTPS (--tls) and HTTPS with an
 *   expired leaf (--tls-expired). Their output goes to tests/artifacts/hardening/sim-NAME/ so
 *   the secrets scan can read it.
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
require_once $root . '/tests/lib/php/SimProcess.php';
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

// Their output stays in the artefacts, for the secrets scan.
$GLOBALS['hardening_sims'] = [];
try {
    foreach (['http' => [], 'https' => ['--tls'], 'expired' => ['--tls-expired']] as $name => $flags) {
        $GLOBALS['hardening_sims'][$name] = WuRunCloud\Harness\SimProcess::start(HARDENING_ARTIFACTS . "/sim-$name", array_merge(['--rate-limit', 'off'], $flags));
    }
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(2);
}
define('H_HTTP_URL', $GLOBALS['hardening_sims']['http']->url);
define('H_HTTPS_URL', $GLOBALS['hardening_sims']['https']->url);
define('H_HTTPS_CA', (string) $GLOBALS['hardening_sims']['https']->caFile);
define('H_EXPIRED_URL', $GLOBALS['hardening_sims']['expired']->url);
define('H_EXPIRED_CA', (string) $GLOBALS['hardening_sims']['expired']->caFile);
