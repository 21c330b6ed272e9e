<?php
/**
 * Plugin Name:       WU RunCloud
 * Description:       Keeps a multisite network's domains in sync with a RunCloud web application (add, remove, SSL redeploy), through the wu_runcloud PHP extension. Works with Ultimate Multisite or on its own.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            wu-runcloud
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       wu-runcloud
 * Domain Path:       /languages
 * Network:           true
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;

if (defined('WU_RUNCLOUD_PLUGIN_FILE')) {
	return; // Loaded twice (e.g. a copy in mu-plugins): the first one wins.
}

define('WU_RUNCLOUD_PLUGIN_FILE', __FILE__);
define('WU_RUNCLOUD_PLUGIN_VERSION', '0.1.0');

if (PHP_VERSION_ID < 80100) {
	// Guard clause: say why instead of failing with a parse error in src/.
	add_action('network_admin_notices', static function () {
		echo '<div class="notice notice-error"><p>' . esc_html__('WU RunCloud needs PHP 8.1 or newer.', 'wu-runcloud') . '</p></div>';
	});
	return;
}

if (!is_multisite()) {
	add_action('admin_notices', static function () {
		echo '<div class="notice notice-error"><p>' . esc_html__('WU RunCloud works on WordPress multisite networks only.', 'wu-runcloud') . '</p></div>';
	});
	return;
}

spl_autoload_register(static function (string $class): void {
	$prefix = 'WU_RunCloud\\';
	if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
		return;
	}
	$file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
	if (is_file($file)) {
		require $file;
	}
});

register_activation_hook(__FILE__, ['WU_RunCloud\\Plugin', 'activate']);
register_deactivation_hook(__FILE__, ['WU_RunCloud\\Plugin', 'deactivate']);

// The extension being absent is not fatal: Plugin records operations and shows a notice.
WU_RunCloud\Plugin::boot();
