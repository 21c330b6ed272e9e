<?php
// Bulk sync / backfill: make RunCloud hold SIZE domains (PATTERN with {n} = 1..SIZE) with one
// wu_runcloud_sync() call, as `wp runcloud sync` does. Prints JSON: wall time and a summary.
//
//   php bulk.php CONFIG.json SIZE PATTERN
declare(strict_types=1);

[$_, $cfgFile, $size, $pattern] = $argv + [null, null, null, null];
$cfg = json_decode((string) file_get_contents($cfgFile), true);
$wanted = [];
for ($i = 1; $i <= (int) $size; $i++) { $wanted[] = str_replace('{n}', (string) $i, $pattern); }

$t0 = hrtime(true);
$error = null;
$r = null;
try {
    $r = wu_runcloud_sync($cfg, $wanted);
} catch (Throwable $e) {
    $error = get_class($e) . ': ' . $e->getMessage();
}
$wall = (hrtime(true) - $t0) / 1e9;
$count = static fn($x) => is_array($x) ? count($x) : $x;
echo json_encode([
    'wall_s' => $wall,
    'error' => $error,
    'summary' => $r === null ? null : [
        'added' => $count($r['added'] ?? null),
        'removed' => $count($r['removed'] ?? null),
        'unchanged' => $count($r['unchanged'] ?? null),
        'failed' => $count($r['failed'] ?? null),
        'failed_sample' => is_array($r['failed'] ?? null) ? array_slice($r['failed'], 0, 3, true) : null,
        'requests' => $r['requests'] ?? null,
        'ssl' => $r['ssl'] ?? null,
    ],
]), "\n";
