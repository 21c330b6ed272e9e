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

	/** @var array<string, int> view => count */
	private array $view_counts = [];

	private string $view = 'all';

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
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only listing parameters
		$view       = isset($_REQUEST['view']) ? sanitize_key(wp_unslash($_REQUEST['view'])) : 'all';
		$this->view = array_key_exists($view, Domain_Status::VIEWS) ? $view : 'all';
		$search     = isset($_REQUEST['s']) ? sanitize_text_field(wp_unslash($_REQUEST['s'])) : '';
		$orderby    = isset($_REQUEST['orderby']) ? sanitize_key(wp_unslash($_REQUEST['orderby'])) : 'domain';
		$order      = isset($_REQUEST['order']) ? sanitize_key(wp_unslash($_REQUEST['order'])) : 'asc';
		// phpcs:enable
		$this->view_counts = Domain_Status::view_counts(Domain_Status::counts($search));
		$per_page          = $this->get_items_per_page(Network_Admin::DOMAINS_PER_PAGE, 20);
		$total             = $this->view_counts[$this->view];
		$paged             = min($this->get_pagenum(), max(1, (int) ceil($total / $per_page)));
		$this->items       = Domain_Status::page([
			'states'   => Domain_Status::VIEWS[$this->view],
			'search'   => $search,
			'orderby'  => $orderby,
			'order'    => $order,
			'per_page' => $per_page,
			'paged'    => $paged,
		]);
		$this->set_pagination_args(['total_items' => $total, 'per_page' => $per_page]);
	}

	public function view_counts(): array {
		return $this->view_counts;
	}

	protected function get_views() {
		$search = isset($_REQUEST['s']) ? sanitize_text_field(wp_unslash($_REQUEST['s'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$links  = [];
		foreach (Domain_Status::view_labels() as $view => $label) {
			$links[$view] = [
				'url'     => Network_Admin::page_url(array_filter(['tab' => 'domains', 'view' => $view, 's' => $search])),
				'label'   => sprintf('%s <span class="count">(%s)</span>', esc_html($label), number_format_i18n($this->view_counts[$view] ?? 0)),
				'current' => $view === $this->view,
			];
		}
		return $this->get_views_links($links);
	}

	protected function get_bulk_actions() {
		return Network_Admin::domain_actions();
	}

	/** WP_List_Table's selector, named bulk_action: the form's "action" is admin-post's. */
	protected function bulk_actions($which = '') {
		Network_Admin::bulk_selector(Network_Admin::domain_actions(), $which);
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
