<?php
/**
 * Plugin Name: Ultimate Multisite (test double)
 * Description: A stand-in for Ultimate Multisite's host-integration framework, written from
 * /work/shared/reference/ultimate-multisite.md (class names, hooks, option names). Loaded as
 * the mu-plugins directory by the ultimate-multisite test suites only. Not the real plugin.
 *
 * WU_TEST_UM_VERSION picks a profile: which frameworks exist and whether their methods
 * declare types, as in the real releases (checked against them by the um-signatures and
 * um-compat suites, which load the real files):
 *   2.3    Base_Host_Provider only, untyped, final constructor          (2.0-2.3.x)
 *   2.4    Base_Host_Provider only, typed (`init(): void` …)             (2.4.0-2.4.10)
 *   2.5.1  the registry, typed modules; Base_Host_Provider typed         (2.4.11-2.5.1) default
 *   2.9    the registry, untyped modules; Base_Host_Provider untyped     (2.5.2+)
 *
 * Differences from the real plugin, on purpose: the four domain actions run synchronously
 * (the real one enqueues them in Action Scheduler and runs them later with positional
 * arguments, which is what do_action does here), and Credential_Store is a reversible
 * encoding instead of AES.
 */

defined('ABSPATH') || exit;

define('WU_DOUBLE_UM_VERSION', getenv('WU_TEST_UM_VERSION') ?: '2.5.1');

$wu_double_profile = [
	'2.3'   => ['registry' => null, 'legacy' => 'legacy-2.3.php'],
	'2.4'   => ['registry' => null, 'legacy' => 'legacy-typed.php'],
	'2.5.1' => ['registry' => 'typed', 'legacy' => 'legacy-typed.php'],
	'2.9'   => ['registry' => 'untyped', 'legacy' => 'legacy-untyped.php'],
][WU_DOUBLE_UM_VERSION] ?? null;
if ($wu_double_profile === null) {
	throw new RuntimeException('WU_TEST_UM_VERSION must be 2.3, 2.4, 2.5.1 or 2.9, not ' . WU_DOUBLE_UM_VERSION);
}
define('WU_DOUBLE_UM_REGISTRY', $wu_double_profile['registry']);

$GLOBALS['wu_double_log']        = [];
$GLOBALS['wu_double_core_calls'] = [];
$GLOBALS['wu_double_domains']    = [];

require __DIR__ . '/inc/functions.php';
require __DIR__ . '/inc/action-scheduler.php';
require __DIR__ . '/inc/legacy-common.php';
require __DIR__ . '/inc/' . $wu_double_profile['legacy'];
if (WU_DOUBLE_UM_REGISTRY === null) {
	require __DIR__ . '/inc/legacy-core-provider.php'; // Core's v2 provider went with the registry.
} else {
	require __DIR__ . '/inc/registry.php';
	// As WP_Ultimo::load_managers() does, before plugins_loaded.
	\WP_Ultimo\Integrations\Integration_Registry::get_instance()->init();
}
require __DIR__ . '/inc/domain-manager.php';
\WP_Ultimo\Managers\Domain_Manager::get_instance();
