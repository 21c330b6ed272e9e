<?php
/**
 * Settings -> RunCloud -> Domains: every domain of the network with its state (Domain_Status),
 * a page at a time, with views, search, sorting and the bulk actions Retry, Dismiss and
 * Re-check. The bulk form posts to admin-post.php (Network_Admin checks capability, then the
 * nonce WP_List_Table prints for this table), so its selector is not named "action".
 *
 * Loaded only on that screen, after wp-admin/includes/class-wp-list-table.php.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

class Domains_Table extends \WP_List_Table {

	use List_Table_Views;

	public function __construct(array $args = []) {
		parent::__construct([
			'plural'   => 'wu-runcloud-domains',
			'singular' => 'wu-runcloud-domain',
			'ajax'     => false,
			'screen'   => $args['screen'] ?? null,
		]);
	}

	public function get_columns() {
		// With several targets each row is one domain on one web app (server:app).
		$target = Settings::uses_target_list() ? ['target' => __('Target (server:app)', 'wu-runcloud')] : [];
		return [
			'cb'       => '<input type="checkbox" />',
			'domain'   => __('Domain', 'wu-runcloud'),
		] + $target + [
			'state'    => __('Status', 'wu-runcloud'),
			'runcloud' => __('RunCloud id', 'wu-runcloud'),
			'ours'     => __('Added by this plugin', 'wu-runcloud'),
			'site'     => __('Site', 'wu-runcloud'),
			'last'     => __('Last operation', 'wu-runcloud'),
			'error'    => __('Last error', 'wu-runcloud'),
		];
	}

	protected function get_sortable_columns() {
		return [
			'domain'   => ['domain', false],
			'state'    => ['state', false],
			'runcloud' => ['runcloud_id', false],
			'last'     => ['updated', true],
		];
	}

	protected function get_default_primary_column_name() {
		return 'domain';
	}

	public function prepare_items() {
		[$search, $orderby, $order] = $this->read_request(Domain_Status::VIEWS, 'domain', 'asc');
		$this->view_counts          = Domain_Status::view_counts(Domain_Status::counts($search));
		[$per_page, $paged]         = $this->paging(Network_Admin::DOMAINS_PER_PAGE);
		$this->items                = Domain_Status::page([
			'states'   => Domain_Status::VIEWS[$this->view],
			'search'   => $search,
			'orderby'  => $orderby,
			'order'    => $order,
			'per_page' => $per_page,
			'paged'    => $paged,
		]);
	}

	protected function tab(): string {
		return 'domains';
	}

	protected function view_words(): array {
		return Domain_Status::view_labels();
	}

	protected function bulk_choices(): array {
		return Network_Admin::domain_actions();
	}

	public function no_items() {
		esc_html_e('No domains match.', 'wu-runcloud');
	}

	protected function column_cb($item) {
		return sprintf(
			'<label class="screen-reader-text" for="wu-rc-domain-%1$s">%2$s</label><input type="checkbox" id="wu-rc-domain-%1$s" name="domains[]" value="%3$s" />',
			esc_attr(md5($item->domain . "|" . $item->target)),
			/* translators: %s: domain */
			esc_html(sprintf(__('Select %s', 'wu-runcloud'), $item->domain)),
			esc_attr($item->domain)
		);
	}

	protected function column_domain($item) {
		$actions = [];
		if ($item->state === 'failing' && $item->op_id) {
			$actions['retry']   = sprintf('<a href="%s">%s</a>', esc_url(Network_Admin::op_url((int) $item->op_id, 'retry')), esc_html__('Retry now', 'wu-runcloud'));
			$actions['dismiss'] = sprintf('<a href="%s">%s</a>', esc_url(Network_Admin::op_url((int) $item->op_id, 'dismiss')), esc_html__('Dismiss', 'wu-runcloud'));
		}
		$actions['recheck'] = sprintf('<a href="%s">%s</a>', esc_url(Network_Admin::recheck_url($item->domain)), esc_html__('Re-check', 'wu-runcloud'));
		return '<strong>' . esc_html($item->domain) . '</strong>' . $this->row_actions($actions);
	}

	protected function column_state($item) {
		$cell = sprintf('<span class="wu-rc-state wu-rc-state-%s">%s</span>', esc_attr($item->state), esc_html($item->label));
		// Failures have their own column; a domain on its way says what it waits for.
		return $item->state !== 'failing' && $item->note !== '' ? $cell . '<br><span class="description wu-rc-note">' . esc_html($item->note) . '</span>' : $cell;
	}

	protected function column_target($item) {
		return esc_html((string) $item->target);
	}

	protected function column_runcloud($item) {
		return $item->runcloud_id ? esc_html('#' . $item->runcloud_id) : '&mdash;';
	}

	protected function column_ours($item) {
		if ($item->in_runcloud === null && !$item->managed) {
			return '&mdash;';
		}
		return $item->managed ? esc_html__('yes', 'wu-runcloud') : esc_html__('no', 'wu-runcloud');
	}

	protected function column_site($item) {
		return $item->site_id > 0 ? sprintf('<a href="%s">#%d</a>', esc_url(network_admin_url('site-info.php?id=' . (int) $item->site_id)), (int) $item->site_id) : '&mdash;';
	}

	protected function column_last($item) {
		if ($item->op === null) {
			return '&mdash;';
		}
		$text = trim($item->op . ' ' . $item->op_status . ($item->last_status ? ' (HTTP ' . $item->last_status . ')' : ''));
		return esc_html($text) . '<br><span class="description">' . esc_html(gmdate('Y-m-d H:i', $item->op_updated)) . ' UTC</span>';
	}

	protected function column_error($item) {
		return $item->state === 'failing' ? Network_Admin::one_line($item->last_error) : '';
	}
}
