<?php
/**
 * Network Admin -> Settings -> RunCloud. Expects $data from Network_Admin::render_page().
 * Everything is escaped here, at the point of output.
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;

$wu_rc_post = admin_url('admin-post.php');
$wu_rc_rows = $data['rows']['rows'];
$wu_rc_pages = (int) ceil($data['rows']['total'] / WU_RunCloud\Network_Admin::PER_PAGE);
$wu_rc_yes_no = static function ($value): string {
	if ($value === null) {
		return __('unknown', 'wu-runcloud');
	}
	return $value ? __('yes', 'wu-runcloud') : __('no', 'wu-runcloud');
};
?>
<div class="wrap wu-runcloud">
	<h1><?php esc_html_e('RunCloud', 'wu-runcloud'); ?></h1>

	<?php if (is_array($data['flash']) && !empty($data['flash']['message'])) : ?>
		<div class="notice notice-<?php echo esc_attr($data['flash']['type']); ?>"><p><?php echo esc_html($data['flash']['message']); ?></p></div>
	<?php endif; ?>

	<?php if ($data['ssl_warning'] !== '') : ?>
		<div class="notice notice-warning"><p><?php echo esc_html($data['ssl_warning']); ?></p></div>
	<?php endif; ?>

	<h2><?php esc_html_e('Connection', 'wu-runcloud'); ?></h2>
	<table class="form-table" role="presentation">
		<tr>
			<th scope="row"><?php esc_html_e('PHP extension', 'wu-runcloud'); ?></th>
			<td><?php echo $data['extension'] ? esc_html__('loaded', 'wu-runcloud') : esc_html__('missing: install the wu_runcloud PHP extension (make install), then reload php-fpm', 'wu-runcloud'); ?></td>
		</tr>
		<tr>
			<th scope="row"><?php esc_html_e('Credentials', 'wu-runcloud'); ?></th>
			<td>
				<?php
				if ($data['credentials'] === 'token') {
					esc_html_e('API token (RunCloud API v3)', 'wu-runcloud');
				} elseif ($data['credentials'] === 'key_secret') {
					esc_html_e('API key and secret (legacy RunCloud API v2)', 'wu-runcloud');
				} else {
					esc_html_e('none', 'wu-runcloud');
				}
				if ($data['missing']) {
					echo ' &mdash; ';
					/* translators: %s: constant names */
					echo esc_html(sprintf(__('missing in wp-config.php: %s', 'wu-runcloud'), implode(', ', $data['missing'])));
				}
				?>
			</td>
		</tr>
		<tr>
			<th scope="row"><?php esc_html_e('Server / web application', 'wu-runcloud'); ?></th>
			<td><?php echo esc_html(($data['server_id'] ?: '?') . ' / ' . ($data['app_id'] ?: '?')); ?></td>
		</tr>
		<tr>
			<th scope="row"><?php esc_html_e('SSL mode', 'wu-runcloud'); ?></th>
			<td>
				<?php
				if (!empty($data['last_test']['ssl_mode'])) {
					$wu_rc_count = (int) $data['last_test']['domains'];
					/* translators: 1: SSL mode, 2: domain count */
					echo esc_html(sprintf(_n('%1$s (%2$d domain on the app at the last test)', '%1$s (%2$d domains on the app at the last test)', $wu_rc_count, 'wu-runcloud'), $data['last_test']['ssl_mode'], $wu_rc_count));
				} else {
					esc_html_e('unknown until Test Connection runs', 'wu-runcloud');
				}
				?>
			</td>
		</tr>
		<tr>
			<th scope="row"><?php esc_html_e('Sync', 'wu-runcloud'); ?></th>
			<td>
				<form method="post" action="<?php echo esc_url($wu_rc_post); ?>">
					<input type="hidden" name="action" value="wu_runcloud_toggle">
					<?php wp_nonce_field('wu_runcloud_toggle'); ?>
					<?php if ($data['um_mode'] !== 'none') : ?>
						<p class="description"><?php esc_html_e('Ultimate Multisite is active: this toggle is its RunCloud host integration switch.', 'wu-runcloud'); ?></p>
					<?php endif; ?>
					<input type="hidden" name="enabled" value="<?php echo $data['enabled'] ? '0' : '1'; ?>">
					<strong><?php echo $data['enabled'] ? esc_html__('Enabled', 'wu-runcloud') : esc_html__('Disabled', 'wu-runcloud'); ?></strong>
					<?php submit_button($data['enabled'] ? __('Disable', 'wu-runcloud') : __('Enable', 'wu-runcloud'), 'secondary', 'submit', false); ?>
				</form>
			</td>
		</tr>
		<tr>
			<th scope="row"><?php esc_html_e('Test Connection', 'wu-runcloud'); ?></th>
			<td>
				<form method="post" action="<?php echo esc_url($wu_rc_post); ?>" id="wu-runcloud-test-form">
					<input type="hidden" name="action" value="wu_runcloud_test">
					<?php wp_nonce_field('wu_runcloud_test'); ?>
					<?php submit_button(__('Test Connection', 'wu-runcloud'), 'secondary', 'submit', false); ?>
					<span id="wu-runcloud-test-result" aria-live="polite"></span>
				</form>
			</td>
		</tr>
	</table>

	<h2><?php esc_html_e('Sync now', 'wu-runcloud'); ?></h2>
	<p><?php esc_html_e('Adds every WordPress hostname missing in RunCloud and removes domains this plugin added that WordPress no longer has, once two syncs in a row found them unused, and at most the larger of 5 and 10 % of them per run. Domains added by hand in RunCloud, primary domains and domains any site, mapping or pending add still uses are never removed.', 'wu-runcloud'); ?></p>
	<form method="post" action="<?php echo esc_url($wu_rc_post); ?>" style="display:inline">
		<input type="hidden" name="action" value="wu_runcloud_sync">
		<input type="hidden" name="dry_run" value="1">
		<?php wp_nonce_field('wu_runcloud_sync'); ?>
		<?php submit_button(__('Preview (dry run)', 'wu-runcloud'), 'secondary', 'submit', false); ?>
	</form>
	<form method="post" action="<?php echo esc_url($wu_rc_post); ?>" style="display:inline">
		<input type="hidden" name="action" value="wu_runcloud_sync">
		<?php wp_nonce_field('wu_runcloud_sync'); ?>
		<?php submit_button(__('Sync now', 'wu-runcloud'), 'primary', 'submit', false); ?>
	</form>
	<?php if (is_array($data['last_sync']) && !empty($data['last_sync']['time'])) : ?>
		<p class="wu-runcloud-last-sync">
			<?php
			echo esc_html(sprintf(
				/* translators: 1: date and time (UTC), 2: added, 3: removed, 4: failed */
				__('Last sync %1$s UTC: %2$d added, %3$d removed, %4$d failed.', 'wu-runcloud'),
				gmdate('Y-m-d H:i:s', (int) $data['last_sync']['time']),
				count((array) $data['last_sync']['added']),
				count((array) $data['last_sync']['removed']),
				count((array) $data['last_sync']['failed'])
			));
			if (!empty($data['last_sync']['prune_why'])) {
				echo ' ' . esc_html(ucfirst((string) $data['last_sync']['prune_why']) . '.');
			}
			?>
		</p>
	<?php endif; ?>
	<?php if (is_array($data['preview'])) : ?>
		<div class="wu-runcloud-preview">
			<h3><?php esc_html_e('Preview', 'wu-runcloud'); ?></h3>
			<p><?php esc_html_e('Would add:', 'wu-runcloud'); ?> <?php echo esc_html($data['preview']['added'] ? implode(', ', $data['preview']['added']) : __('nothing', 'wu-runcloud')); ?></p>
			<p><?php esc_html_e('Would remove:', 'wu-runcloud'); ?> <?php echo esc_html($data['preview']['removed'] ? implode(', ', $data['preview']['removed']) : __('nothing', 'wu-runcloud')); ?></p>
		</div>
	<?php endif; ?>

	<h2><?php esc_html_e('Needs attention', 'wu-runcloud'); ?></h2>
	<?php if (!$data['problems']) : ?>
		<p><?php esc_html_e('No failed operations.', 'wu-runcloud'); ?></p>
	<?php else : ?>
		<table class="widefat striped wu-runcloud-problems">
			<thead><tr>
				<th><?php esc_html_e('Operation', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Domain', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('State', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Attempts', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('HTTP status', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Error', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Next try', 'wu-runcloud'); ?></th>
				<th></th>
			</tr></thead>
			<tbody>
			<?php foreach ($data['problems'] as $wu_rc_op) : ?>
				<tr>
					<td><?php echo esc_html($wu_rc_op->op); ?></td>
					<td><?php echo esc_html($wu_rc_op->domain); ?></td>
					<td><?php echo esc_html($wu_rc_op->status === 'failed' ? __('failed (will not retry)', 'wu-runcloud') : __('retrying', 'wu-runcloud')); ?></td>
					<td><?php echo esc_html((string) $wu_rc_op->attempts); ?></td>
					<td><?php echo esc_html($wu_rc_op->last_status ? (string) $wu_rc_op->last_status : '-'); ?></td>
					<td><?php echo esc_html((string) $wu_rc_op->last_error); ?></td>
					<td><?php echo esc_html($wu_rc_op->status === 'retrying' ? gmdate('Y-m-d H:i:s', (int) $wu_rc_op->next_attempt_at) . ' UTC' : '-'); ?></td>
					<td>
						<?php foreach (['retry' => __('Retry now', 'wu-runcloud'), 'dismiss' => __('Dismiss', 'wu-runcloud')] as $wu_rc_do => $wu_rc_label) : ?>
							<form method="post" action="<?php echo esc_url($wu_rc_post); ?>" style="display:inline">
								<input type="hidden" name="action" value="wu_runcloud_op">
								<input type="hidden" name="op_id" value="<?php echo esc_attr((string) $wu_rc_op->id); ?>">
								<input type="hidden" name="do" value="<?php echo esc_attr($wu_rc_do); ?>">
								<?php wp_nonce_field('wu_runcloud_op_' . (int) $wu_rc_op->id); ?>
								<?php submit_button($wu_rc_label, 'small', 'submit', false); ?>
							</form>
						<?php endforeach; ?>
					</td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>

	<h2><?php esc_html_e('Domains', 'wu-runcloud'); ?></h2>
	<table class="widefat striped wu-runcloud-status">
		<thead><tr>
			<th><?php esc_html_e('Domain', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('In WordPress', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('In RunCloud', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('Added by this plugin', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('Stage', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('Last result', 'wu-runcloud'); ?></th>
			<th><?php esc_html_e('Last error', 'wu-runcloud'); ?></th>
		</tr></thead>
		<tbody>
		<?php if (!$wu_rc_rows) : ?>
			<tr><td colspan="7"><?php esc_html_e('No domains besides the network\'s main domain.', 'wu-runcloud'); ?></td></tr>
		<?php endif; ?>
		<?php foreach ($wu_rc_rows as $wu_rc_row) : ?>
			<tr>
				<td><?php echo esc_html($wu_rc_row['domain']); ?></td>
				<td><?php echo esc_html($wu_rc_yes_no($wu_rc_row['in_wp'])); ?></td>
				<td><?php echo esc_html($wu_rc_yes_no($wu_rc_row['in_runcloud'])); ?><?php echo $wu_rc_row['runcloud_id'] ? ' (#' . esc_html((string) $wu_rc_row['runcloud_id']) . ')' : ''; ?></td>
				<td><?php echo esc_html($wu_rc_yes_no($wu_rc_row['managed'])); ?></td>
				<td class="wu-runcloud-stage" data-stage="<?php echo esc_attr($wu_rc_row['stage']); ?>"><?php if ($wu_rc_row['stage'] !== '') : ?><strong><?php echo esc_html($wu_rc_row['stage_label']); ?></strong><?php echo $wu_rc_row['stage_note'] !== '' ? '<br>' . esc_html($wu_rc_row['stage_note']) : ''; ?><?php endif; ?></td>
				<td><?php echo esc_html(trim($wu_rc_row['last_op'] . ' ' . $wu_rc_row['last_result'] . ($wu_rc_row['last_status'] ? ' (HTTP ' . $wu_rc_row['last_status'] . ')' : ''))); ?></td>
				<td><?php echo esc_html($wu_rc_row['last_error']); ?></td>
			</tr>
		<?php endforeach; ?>
		</tbody>
	</table>
	<?php if ($wu_rc_pages > 1) : ?>
		<p class="wu-runcloud-pages">
			<?php
			echo wp_kses_post(paginate_links([
				'base'    => add_query_arg('paged', '%#%', WU_RunCloud\Network_Admin::page_url()),
				'format'  => '',
				'current' => $data['paged'],
				'total'   => $wu_rc_pages,
			]));
			?>
		</p>
	<?php endif; ?>

	<h2><?php esc_html_e('Recent log', 'wu-runcloud'); ?></h2>
	<?php if ($data['log'] === null) : ?>
		<p><?php esc_html_e('Ultimate Multisite is active: this plugin logs to its log (handle integration-runcloud), under Ultimate Multisite -> Logs.', 'wu-runcloud'); ?></p>
	<?php elseif (!$data['log']) : ?>
		<p><?php esc_html_e('Nothing logged yet.', 'wu-runcloud'); ?></p>
	<?php else : ?>
		<table class="widefat striped wu-runcloud-log">
			<thead><tr>
				<th><?php esc_html_e('Time (UTC)', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Operation', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Domain', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Outcome', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('HTTP status', 'wu-runcloud'); ?></th>
				<th><?php esc_html_e('Message', 'wu-runcloud'); ?></th>
			</tr></thead>
			<tbody>
			<?php foreach ($data['log'] as $wu_rc_line) : ?>
				<tr class="level-<?php echo esc_attr($wu_rc_line->level); ?>">
					<td><?php echo esc_html(gmdate('Y-m-d H:i:s', (int) $wu_rc_line->created_at)); ?></td>
					<td><?php echo esc_html($wu_rc_line->op); ?></td>
					<td><?php echo esc_html($wu_rc_line->domain); ?></td>
					<td><?php echo esc_html($wu_rc_line->outcome); ?></td>
					<td><?php echo esc_html($wu_rc_line->status ? (string) $wu_rc_line->status : '-'); ?></td>
					<td><?php echo esc_html((string) $wu_rc_line->message); ?></td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>
</div>
<script>
(function () {
	var form = document.getElementById('wu-runcloud-test-form');
	if (!form || !window.fetch) { return; }
	form.addEventListener('submit', function (event) {
		event.preventDefault();
		var out = document.getElementById('wu-runcloud-test-result');
		out.textContent = <?php echo wp_json_encode(__('Testing...', 'wu-runcloud')); ?>;
		var body = new FormData(form);
		body.set('action', 'wu_runcloud_test');
		fetch(<?php echo wp_json_encode(admin_url('admin-ajax.php')); ?>, {method: 'POST', body: body, credentials: 'same-origin'})
			.then(function (r) { return r.json(); })
			.then(function (json) { out.textContent = (json && json.data && json.data.message) || ''; })
			.catch(function () { out.textContent = <?php echo wp_json_encode(__('The test request failed.', 'wu-runcloud')); ?>; });
	});
}());
</script>
