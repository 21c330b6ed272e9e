<?php
// Per-call cost on a keep-alive loopback connection: the same lookup (list the app's domains,
// find one by name) done by the extension or by PHP's own curl with one reused handle.
//
//   php overhead.php CONFIG.json ours|curl CALLS
//
// One untimed call first (client creation, TLS handshake), then CALLS timed calls. Prints JSON:
// CPU time (user+sys of the whole process, every thread), wall time and context switches
// (voluntary + involuntary, every thread) per call.
declare(strict_types=1);

[$_, $cfgFile, $mode, $calls] = $argv + [null, null, null, null];
$cfg = json_decode((string) file_get_contents($cfgFile), true);
$calls = (int) $calls;
$name = 'network.test';

if ($mode === 'ours') {
    $call = static function () use ($cfg, $name): bool {
        $d = wu_runcloud_find_domain($cfg, $name);
        return is_array($d) && $d['name'] === $name;
    };
} elseif ($mode === 'curl') {
    $ch = curl_init();
    $base = sprintf('%s/api/v3/servers/%d/webapps/%d/domains', rtrim($cfg['base_url'], '/'), $cfg['server_id'], $cfg['app_id']);
    curl_setopt_array($ch, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CAINFO => $cfg['ca_file'],
        CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . $cfg['api_token'], 'Accept: application/json'],
        CURLOPT_TIMEOUT => 15,
        CURLOPT_CONNECTTIMEOUT => 5,
    ]);
    // Same work as find_domain: every page, case-insensitive match, status checked.
    $call = static function () use ($ch, $base, $name): bool {
        $page = 1;
        do {
            curl_setopt($ch, CURLOPT_URL, "$base?page=$page&perPage=40");
            $body = curl_exec($ch);
            if ($body === false || curl_getinfo($ch, CURLINFO_RESPONSE_CODE) !== 200) {
                throw new RuntimeException('curl: ' . curl_error($ch) . ' status ' . curl_getinfo($ch, CURLINFO_RESPONSE_CODE));
            }
            $j = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
            foreach ($j['data'] as $d) {
                if (strcasecmp($d['name'], $name) === 0) { return true; }
            }
            $last = $j['meta']['pagination']['total_pages'] ?? 1;
        } while (++$page <= $last);
        return false;
    };
} else {
    fwrite(STDERR, "usage: php overhead.php CONFIG.json ours|curl CALLS\n");
    exit(2);
}

$call(); // client, connection and TLS session set up outside the measurement
$cpu = static function (): array {
    $r = getrusage();
    return [$r['ru_utime.tv_sec'] * 1e6 + $r['ru_utime.tv_usec'], $r['ru_stime.tv_sec'] * 1e6 + $r['ru_stime.tv_usec'], $r['ru_nvcsw'] + $r['ru_nivcsw']];
};
$found = 0;
[$u0, $s0, $cs0] = $cpu();
$t0 = hrtime(true);
for ($i = 0; $i < $calls; $i++) {
    if ($call()) { $found++; }
}
$wall = (hrtime(true) - $t0) / 1e3;
[$u1, $s1, $cs1] = $cpu();
$per = static fn(float $x): ?float => $calls > 0 ? $x / $calls : null;
echo json_encode([
    'mode' => $mode,
    'calls' => $calls,
    'found' => $found,
    'cpu_us_per_call' => $per(($u1 - $u0) + ($s1 - $s0)),
    'user_us_per_call' => $per($u1 - $u0),
    'sys_us_per_call' => $per($s1 - $s0),
    'wall_us_per_call' => $per($wall),
    'context_switches_per_call' => $per($cs1 - $cs0),
]), "\n";
