<?php
/**
 * Prints the um-compat results as a release x check table (Markdown), from the JUnit files
 * and fatal-error notes tests/wordpress/run.sh leaves in DIR (<version>.<credentials>.xml /
 * .fatal). Each cell holds three results, for the token, key + secret and no credentials:
 * `ok`, `FAIL`, `-` (not applicable to that release or credential set) or `FATAL`.
 *
 *   php report.php DIR
 */

$dir = $argv[1] ?? '';
if (!is_dir($dir)) {
	fwrite(STDERR, "usage: php report.php DIR\n");
	exit(2);
}

$creds    = ['token', 'key_secret', 'none'];
$results  = []; // [check][version][creds] => ok|FAIL
$versions = [];
$notes    = [];
foreach (glob($dir . '/*.*.{xml,fatal}', GLOB_BRACE) as $file) {
	if (!preg_match('/^(.+)\.(token|key_secret|none)\.(xml|fatal)$/', basename($file), $m)) {
		continue;
	}
	[, $version, $cred, $kind] = $m;
	$versions[$version] = true;
	if ($kind === 'fatal') {
		$results['*'][$version][$cred] = 'FATAL';
		$notes[] = trim((string) file_get_contents($file));
		continue;
	}
	$xml = @simplexml_load_file($file);
	if ($xml === false) {
		continue;
	}
	foreach ($xml->xpath('//testcase') as $case) {
		$class = substr(strrchr((string) $case['class'], '\\'), 1);
		$check = preg_replace('/Test$/', '', $class) . ': ' . str_replace('_', ' ', preg_replace('/^test_/', '', (string) $case['name']));
		$failure = $case->failure ?? $case->error ?? null;
		$results[$check][$version][$cred] = $failure === null ? 'ok' : 'FAIL';
		if ($failure !== null) {
			// JUnit's text starts with the test's own name; the assertion message follows.
			$lines   = array_values(array_filter(array_map('trim', explode("\n", (string) $failure))));
			$message = $lines[1] ?? $lines[0] ?? 'failed';
			$notes[] = "{$version} ({$cred}) {$check}: " . $message . (substr($message, -1) === ':' && isset($lines[2]) ? ' ' . $lines[2] : '');
		}
	}
}
uksort($versions, 'version_compare');
$versions = array_keys($versions);

$fatal = $results['*'] ?? [];
unset($results['*']);
ksort($results);
$rows = [];
foreach ($results as $check => $by_version) {
	$row = [$check];
	foreach ($versions as $version) {
		$cell = [];
		foreach ($creds as $cred) {
			$cell[] = $fatal[$version][$cred] ?? $by_version[$version][$cred] ?? (isset($fatal[$version]) ? 'FATAL' : '-');
		}
		$row[] = implode(' ', $cell);
	}
	$rows[] = $row;
}
if ($rows === []) {
	$row = ['(no test ran)'];
	foreach ($versions as $version) {
		$row[] = implode(' ', array_map(static fn($c) => $fatal[$version][$c] ?? '-', $creds));
	}
	$rows[] = $row;
}

echo "\nUltimate Multisite compatibility (each cell: token, key + secret, no credentials)\n\n";
echo '| check | ' . implode(' | ', $versions) . " |\n";
echo '|---|' . str_repeat('---|', count($versions)) . "\n";
foreach ($rows as $row) {
	echo '| ' . implode(' | ', $row) . " |\n";
}
if ($notes !== []) {
	echo "\n" . implode("\n", array_unique($notes)) . "\n";
}
