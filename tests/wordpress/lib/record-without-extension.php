<?php
/**
 * Child process for ExtensionArrivesTest: a PHP without the wu_runcloud extension loads the
 * same WordPress and records domain changes (the plugin must keep them for later).
 *
 *   php lib/record-without-extension.php DOMAIN SITE_SLUG      (env WU_TEST_WP_DIR)
 * Prints one JSON line: {"extension_loaded": bool, "ops": <row count>}
 */

// Not $domain: WordPress sets that global while loading.
[$_, $wu_mapped, $wu_slug] = $argv + ['', '', ''];
$_SERVER['HTTP_HOST']   = getenv('WU_TEST_DOMAIN') ?: 'network.test';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
require getenv('WU_TEST_WP_DIR') . '/wp-load.php';

do_action('wu_add_domain', $wu_mapped, 1);
$network = get_network();
wp_insert_site(['domain' => $wu_slug . '.' . $network->domain, 'path' => '/', 'network_id' => (int) $network->id, 'user_id' => 1, 'title' => $wu_slug]);
\WU_RunCloud\Worker::process_due();

global $wpdb;
echo json_encode([
	'extension_loaded' => extension_loaded('wu_runcloud'),
	'ops'              => (int) $wpdb->get_var('SELECT COUNT(*) FROM ' . \WU_RunCloud\Queue::table() . " WHERE status = 'pending'"),
]), "\n";
