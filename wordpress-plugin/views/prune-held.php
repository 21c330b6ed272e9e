<?php
/**
 * The network-admin alert for a prune held back because it was larger than one run may
 * remove. Expects $held (Reconciler::PRUNE_HELD_OPTION) and $post (admin-post.php URL).
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;

$wu_rc_shown = array_slice((array) $held['domains'], 0, 20);
$wu_rc_more  = (int) $held['count'] - count($wu_rc_shown);
?>
<div class="notice notice-warning wu-runcloud-notice wu-runcloud-prune-held">
	<p>
		<strong><?php esc_html_e('WU RunCloud:', 'wu-runcloud'); ?></strong>
		<?php
		echo esc_html(sprintf(
			/* translators: 1: number of domains, 2: the per-run limit, 3: number of domains managed */
			__('The sync would remove %1$d domains that this plugin added and this network no longer uses, more than the %2$d one run may remove (the larger of 5 and 10 %% of the %3$d it manages). Nothing was removed. Check that none of them is still needed:', 'wu-runcloud'),
			(int) $held['count'],
			(int) $held['limit'],
			(int) $held['managed']
		));
		?>
	</p>
	<p><code><?php echo esc_html(implode(', ', $wu_rc_shown)); ?></code>
	<?php if ($wu_rc_more > 0) : ?>
		<?php /* translators: %d: number of domains not listed */ echo esc_html(sprintf(__('and %d more', 'wu-runcloud'), $wu_rc_more)); ?>
	<?php endif; ?>
	</p>
	<form method="post" action="<?php echo esc_url($post); ?>">
		<input type="hidden" name="action" value="wu_runcloud_prune_force">
		<input type="hidden" name="held" value="<?php echo esc_attr(WU_RunCloud\Reconciler::held_fingerprint((array) $held['domains'])); ?>">
		<?php wp_nonce_field('wu_runcloud_prune_force'); ?>
		<?php
		/* translators: %s: a WP-CLI command */
		echo sprintf(esc_html__('To remove them on purpose, run %s or:', 'wu-runcloud'), '<code>wp runcloud sync --prune --force</code>') . ' ';
		submit_button(__('Remove these domains', 'wu-runcloud'), 'secondary', 'submit', false);
		?>
	</form>
</div>
