<?php
// Helper of wp-install.sh: `install` creates the main site and the network, then writes
// wp-config-multisite.php; `activate` network-activates the wu-runcloud plugin.
// Any HTTP request WordPress tries (the wildcard-DNS probe of populate_network) is refused
// here, so installing never leaves the machine.
[$_, $action, $dir, $domain, $mode, $password, $scheme] = $argv + array_fill(0, 7, '');

$_SERVER['HTTP_HOST']       = $domain;
$_SERVER['SERVER_NAME']     = $domain;
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD']  = 'GET';
if ($scheme === 'https') { $_SERVER['HTTPS'] = 'on'; }

function wu_install_fail(string $msg): void {
    fwrite(STDERR, "wp-install.php: $msg\n");
    exit(1);
}

if ($action === 'install') {
    global $wpdb;
    define('WP_INSTALLING', true);
    require $dir . '/wp-config.php';
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    add_filter('pre_http_request', static fn() => new WP_Error('offline', 'no network during install'));
    add_filter('pre_wp_mail', '__return_false');

    $result = wp_install('wu-runcloud network', 'admin', 'admin@' . $domain, false, '', wp_slash($password));
    if (is_wp_error($result)) { wu_install_fail('wp_install: ' . $result->get_error_message()); }
    update_option('siteurl', "$scheme://$domain");
    update_option('home', "$scheme://$domain");

    define('WP_INSTALLING_NETWORK', true);
    // As wp-admin/network.php does: the network tables have no names until multisite is on.
    foreach ($wpdb->tables('ms_global') as $table => $prefixed) { $wpdb->$table = $prefixed; }
    $subdomain = $mode === 'subdomain';
    install_network();
    $result = populate_network(1, $domain, 'admin@' . $domain, 'wu-runcloud network', '/', $subdomain);
    // The wildcard-DNS probe is refused above on purpose; anything else is a real failure.
    if (is_wp_error($result) && $result->get_error_code() !== 'no_wildcard_dns') {
        wu_install_fail('populate_network: ' . $result->get_error_message());
    }
    $ms = "<?php\n// Written by tests/lib/wp-install.php\n"
        . "define('MULTISITE', true);\n"
        . "define('SUBDOMAIN_INSTALL', " . ($subdomain ? 'true' : 'false') . ");\n"
        . "define('DOMAIN_CURRENT_SITE', " . var_export($domain, true) . ");\n"
        . "define('PATH_CURRENT_SITE', '/');\n"
        . "define('SITE_ID_CURRENT_SITE', 1);\n"
        . "define('BLOG_ID_CURRENT_SITE', 1);\n";
    file_put_contents($dir . '/wp-config-multisite.php', $ms) !== false || wu_install_fail('cannot write wp-config-multisite.php');
    exit(0);
}

if ($action === 'activate') {
    require $dir . '/wp-config.php';
    require_once ABSPATH . 'wp-admin/includes/plugin.php';
    if (!is_multisite()) { wu_install_fail('the network is not installed'); }
    wp_set_current_user(1);
    $result = activate_plugin('wu-runcloud/wu-runcloud.php', '', true);
    if (is_wp_error($result)) { wu_install_fail('activate_plugin: ' . $result->get_error_message()); }
    if (!is_plugin_active_for_network('wu-runcloud/wu-runcloud.php')) { wu_install_fail('wu-runcloud is not network-active after activation'); }
    exit(0);
}

wu_install_fail("unknown action '$action' (install|activate)");
