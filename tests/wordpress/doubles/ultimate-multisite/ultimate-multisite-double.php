<?php
/**
 * Plugin Name: Ultimate Multisite (test double)
 * Description: A stand-in for Ultimate Multisite's host-integration framework, written from
 * /work/shared/reference/ultimate-multisite.md (class names, hooks, option names). Loaded as
 * the mu-plugins directory by the ultimate-multisite test suites only. Not the real plugin.
 *
 * WU_TEST_UM_VERSION=2.5 (default): the Integration_Registry framework (2.5+).
 * WU_TEST_UM_VERSION=2.4: only the legacy Base_Host_Provider framework (2.0-2.4).
 *
 * Differences from the real plugin, on purpose: the four domain actions run synchronously
 * (the real one enqueues them in Action Scheduler and runs them later with positional
 * arguments, which is what do_action does here), and Credential_Store is a reversible
 * encoding instead of AES.
 */

defined('ABSPATH') || exit;

define('WU_DOUBLE_UM_VERSION', getenv('WU_TEST_UM_VERSION') ?: '2.5');

$GLOBALS['wu_double_log']        = [];
$GLOBALS['wu_double_core_calls'] = [];
$GLOBALS['wu_double_domains']    = [];

require __DIR__ . '/inc/functions.php';
require __DIR__ . '/inc/action-scheduler.php';
require __DIR__ . '/inc/legacy.php';
if (version_compare(WU_DOUBLE_UM_VERSION, '2.5', '>=')) {
	require __DIR__ . '/inc/registry.php';
	// As WP_Ultimo::load_managers() does, before plugins_loaded.
	\WP_Ultimo\Integrations\Integration_Registry::get_instance()->init();
}
require __DIR__ . '/inc/domain-manager.php';
\WP_Ultimo\Managers\Domain_Manager::get_instance();
