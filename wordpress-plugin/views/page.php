<?php
/**
 * Network Admin -> Settings -> RunCloud. Expects $data from Network_Admin::render_page().
 * Everything is escaped here (or in the list tables), at the point of output.
 *
 * @package WU_RunCloud
 */

defined('ABSPATH') || exit;

use WU_RunCloud\Domain_Status;
use WU_RunCloud\Network_Admin;
use WU_RunCloud\Operations_Table;

$wu_rc_post = admin_url('admin-post.php');
$wu_rc_tabs = [
	'overview'   => __('Overview', 'wu-runcloud'),
	'domains'    => __('Domains', 'wu-runcloud'),
	'operations' => __('Operations', 'wu-runcloud'),
	'log'        => __('Log', 'wu-runcloud'),
];
?>
<style>
	.wu-runcloud .wu-rc-oneline { display: block; max-width: 48em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
	.wu-runcloud .wu-rc-oneline:focus { white-space: normal; overflow: visible; }
	.wu-runcloud .wu-rc-state-failing, .wu-runcloud .wu-rc-op-failed { color: #b32d2e; font-weight: 600; }
	.wu-runcloud .wu-rc-state-live, .wu-runcloud .wu-rc-state-wildcard { color: #007017; }
	.wu-runcloud .wu-rc-summary li { display: inline-block; margin-right: 1.5em; }
	.wu-runcloud .wu-runcloud-domains .column-domain { width: 22%; }
	.wu-runcloud .wu-runcloud-domains .column-state, .wu-runcloud .wu-runcloud-domains .column-last { width: 12%; }
	.wu-runcloud .wu-runcloud-domains .column-runcloud, .wu-runcloud .wu-runcloud-domains .column-ours, .wu-runcloud .wu-runcloud-domains .column-site { width: 7%; }
	.wu-runcloud .wu-runcloud-operations .column-id, .wu-runcloud .wu-runcloud-operations .column-attempts, .wu-runcloud .wu-runcloud-operations .column-http, .wu-runcloud .wu-runcloud-operations .column-network { width: 5%; }
	.wu-runcloud .wu-runcloud-operations .column-op, .wu-runcloud .wu-runcloud-operations .column-status { width: 8%; }
	.wu-runcloud .wu-runcloud-operations .column-domain { width: 18%; }
	.wu-runcloud .wu-runcloud-operations .column-next, .wu-runcloud .wu-runcloud-operations .column-updated { width: 11%; }
</style>
<div class="wrap wu-runcloud">
	<h1><?php esc_html_e('RunCloud', 'wu-runcloud'); ?></h1>

	<nav class="nav-tab-wrapper wu-rc-tabs">
		<?php foreach ($wu_rc_tabs as $wu_rc_tab => $wu_rc_label) : ?>
			<a href="<?php echo esc_url(Network_Admin::page_url($wu_rc_tab === 'overview' ? [] : ['tab' => $wu_rc_tab])); ?>" class="nav-tab<?php echo $data['tab'] === $wu_rc_tab ? ' nav-tab-active' : ''; ?>"<?php echo $data['tab'] === $wu_rc_tab ? ' aria-current="page"' : ''; ?>><?php echo esc_html($wu_rc_label); ?></a>
		<?php endforeach; ?>
	</nav>

	<?php if (is_array($data['flash']) && !empty($data['flash']['message'])) : ?>
		<div class="notice notice-<?php echo esc_attr($data['flash']['type']); ?>"><p><?php echo esc_html($data['flash']['message']); ?></p></div>
	<?php endif; ?>

	<?php if ($data['ssl_warning'] !== '') : ?>
		<div class="notice notice-warning"><p><?php echo esc_html($data['ssl_warning']); ?></p></div>
	<?php endif; ?>

	<?php if ($data['table'] !== null) : ?>
		<?php $wu_rc_search = isset($_REQUEST['s']) ? sanitize_text_field(wp_unslash($_REQUEST['s'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended ?>
		<?php $data['table']->views(); ?>
		<form method="get" action="<?php echo esc_url(network_admin_url('settings.php')); ?>" class="wu-rc-search">
			<input type="hidden" name="page" value="<?php echo esc_attr(Network_Admin::PAGE); ?>">
			<input type="hidden" name="tab" value="<?php echo esc_attr($data['tab']); ?>">
			<?php if (!empty($_REQUEST['view'])) : // phpcs:ignore WordPress.Security.NonceVerification.Recommended ?>
				<input type="hidden" name="view" value="<?php echo esc_attr(sanitize_key(wp_unslash($_REQUEST['view']))); // phpcs:ignore WordPress.Security.NonceVerification.Recommended ?>">
			<?php endif; ?>
			<?php $data['table']->search_box($data['tab'] === 'domains' ? __('Search domains', 'wu-runcloud') : __('Search operations by domain', 'wu-runcloud'), 'wu-rc-' . $data['tab']); ?>
		</form>
		<form method="post" action="<?php echo esc_url($wu_rc_post); ?>" class="wu-rc-bulk">
			<input type="hidden" name="action" value="<?php echo esc_attr($data['tab'] === 'domains' ? Network_Admin::DOMAINS_BULK : Network_Admin::OPERATIONS_BULK); ?>">
			<?php $data['table']->display(); ?>
		</form>
		<?php if ($data['tab'] === 'domains') : ?>
			<p class="description"><?php esc_html_e('Re-check looks each selected domain up in RunCloud again (in the background) and corrects what this plugin recorded: a domain deleted in RunCloud, or added again by hand, is no longer counted as added by this plugin. Retry now and Dismiss act on a failing domain\'s operation.', 'wu-runcloud'); ?></p>
		<?php endif; ?>

	<?php elseif ($data['tab'] === 'log') : ?>
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

	<?php else : ?>
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
				<td><?php echo esc_html($data['targets'] !== null ? implode(', ', $data['targets']) : ($data['server_id'] ?: '?') . ' / ' . ($data['app_id'] ?: '?')); ?></td>
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
					<?php if (is_array($data['last_test']) && ($data['last_test']['ok'] ?? true) === false) : ?>
						<p class="wu-rc-last-test">
							<?php
							/* translators: 1: date and time (UTC), 2: the failure */
							echo esc_html(sprintf(__('The last test (%1$s UTC) failed: %2$s', 'wu-runcloud'), gmdate('Y-m-d H:i:s', (int) $data['last_test']['time']), (string) $data['last_test']['message']));
							?>
						</p>
					<?php endif; ?>
				</td>
			</tr>
		</table>

		<h2><?php esc_html_e('At a glance', 'wu-runcloud'); ?></h2>
		<ul class="wu-rc-summary">
			<?php foreach (Domain_Status::view_labels() as $wu_rc_view => $wu_rc_label) : ?>
				<li><a href="<?php echo esc_url(Network_Admin::page_url(['tab' => 'domains', 'view' => $wu_rc_view])); ?>">
					<?php
					/* translators: 1: a view of the domains (Live, Failing...), 2: count */
					echo esc_html(sprintf(__('Domains %1$s: %2$s', 'wu-runcloud'), strtolower($wu_rc_label), number_format_i18n($data['domains'][$wu_rc_view] ?? 0)));
					?>
				</a></li>
			<?php endforeach; ?>
			<?php
			$wu_rc_attention = array_sum(array_intersect_key($data['ops'], array_flip(WU_RunCloud\Queue::PROBLEMS)));
			$wu_rc_waiting   = array_sum(array_intersect_key($data['ops'], array_flip(WU_RunCloud\Queue::ACTIVE)));
			?>
			<li><a href="<?php echo esc_url(Network_Admin::page_url(['tab' => 'operations', 'view' => 'attention'])); ?>">
				<?php
				/* translators: %s: count */
				echo esc_html(sprintf(__('Operations needing attention: %s', 'wu-runcloud'), number_format_i18n($wu_rc_attention)));
				?>
			</a></li>
			<li><a href="<?php echo esc_url(Network_Admin::page_url(['tab' => 'operations', 'view' => 'waiting'])); ?>">
				<?php
				/* translators: %s: count */
				echo esc_html(sprintf(__('Operations waiting: %s', 'wu-runcloud'), number_format_i18n($wu_rc_waiting)));
				?>
			</a></li>
		</ul>

		<?php if ($data['problems']) : ?>
			<h2><?php esc_html_e('Needs attention', 'wu-runcloud'); ?></h2>
			<table class="widefat striped wu-runcloud-problems">
				<tbody>
				<?php foreach ($data['problems'] as $wu_rc_op) : ?>
					<tr>
						<td><?php echo esc_html('#' . $wu_rc_op->id . ' ' . $wu_rc_op->op . ' ' . ($wu_rc_op->domain !== '' ? $wu_rc_op->domain : '-')); ?></td>
						<td><?php echo esc_html($wu_rc_op->status === 'failed' ? __('failed (will not retry)', 'wu-runcloud') : __('retrying', 'wu-runcloud')); ?></td>
						<td><?php echo Network_Admin::one_line((string) $wu_rc_op->last_error); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped by one_line() ?></td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>
			<p><a href="<?php echo esc_url(Network_Admin::page_url(['tab' => 'operations', 'view' => 'attention'])); ?>"><?php esc_html_e('All operations needing attention', 'wu-runcloud'); ?></a></p>
		<?php endif; ?>

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
	<?php endif; ?>
</div>
