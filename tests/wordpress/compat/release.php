<?php
/**
 * One Ultimate Multisite release folder (…/ultimate-multisite/<version>, a test fixture) as
 * an autoloadable set of classes, the way UM's own Composer class map loads them: nothing is
 * copied, every class comes from the release's own file.
 *
 * Used by the compatibility suite's mu-plugin (inside WordPress) and by the signature
 * guard's per-release dump (plain PHP).
 */

/** Release folders under $root (default `WU_UM_FRAMEWORKS` or `<repo>/../shared/ultimate-multisite`), oldest first. */
function wu_compat_release_dirs(?string $root = null): array {
	$root = $root ?? wu_compat_frameworks_root();
	$dirs = [];
	foreach ((array) glob(rtrim($root, '/') . '/*', GLOB_ONLYDIR) as $dir) {
		if (is_dir($dir . '/inc') && preg_match('/^\d+(\.\d+)+$/', basename($dir))) {
			$dirs[basename($dir)] = (string) realpath($dir);
		}
	}
	uksort($dirs, 'version_compare');
	return $dirs;
}

function wu_compat_frameworks_root(): string {
	$env = getenv('WU_UM_FRAMEWORKS');
	return $env !== false && $env !== '' ? $env : dirname(__DIR__, 3) . '/../shared/ultimate-multisite';
}

/** Fully qualified class/interface/trait name => file, read from the release's sources. */
function wu_compat_release_classmap(string $dir): array {
	$map   = [];
	$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir . '/inc', FilesystemIterator::SKIP_DOTS));
	foreach ($files as $file) {
		if ($file->getExtension() !== 'php') {
			continue;
		}
		$source    = (string) file_get_contents($file->getPathname());
		$namespace = preg_match('/^namespace\s+([^;\s]+)\s*;/m', $source, $m) ? $m[1] . '\\' : '';
		if (preg_match_all('/^\s*(?:(?:abstract|final)\s+)*(?:class|interface|trait)\s+(\w+)/m', $source, $found)) {
			foreach ($found[1] as $name) {
				$map[strtolower($namespace . $name)] = $file->getPathname();
			}
		}
	}
	return $map;
}

/** Autoload the release's classes (only `WP_Ultimo\…` names it really ships). */
function wu_compat_register_release(string $dir): void {
	$map = wu_compat_release_classmap($dir);
	spl_autoload_register(static function (string $class) use ($map): void {
		$file = $map[strtolower(ltrim($class, '\\'))] ?? null;
		if ($file !== null) {
			require_once $file;
		}
	});
}

/** Which frameworks a release folder ships. */
function wu_compat_release_features(string $dir): array {
	return [
		'registry'      => is_file($dir . '/inc/integrations/class-integration-registry.php'),
		'host_provider' => is_file($dir . '/inc/integrations/host-providers/class-base-host-provider.php'),
		'core_provider' => is_file($dir . '/inc/integrations/host-providers/class-runcloud-host-provider.php'),
	];
}
