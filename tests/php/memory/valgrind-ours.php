<?php
/**
 * Reads a valgrind memcheck log and fails (exit 1) on any definitely/indirectly lost record
 * or memory error (invalid read/write/free, uninitialised value) whose stack has a frame in
 * our extension; prints the summary and every record that involves us.
 */

declare(strict_types=1);

$log = (string) file_get_contents($argv[1]);
$records = preg_split('/^==\d+== \n/m', $log);
$ours = static fn (string $r): bool => (bool) preg_match('/wu_runcloud|libwu_runcloud\.so/', $r);
$bad = $possibly = 0;
foreach ($records as $r) {
    if (!$ours($r)) {
        continue;
    }
    if (preg_match('/are (definitely|indirectly) lost|Invalid (read|write|free)|uninitialised|Mismatched free|overlap/', $r)) {
        $bad++;
        echo "OUR LEAK OR MEMORY ERROR:\n$r\n";
    } elseif (str_contains($r, 'are possibly lost')) {
        $possibly++;
        preg_match('/([\d,]+) bytes in ([\d,]+) blocks are possibly lost/', $r, $m);
        echo "possibly lost, with a frame of ours (reported, not failed): {$m[1]} bytes in {$m[2]} blocks\n";
    }
}
preg_match('/definitely lost: ([\d,]+) bytes/', $log, $d);
preg_match('/indirectly lost: ([\d,]+) bytes/', $log, $i);
preg_match('/possibly lost: ([\d,]+) bytes/', $log, $p);
preg_match('/ERROR SUMMARY: (\d+) errors/', $log, $e);
printf("valgrind: definitely lost %s B, indirectly lost %s B, possibly lost %s B (all code); memory errors %s; records involving wu_runcloud: %d leaks/errors, %d possibly lost\n",
    $d[1] ?? '?', $i[1] ?? '?', $p[1] ?? '?', $e[1] ?? '?', $bad, $possibly);
if (!isset($e[1])) {
    echo "FAILED: no valgrind summary in {$argv[1]}\n";
    exit(1);
}
exit($bad === 0 ? 0 : 1);
