<?php
/**
 * The signature guard needs no WordPress: our Ultimate Multisite classes are reflected
 * against empty stand-ins of their parents (so they load whatever a release declares), and
 * each release's real parents are read in a child process (signatures/dump-release.php).
 */

define('ABSPATH', sys_get_temp_dir() . '/'); // Our files exit without it.

require __DIR__ . '/empty-parents.php';

spl_autoload_register(static function (string $class): void {
	$prefix = 'WU_RunCloud\\';
	if (strncmp($class, $prefix, strlen($prefix)) === 0) {
		$file = dirname(__DIR__, 4) . '/wordpress-plugin/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
		if (is_file($file)) {
			require $file;
		}
	}
});

require __DIR__ . '/../release.php';
require __DIR__ . '/Signatures.php';
