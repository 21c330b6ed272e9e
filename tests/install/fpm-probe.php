<?php
// Both ends of one question to php-fpm, for tests/install/run.sh:
//   php -n tests/install/fpm-probe.php SOCKET SCRIPT   asks the pool behind SOCKET to run SCRIPT
//                                                      (a copy of this file) and prints its answer;
//   run by a php-fpm worker, this file answers as JSON whether that worker has the module:
//   {"pid": …, "loaded": bool, "version": wu_runcloud_version() or null, "build": "built for PHP …" or null}.
declare(strict_types=1);

if (PHP_SAPI === 'cli') {
    require __DIR__ . '/../lib/php/FastCgi.php';
    $answer = (new \WuRunCloud\Harness\FastCgi($argv[1], 10.0))->get($argv[2]);
    if (!$answer['complete']) {
        fwrite(STDERR, "fpm-probe: php-fpm did not finish the request; stderr: {$answer['stderr']}\n");
        exit(1);
    }
    echo $answer['body'], "\n";
    exit(0);
}

$build = null;
if (extension_loaded('wu_runcloud')) {
    ob_start();
    (new ReflectionExtension('wu_runcloud'))->info();
    preg_match('/built for PHP [0-9.]+ \(API \d+\)/', (string) ob_get_clean(), $m);
    $build = $m[0] ?? null;
}
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'loaded' => extension_loaded('wu_runcloud'),
    'version' => function_exists('wu_runcloud_version') ? wu_runcloud_version() : null,
    'build' => $build,
]);
