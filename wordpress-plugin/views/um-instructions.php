<?php
/**
 * Instructions step of Ultimate Multisite's integration wizard.
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;
?>
<div class="wu-runcloud-instructions">
	<p><?php esc_html_e('1. In the RunCloud dashboard, create an API token (Settings -> API Management). Accounts on the legacy API can use an API key and secret (profile menu -> API) instead.', 'wu-runcloud'); ?></p>
	<p><?php esc_html_e('2. Open your web application in RunCloud: the server id is the number after /servers/ in the URL, the web application id the number after /apps/.', 'wu-runcloud'); ?></p>
	<p><?php esc_html_e('3. Add them to wp-config.php (or fill in the next step):', 'wu-runcloud'); ?></p>
	<pre>define('WU_RUNCLOUD_API_TOKEN', 'your_api_token');
define('WU_RUNCLOUD_SERVER_ID', 'your_server_id');
define('WU_RUNCLOUD_APP_ID', 'your_app_id');</pre>
	<p><?php esc_html_e('4. The wu_runcloud PHP extension must be loaded in php-fpm and the PHP CLI (make install, then reload php-fpm).', 'wu-runcloud'); ?></p>
	<p><?php esc_html_e('Status, failed operations and "Sync now" are under Network Admin -> Settings -> RunCloud.', 'wu-runcloud'); ?></p>
</div>
