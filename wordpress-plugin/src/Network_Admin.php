<?php
/**
 * Network Admin -> Settings -> RunCloud (settings.php?page=wu-runcloud), its form and AJAX
 * handlers and the network-admin notices.
 *
 * Every handler checks the capability first (who), then the nonce (intent), and only then
 * reads input. Output is escaped in the views, at the point of printing.
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

	/** Rows per page of the status table. */
	public const PER_PAGE = 50;

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
			$notices[] = ['error', sprintf(
				/* translators: %s: comma-separated constant names */
				__('WU RunCloud is enabled but not configured: define %s in wp-config.php.', 'wu-runcloud'),
				implode(', ', Settings::missing_constants())
			), null];
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
		$paged = isset($_GET['paged']) ? max(1, absint(wp_unslash($_GET['paged']))) : 1; // phpcs:ignore WordPress.Security.NonceVerification -- read-only paging
		$data  = [
			'enabled'      => Settings::is_enabled(),
			'um_mode'      => Settings::ultimate_multisite_mode(),
			'extension'    => Settings::extension_loaded(),
			'credentials'  => Settings::credential_mode(),
			'missing'      => Settings::missing_constants(),
			'server_id'    => Settings::server_id(),
			'app_id'       => Settings::app_id(),
			'last_test'    => get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []),
			'last_sync'    => get_network_option(null, Reconciler::LAST_SYNC_OPTION, []),
			'preview'      => get_site_transient('wu_runcloud_preview_' . get_current_user_id()),
			'flash'        => get_site_transient('wu_runcloud_flash_' . get_current_user_id()),
			'problems'     => Queue::problems(),
			'counts'       => Queue::counts(),
			'rows'         => $this->status_rows($paged),
			'paged'        => $paged,
			'log'          => function_exists('wu_log_add') ? null : Log::recent(50),
			'ssl_warning'  => $this->ssl_warning(),
		];
		delete_site_transient('wu_runcloud_flash_' . get_current_user_id());
		include __DIR__ . '/../views/page.php';
	}

	/**
	 * Status table rows: each WordPress hostname (plus domains we track), whether it is in
	 * RunCloud as far as we know, and the last operation's result and error.
	 */
	public function status_rows(int $paged): array {
		$wanted = Reconciler::wanted_domains();
		$all    = array_values(array_unique(array_merge($wanted, Domains::managed())));
		sort($all);
		$total = count($all);
		$page  = array_slice($all, ($paged - 1) * self::PER_PAGE, self::PER_PAGE);
		$known = Domains::for_domains($page);
		$last  = Queue::latest_for($page);
		$where = Domain_State::for_domains($page);
		$wp    = array_flip($wanted);
		$rows  = [];
		foreach ($page as $domain) {
			$state  = $known[$domain] ?? null;
			$op     = $last[$domain] ?? null;
			$rows[] = [
				'domain'      => $domain,
				'in_wp'       => isset($wp[$domain]),
				'in_runcloud' => $state ? (bool) $state->in_runcloud : null,
				'runcloud_id' => $state ? (int) $state->runcloud_id : 0,
				'managed'     => $state ? (bool) $state->managed : false,
				'stage'       => (string) ($where[$domain]['stage'] ?? ''),
				'stage_label' => (string) ($where[$domain]['label'] ?? ''),
				'stage_note'  => (string) ($where[$domain]['note'] ?? ''),
				'last_op'     => $op ? $op->op : '',
				'last_result' => $op ? $op->status : '',
				'last_status' => $op ? (int) $op->last_status : 0,
				'last_error'  => $op && in_array($op->status, Queue::PROBLEMS, true) ? (string) $op->last_error : '',
			];
		}
		return ['rows' => $rows, 'total' => $total];
	}

	/** A basic (one SAN certificate) app close to Let's Encrypt's 100 names. */
	public function ssl_warning(): string {
		$test = get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []);
		if (!is_array($test) || ($test['ssl_mode'] ?? '') !== 'basic') {
			return '';
		}
		$names = max((int) ($test['domains'] ?? 0), Domains::count() + 1);
		$limit = (int) apply_filters('wu_runcloud_ssl_san_warning', 90);
		if ($names < $limit) {
			return '';
		}
		return sprintf(
			/* translators: %d: number of domains */
			_n(
				'This web application uses a basic SSL certificate, which covers at most 100 names (Let\'s Encrypt), and it already has %d domain (www aliases count too). Switch the app to advanced SSL (one certificate per domain) or use a wildcard domain for subdomains before adding more.',
				'This web application uses a basic SSL certificate, which covers at most 100 names (Let\'s Encrypt), and it already has %d domains (www aliases count too). Switch the app to advanced SSL (one certificate per domain) or use a wildcard domain for subdomains before adding more.',
				$names,
				'wu-runcloud'
			),
			$names
		);
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
		$id = isset($_POST['op_id']) ? absint(wp_unslash($_POST['op_id'])) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- verified on the next line
		check_admin_referer('wu_runcloud_op_' . $id);
		$do = isset($_POST['do']) ? sanitize_key(wp_unslash($_POST['do'])) : '';
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

	private function redirect_back(): void {
		wp_safe_redirect(self::page_url());
		exit;
	}
}
