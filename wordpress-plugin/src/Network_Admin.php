<?php
/**
 * Network Admin -> Settings -> RunCloud (settings.php?page=wu-runcloud), its tabs (Overview,
 * Domains, Operations, Log; the two lists are WP_List_Tables), its form, bulk and AJAX handlers
 * and the network-admin notices.
 *
 * Every handler checks the capability first (who), then the nonce (intent), and only then
 * reads input. Output is escaped in the views and tables, at the point of printing.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Network_Admin {

	public const PAGE       = 'wu-runcloud';
	public const CAPABILITY = 'manage_network_options';

	/** Network option: the key+secret -> token suggestion was dismissed. */
	public const TOKEN_NOTICE_OPTION = 'wu_runcloud_token_notice_dismissed';

	/** Runs before the page's headers are sent (hook name of settings.php?page=wu-runcloud). */
	public const LOAD_HOOK = 'load-settings_page_wu-runcloud';

	/**
	 * The two tables' names, kept here (not in the table classes) because admin-post and the
	 * screen-option filter run where WP_List_Table is not loaded. A table's nonce is the one
	 * WP_List_Table prints for it: 'bulk-' . its plural.
	 */
	public const DOMAINS_PER_PAGE    = 'wu_runcloud_domains_per_page';
	public const OPERATIONS_PER_PAGE = 'wu_runcloud_operations_per_page';
	public const DOMAINS_BULK        = 'wu_runcloud_domains_bulk';
	public const OPERATIONS_BULK     = 'wu_runcloud_ops_bulk';
	public const DOMAINS_NONCE       = 'bulk-wu-runcloud-domains';
	public const OPERATIONS_NONCE    = 'bulk-wu-runcloud-operations';

	/** tab => its list table class (null: no table). */
	public const TABS = [
		'overview'   => null,
		'domains'    => Domains_Table::class,
		'operations' => Operations_Table::class,
		'log'        => null,
	];

	/** The current tab's list table, built once per request. */
	private ?\WP_List_Table $table = null;

	public function action_network_admin_menu(): void {
		add_submenu_page(
			'settings.php',
			__('RunCloud', 'wu-runcloud'),
			__('RunCloud', 'wu-runcloud'),
			self::CAPABILITY,
			self::PAGE,
			[$this, 'render_page']
		);
	}

	public static function page_url(array $args = []): string {
		return add_query_arg(array_merge(['page' => self::PAGE], $args), network_admin_url('settings.php'));
	}

	/** A row's "Retry now" / "Dismiss" link (admin-post, nonce named after the operation). */
	public static function op_url(int $id, string $do): string {
		return wp_nonce_url(add_query_arg(['action' => 'wu_runcloud_op', 'op_id' => $id, 'do' => $do], admin_url('admin-post.php')), 'wu_runcloud_op_' . $id);
	}

	/** A domain row's "Re-check" link: the Domains table's bulk action for one domain. */
	public static function recheck_url(string $domain): string {
		return wp_nonce_url(add_query_arg(['action' => self::DOMAINS_BULK, 'bulk_action' => 'recheck', 'domains' => [$domain]], admin_url('admin-post.php')), self::DOMAINS_NONCE);
	}

	/**
	 * A message in one line, the whole of it on demand (a click or Tab focuses it and it
	 * unfolds; the title shows it on hover). The text is in the page once.
	 */
	public static function one_line(string $message): string {
		if ($message === '') {
			return '';
		}
		return sprintf('<span class="wu-rc-oneline" tabindex="0" title="%1$s">%2$s</span>', esc_attr($message), esc_html($message));
	}

	/** @return array<string, string> the Domains table's bulk actions => their words */
	public static function domain_actions(): array {
		return [
			'retry'   => __('Retry now', 'wu-runcloud'),
			'dismiss' => __('Dismiss the failure', 'wu-runcloud'),
			'recheck' => __('Re-check in RunCloud', 'wu-runcloud'),
		];
	}

	/** @return array<string, string> the Operations table's bulk actions => their words */
	public static function operation_actions(): array {
		return [
			'retry'   => __('Retry now', 'wu-runcloud'),
			'dismiss' => __('Dismiss', 'wu-runcloud'),
		];
	}

	/** A list table's bulk selector, named bulk_action(2): admin-post.php reads "action". */
	public static function bulk_selector(array $actions, string $which): void {
		$name = $which === 'bottom' ? 'bulk_action2' : 'bulk_action';
		printf('<label for="wu-rc-bulk-%1$s" class="screen-reader-text">%2$s</label><select name="%3$s" id="wu-rc-bulk-%1$s"><option value="">%4$s</option>', esc_attr($which), esc_html__('Select bulk action', 'wu-runcloud'), esc_attr($name), esc_html__('Bulk actions', 'wu-runcloud'));
		foreach ($actions as $value => $label) {
			printf('<option value="%s">%s</option>', esc_attr($value), esc_html($label));
		}
		echo '</select>';
		submit_button(__('Apply', 'wu-runcloud'), 'action', '', false, ['id' => 'wu-rc-apply-' . $which]);
	}

	/** The tab the request asks for. */
	public static function current_tab(): string {
		$tab = isset($_GET['tab']) ? sanitize_key(wp_unslash($_GET['tab'])) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended -- navigation
		return array_key_exists($tab, self::TABS) ? $tab : 'overview';
	}

	/** The current tab's list table (null on a tab without one), its items prepared. */
	public function table(): ?\WP_List_Table {
		$class = self::TABS[self::current_tab()];
		if ($class === null) {
			return null;
		}
		if (!$this->table instanceof $class) {
			require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
			// Outside a real page request (WP-CLI, tests, the benchmark) there may be no screen yet.
			$this->table = new $class(['screen' => get_current_screen() ?? 'settings_page_' . self::PAGE . '-network']);
			$this->table->prepare_items();
		}
		return $this->table;
	}

	/**
	 * Before the page is sent: the tab's table (so its columns reach Screen Options) and its
	 * rows-per-page option.
	 */
	public function action_load_settings_page_wu_runcloud(): void {
		$class = self::TABS[self::current_tab()];
		if ($class === null || !current_user_can(self::CAPABILITY)) {
			return;
		}
		$domains = $class === Domains_Table::class;
		add_screen_option('per_page', [
			'label'   => $domains ? __('Domains per page', 'wu-runcloud') : __('Operations per page', 'wu-runcloud'),
			'default' => 20,
			'option'  => $domains ? self::DOMAINS_PER_PAGE : self::OPERATIONS_PER_PAGE,
		]);
		$this->table();
	}

	/** Screen Options -> rows per page of our tables: a whole number from 1 to 999, kept per user. */
	public function filter_set_screen_option_per_page($keep, $option, $value) {
		if (!in_array($option, [self::DOMAINS_PER_PAGE, self::OPERATIONS_PER_PAGE], true)) {
			return $keep;
		}
		$value = (int) $value;
		return $value >= 1 && $value <= 999 ? $value : false;
	}

	public function action_network_admin_notices(): void {
		if (!current_user_can(self::CAPABILITY)) {
			return;
		}
		$notices = [];
		if (!Settings::extension_loaded()) {
			$waiting = Queue::counts();
			$notices[] = ['error', Settings::extension_missing_message() . ' ' . sprintf(
				/* translators: %d: number of operations */
				__('%d operation(s) waiting.', 'wu-runcloud'),
				array_sum(array_intersect_key($waiting, array_flip(Queue::WAITING)))
			), null];
		}
		if (Settings::is_enabled() && !Settings::is_configured()) {
			$notices[] = ['error', Settings::not_configured_message(), null];
		}
		$auth = array_values(array_filter(Queue::problems(20), static fn($op) => in_array((int) $op->last_status, [401, 403], true)));
		if ($auth !== []) {
			// The extension's own words name the credential to check; this only says what it stops.
			$notices[] = ['error', sprintf(
				/* translators: %s: the newest failure's message, naming the constant to check */
				__('Domains are not being synced: %s', 'wu-runcloud'),
				(string) $auth[0]->last_error
			), null];
		}
		if (Settings::credential_mode() === 'key_secret' && !get_network_option(null, self::TOKEN_NOTICE_OPTION)) {
			$dismiss = wp_nonce_url(admin_url('admin-post.php?action=wu_runcloud_dismiss_token_notice'), 'wu_runcloud_dismiss_token_notice');
			$notices[] = ['info', __('WU RunCloud is using the legacy RunCloud API v2 key and secret. They keep working for as long as RunCloud accepts them for your account, but RunCloud has discontinued API v2 (Ultimate Multisite says so too): create an API token (API v3) in the RunCloud dashboard and define WU_RUNCLOUD_API_TOKEN in wp-config.php. The token is then used instead of the key and secret.', 'wu-runcloud'), $dismiss];
		}
		$stages = Settings::target() !== null ? Domain_State::counts() : [];
		if (!empty($stages[Domain_State::DNS_GAVE_UP])) {
			$notices[] = ['warning', sprintf(
				/* translators: %d: number of domains */
				_n('%d domain was not added to RunCloud: its DNS never pointed at the server. Fix its DNS, then use Retry now (see the Domains table).', '%d domains were not added to RunCloud: their DNS never pointed at the server. Fix their DNS, then use Retry now (see the Domains table).', (int) $stages[Domain_State::DNS_GAVE_UP], 'wu-runcloud'),
				(int) $stages[Domain_State::DNS_GAVE_UP]
			), null];
		}
		if (!empty($stages[Domain_State::DNS_MOVED])) {
			$notices[] = ['warning', sprintf(
				/* translators: %d: number of domains */
				_n('%d live domain no longer points at the server: its next certificate renewal will fail (with a basic SSL certificate, for every domain of the app). See the Domains table.', '%d live domains no longer point at the server: their next certificate renewal will fail (with a basic SSL certificate, for every domain of the app). See the Domains table.', (int) $stages[Domain_State::DNS_MOVED], 'wu-runcloud'),
				(int) $stages[Domain_State::DNS_MOVED]
			), null];
		}
		$hold = Settings::held();
		if ($hold !== null) {
			$notices[] = ['error', $hold['message'], null];
		}
		foreach ($notices as [$type, $message, $dismiss_url]) {
			include __DIR__ . '/../views/notice.php';
		}
		$held = get_network_option(null, Reconciler::PRUNE_HELD_OPTION, null);
		if (is_array($held) && !empty($held['domains'])) {
			$post = admin_url('admin-post.php');
			include __DIR__ . '/../views/prune-held.php';
		}
	}

	public function render_page(): void {
		// Capability: the menu already requires it; checked again because this renders data.
		if (!current_user_can(self::CAPABILITY)) {
			wp_die(esc_html__('Sorry, you are not allowed to manage RunCloud settings.', 'wu-runcloud'), 403);
		}
		$tab  = self::current_tab();
		$ssl  = Site_Health::ssl_limit();
		$data = [
			'tab'         => $tab,
			'flash'       => get_site_transient('wu_runcloud_flash_' . get_current_user_id()),
			'ssl_warning' => $ssl['status'] === 'good' ? '' : $ssl['message'],
			'table'       => $this->table(),
		];
		if ($tab === 'overview') {
			$data += [
				'enabled'     => Settings::is_enabled(),
				'um_mode'     => Settings::ultimate_multisite_mode(),
				'extension'   => Settings::extension_loaded(),
				'credentials' => Settings::credential_mode(),
				'missing'     => Settings::missing_constants(),
				'server_id'   => Settings::server_id(),
				'app_id'      => Settings::app_id(),
				// With WU_RUNCLOUD_TARGETS: every usable pair, then each unusable one named.
				'targets'     => Settings::uses_target_list() ? array_merge(array_map([Settings::class, 'target_key'], Settings::targets()), Settings::target_problems()) : null,
				'last_test'   => get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []),
				'last_sync'   => get_network_option(null, Reconciler::LAST_SYNC_OPTION, []),
				'preview'     => get_site_transient('wu_runcloud_preview_' . get_current_user_id()),
				'domains'     => Domain_Status::view_counts(Domain_Status::counts()),
				'ops'         => Queue::counts(),
				'problems'    => Queue::page(['statuses' => Queue::PROBLEMS, 'per_page' => 5]),
			];
		} elseif ($tab === 'log') {
			$data['log'] = function_exists('wu_log_add') ? null : Log::recent(50);
		}
		delete_site_transient('wu_runcloud_flash_' . get_current_user_id());
		include __DIR__ . '/../views/page.php';
	}

	/** Enable/disable toggle (network option wu_runcloud_enabled, or Ultimate Multisite's flag). */
	public function action_admin_post_wu_runcloud_toggle(): void {
		$this->authorize('wu_runcloud_toggle');
		$enable = !empty($_POST['enabled']);
		Settings::set_enabled($enable);
		$this->flash('success', $enable ? __('RunCloud sync enabled.', 'wu-runcloud') : __('RunCloud sync disabled.', 'wu-runcloud'));
		$this->redirect_back();
	}

	/** Test Connection without JavaScript. */
	public function action_admin_post_wu_runcloud_test(): void {
		$this->authorize('wu_runcloud_test');
		$result = Domain_Sync::test_connection();
		$this->flash(is_wp_error($result) ? 'error' : 'success', self::test_message($result));
		$this->redirect_back();
	}

	/** Test Connection over AJAX: JSON {success, data: {message}}. */
	public function action_wp_ajax_wu_runcloud_test(): void {
		// Who: only network option managers may trigger outbound API calls.
		if (!current_user_can(self::CAPABILITY)) {
			wp_send_json_error(['message' => __('You are not allowed to do this.', 'wu-runcloud')], 403);
		}
		// Intent: the nonce printed on the settings page.
		check_ajax_referer('wu_runcloud_test');
		$result = Domain_Sync::test_connection();
		if (is_wp_error($result)) {
			wp_send_json_error(['message' => self::test_message($result)]);
		}
		wp_send_json_success(['message' => self::test_message($result)]);
	}

	/** "Sync now", or its dry-run preview. */
	public function action_admin_post_wu_runcloud_sync(): void {
		$this->authorize('wu_runcloud_sync');
		$dry_run = !empty($_POST['dry_run']);
		delete_site_transient(Domain_Sync::WILDCARD_CACHE); // an explicit sync looks afresh
		$result  = Reconciler::run($dry_run, true);
		if (is_wp_error($result)) {
			$this->flash('error', $result->get_error_message());
		} elseif ($dry_run) {
			set_site_transient('wu_runcloud_preview_' . get_current_user_id(), [
				'added'   => array_slice((array) $result['added'], 0, 500),
				'removed' => array_slice((array) $result['removed'], 0, 500),
				'skipped' => count((array) $result['skipped']),
				'time'    => time(),
			], HOUR_IN_SECONDS);
			$this->flash('info', sprintf(
				/* translators: 1: number of domains to add, 2: number of domains to remove */
				__('Preview (nothing was changed): to add: %1$d, to remove: %2$d.', 'wu-runcloud'),
				count((array) $result['added']), count((array) $result['removed'])
			));
		} else {
			delete_site_transient('wu_runcloud_preview_' . get_current_user_id());
			$this->flash(empty($result['failed']) ? 'success' : 'warning', sprintf(
				/* translators: 1: added, 2: removed, 3: failed */
				__('Sync done: %1$d added, %2$d removed, %3$d failed.', 'wu-runcloud'),
				count((array) $result['added']), count((array) $result['removed']), count((array) $result['failed'])
			));
		}
		$this->redirect_back();
	}

	/**
	 * The held prune's "Remove these domains" button: the admin has reviewed the list the
	 * alert showed and removes exactly those (each still through the ownership check). A list
	 * that changed since the page was shown is not what the admin confirmed.
	 */
	public function action_admin_post_wu_runcloud_prune_force(): void {
		$this->authorize('wu_runcloud_prune_force');
		$held   = get_network_option(null, Reconciler::PRUNE_HELD_OPTION, null);
		$posted = isset($_POST['held']) ? sanitize_key(wp_unslash($_POST['held'])) : '';
		if (!is_array($held) || empty($held['domains'])) {
			$this->flash('info', __('There is no held prune to proceed with.', 'wu-runcloud'));
			$this->redirect_back();
		}
		if (!hash_equals(Reconciler::held_fingerprint((array) $held['domains']), $posted)) {
			$this->flash('error', __('The list of domains to remove changed since this page was shown: nothing was removed. Review the new list.', 'wu-runcloud'));
			$this->redirect_back();
		}
		$result = Reconciler::run(false, true, true, (array) $held['domains']);
		if (is_wp_error($result)) {
			$this->flash('error', $result->get_error_message());
		} else {
			$why = Reconciler::prune_summary($result['prune']);
			$this->flash($why === '' ? 'success' : 'warning', $why !== '' ? $why : sprintf(
				/* translators: 1: removed, 2: kept */
				__('Prune done: %1$d removed, %2$d kept (still in use or not added by this plugin).', 'wu-runcloud'),
				count((array) $result['removed']), count((array) $result['prune']['kept'])
			));
		}
		$this->redirect_back();
	}

	/** Retry now or dismiss one failed/retrying operation. */
	public function action_admin_post_wu_runcloud_op(): void {
		$this->require_capability();
		// The nonce is named after the operation it acts on, so the id is read first.
		$id = isset($_REQUEST['op_id']) ? absint(wp_unslash($_REQUEST['op_id'])) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- verified on the next line
		check_admin_referer('wu_runcloud_op_' . $id);
		$do = isset($_REQUEST['do']) ? sanitize_key(wp_unslash($_REQUEST['do'])) : '';
		if ($do === 'dismiss' && Queue::dismiss($id)) {
			$this->flash('success', __('Operation dismissed.', 'wu-runcloud'));
		} elseif ($do === 'retry' && Queue::retry_now($id)) {
			$op = Queue::get($id);
			if ($op && in_array($op->op, Queue::APP_OPS, true)) {
				// A certificate order can take minutes: never in a page request. The worker runs it.
				$this->flash('success', __('Queued: the background worker runs it next.', 'wu-runcloud'));
				$this->redirect_back();
			}
			Worker::run_now($id);
			$op = Queue::get($id);
			$this->flash($op && $op->status === 'done' ? 'success' : 'warning', $op && $op->status === 'done'
				? __('Retried: done.', 'wu-runcloud')
				: sprintf(__('Retried: %s', 'wu-runcloud'), $op ? (string) $op->last_error : ''));
		} else {
			$this->flash('error', __('That operation cannot be changed (already done or dismissed).', 'wu-runcloud'));
		}
		$this->redirect_back();
	}

	/** The Domains table's bulk actions (and its paging box, which submits the same form). */
	public function action_admin_post_wu_runcloud_domains_bulk(): void {
		$this->authorize(self::DOMAINS_NONCE);
		$do      = self::bulk_choice(self::domain_actions());
		$domains = isset($_REQUEST['domains']) && is_array($_REQUEST['domains'])
			? Domain_Name::normalize_all(array_map('sanitize_text_field', wp_unslash($_REQUEST['domains'])))
			: [];
		$domains = array_values(array_unique(array_filter($domains, 'strlen')));
		if ($do !== '' && $domains === []) {
			$this->flash('error', __('Select the domains to act on first.', 'wu-runcloud'));
		} elseif ($do === 'recheck') {
			$queued = 0;
			foreach ($domains as $domain) {
				$queued += Queue::enqueue('check', $domain, 0, 'recheck') !== null ? 1 : 0;
			}
			/* translators: %d: number of domains */
			$this->flash('success', sprintf(_n('%d domain will be looked up in RunCloud again by the next worker run.', '%d domains will be looked up in RunCloud again by the next worker run.', $queued, 'wu-runcloud'), $queued));
		} elseif ($do !== '') {
			$latest = [];
			foreach (Settings::targets() as $target) {
				// Each target's own operation: retrying one never retries another's.
				$latest = array_merge($latest, array_values(Domain_Status::latest_ops($domains, get_current_network_id(), $target)));
			}
			$failing = array_filter($latest, static fn($op) => in_array($op->status, Queue::PROBLEMS, true));
			$this->flash_bulk($do, array_map(static fn($op) => (int) $op->id, $failing), count($domains));
		}
		$this->redirect_back();
	}

	/** The Operations table's bulk actions (and its paging box). */
	public function action_admin_post_wu_runcloud_ops_bulk(): void {
		$this->authorize(self::OPERATIONS_NONCE);
		$do  = self::bulk_choice(self::operation_actions());
		$ids = isset($_REQUEST['ops']) && is_array($_REQUEST['ops']) ? array_values(array_unique(array_filter(array_map('absint', wp_unslash($_REQUEST['ops']))))) : [];
		if ($do !== '' && $ids === []) {
			$this->flash('error', __('Select the operations to act on first.', 'wu-runcloud'));
		} elseif ($do !== '') {
			$this->flash_bulk($do, $ids, count($ids));
		}
		$this->redirect_back();
	}

	/** The bulk action chosen in the top or the bottom selector ('' for none). */
	private static function bulk_choice(array $actions): string {
		foreach (['bulk_action', 'bulk_action2'] as $field) {
			$do = isset($_REQUEST[$field]) ? sanitize_key(wp_unslash($_REQUEST[$field])) : ''; // phpcs:ignore WordPress.Security.NonceVerification -- the caller verified it
			if (isset($actions[$do])) {
				return $do;
			}
		}
		return '';
	}

	/**
	 * Retry (due now, run by the next worker run; Worker::schedule() asks for one) or dismiss
	 * operations in the attention list; the others are left as they are and counted.
	 */
	private function flash_bulk(string $do, array $ids, int $selected): void {
		$changed = 0;
		foreach ($ids as $id) {
			$changed += ($do === 'retry' ? Queue::retry_now($id) : Queue::dismiss($id)) ? 1 : 0;
		}
		$message = $do === 'retry'
			/* translators: %d: number of operations */
			? sprintf(_n('%d operation will be retried by the next worker run.', '%d operations will be retried by the next worker run.', $changed, 'wu-runcloud'), $changed)
			/* translators: %d: number of operations */
			: sprintf(_n('%d operation dismissed.', '%d operations dismissed.', $changed, 'wu-runcloud'), $changed);
		if ($changed < $selected) {
			/* translators: %d: number of selected items */
			$message .= ' ' . sprintf(_n('%d selected item needed no change (nothing failing).', '%d selected items needed no change (nothing failing).', $selected - $changed, 'wu-runcloud'), $selected - $changed);
		}
		$this->flash($changed > 0 ? 'success' : 'info', $message);
	}

	public function action_admin_post_wu_runcloud_dismiss_token_notice(): void {
		$this->authorize('wu_runcloud_dismiss_token_notice');
		update_network_option(null, self::TOKEN_NOTICE_OPTION, 1);
		$this->redirect_back();
	}

	/** @param array|\WP_Error $result */
	public static function test_message($result): string {
		if (is_wp_error($result)) {
			return $result->get_error_message();
		}
		if (isset($result['targets']) && is_array($result['targets'])) {
			// Several targets: each one's app, so the operator sees every one answered.
			$parts = [];
			foreach ($result['targets'] as $key => $one) {
				/* translators: 1: server:app, 2: server name, 3: app name, 4: domain count, 5: SSL mode */
				$parts[] = sprintf(_n('%1$s: server "%2$s", web application "%3$s", %4$d domain, SSL mode %5$s', '%1$s: server "%2$s", web application "%3$s", %4$d domains, SSL mode %5$s', (int) $one['domains'], 'wu-runcloud'), $key, $one['server'], $one['app'], (int) $one['domains'], $one['ssl_mode']);
			}
			/* translators: 1: API version, 2: each target's summary */
			return sprintf(__('Connected (API %1$s) to every target: %2$s.', 'wu-runcloud'), (string) ($result['api'] ?? ''), implode('; ', $parts));
		}
		return sprintf(
			/* translators: 1: API version, 2: server name, 3: app name, 4: domain count, 5: SSL mode */
			_n('Connected (API %1$s): server "%2$s", web application "%3$s", %4$d domain, SSL mode %5$s.', 'Connected (API %1$s): server "%2$s", web application "%3$s", %4$d domains, SSL mode %5$s.', (int) ($result['domains'] ?? 0), 'wu-runcloud'),
			(string) ($result['api'] ?? ''),
			(string) ($result['server']['name'] ?? ''),
			(string) ($result['app']['name'] ?? ''),
			(int) ($result['domains'] ?? 0),
			(string) ($result['ssl_mode'] ?? '')
		);
	}

	/** Capability first (who), then the nonce named after the action (intent). */
	private function authorize(string $nonce_action): void {
		$this->require_capability();
		check_admin_referer($nonce_action);
	}

	private function require_capability(): void {
		if (!current_user_can(self::CAPABILITY)) {
			wp_die(esc_html__('Sorry, you are not allowed to manage RunCloud settings.', 'wu-runcloud'), '', ['response' => 403]);
		}
	}

	private function flash(string $type, string $message): void {
		set_site_transient('wu_runcloud_flash_' . get_current_user_id(), ['type' => $type, 'message' => $message], 300);
	}

	/** Back to the tab, view, search and page the request came from (our page only). */
	private function redirect_back(): void {
		$back = (string) wp_get_referer();
		if (strpos($back, 'page=' . self::PAGE) === false) {
			$back = self::page_url();
		}
		$paged = isset($_REQUEST['paged']) ? absint(wp_unslash($_REQUEST['paged'])) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- the handler verified it
		if ($paged > 0) {
			$back = add_query_arg('paged', $paged, $back);
		}
		wp_safe_redirect($back);
		exit;
	}
}
