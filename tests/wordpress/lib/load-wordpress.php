<?php
/**
 * Loads the WordPress install in $wp_dir, with our plugin, into a PHPUnit bootstrap
 * (tests/wordpress/bootstrap.php, compat/bootstrap.php), then the plugin suites' TestCase.
 */

// PHPUnit includes a bootstrap from a method: WordPress's file-scope variables must be globals.
global $wpdb, $current_site, $current_blog, $wp_rewrite, $shortcode_tags, $wp, $wp_query,
	$wp_the_query, $wp_roles, $wp_filter, $wp_actions, $wp_current_filter, $table_prefix,
	$wp_version, $wp_db_version, $domain, $path, $site_id, $public, $blog_id, $wp_object_cache,
	$wp_plugin_paths, $wp_locale, $wp_embed, $wp_widget_factory, $pagenow, $wp_scripts, $wp_styles;

require $wp_dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';

if (!class_exists('WU_RunCloud\\Plugin', false)) {
	fwrite(STDERR, "The wu-runcloud plugin did not load: is it network-activated in {$wp_dir}?\n");
	exit(1);
}

require __DIR__ . '/TestCase.php';
