<?php
/**
 * Bootstrap of the extension's PHPUnit suite.
 *
 * - Fails fast when the wu_runcloud extension is not loaded.
 * - Starts one HTTP and one HTTPS (--tls) RunCloud simulator (tests/lib/sim.sh through
 *   SimProcess; RUNCLOUD_SIM_BIN, default target/debug/runcloud-sim) and exports their URLs
 *   and the CA file as constants. Both are stopped by pid at shutdown.
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

require_once dirname(__DIR__) . '/lib/php/SimProcess.php';
require_once __DIR__ . '/src/SimTestCase.php';

// One plain HTTP and one HTTPS simulator for the whole run, stopped when PHPUnit exits.
try {
    $http = WuRunCloud\Harness\SimProcess::start(null, ['--rate-limit', 'off']);
    $https = WuRunCloud\Harness\SimProcess::start(null, ['--tls', '--rate-limit', 'off']);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(2);
}

define('SIM_HTTP_URL', $http->url);
define('SIM_HTTPS_URL', $https->url);
define('SIM_CA_FILE', (string) $https->caFile);
