<?php
/**
 * Prints, as JSON, what a subclass must be compatible with for each named class or
 * interface of one Ultimate Multisite release (null when the release does not ship it).
 * Runs in its own PHP process per release: two releases declare the same class names.
 *
 *   php dump-release.php <release dir> <Class\Name> [<Class\Name> …]
 */

[$self, $dir] = $argv + [null, null];
$names        = array_slice($argv, 2);
if ($dir === null || !is_dir($dir . '/inc') || $names === []) {
	fwrite(STDERR, "usage: php dump-release.php <release dir> <Class\\Name>...\n");
	exit(2);
}

define('ABSPATH', sys_get_temp_dir() . '/'); // The release's files exit without it.
require __DIR__ . '/../release.php';
require __DIR__ . '/Signatures.php';
wu_compat_register_release($dir);

$out = [];
foreach ($names as $name) {
	$exists      = class_exists($name) || interface_exists($name);
	$out[$name] = $exists ? \WU_RunCloud\Tests\Compat\Signatures::describe_parent(new ReflectionClass($name)) : null;
}
echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
