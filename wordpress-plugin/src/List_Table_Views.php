<?php
/**
 * What the Domains and Operations tables share: the view, search and sort read from the
 * request, the views' links with their counts, paging kept within the view, and the bulk
 * selector that posts to admin-post.php. Each table names its tab, its views' words and its
 * bulk actions.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

trait List_Table_Views {

	/** @var array<string, int> view => count */
	private array $view_counts = [];

	private string $view = 'all';

	/** The Settings -> RunCloud tab the table is on (its views' links keep it). */
	abstract protected function tab(): string;

	/** @return array<string, string> view => its link's words, in the links' order */
	abstract protected function view_words(): array;

	/** @return array<string, string> bulk action => its words */
	abstract protected function bulk_choices(): array;

	/**
	 * The request's view (one of $views' keys, else 'all'), search, sort column and order.
	 *
	 * @return array{0:string, 1:string, 2:string} search, orderby, order
	 */
	private function read_request(array $views, string $orderby, string $order): array {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only listing parameters
		$view       = isset($_REQUEST['view']) ? sanitize_key(wp_unslash($_REQUEST['view'])) : 'all';
		$this->view = array_key_exists($view, $views) ? $view : 'all';
		$asked = [
			isset($_REQUEST['s']) ? sanitize_text_field(wp_unslash($_REQUEST['s'])) : '',
			isset($_REQUEST['orderby']) ? sanitize_key(wp_unslash($_REQUEST['orderby'])) : $orderby,
			isset($_REQUEST['order']) ? sanitize_key(wp_unslash($_REQUEST['order'])) : $order,
		];
		// phpcs:enable
		return $asked;
	}

	/**
	 * Rows per page (the screen option), the page asked for within the view's pages, and the
	 * view's count; sets the pagination.
	 *
	 * @return array{0:int, 1:int} per page, page
	 */
	private function paging(string $per_page_option): array {
		$per_page = $this->get_items_per_page($per_page_option, 20);
		$total    = $this->view_counts[$this->view];
		$this->set_pagination_args(['total_items' => $total, 'per_page' => $per_page]);
		return [$per_page, min($this->get_pagenum(), max(1, (int) ceil($total / $per_page)))];
	}

	public function view_counts(): array {
		return $this->view_counts;
	}

	protected function get_views() {
		$search = isset($_REQUEST['s']) ? sanitize_text_field(wp_unslash($_REQUEST['s'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		$links  = [];
		foreach ($this->view_words() as $view => $label) {
			$links[$view] = [
				'url'     => Network_Admin::page_url(array_filter(['tab' => $this->tab(), 'view' => $view, 's' => $search])),
				'label'   => sprintf('%s <span class="count">(%s)</span>', esc_html($label), number_format_i18n($this->view_counts[$view] ?? 0)),
				'current' => $view === $this->view,
			];
		}
		return $this->get_views_links($links);
	}

	protected function get_bulk_actions() {
		return $this->bulk_choices();
	}

	/** WP_List_Table's selector, named bulk_action: the form's "action" is admin-post's. */
	protected function bulk_actions($which = '') {
		Network_Admin::bulk_selector($this->bulk_choices(), $which);
	}
}
