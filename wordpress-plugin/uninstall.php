<?php
/**
 * Removes what this plugin created, and only that: its three tables, its network options (on
 * every network), its users' Screen Options, site transients and cron events. Ultimate Multisite's options (including
 * its wu_host_integrations_enabled list) and anything in RunCloud are left alone.
 *
 * @package WU_RunCloud
 */

defined('WP_UNINSTALL_PLUGIN') || exit;

global $wpdb;

// The plugin itself is not loaded during an uninstall: only the class that names the tables.
require_once __DIR__ . '/src/Schema.php';
WU_RunCloud\Schema::drop_tables();

// Every network's copy: a multi-network install keeps one set per network.
$wu_rc_options = ['wu_runcloud_enabled', 'wu_runcloud_db_version', 'wu_runcloud_last_test', 'wu_runcloud_last_sync', 'wu_runcloud_token_notice_dismissed', 'wu_runcloud_config_hold', 'wu_runcloud_prune_held'];
$wpdb->query($wpdb->prepare(
	"DELETE FROM {$wpdb->sitemeta} WHERE meta_key IN (" . implode(',', array_fill(0, count($wu_rc_options), '%s')) . ')',
	...$wu_rc_options
));

// Per-user Screen Options of the two tables (update_user_option() with the global flag: plain keys).
$wu_rc_user_options = ['wu_runcloud_domains_per_page', 'wu_runcloud_operations_per_page'];
$wpdb->query($wpdb->prepare(
	"DELETE FROM {$wpdb->usermeta} WHERE meta_key IN (" . implode(',', array_fill(0, count($wu_rc_user_options), '%s')) . ')',
	...$wu_rc_user_options
));

// Site transients: the wildcard cache and per-user flash/preview entries.
$wpdb->query($wpdb->prepare(
	"DELETE FROM {$wpdb->sitemeta} WHERE meta_key LIKE %s OR meta_key LIKE %s",
	$wpdb->esc_like('_site_transient_wu_runcloud_') . '%',
	$wpdb->esc_like('_site_transient_timeout_wu_runcloud_') . '%'
));
wp_cache_flush();

$wu_rc_switched = is_multisite() && !is_main_site();
if ($wu_rc_switched) {
	switch_to_blog(get_main_site_id());
}
wp_clear_scheduled_hook('wu_runcloud_process_queue');
wp_clear_scheduled_hook('wu_runcloud_reconcile');
if (function_exists('as_unschedule_all_actions')) {
	as_unschedule_all_actions('wu_runcloud_process_queue', [], 'wu-runcloud');
}
if ($wu_rc_switched) {
	restore_current_blog();
}
