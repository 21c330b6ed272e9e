<?php
/**
 * Settings -> RunCloud -> Operations: the queue, a page at a time (the database pages), with
 * views by status, search by domain, sorting and the bulk actions Retry and Dismiss. As the
 * Domains table, its bulk form posts to admin-post.php.
 *
 * Loaded only on that screen, after wp-admin/includes/class-wp-list-table.php.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

class Operations_Table extends \WP_List_Table {

	/** view => the statuses it shows (null: all). */
	public const VIEWS = [
		'all'       => null,
		'attention' => Queue::PROBLEMS,
		'waiting'   => Queue::ACTIVE,
		'finished'  => ['done', 'skipped'],
		'set_aside' => Queue::SET_ASIDE,
	];

	use List_Table_Views;

	private bool $networks;

	public function __construct(array $args = []) {
		parent::__construct([
			'plural'   => 'wu-runcloud-operations',
			'singular' => 'wu-runcloud-operation',
			'ajax'     => false,
			'screen'   => $args['screen'] ?? null,
		]);
		$this->networks = count(get_networks(['number' => 2, 'fields' => 'ids'])) > 1;
	}

	/** @return array<string, string> view => its link's words */
	public static function view_labels(): array {
		return [
			'all'       => __('All', 'wu-runcloud'),
			'attention' => __('Needs attention', 'wu-runcloud'),
			'waiting'   => __('Waiting', 'wu-runcloud'),
			'finished'  => __('Finished', 'wu-runcloud'),
			'set_aside' => __('Set aside', 'wu-runcloud'),
		];
	}

	public function get_columns() {
		$columns = [
			'cb'       => '<input type="checkbox" />',
			'id'       => __('#', 'wu-runcloud'),
			'op'       => __('Operation', 'wu-runcloud'),
			'domain'   => __('Domain', 'wu-runcloud'),
			'status'   => __('State', 'wu-runcloud'),
			'attempts' => __('Attempts', 'wu-runcloud'),
			'http'     => __('HTTP status', 'wu-runcloud'),
			'error'    => __('Last error', 'wu-runcloud'),
			'next'     => __('Next try', 'wu-runcloud'),
			'updated'  => __('Updated', 'wu-runcloud'),
		];
		if ($this->networks) {
			$columns['network'] = __('Network', 'wu-runcloud');
		}
		return $columns;
	}

	protected function get_sortable_columns() {
		return [
			'id'       => ['id', true],
			'domain'   => ['domain', false],
			'status'   => ['status', false],
			'attempts' => ['attempts', true],
			'next'     => ['next_attempt_at', false],
			'updated'  => ['updated_at', true],
		];
	}

	protected function get_default_primary_column_name() {
		return 'domain';
	}

	public function prepare_items() {
		[$search, $orderby, $order] = $this->read_request(self::VIEWS, 'id', '');
		$counts                     = Queue::counts($search);
		foreach (self::VIEWS as $name => $statuses) {
			$this->view_counts[$name] = $statuses === null ? array_sum($counts) : array_sum(array_intersect_key($counts, array_flip($statuses)));
		}
		[$per_page, $paged] = $this->paging(Network_Admin::OPERATIONS_PER_PAGE);
		$this->items        = Queue::page([
			'statuses' => self::VIEWS[$this->view],
			'search'   => $search,
			'orderby'  => $orderby,
			'order'    => $order,
			'per_page' => $per_page,
			'paged'    => $paged,
		]);
	}

	protected function tab(): string {
		return 'operations';
	}

	protected function view_words(): array {
		return self::view_labels();
	}

	protected function bulk_choices(): array {
		return Network_Admin::operation_actions();
	}

	public function no_items() {
		esc_html_e('No operations match.', 'wu-runcloud');
	}

	protected function column_cb($item) {
		return sprintf(
			'<label class="screen-reader-text" for="wu-rc-op-%1$d">%2$s</label><input type="checkbox" id="wu-rc-op-%1$d" name="ops[]" value="%1$d" />',
			(int) $item->id,
			/* translators: %d: operation id */
			esc_html(sprintf(__('Select operation #%d', 'wu-runcloud'), (int) $item->id))
		);
	}

	protected function column_id($item) {
		return (int) $item->id;
	}

	protected function column_op($item) {
		return esc_html($item->op);
	}

	protected function column_domain($item) {
		$actions = [];
		if (in_array($item->status, Queue::PROBLEMS, true)) {
			$actions['retry']   = sprintf('<a href="%s">%s</a>', esc_url(Network_Admin::op_url((int) $item->id, 'retry')), esc_html__('Retry now', 'wu-runcloud'));
			$actions['dismiss'] = sprintf('<a href="%s">%s</a>', esc_url(Network_Admin::op_url((int) $item->id, 'dismiss')), esc_html__('Dismiss', 'wu-runcloud'));
		}
		return esc_html($item->domain !== '' ? $item->domain : '-') . $this->row_actions($actions);
	}

	protected function column_status($item) {
		$labels = [
			'failed'   => __('failed (will not retry)', 'wu-runcloud'),
			'retrying' => __('retrying', 'wu-runcloud'),
		];
		return sprintf('<span class="wu-rc-op-%s">%s</span>', esc_attr($item->status), esc_html($labels[$item->status] ?? $item->status));
	}

	protected function column_attempts($item) {
		return (int) $item->attempts;
	}

	protected function column_http($item) {
		return $item->last_status ? (int) $item->last_status : '-';
	}

	protected function column_error($item) {
		return Network_Admin::one_line((string) $item->last_error);
	}

	protected function column_next($item) {
		return in_array($item->status, Queue::WAITING, true) ? esc_html(gmdate('Y-m-d H:i:s', (int) $item->next_attempt_at) . ' UTC') : '-';
	}

	protected function column_updated($item) {
		return esc_html(gmdate('Y-m-d H:i:s', (int) $item->updated_at) . ' UTC');
	}

	protected function column_network($item) {
		return (int) $item->network_id;
	}
}
