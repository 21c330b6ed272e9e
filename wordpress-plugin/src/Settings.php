<?php
/**
 * The one place where wp-config constants become the extension's configuration array.
 *
 * The array holds secrets: it is passed straight to wu_runcloud_* calls and never logged,
 * printed, stored or handed to a filter.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Settings {

	/** Network option of the standalone enable toggle. */
	public const ENABLED_OPTION = 'wu_runcloud_enabled';

	/** Ultimate Multisite's enabled list (shared by its 2.0 and 2.5 frameworks). */
	public const UM_ENABLED_OPTION = 'wu_host_integrations_enabled';

	/** Main network's option: the configuration problem that holds the queue, if any. */
	public const HOLD_OPTION = 'wu_runcloud_config_hold';

	/** Integration id, reused so Ultimate Multisite's built-in RunCloud is replaced. */
	public const INTEGRATION_ID = 'runcloud';

	/** Every constant we read, as the user documentation names them. */
	public const CONSTANTS = [
		'WU_RUNCLOUD_API_TOKEN',
		'WU_RUNCLOUD_API_KEY',
		'WU_RUNCLOUD_API_SECRET',
		'WU_RUNCLOUD_SERVER_ID',
		'WU_RUNCLOUD_APP_ID',
		'WU_RUNCLOUD_TARGETS',
	];

	/**
	 * Addresses of a load balancer in front of the targets (comma-separated): a domain whose
	 * DNS points there is as ready as one pointing at a target's server.
	 */
	public const BALANCER_CONSTANT = 'WU_RUNCLOUD_BALANCER_IPS';

	/**
	 * Overrides: a simulator's base URL, an extra CA bundle, the resolvers of the DNS gate
	 * (also for operators with a private resolver: comma-separated "ip:port"), and the port
	 * the HTTPS check connects to (tests).
	 */
	public const OVERRIDES = ['WU_RUNCLOUD_API_URL', 'WU_RUNCLOUD_CA_FILE', 'WU_RUNCLOUD_DNS_SERVERS', 'WU_RUNCLOUD_HTTPS_PORT'];

	/** Client tuning a site may change through the `wu_runcloud_client_options` filter. */
	private const CLIENT_OPTIONS = ['timeout', 'connect_timeout', 'retries', 'ssl_timeout'];

	/**
	 * Each key of the extension's configuration as the operator knows it (the extension's
	 * `setting_names`): its messages then say "check WU_RUNCLOUD_SERVER_ID", and the plugin
	 * shows them as they are.
	 */
	private const SETTING_NAMES = [
		'api_token'       => 'WU_RUNCLOUD_API_TOKEN',
		'api_key'         => 'WU_RUNCLOUD_API_KEY',
		'api_secret'      => 'WU_RUNCLOUD_API_SECRET',
		'server_id'       => 'WU_RUNCLOUD_SERVER_ID',
		'app_id'          => 'WU_RUNCLOUD_APP_ID',
		'base_url'        => 'WU_RUNCLOUD_API_URL',
		'ca_file'         => 'WU_RUNCLOUD_CA_FILE',
		'timeout'         => 'timeout (filter wu_runcloud_client_options)',
		'connect_timeout' => 'connect_timeout (filter wu_runcloud_client_options)',
		'retries'         => 'retries (filter wu_runcloud_client_options)',
		'ssl_timeout'     => 'ssl_timeout (filter wu_runcloud_client_options)',
		'dns_servers'     => 'WU_RUNCLOUD_DNS_SERVERS',
		'https_port'      => 'WU_RUNCLOUD_HTTPS_PORT',
	];

	/**
	 * Where credentials come from: constants by default; Ultimate Multisite 2.5 plugs in
	 * Integration::get_credential() so its encrypted stored credentials work too.
	 *
	 * @var callable|null
	 */
	private static $credential_source = null;

	public static function set_credential_source(?callable $source): void {
		self::$credential_source = $source;
	}

	/** A credential's value, or '' when it is not set. */
	public static function get(string $constant): string {
		if (self::$credential_source !== null) {
			return (string) call_user_func(self::$credential_source, $constant);
		}
		return defined($constant) ? trim((string) constant($constant)) : '';
	}

	/** 'token' (v3), 'key_secret' (legacy v2) or 'none'. The token wins when both are set. */
	public static function credential_mode(): string {
		if (self::get('WU_RUNCLOUD_API_TOKEN') !== '') {
			return 'token';
		}
		if (self::get('WU_RUNCLOUD_API_KEY') !== '' && self::get('WU_RUNCLOUD_API_SECRET') !== '') {
			return 'key_secret';
		}
		return 'none';
	}

	/** Names of the constants still to define, in the words an operator can act on. */
	public static function missing_constants(): array {
		$missing = [];
		if (self::credential_mode() === 'none') {
			if (self::get('WU_RUNCLOUD_API_KEY') !== '' && self::get('WU_RUNCLOUD_API_SECRET') === '') {
				$missing[] = 'WU_RUNCLOUD_API_SECRET';
			} elseif (self::get('WU_RUNCLOUD_API_SECRET') !== '' && self::get('WU_RUNCLOUD_API_KEY') === '') {
				$missing[] = 'WU_RUNCLOUD_API_KEY';
			} else {
				$missing[] = 'WU_RUNCLOUD_API_TOKEN';
			}
		}
		if (self::uses_target_list()) {
			return $missing;
		}
		foreach (['WU_RUNCLOUD_SERVER_ID', 'WU_RUNCLOUD_APP_ID'] as $constant) {
			if (self::get($constant) === '') {
				$missing[] = $constant;
			}
		}
		return $missing;
	}

	/** What is missing, worded once for every surface (notice, Test Connection, Site Health, WP-CLI). */
	public static function not_configured_message(): string {
		return sprintf(
			/* translators: %s: comma-separated constant names */
			__('RunCloud is not configured: define %s in wp-config.php.', 'wu-runcloud'),
			implode(', ', self::missing_constants())
		);
	}

	public static function is_configured(): bool {
		return self::missing_constants() === [];
	}

	public static function server_id(): string {
		return self::get('WU_RUNCLOUD_SERVER_ID');
	}

	public static function app_id(): string {
		return self::get('WU_RUNCLOUD_APP_ID');
	}

	/** WU_RUNCLOUD_TARGETS is set: it replaces WU_RUNCLOUD_SERVER_ID and WU_RUNCLOUD_APP_ID. */
	public static function uses_target_list(): bool {
		return self::get('WU_RUNCLOUD_TARGETS') !== '';
	}

	/** A RunCloud id as written: a positive whole number that fits a BIGINT. */
	private static function is_id(string $id): bool {
		return ctype_digit($id) && ltrim($id, '0') !== '' && strlen(ltrim($id, '0')) <= 18;
	}

	/**
	 * Every web application the network is served by, each as [server id, app id], with the
	 * problem of every entry that is not usable. WU_RUNCLOUD_TARGETS ("server:app,server:app")
	 * when set, otherwise WU_RUNCLOUD_SERVER_ID + WU_RUNCLOUD_APP_ID as the one target. A
	 * malformed or repeated pair is left out and named; the others still work.
	 *
	 * @return array{targets: array<int, array{0:int, 1:int}>, problems: string[]}
	 */
	private static function parse_targets(): array {
		if (!self::uses_target_list()) {
			$problem = self::single_target_problem();
			return $problem === ''
				? ['targets' => [[(int) self::server_id(), (int) self::app_id()]], 'problems' => []]
				: ['targets' => [], 'problems' => [$problem]];
		}
		$targets  = [];
		$problems = [];
		foreach (explode(',', self::get('WU_RUNCLOUD_TARGETS')) as $entry) {
			$pair = trim($entry);
			if ($pair === '') {
				continue;
			}
			$ids = array_map('trim', explode(':', $pair));
			if (count($ids) !== 2 || !self::is_id($ids[0]) || !self::is_id($ids[1])) {
				$problems[] = sprintf(
					/* translators: %s: the entry as written */
					__('WU_RUNCLOUD_TARGETS: "%s" is not a server:app pair of the positive numbers from the RunCloud dashboard URLs (e.g. 11667:940288); it is ignored.', 'wu-runcloud'),
					$pair
				);
				continue;
			}
			$target = [(int) $ids[0], (int) $ids[1]];
			if (in_array($target, $targets, true)) {
				$problems[] = sprintf(
					/* translators: %s: the pair */
					__('WU_RUNCLOUD_TARGETS: "%s" is listed more than once; it is used once.', 'wu-runcloud'),
					self::target_key($target)
				);
				continue;
			}
			$targets[] = $target;
		}
		if ($targets === [] && $problems === []) {
			$problems[] = __('WU_RUNCLOUD_TARGETS lists no server:app pair.', 'wu-runcloud');
		}
		return ['targets' => $targets, 'problems' => $problems];
	}

	/**
	 * The web applications every operation goes to, in the order configured. Domain rows,
	 * stages, operations and the one-worker-per-domain rule are keyed by each, so a changed
	 * id never acts on what was recorded for another app.
	 *
	 * @return array<int, array{0:int, 1:int}>
	 */
	public static function targets(): array {
		return self::parse_targets()['targets'];
	}

	/** Why each configured target that is left out is unusable, naming the constant and the pair. */
	public static function target_problems(): array {
		return self::parse_targets()['problems'];
	}

	/** "11667:940288": how a target is written in WU_RUNCLOUD_TARGETS, messages and `--target`. */
	public static function target_key(array $target): string {
		return $target[0] . ':' . $target[1];
	}

	/** Whether [server, app] is one of the configured targets. */
	public static function is_target(array $target): bool {
		return in_array([(int) $target[0], (int) $target[1]], self::targets(), true);
	}

	/**
	 * The first (with one target: the only) web application, as [server id, app id]: for what
	 * is about one app only (the hold of an unusable configuration, rows recorded before
	 * domains were scoped). Everything per domain iterates targets().
	 *
	 * @return array{0:int, 1:int}|null Null while no target is usable.
	 */
	public static function target(): ?array {
		return self::targets()[0] ?? null;
	}

	/** Why no target is usable, naming the constant; '' when at least one is. */
	public static function target_problem(): string {
		return self::targets() === [] ? implode(' ', self::target_problems()) : '';
	}

	private static function single_target_problem(): string {
		foreach (['WU_RUNCLOUD_SERVER_ID' => self::server_id(), 'WU_RUNCLOUD_APP_ID' => self::app_id()] as $constant => $value) {
			if (!self::is_id($value)) {
				return sprintf(
					/* translators: 1: constant name, 2: its value */
					__('%1$s must be the positive number from the RunCloud dashboard URL, not "%2$s".', 'wu-runcloud'),
					$constant,
					$value
				);
			}
		}
		return '';
	}

	/**
	 * Addresses of the operator's load balancer: a domain pointing at one of them is ready
	 * for every target (WU_RUNCLOUD_BALANCER_IPS, then the `wu_runcloud_balancer_ips` filter).
	 *
	 * @return string[]
	 */
	public static function balancer_ips(): array {
		$ips = defined(self::BALANCER_CONSTANT) ? array_map('trim', explode(',', (string) constant(self::BALANCER_CONSTANT))) : [];
		/**
		 * Filters the load balancer's addresses that count as "DNS points here".
		 *
		 * @param string[] $ips IPv4 or IPv6 addresses.
		 */
		$ips = apply_filters('wu_runcloud_balancer_ips', $ips);
		$out = [];
		foreach ((array) $ips as $ip) {
			$packed = is_string($ip) ? @inet_pton(trim($ip)) : false;
			if ($packed !== false) {
				$out[] = inet_ntop($packed);
			}
		}
		return array_values(array_unique($out));
	}

	/**
	 * Hold the queue: the configuration is invalid, so every operation would fail the same
	 * way. Stored once for the whole install (the constants are shared by every network).
	 *
	 * @return bool True when this is a new or different problem (worth one log line).
	 */
	public static function hold(string $message): bool {
		$current = self::held();
		if ($current !== null && $current['message'] === $message) {
			return false;
		}
		update_network_option(get_main_network_id(), self::HOLD_OPTION, ['message' => $message, 'time' => time()]);
		return true;
	}

	/** @return array{message:string, time:int}|null The configuration problem holding the queue. */
	public static function held(): ?array {
		$hold = get_network_option(get_main_network_id(), self::HOLD_OPTION, null);
		return is_array($hold) && isset($hold['message']) ? $hold : null;
	}

	/** RunCloud accepted a call made with the current configuration: nothing holds the queue. */
	public static function release_hold(): void {
		if (self::held() !== null) {
			delete_network_option(get_main_network_id(), self::HOLD_OPTION);
		}
	}

	/**
	 * The configuration array of the extension's contract, for one target (default: the first).
	 *
	 * @return array Empty when not configured (callers check is_configured() first).
	 */
	public static function config(?array $target = null): array {
		if (!self::is_configured()) {
			return [];
		}
		$target = $target ?? self::target();
		$config = [];
		if (self::credential_mode() === 'token') {
			$config['api_token'] = self::get('WU_RUNCLOUD_API_TOKEN');
		} else {
			$config['api_key']    = self::get('WU_RUNCLOUD_API_KEY');
			$config['api_secret'] = self::get('WU_RUNCLOUD_API_SECRET');
		}
		$config['server_id'] = $target !== null ? (string) $target[0] : self::server_id();
		$config['app_id']    = $target !== null ? (string) $target[1] : self::app_id();
		if (defined('WU_RUNCLOUD_API_URL') && WU_RUNCLOUD_API_URL) {
			$config['base_url'] = (string) WU_RUNCLOUD_API_URL;
		}
		if (defined('WU_RUNCLOUD_CA_FILE') && WU_RUNCLOUD_CA_FILE) {
			$config['ca_file'] = (string) WU_RUNCLOUD_CA_FILE;
		}
		// Resolvers for the DNS gate instead of the system's (a private resolver; tests).
		if (defined('WU_RUNCLOUD_DNS_SERVERS') && trim((string) WU_RUNCLOUD_DNS_SERVERS) !== '') {
			$config['dns_servers'] = array_values(array_filter(array_map('trim', explode(',', (string) WU_RUNCLOUD_DNS_SERVERS)), 'strlen'));
		}
		// Test only: where the HTTPS check connects instead of 443.
		if (defined('WU_RUNCLOUD_HTTPS_PORT') && WU_RUNCLOUD_HTTPS_PORT) {
			$config['https_port'] = (int) WU_RUNCLOUD_HTTPS_PORT;
		}
		/**
		 * Client tuning (timeouts in seconds, retries). Only these keys are honoured, and the
		 * filter never sees the credentials.
		 *
		 * @param array $options e.g. ['timeout' => 15.0, 'connect_timeout' => 5.0, 'retries' => 3,
		 *                       'ssl_timeout' => 120.0 (one certificate issuance, never retried blindly)]
		 */
		$options = apply_filters('wu_runcloud_client_options', []);
		if (is_array($options)) {
			foreach (self::CLIENT_OPTIONS as $key) {
				if (isset($options[$key]) && is_numeric($options[$key])) {
					$config[$key] = $key === 'retries' ? (int) $options[$key] : (float) $options[$key];
				}
			}
		}
		$config['setting_names'] = self::SETTING_NAMES;
		if (self::uses_target_list() && $target !== null) {
			// A message about an id then names the pair to fix (a setting name has no colon).
			$config['setting_names']['server_id'] = sprintf('WU_RUNCLOUD_TARGETS (server %d of the pair %d and %d)', $target[0], $target[0], $target[1]);
			$config['setting_names']['app_id']    = sprintf('WU_RUNCLOUD_TARGETS (app %d of the pair %d and %d)', $target[1], $target[0], $target[1]);
		}
		return $config;
	}

	/** Secret values, only so Log can scrub them from any message it is handed. */
	public static function secrets(): array {
		return array_values(array_filter([
			self::get('WU_RUNCLOUD_API_TOKEN'),
			self::get('WU_RUNCLOUD_API_KEY'),
			self::get('WU_RUNCLOUD_API_SECRET'),
		], static fn($v) => strlen($v) >= 4));
	}

	public static function extension_loaded(): bool {
		return extension_loaded('wu_runcloud') && function_exists('wu_runcloud_add_domain');
	}

	public static function extension_missing_message(): string {
		return __('The wu_runcloud PHP extension is not loaded, so nothing is sent to RunCloud. To fix it, install the wu_runcloud PHP extension: make install, then reload php-fpm. Domain changes are recorded meanwhile and sent once it is loaded.', 'wu-runcloud');
	}

	/** Whether Ultimate Multisite (2.0+) drives the four domain actions instead of us. */
	public static function ultimate_multisite_mode(): string {
		if (class_exists('WP_Ultimo\\Integrations\\Integration_Registry')) {
			return 'registry';
		}
		if (class_exists('WP_Ultimo\\Integrations\\Host_Providers\\Base_Host_Provider')) {
			return 'legacy';
		}
		return 'none';
	}

	/** The enable toggle: Ultimate Multisite's flag when it is present, ours otherwise. */
	public static function is_enabled(): bool {
		if (self::ultimate_multisite_mode() !== 'none') {
			$list = get_network_option(null, self::UM_ENABLED_OPTION, []);
			return is_array($list) && !empty($list[self::INTEGRATION_ID]);
		}
		return (bool) get_network_option(null, self::ENABLED_OPTION, false);
	}

	public static function set_enabled(bool $enabled): void {
		if (self::ultimate_multisite_mode() !== 'none') {
			$list = get_network_option(null, self::UM_ENABLED_OPTION, []);
			$list = is_array($list) ? $list : [];
			$list[self::INTEGRATION_ID] = $enabled;
			update_network_option(null, self::UM_ENABLED_OPTION, $list);
			return;
		}
		update_network_option(null, self::ENABLED_OPTION, $enabled ? 1 : 0);
	}

	/** The integration's mark, shown by Ultimate Multisite's wizard and integration list. */
	public static function logo_url(): string {
		return plugins_url('assets/wu-runcloud.svg', WU_RUNCLOUD_PLUGIN_FILE);
	}

	/** Ultimate Multisite's wizard form: keys are the constant names (both frameworks). */
	public static function wizard_fields(): array {
		return [
			'WU_RUNCLOUD_API_TOKEN'  => [
				'type'        => 'password',
				'title'       => __('RunCloud API token (API v3)', 'wu-runcloud'),
				'desc'        => __('Create one in the RunCloud dashboard (Settings -> API Management). Preferred; when set, the key and secret are ignored.', 'wu-runcloud'),
				'placeholder' => '',
				'html_attr'   => ['autocomplete' => 'off'],
			],
			'WU_RUNCLOUD_API_KEY'    => [
				'type'        => 'text',
				'title'       => __('API key (legacy API v2)', 'wu-runcloud'),
				'desc'        => __('Only for accounts without API tokens; needs the secret below.', 'wu-runcloud'),
				'placeholder' => '',
				'html_attr'   => ['autocomplete' => 'off'],
			],
			'WU_RUNCLOUD_API_SECRET' => [
				'type'        => 'password',
				'title'       => __('API secret (legacy API v2)', 'wu-runcloud'),
				'desc'        => '',
				'placeholder' => '',
				'html_attr'   => ['autocomplete' => 'off'],
			],
			'WU_RUNCLOUD_SERVER_ID'  => [
				'type'        => 'text',
				'title'       => __('Server ID', 'wu-runcloud'),
				'desc'        => __('The number after /servers/ in the RunCloud dashboard URL.', 'wu-runcloud'),
				'placeholder' => __('e.g. 11667', 'wu-runcloud'),
				'html_attr'   => [],
			],
			'WU_RUNCLOUD_APP_ID'     => [
				'type'        => 'text',
				'title'       => __('Web application ID', 'wu-runcloud'),
				'desc'        => __('The number after /apps/ in the RunCloud dashboard URL of the web application.', 'wu-runcloud'),
				'placeholder' => __('e.g. 940288', 'wu-runcloud'),
				'html_attr'   => [],
			],
		];
	}
}
