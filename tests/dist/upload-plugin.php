<?php
// Installs a plugin zip into a WordPress the way its "Upload Plugin" screen does
// (wp-admin/update.php?action=upload-plugin hands the uploaded file to Plugin_Upgrader::install()),
// then network-activates the plugin it found. For tests/dist/run.sh:
//   php tests/dist/upload-plugin.php WP_DIR ZIP DOMAIN
// Prints one JSON line: {"installed": bool, "plugin": "dir/file.php"|null, "activated": bool, "messages": [...]}.
[$_, $dir, $zip, $domain] = $argv + array_fill(0, 4, '');
$_SERVER['HTTP_HOST'] = $domain;
$_SERVER['SERVER_NAME'] = $domain;
$_SERVER['REQUEST_URI'] = '/wp-admin/update.php?action=upload-plugin';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'POST';
define('WP_ADMIN', true);
define('FS_METHOD', 'direct');
require $dir . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
wp_set_current_user(1); // the network admin wp-install.sh created, as on the Upload Plugin screen

$skin = new Automatic_Upgrader_Skin();
$upgrader = new Plugin_Upgrader($skin);
$result = $upgrader->install($zip);
$plugin = $result === true ? $upgrader->plugin_info() : null;
$activated = false;
if (is_string($plugin) && $plugin !== '') {
    $activation = activate_plugin($plugin, '', true);
    $activated = $activation === null && is_plugin_active_for_network($plugin);
}
$messages = $skin->get_upgrade_messages();
if (is_wp_error($result)) {
    $messages[] = 'error: ' . $result->get_error_message();
}
echo json_encode(['installed' => $result === true, 'plugin' => $plugin, 'activated' => $activated, 'messages' => $messages]), "\n";
