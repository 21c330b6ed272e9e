<?php
// Memory of the php-fpm worker. Query: op=idle, or op=calls&n=N (N lookups through the
// extension on a keep-alive loopback connection; memory_get_usage() around them), or
// op=curl&n=N (the same lookups through PHP's curl, one handle for the request: what the
// same first call costs a worker without the extension).
declare(strict_types=1);

require __DIR__ . '/../lib/curl-lookup.php';

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
if ($op === 'curl') {
    $cfg = json_decode((string) file_get_contents(__DIR__ . '/../out/run/overhead-config.json'), true);
    $n = (int) ($_GET['n'] ?? 1);
    $call = curl_lookup($cfg, 'network.test');
    $found = 0;
    try {
        for ($i = 0; $i <= $n; $i++) { // the first one untimed, as above
            if ($call()) { $found++; }
        }
    } catch (Throwable $e) {
        $out['ok'] = false;
        $out['error'] = get_class($e) . ': ' . $e->getMessage();
    }
    $out += ['calls' => $n, 'found' => $found - 1];
    if ($out['ok'] && $found !== $n + 1) { $out['ok'] = false; $out['error'] = "curl found the domain in $found of " . ($n + 1) . ' calls'; }
}
$out['rss_kb'] = $status('VmRSS');
$out['rss_anon_kb'] = $status('RssAnon');
$out['rss_file_kb'] = $status('RssFile');
// Where RssFile comes from: the resident pages of the extension's own file, and of every
// other file this worker maps (PHP, libc, other extensions).
$ext = $other = 0;
$inExt = $file = false;
foreach (file('/proc/self/smaps') ?: [] as $l) {
    if (preg_match('/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/', $l, $m)) {
        $inExt = str_contains($m[1], 'wu_runcloud');
        $file = str_starts_with($m[1], '/');
    } elseif (preg_match('/^Rss:\s+(\d+) kB/', $l, $m) && $file) {
        $inExt ? $ext += (int) $m[1] : $other += (int) $m[1];
    }
}
$out['rss_ext_so_kb'] = $ext;
$out['rss_other_files_kb'] = $other;
$out['memory'] = memory_get_usage();
echo json_encode($out);
