<?php
/**
 * Tools -> Site Health: the checks an operator looks at first, and the plugin's non-secret
 * configuration in the Info tab. `wp runcloud status` prints the same checks and fields.
 *
 * Nothing here calls RunCloud: the credentials check reads the last Test Connection and the
 * queue, so opening Site Health never costs an API request. Each check's message is the one
 * wording of its cause (the extension's own for what RunCloud said), as the log, the tables
 * and WP-CLI show it.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Site_Health {

	/** Seconds a due operation may wait before the queue counts as not being worked. */
	public const OVERDUE = 900;

	/** Let's Encrypt's names per certificate: a basic (one certificate) app can serve no more. */
	public const SAN_LIMIT = 100;

	/** @return array<string, callable> test id => the check (each returns check()'s shape) */
	private static function checks(): array {
		return [
			'wu_runcloud_extension'   => [self::class, 'extension'],
			'wu_runcloud_credentials' => [self::class, 'credentials'],
			'wu_runcloud_queue'       => [self::class, 'queue'],
			'wu_runcloud_domains'     => [self::class, 'domains'],
			'wu_runcloud_ssl_limit'   => [self::class, 'ssl_limit'],
		];
	}

	/** Hooked to site_status_tests: our direct tests (no AJAX, no API call). */
	public function filter_site_status_tests($tests) {
		if (!is_array($tests)) {
			return $tests;
		}
		foreach (self::checks() as $id => $check) {
			$tests['direct'][$id] = [
				'label' => self::titles()[$id],
				'test'  => static fn() => self::to_site_health($id, $check()),
			];
		}
		return $tests;
	}

	/** Hooked to debug_information: the configuration, without any secret. */
	public function filter_debug_information($info) {
		if (!is_array($info)) {
			return $info;
		}
		$fields = [];
		foreach (self::configuration() as $key => [$label, $value]) {
			$fields[$key] = ['label' => $label, 'value' => $value, 'private' => false];
		}
		$info['wu-runcloud'] = [
			'label'       => __('WU RunCloud', 'wu-runcloud'),
			'description' => __('How the RunCloud integration is configured and what it is doing. Credentials are named by their kind, never shown.', 'wu-runcloud'),
			'fields'      => $fields,
		];
		return $info;
	}

	/** @return array<string, string> test id => what it checks */
	private static function titles(): array {
		return [
			'wu_runcloud_extension'   => __('The wu_runcloud PHP extension', 'wu-runcloud'),
			'wu_runcloud_credentials' => __('RunCloud credentials', 'wu-runcloud'),
			'wu_runcloud_queue'       => __('RunCloud queue', 'wu-runcloud'),
			'wu_runcloud_domains'     => __('Domains in RunCloud', 'wu-runcloud'),
			'wu_runcloud_ssl_limit'   => __('RunCloud SSL certificate size', 'wu-runcloud'),
		];
	}

	/**
	 * Every check's result, for `wp runcloud status` and the tests.
	 *
	 * @return array<string, array{status:string, label:string, message:string, action:array{0:string,1:string}}>
	 */
	public static function results(): array {
		$out = [];
		foreach (self::checks() as $id => $check) {
			$out[$id] = $check();
		}
		return $out;
	}

	/** The plain result as WordPress' Site Health wants it (escaped here, at output). */
	private static function to_site_health(string $id, array $result): array {
		[$url, $text] = $result['action'];
		return [
			'label'       => $result['label'],
			'status'      => $result['status'],
			'badge'       => ['label' => __('RunCloud', 'wu-runcloud'), 'color' => 'blue'],
			'description' => '<p>' . esc_html($result['message']) . '</p>',
			'actions'     => sprintf('<p><a href="%s">%s</a></p>', esc_url($url), esc_html($text)),
			'test'        => $id,
		];
	}

	/** @param array{0:string,1:string} $action URL and its words */
	private static function result(string $status, string $label, string $message, array $action): array {
		return ['status' => $status, 'label' => $label, 'message' => $message, 'action' => $action];
	}

	private static function page_action(array $args = [], ?string $text = null): array {
		return [Network_Admin::page_url($args), $text ?? __('Open Settings -> RunCloud', 'wu-runcloud')];
	}

	public static function extension(): array {
		return self::extension_result(Settings::extension_loaded() ? (string) wu_runcloud_version() : null, WU_RUNCLOUD_PLUGIN_VERSION);
	}

	/** The extension check for an extension of $version (null: not loaded) and the plugin's release. */
	public static function extension_result(?string $version, string $plugin_version): array {
		if ($version === null) {
			return self::result('critical', __('The wu_runcloud PHP extension is not loaded', 'wu-runcloud'), Settings::extension_missing_message(), self::page_action());
		}
		if ($version !== $plugin_version) {
			return self::result(
				'recommended',
				/* translators: 1: the extension's version, 2: the plugin's version */
				sprintf(__('The wu_runcloud PHP extension %1$s is not the plugin\'s release %2$s', 'wu-runcloud'), $version, $plugin_version),
				__('The plugin and the extension of one release are tested together. Install the extension of the plugin\'s release (make install, then reload php-fpm).', 'wu-runcloud'),
				self::page_action()
			);
		}
		return self::result(
			'good',
			/* translators: %s: version */
			sprintf(__('The wu_runcloud PHP extension %s is loaded', 'wu-runcloud'), $version),
			__('The extension is the plugin\'s own release.', 'wu-runcloud'),
			self::page_action()
		);
	}

	public static function credentials(): array {
		$test_action = self::page_action([], __('Run Test Connection on Settings -> RunCloud', 'wu-runcloud'));
		if (!Settings::is_configured()) {
			return self::result('critical', __('RunCloud is not configured', 'wu-runcloud'), Settings::not_configured_message(), $test_action);
		}
		if (Settings::target() === null) {
			return self::result('critical', __('The RunCloud server or web application id is invalid', 'wu-runcloud'), Settings::target_problem(), $test_action);
		}
		$test = get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []);
		$time = is_array($test) ? (int) ($test['time'] ?? 0) : 0;
		if ($time === 0) {
			return self::result(
				'recommended',
				__('The RunCloud credentials have not been tested yet', 'wu-runcloud'),
				__('Test Connection checks the credentials, the server id and the web application id with RunCloud. Site Health shows its last result and never calls RunCloud itself.', 'wu-runcloud'),
				$test_action
			);
		}
		if (($test['ok'] ?? true) === false) {
			return self::result('critical', __('RunCloud refused the last Test Connection', 'wu-runcloud'), (string) $test['message'], $test_action);
		}
		foreach (Queue::problems(20) as $op) {
			// Refused since the test: the credentials changed in RunCloud (revoked, IP allow-list).
			if (in_array((int) $op->last_status, [401, 403], true) && (int) $op->updated_at >= $time) {
				return self::result('critical', __('RunCloud refuses the credentials', 'wu-runcloud'), (string) $op->last_error, $test_action);
			}
		}
		return self::result(
			'good',
			__('RunCloud accepted the credentials', 'wu-runcloud'),
			sprintf(
				/* translators: 1: date and time (UTC), 2: server name, 3: web application name */
				__('At the last Test Connection (%1$s UTC): server "%2$s", web application "%3$s".', 'wu-runcloud'),
				gmdate('Y-m-d H:i', $time),
				(string) ($test['server'] ?? ''),
				(string) ($test['app'] ?? '')
			),
			$test_action
		);
	}

	public static function queue(): array {
		$ops_action = self::page_action(['tab' => 'operations', 'view' => 'attention'], __('Review the operations', 'wu-runcloud'));
		$hold       = Settings::held();
		if ($hold !== null) {
			return self::result('critical', __('The RunCloud queue is on hold', 'wu-runcloud'), (string) $hold['message'], self::page_action());
		}
		$counts = Queue::counts();
		$failed = (int) ($counts['failed'] ?? 0);
		if ($failed > 0) {
			$newest = Queue::page(['statuses' => ['failed'], 'per_page' => 1])[0] ?? null;
			return self::result(
				'critical',
				/* translators: %d: number of operations */
				sprintf(_n('%d RunCloud operation failed and is not retried', '%d RunCloud operations failed and are not retried', $failed, 'wu-runcloud'), $failed),
				$newest ? self::describe_op($newest) : '',
				$ops_action
			);
		}
		$overdue = Queue::overdue_since(self::OVERDUE);
		$waiting = array_sum(array_intersect_key($counts, array_flip(Queue::WAITING)));
		if ($overdue !== null) {
			return self::result(
				'recommended',
				__('RunCloud operations are overdue', 'wu-runcloud'),
				sprintf(
					/* translators: 1: number of operations, 2: date and time (UTC) */
					__('%1$d operations wait, the oldest due since %2$s UTC: no worker has run them. With DISABLE_WP_CRON, request wp-cron.php from a system cron every minute (or run wp runcloud queue run).', 'wu-runcloud'),
					$waiting,
					gmdate('Y-m-d H:i', $overdue)
				),
				$ops_action
			);
		}
		$retrying = (int) ($counts['retrying'] ?? 0);
		if ($retrying > 0) {
			$newest = Queue::page(['statuses' => ['retrying'], 'per_page' => 1])[0] ?? null;
			return self::result(
				'recommended',
				/* translators: %d: number of operations */
				sprintf(_n('%d RunCloud operation is being retried', '%d RunCloud operations are being retried', $retrying, 'wu-runcloud'), $retrying),
				$newest ? self::describe_op($newest) : '',
				$ops_action
			);
		}
		return self::result(
			'good',
			__('The RunCloud queue is being worked', 'wu-runcloud'),
			/* translators: %d: number of operations */
			sprintf(_n('%d operation waits, none overdue, none failing.', '%d operations wait, none overdue, none failing.', $waiting, 'wu-runcloud'), $waiting),
			$ops_action
		);
	}

	public static function domains(): array {
		$views   = Domain_Status::view_counts(Domain_Status::counts());
		$failing = Domain_Status::page(['states' => ['failing'], 'per_page' => 3]);
		$lines   = [];
		$permanent = false;
		foreach (Settings::targets() as $target) {
			// Each target's own latest order: one app's success never hides another's failure.
			$ssl = self::latest_redeploy($target);
			if ($ssl !== null && in_array($ssl->status, Queue::PROBLEMS, true)) {
				$lines[]   = (Settings::uses_target_list() ? Settings::target_key($target) . ': ' : '') . self::describe_op($ssl);
				// Retried or not, the app's new domains have no HTTPS until it succeeds.
				$permanent = true;
			}
		}
		foreach ($failing as $row) {
			// With several targets a domain fails on one web app: say which.
			$name      = Settings::uses_target_list() ? sprintf('%s (%s)', $row->domain, $row->target) : $row->domain;
			/* translators: 1: domain, 2: the failure */
			$lines[]   = sprintf(__('%1$s: %2$s', 'wu-runcloud'), $name, $row->last_error);
			$permanent = $permanent || $row->op_status === 'failed';
		}
		$action = self::page_action(['tab' => 'domains', 'view' => 'failing'], __('Review the failing domains', 'wu-runcloud'));
		if ($lines !== []) {
			$label = $views['failing'] > 0
				/* translators: %d: number of domains */
				? sprintf(_n('%d domain is failing in RunCloud', '%d domains are failing in RunCloud', $views['failing'], 'wu-runcloud'), $views['failing'])
				: __('The SSL certificate could not be redeployed', 'wu-runcloud');
			return self::result($permanent ? 'critical' : 'recommended', $label, implode('; ', $lines), $action);
		}
		if ($views['waiting_dns'] > 0) {
			return self::result(
				'recommended',
				/* translators: %d: number of domains */
				sprintf(_n('%d domain waits for its DNS', '%d domains wait for their DNS', $views['waiting_dns'], 'wu-runcloud'), $views['waiting_dns']),
				__('A domain is added to RunCloud once its DNS points at the server.', 'wu-runcloud'),
				self::page_action(['tab' => 'domains', 'view' => 'waiting_dns'], __('Review them', 'wu-runcloud'))
			);
		}
		return self::result(
			'good',
			__('No domain is failing in RunCloud', 'wu-runcloud'),
			/* translators: 1: live domains, 2: all domains */
			sprintf(__('%1$d of %2$d domains are live; none is failing.', 'wu-runcloud'), $views['live'], $views['all']),
			self::page_action(['tab' => 'domains'], __('Review the domains', 'wu-runcloud'))
		);
	}

	/** The newest SSL redeploy that was not set aside, or null. */
	private static function latest_redeploy(array $target): ?object {
		global $wpdb;
		$table = Queue::table();
		return $wpdb->get_row($wpdb->prepare(
			"SELECT * FROM {$table} WHERE op = 'redeploy_ssl' AND server_id = %d AND app_id = %d AND status NOT IN ('" . implode("','", Queue::SET_ASIDE) . "') ORDER BY id DESC LIMIT 1",
			$target[0], $target[1]
		)) ?: null;
	}

	/**
	 * A basic-SSL app close to Let's Encrypt's 100 names per certificate (www aliases count).
	 * Counted from the last Test Connection and the domains recorded since.
	 */
	public static function ssl_limit(): array {
		$test   = get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []);
		$action = [Network_Admin::page_url(), __('Open Settings -> RunCloud', 'wu-runcloud')];
		$mode   = is_array($test) ? (string) ($test['ssl_mode'] ?? '') : '';
		if ($mode !== 'basic') {
			return self::result(
				'good',
				__('The SSL certificate has no 100-name limit to worry about', 'wu-runcloud'),
				$mode === ''
					? __('The SSL mode is known once Test Connection has run.', 'wu-runcloud')
					/* translators: %s: SSL mode */
					: sprintf(__('The web application\'s SSL mode is %s: not one certificate for every domain.', 'wu-runcloud'), $mode),
				$action
			);
		}
		$names = max((int) ($test['domains'] ?? 0), Domains::count() + 1);
		$warn  = (int) apply_filters('wu_runcloud_ssl_san_warning', 90);
		if ($names < $warn) {
			return self::result(
				'good',
				__('The basic SSL certificate is far from its 100-name limit', 'wu-runcloud'),
				/* translators: %d: number of names */
				sprintf(_n('The web application has %d domain of the 100 one certificate covers.', 'The web application has %d domains of the 100 one certificate covers.', $names, 'wu-runcloud'), $names),
				$action
			);
		}
		return self::result(
			$names >= self::SAN_LIMIT ? 'critical' : 'recommended',
			__('The basic SSL certificate is close to its 100-name limit', 'wu-runcloud'),
			sprintf(
				/* translators: %d: number of domains */
				_n(
					'This web application uses a basic SSL certificate, which covers at most 100 names (Let\'s Encrypt), and it already has %d domain (www aliases count too). Switch the app to advanced SSL (one certificate per domain) or use a wildcard domain for subdomains before adding more.',
					'This web application uses a basic SSL certificate, which covers at most 100 names (Let\'s Encrypt), and it already has %d domains (www aliases count too). Switch the app to advanced SSL (one certificate per domain) or use a wildcard domain for subdomains before adding more.',
					$names,
					'wu-runcloud'
				),
				$names
			),
			$action
		);
	}

	/** "add shop.example.com: <the failure>", the failure in the extension's words. */
	private static function describe_op(object $op): string {
		return sprintf('%s %s: %s', $op->op, $op->domain !== '' ? $op->domain : '-', (string) $op->last_error);
	}

	/**
	 * The non-secret configuration: Site Health's Info tab and `wp runcloud status`. A
	 * credential is named by its kind (token, key and secret), never shown; a URL loses any
	 * user and password it carries.
	 *
	 * @return array<string, array{0:string, 1:string}> key => [label, value]
	 */
	public static function configuration(): array {
		$yes  = __('yes', 'wu-runcloud');
		$no   = __('no', 'wu-runcloud');
		$none = __('none', 'wu-runcloud');
		$test = get_network_option(null, Domain_Sync::LAST_TEST_OPTION, []);
		$test = is_array($test) ? $test : [];
		$sync = get_network_option(null, Reconciler::LAST_SYNC_OPTION, []);
		$sync = is_array($sync) ? $sync : [];
		$hold = Settings::held();

		$credentials = [
			'token'      => __('API token (RunCloud API v3)', 'wu-runcloud'),
			'key_secret' => __('API key and secret (legacy RunCloud API v2)', 'wu-runcloud'),
			'none'       => $none,
		][Settings::credential_mode()];
		if (!Settings::is_configured()) {
			/* translators: %s: constant names */
			$credentials .= ' (' . sprintf(__('missing: %s', 'wu-runcloud'), implode(', ', Settings::missing_constants())) . ')';
		}
		$client = [];
		foreach (['timeout', 'connect_timeout', 'retries'] as $key) {
			$ini = Settings::extension_loaded() ? ini_get('wu_runcloud.' . $key) : false;
			$client[] = $key . ' ' . ($ini === false ? '?' : $ini);
		}
		$filtered = apply_filters('wu_runcloud_client_options', []);
		if (is_array($filtered) && $filtered !== []) {
			$client[] = '(' . __('filter wu_runcloud_client_options:', 'wu-runcloud') . ' ' . implode(', ', array_map(static fn($k, $v) => $k . ' ' . (is_scalar($v) ? $v : get_debug_type($v)), array_keys($filtered), $filtered)) . ')';
		}
		$counts = Queue::counts();
		ksort($counts);
		$views = Domain_Status::view_counts(Domain_Status::counts());
		$view_labels = Domain_Status::view_labels();

		if ($test === []) {
			$last_test = __('never', 'wu-runcloud');
		} elseif (($test['ok'] ?? true) === false) {
			/* translators: 1: date and time (UTC), 2: the failure */
			$last_test = sprintf(__('%1$s UTC: failed: %2$s', 'wu-runcloud'), gmdate('Y-m-d H:i:s', (int) $test['time']), (string) $test['message']);
		} else {
			/* translators: 1: date and time (UTC), 2: API version, 3: server, 4: app, 5: domains */
			$last_test = sprintf(__('%1$s UTC: connected (API %2$s, server "%3$s", web application "%4$s", %5$d domains)', 'wu-runcloud'), gmdate('Y-m-d H:i:s', (int) $test['time']), (string) ($test['api'] ?? ''), (string) ($test['server'] ?? ''), (string) ($test['app'] ?? ''), (int) ($test['domains'] ?? 0));
		}
		$last_sync = empty($sync['time']) ? __('never', 'wu-runcloud') : sprintf(
			/* translators: 1: date and time (UTC), 2: added, 3: removed, 4: failed */
			__('%1$s UTC: %2$d added, %3$d removed, %4$d failed', 'wu-runcloud'),
			gmdate('Y-m-d H:i:s', (int) $sync['time']),
			count((array) ($sync['added'] ?? [])),
			count((array) ($sync['removed'] ?? [])),
			count((array) ($sync['failed'] ?? []))
		);

		return [
			'plugin_version'     => [__('Plugin version', 'wu-runcloud'), WU_RUNCLOUD_PLUGIN_VERSION],
			'extension'          => [__('PHP extension', 'wu-runcloud'), Settings::extension_loaded() ? sprintf(/* translators: %s: version */ __('loaded (%s)', 'wu-runcloud'), (string) wu_runcloud_version()) : __('not loaded', 'wu-runcloud')],
			'enabled'            => [__('Enabled', 'wu-runcloud'), Settings::is_enabled() ? $yes : $no],
			'ultimate_multisite' => [__('Ultimate Multisite', 'wu-runcloud'), Settings::ultimate_multisite_mode()],
			'credentials'        => [__('Credentials', 'wu-runcloud'), $credentials],
			'server_id'          => [__('Server id (WU_RUNCLOUD_SERVER_ID)', 'wu-runcloud'), Settings::server_id() !== '' ? Settings::server_id() : $none],
			'app_id'             => [__('Web application id (WU_RUNCLOUD_APP_ID)', 'wu-runcloud'), Settings::app_id() !== '' ? Settings::app_id() : $none],
			'targets'            => [__('Targets (WU_RUNCLOUD_TARGETS)', 'wu-runcloud'), Settings::uses_target_list() ? implode(', ', array_merge(array_map([Settings::class, 'target_key'], Settings::targets()), Settings::target_problems())) : $none],
			'api_url'            => [__('API URL (WU_RUNCLOUD_API_URL)', 'wu-runcloud'), defined('WU_RUNCLOUD_API_URL') && WU_RUNCLOUD_API_URL ? self::without_userinfo((string) WU_RUNCLOUD_API_URL) : __('RunCloud (default)', 'wu-runcloud')],
			'ca_file'            => [__('Extra CA file (WU_RUNCLOUD_CA_FILE)', 'wu-runcloud'), defined('WU_RUNCLOUD_CA_FILE') && WU_RUNCLOUD_CA_FILE ? (string) WU_RUNCLOUD_CA_FILE : $none],
			'client'             => [__('Client (INI wu_runcloud.*)', 'wu-runcloud'), implode(', ', $client)],
			'scheduler'          => [__('Worker runs from', 'wu-runcloud'), function_exists('as_schedule_single_action') ? 'Action Scheduler' : ('WP-Cron' . (defined('DISABLE_WP_CRON') && DISABLE_WP_CRON ? ' (DISABLE_WP_CRON: wp-cron.php from a system cron)' : ''))],
			'queue'              => [__('Operations', 'wu-runcloud'), $counts ? implode(', ', array_map(static fn($k, $v) => "{$k}={$v}", array_keys($counts), $counts)) : $none],
			'domains'            => [__('Domains', 'wu-runcloud'), implode(', ', array_map(static fn($v, $n) => $view_labels[$v] . ' ' . $n, array_keys($views), $views))],
			'tracked'            => [__('Tracked domains in RunCloud', 'wu-runcloud'), (string) Domains::count()],
			'ssl_mode'           => [__('SSL mode (at the last Test Connection)', 'wu-runcloud'), (string) ($test['ssl_mode'] ?? __('unknown', 'wu-runcloud'))],
			'last_test'          => [__('Last Test Connection', 'wu-runcloud'), $last_test],
			'last_sync'          => [__('Last sync', 'wu-runcloud'), $last_sync],
			'hold'               => [__('Queue on hold', 'wu-runcloud'), $hold !== null ? (string) $hold['message'] : $no],
			'schema'             => [__('Database schema', 'wu-runcloud'), (string) get_network_option(null, Schema::VERSION_OPTION, '')],
		];
	}

	/** scheme://host[:port]/path of a URL: a user or password in it is a credential. */
	private static function without_userinfo(string $url): string {
		$parts = wp_parse_url($url);
		if (!is_array($parts) || empty($parts['host'])) {
			return __('(not a URL)', 'wu-runcloud');
		}
		return ($parts['scheme'] ?? 'https') . '://' . $parts['host'] . (isset($parts['port']) ? ':' . $parts['port'] : '') . ($parts['path'] ?? '');
	}
}
