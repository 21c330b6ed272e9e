<?php
// Memory of the php-fpm worker. Query: op=idle, or op=calls&n=N (N lookups through the
// extension on a keep-alive loopback connection; memory_get_usage() around them).
declare(strict_types=1);

header('Content-Type: application/json');
// VmRSS, and its parts: RssAnon (this worker's own memory) and RssFile (pages of files it
// maps, such as the extension's code, shared with every process that maps them).
$status = static function (string $field): int {
    preg_match('/^' . $field . ':\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
    return (int) ($m[1] ?? 0);
};
$op = $_GET['op'] ?? 'idle';
$out = ['ok' => true, 'error' => null, 'pid' => getmypid(), 'extension_loaded' => extension_loaded('wu_runcloud')];
if ($op === 'calls') {
    $cfg = json_decode((string) file_get_contents(__DIR__ . '/../out/run/overhead-config.json'), true);
    $n = (int) ($_GET['n'] ?? 1);
    $found = 0;
    $i = 0;
    $d = null;
    try {
        $d = wu_runcloud_find_domain($cfg, 'network.test'); // first call of this request, untimed
        $d = null;
        $before = memory_get_usage();
        for ($i = 0; $i < $n; $i++) {
            $d = wu_runcloud_find_domain($cfg, 'network.test');
            if (is_array($d) && $d['name'] === 'network.test') { $found++; }
            $d = null;
        }
        $after = memory_get_usage();
        $out += ['calls' => $n, 'found' => $found, 'mem_before' => $before, 'mem_after' => $after, 'peak' => memory_get_peak_usage()];
        if ($found !== $n) { $out['ok'] = false; $out['error'] = "found the domain in $found of $n calls"; }
    } catch (Throwable $e) {
        $out['ok'] = false;
        $out['error'] = get_class($e) . ': ' . $e->getMessage();
    }
}
$out['rss_kb'] = $status('VmRSS');
$out['rss_anon_kb'] = $status('RssAnon');
$out['rss_file_kb'] = $status('RssFile');
$out['memory'] = memory_get_usage();
echo json_encode($out);
