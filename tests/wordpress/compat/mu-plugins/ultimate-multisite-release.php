<?php
/**
 * Plugin Name: Ultimate Multisite (a real release's framework, for the compatibility suite)
 * Description: Loads the integration framework of the release folder in WU_TEST_UM_RELEASE
 * (its own files, autoloaded), the smallest shims for the rest of UM (../shims.php) and
 * Action Scheduler's stand-in, then starts the managers as WP_Ultimo::load_managers() does:
 * the integration registry first, then Domain_Manager. As an mu-plugin it loads before ours,
 * as the real plugin does (alphabetical order) before plugins_loaded.
 */

defined('ABSPATH') || exit;

$wu_compat_release = (string) getenv('WU_TEST_UM_RELEASE');
if (!is_dir($wu_compat_release . '/inc')) {
	throw new RuntimeException("WU_TEST_UM_RELEASE is not an Ultimate Multisite release folder: '{$wu_compat_release}'");
}

require __DIR__ . '/../release.php';
require __DIR__ . '/../shims.php';
require __DIR__ . '/../../doubles/ultimate-multisite/inc/action-scheduler.php';
wu_compat_register_release($wu_compat_release);

if (class_exists('WP_Ultimo\\Integrations\\Integration_Registry')) {
	WP_Ultimo\Integrations\Integration_Registry::get_instance()->init();
}
WP_Ultimo\Managers\Domain_Manager::get_instance();
