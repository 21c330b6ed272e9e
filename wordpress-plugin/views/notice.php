<?php
/**
 * One network-admin notice. Expects $type (error|warning|info|success), $message and
 * $dismiss_url (null when not dismissible).
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;
?>
<div class="notice notice-<?php echo esc_attr($type); ?> wu-runcloud-notice">
	<p>
		<strong><?php esc_html_e('WU RunCloud:', 'wu-runcloud'); ?></strong>
		<?php echo esc_html($message); ?>
		<?php if ($dismiss_url) : ?>
			<a href="<?php echo esc_url($dismiss_url); ?>"><?php esc_html_e('Dismiss', 'wu-runcloud'); ?></a>
		<?php endif; ?>
	</p>
</div>
