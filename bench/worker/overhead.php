<?php
// Per-call cost on a keep-alive loopback connection: the same lookup (list the app's domains,
// find one by name) done by the extension or by PHP's own curl with one reused handle.
//
//   php overhead.php CONFIG.json ours|curl CALLS
//   php overhead.php CONFIG.json both CALLS BLOCK
//
// One untimed call first (client, connection and TLS session set up), then CALLS timed calls.
// `both` times CALLS calls of each side in the same process, alternating blocks of BLOCK
// calls (ours, curl, curl, ours, ours, curl, …), so that both sides run under the same
// conditions: the same CPU placement and load, and the same layout of the process. Prints
// JSON: CPU time (user+sys of the whole process, every thread), wall time and context switches
// (voluntary + involuntary, every thread) per call; for `both`, one such object per side.
declare(strict_types=1);

require __DIR__ . '/../lib/curl-lookup.php';

[$_, $cfgFile, $mode, $calls, $block] = $argv + [null, null, null, null, null];
$cfg = json_decode((string) file_get_contents($cfgFile), true);
$calls = (int) $calls;
$block = max(1, (int) ($block ?? $calls));
$name = 'network.test';

$ours = static function () use ($cfg, $name): bool {
    $d = wu_runcloud_find_domain($cfg, $name);
    return is_array($d) && $d['name'] === $name;
};
$curl = curl_lookup($cfg, $name);

$sides = match ($mode) {
    'ours' => ['ours' => $ours],
    'curl' => ['curl' => $curl],
    'both' => ['ours' => $ours, 'curl' => $curl],
    default => null,
};
if ($sides === null) {
    fwrite(STDERR, "usage: php overhead.php CONFIG.json ours|curl CALLS | both CALLS BLOCK\n");
    exit(2);
}

foreach ($sides as $call) {
    $call(); // client, connection and TLS session set up outside the measurement
}
$usage = static function (): array {
    $r = getrusage();
    return [$r['ru_utime.tv_sec'] * 1e6 + $r['ru_utime.tv_usec'], $r['ru_stime.tv_sec'] * 1e6 + $r['ru_stime.tv_usec'], $r['ru_nvcsw'] + $r['ru_nivcsw'], hrtime(true) / 1e3];
};
$sum = array_fill_keys(array_keys($sides), ['found' => 0, 'calls' => 0, 'user' => 0.0, 'sys' => 0.0, 'wall' => 0.0, 'cs' => 0]);
$order = array_keys($sides);
for ($done = 0; $done < $calls; $done += $block, $order = array_reverse($order)) {
    $n = min($block, $calls - $done);
    foreach ($order as $side) {
        $call = $sides[$side];
        $found = 0;
        [$u0, $s0, $cs0, $w0] = $usage();
        for ($i = 0; $i < $n; $i++) {
            if ($call()) { $found++; }
        }
        [$u1, $s1, $cs1, $w1] = $usage();
        $sum[$side] = ['found' => $sum[$side]['found'] + $found, 'calls' => $sum[$side]['calls'] + $n, 'user' => $sum[$side]['user'] + $u1 - $u0,
            'sys' => $sum[$side]['sys'] + $s1 - $s0, 'wall' => $sum[$side]['wall'] + $w1 - $w0, 'cs' => $sum[$side]['cs'] + $cs1 - $cs0];
    }
}
$result = [];
foreach ($sum as $side => $s) {
    $per = static fn(float $x): ?float => $s['calls'] > 0 ? $x / $s['calls'] : null;
    $result[$side] = [
        'mode' => $side,
        'calls' => $s['calls'],
        'found' => $s['found'],
        'cpu_us_per_call' => $per($s['user'] + $s['sys']),
        'user_us_per_call' => $per($s['user']),
        'sys_us_per_call' => $per($s['sys']),
        'wall_us_per_call' => $per($s['wall']),
        'context_switches_per_call' => $per($s['cs']),
    ];
}
echo json_encode($mode === 'both' ? ['mode' => 'both', 'block' => $block, 'sides' => $result] : $result[$mode]), "\n";
