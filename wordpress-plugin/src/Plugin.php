<?php
/**
 * Wiring: every add_action/add_filter of the plugin is in register_hooks(), mirrored by
 * unregister_hooks(). Callbacks are named after their hook and only decide *when*; which
 * hostnames count is Hostnames', and the work is Queue (record), Worker (run), Domain_Sync
 * (perform) and Reconciler (converge).
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Plugin {

	public const RECONCILE_HOOK = 'wu_runcloud_reconcile';

	/** Once a day: every live domain's HTTPS and DNS are looked at again. */
	public const DAILY_CHECK_HOOK = 'wu_runcloud_daily_checks';

	private static ?Plugin $instance = null;

	public Network_Admin $admin;

	public Site_Health $health;

	private function __construct() {
		$this->admin  = new Network_Admin();
		$this->health = new Site_Health();
	}

	public static function instance(): Plugin {
		return self::$instance ??= new self();
	}

	/** Called once from wu-runcloud.php. */
	public static function boot(): void {
		$plugin = self::instance();
		Schema::maybe_install();
		$plugin->register_hooks();
		if (defined('WP_CLI') && WP_CLI && class_exists('WP_CLI')) {
			\WP_CLI::add_command('runcloud', CLI::class);
			\WP_CLI::add_command('runcloud queue', CLI_Queue::class);
		}
	}

	public function register_hooks(): void {
		// The four Ultimate Multisite actions, for networks without its integration framework.
		add_action('wu_add_domain', [$this, 'action_wu_add_domain'], 10, 2);
		add_action('wu_remove_domain', [$this, 'action_wu_remove_domain'], 10, 2);
		add_action('wu_add_subdomain', [$this, 'action_wu_add_subdomain'], 10, 2);
		add_action('wu_remove_subdomain', [$this, 'action_wu_remove_subdomain'], 10, 2);

		// WordPress core site lifecycle (standalone only: Ultimate Multisite fires the above).
		add_action('wp_insert_site', [$this, 'action_wp_insert_site'], 10, 1);
		add_action('wp_delete_site', [$this, 'action_wp_delete_site'], 10, 1);
		add_action('wp_update_site', [$this, 'action_wp_update_site'], 10, 2);

		// Our own background work.
		add_action(Worker::HOOK, [$this, 'action_wu_runcloud_process_queue'], 10, 0);
		add_action(self::RECONCILE_HOOK, [$this, 'action_wu_runcloud_reconcile'], 10, 0);
		add_action(self::DAILY_CHECK_HOOK, [$this, 'action_wu_runcloud_daily_checks'], 10, 0);
		add_action('init', [$this, 'action_init'], 10, 0);

		// Ultimate Multisite 2.4.11+ (registry) and 2.0-2.4.10 (host providers; kept in 2.5+).
		add_action('wu_register_integrations', [$this, 'action_wu_register_integrations'], 20, 1);
		add_action('wu_register_capabilities', [$this, 'action_wu_register_capabilities'], 20, 1);
		add_action('wp_ultimo_host_providers_load', [$this, 'action_wp_ultimo_host_providers_load'], 20, 0);
		add_action('wu_domain_manager_dns_propagation_finished', [$this, 'action_wu_domain_manager_dns_propagation_finished'], 10, 1);

		// Network admin.
		add_action('network_admin_menu', [$this->admin, 'action_network_admin_menu'], 10, 0);
		add_action('network_admin_notices', [$this->admin, 'action_network_admin_notices'], 10, 0);
		add_action('admin_post_wu_runcloud_toggle', [$this->admin, 'action_admin_post_wu_runcloud_toggle'], 10, 0);
		add_action('admin_post_wu_runcloud_test', [$this->admin, 'action_admin_post_wu_runcloud_test'], 10, 0);
		add_action('admin_post_wu_runcloud_sync', [$this->admin, 'action_admin_post_wu_runcloud_sync'], 10, 0);
		add_action('admin_post_wu_runcloud_op', [$this->admin, 'action_admin_post_wu_runcloud_op'], 10, 0);
		add_action('admin_post_wu_runcloud_prune_force', [$this->admin, 'action_admin_post_wu_runcloud_prune_force'], 10, 0);
		add_action('admin_post_wu_runcloud_dismiss_token_notice', [$this->admin, 'action_admin_post_wu_runcloud_dismiss_token_notice'], 10, 0);
		add_action('admin_post_wu_runcloud_domains_bulk', [$this->admin, 'action_admin_post_wu_runcloud_domains_bulk'], 10, 0);
		add_action('admin_post_wu_runcloud_ops_bulk', [$this->admin, 'action_admin_post_wu_runcloud_ops_bulk'], 10, 0);
		add_action('wp_ajax_wu_runcloud_test', [$this->admin, 'action_wp_ajax_wu_runcloud_test'], 10, 0);
		add_action(Network_Admin::LOAD_HOOK, [$this->admin, 'action_load_settings_page_wu_runcloud'], 10, 0);
		// Screen Options -> rows per page of the two tables (saved before any page hook runs).
		add_filter('set_screen_option_' . Network_Admin::DOMAINS_PER_PAGE, [$this->admin, 'filter_set_screen_option_per_page'], 10, 3);
		add_filter('set_screen_option_' . Network_Admin::OPERATIONS_PER_PAGE, [$this->admin, 'filter_set_screen_option_per_page'], 10, 3);

		// Tools -> Site Health.
		add_filter('site_status_tests', [$this->health, 'filter_site_status_tests'], 10, 1);
		add_filter('debug_information', [$this->health, 'filter_debug_information'], 10, 1);
	}

	public function unregister_hooks(): void {
		remove_action('wu_add_domain', [$this, 'action_wu_add_domain'], 10);
		remove_action('wu_remove_domain', [$this, 'action_wu_remove_domain'], 10);
		remove_action('wu_add_subdomain', [$this, 'action_wu_add_subdomain'], 10);
		remove_action('wu_remove_subdomain', [$this, 'action_wu_remove_subdomain'], 10);

		remove_action('wp_insert_site', [$this, 'action_wp_insert_site'], 10);
		remove_action('wp_delete_site', [$this, 'action_wp_delete_site'], 10);
		remove_action('wp_update_site', [$this, 'action_wp_update_site'], 10);

		remove_action(Worker::HOOK, [$this, 'action_wu_runcloud_process_queue'], 10);
		remove_action(self::RECONCILE_HOOK, [$this, 'action_wu_runcloud_reconcile'], 10);
		remove_action(self::DAILY_CHECK_HOOK, [$this, 'action_wu_runcloud_daily_checks'], 10);
		remove_action('init', [$this, 'action_init'], 10);

		remove_action('wu_register_integrations', [$this, 'action_wu_register_integrations'], 20);
		remove_action('wu_register_capabilities', [$this, 'action_wu_register_capabilities'], 20);
		remove_action('wp_ultimo_host_providers_load', [$this, 'action_wp_ultimo_host_providers_load'], 20);
		remove_action('wu_domain_manager_dns_propagation_finished', [$this, 'action_wu_domain_manager_dns_propagation_finished'], 10);

		remove_action('network_admin_menu', [$this->admin, 'action_network_admin_menu'], 10);
		remove_action('network_admin_notices', [$this->admin, 'action_network_admin_notices'], 10);
		remove_action('admin_post_wu_runcloud_toggle', [$this->admin, 'action_admin_post_wu_runcloud_toggle'], 10);
		remove_action('admin_post_wu_runcloud_test', [$this->admin, 'action_admin_post_wu_runcloud_test'], 10);
		remove_action('admin_post_wu_runcloud_sync', [$this->admin, 'action_admin_post_wu_runcloud_sync'], 10);
		remove_action('admin_post_wu_runcloud_op', [$this->admin, 'action_admin_post_wu_runcloud_op'], 10);
		remove_action('admin_post_wu_runcloud_prune_force', [$this->admin, 'action_admin_post_wu_runcloud_prune_force'], 10);
		remove_action('admin_post_wu_runcloud_dismiss_token_notice', [$this->admin, 'action_admin_post_wu_runcloud_dismiss_token_notice'], 10);
		remove_action('admin_post_wu_runcloud_domains_bulk', [$this->admin, 'action_admin_post_wu_runcloud_domains_bulk'], 10);
		remove_action('admin_post_wu_runcloud_ops_bulk', [$this->admin, 'action_admin_post_wu_runcloud_ops_bulk'], 10);
		remove_action('wp_ajax_wu_runcloud_test', [$this->admin, 'action_wp_ajax_wu_runcloud_test'], 10);
		remove_action(Network_Admin::LOAD_HOOK, [$this->admin, 'action_load_settings_page_wu_runcloud'], 10);
		remove_filter('set_screen_option_' . Network_Admin::DOMAINS_PER_PAGE, [$this->admin, 'filter_set_screen_option_per_page'], 10);
		remove_filter('set_screen_option_' . Network_Admin::OPERATIONS_PER_PAGE, [$this->admin, 'filter_set_screen_option_per_page'], 10);

		remove_filter('site_status_tests', [$this->health, 'filter_site_status_tests'], 10);
		remove_filter('debug_information', [$this->health, 'filter_debug_information'], 10);
	}

	/**
	 * Record a domain operation asked for by a hook. Nothing here talks to RunCloud.
	 * Works without the extension: the row waits until a worker can run it. Whether a
	 * removal really deletes anything is decided when it runs (Ownership).
	 *
	 * @param int|null $network_id The network the request belongs to: by default the site's
	 *                             (when it still exists), else the current one.
	 */
	public static function request(string $op, $domain, $site_id, string $source, ?int $network_id = null): ?int {
		$domain = is_string($domain) ? Domain_Name::normalize($domain) : '';
		if ($domain === '' || !Settings::is_enabled()) {
			return null;
		}
		$network_id ??= Hostnames::network_of((int) $site_id);
		return Queue::enqueue($op, $domain, (int) $site_id, $source, 0, ['network_id' => $network_id]);
	}

	/** Ultimate Multisite's framework owns these actions when it is present. */
	private function handles_domain_actions(): bool {
		return Settings::ultimate_multisite_mode() === 'none';
	}

	public function action_wu_add_domain($domain = '', $site_id = 0): void {
		if ($this->handles_domain_actions()) {
			self::request('add', $domain, $site_id, 'wu_add_domain');
		}
	}

	public function action_wu_remove_domain($domain = '', $site_id = 0): void {
		if ($this->handles_domain_actions()) {
			self::request('remove', $domain, $site_id, 'wu_remove_domain');
		}
	}

	public function action_wu_add_subdomain($subdomain = '', $site_id = 0): void {
		if ($this->handles_domain_actions()) {
			self::request('add', $subdomain, $site_id, 'wu_add_subdomain');
		}
	}

	public function action_wu_remove_subdomain($subdomain = '', $site_id = 0): void {
		if ($this->handles_domain_actions()) {
			self::request('remove', $subdomain, $site_id, 'wu_remove_subdomain');
		}
	}

	/** A new site whose hostname is not the network's needs that hostname in RunCloud. */
	public function action_wp_insert_site($site): void {
		if (!$this->handles_domain_actions() || !$site instanceof \WP_Site) {
			return;
		}
		if (Hostnames::needs_own_domain($site->domain, (int) $site->network_id)) {
			self::request('add', $site->domain, $site->blog_id, 'wp_insert_site', (int) $site->network_id);
		}
	}

	/** Another site (of any network) still using the hostname keeps it: decided when the remove runs. */
	public function action_wp_delete_site($site): void {
		if (!$this->handles_domain_actions() || !$site instanceof \WP_Site) {
			return;
		}
		if (Hostnames::needs_own_domain($site->domain, (int) $site->network_id)) {
			self::request('remove', $site->domain, $site->blog_id, 'wp_delete_site', (int) $site->network_id);
		}
	}

	/** A domain change (subdomain networks, or core domain mapping): remove old, add new. */
	public function action_wp_update_site($new_site, $old_site = null): void {
		if (!$this->handles_domain_actions() || !$new_site instanceof \WP_Site || !$old_site instanceof \WP_Site) {
			return;
		}
		if (Domain_Name::same($new_site->domain, $old_site->domain)) {
			return;
		}
		if (Hostnames::needs_own_domain($old_site->domain, (int) $old_site->network_id)) {
			self::request('remove', $old_site->domain, $old_site->blog_id, 'wp_update_site', (int) $old_site->network_id);
		}
		if (Hostnames::needs_own_domain($new_site->domain, (int) $new_site->network_id)) {
			self::request('add', $new_site->domain, $new_site->blog_id, 'wp_update_site', (int) $new_site->network_id);
		}
	}

	public function action_wu_runcloud_process_queue(): void {
		Worker::process_due();
	}

	public function action_wu_runcloud_reconcile(): void {
		if (Settings::is_enabled()) {
			Reconciler::run(false);
		}
		Worker::process_due();
	}

	/** Translations, and the periodic reconcile kept scheduled on the main site (cron is per site). */
	public function action_init(): void {
		load_plugin_textdomain('wu-runcloud', false, dirname(plugin_basename(WU_RUNCLOUD_PLUGIN_FILE)) . '/languages');
		if (is_main_site() && !wp_next_scheduled(self::RECONCILE_HOOK)) {
			wp_schedule_event(time() + 300, (string) apply_filters('wu_runcloud_reconcile_recurrence', 'hourly'), self::RECONCILE_HOOK);
		}
		if (is_main_site() && !wp_next_scheduled(self::DAILY_CHECK_HOOK)) {
			wp_schedule_event(time() + 3600, 'daily', self::DAILY_CHECK_HOOK);
		}
	}

	public function action_wu_register_integrations($registry): void {
		if (!is_object($registry) || !class_exists('WP_Ultimo\\Integrations\\Integration')) {
			return;
		}
		$integration = new Ultimate_Multisite\Integration();
		$registry->register($integration); // Same id as core's: ours replaces it.
		Settings::set_credential_source([$integration, 'get_credential']);
	}

	public function action_wu_register_capabilities($registry): void {
		if (!is_object($registry) || !class_exists('WP_Ultimo\\Integrations\\Base_Capability_Module')) {
			return;
		}
		$registry->add_capability(Settings::INTEGRATION_ID, new Ultimate_Multisite\Domain_Mapping());
	}

	/** Wherever the host-provider framework exists; next to the registry it stays passive. */
	public function action_wp_ultimo_host_providers_load(): void {
		if (class_exists('WP_Ultimo\\Integrations\\Host_Providers\\Base_Host_Provider')) {
			Ultimate_Multisite\Host_Provider::get_instance();
		}
	}

	/**
	 * Ultimate Multisite saw the domain's DNS propagate: its add waiting for DNS is checked
	 * now; a domain already in RunCloud gets a (coalesced) redeploy that can include it.
	 */
	public function action_wu_domain_manager_dns_propagation_finished($domain = null): void {
		if (Settings::is_enabled() && Dns_Gate::propagated($domain) === 0) {
			Queue::enqueue('redeploy_ssl', '', 0, 'dns-propagated', Domain_Sync::ssl_delay());
		}
	}

	/** The daily look at every live domain: is HTTPS still served, does DNS still point here. */
	public function action_wu_runcloud_daily_checks(): void {
		if (Settings::is_enabled()) {
			Queue::enqueue('check_https', '', 0, 'daily');
		}
	}

	/** Network activation: today's tables, whatever version was there. */
	public static function activate(): void {
		Schema::install();
	}

	public static function deactivate(): void {
		Worker::unschedule();
		wp_clear_scheduled_hook(self::RECONCILE_HOOK);
		wp_clear_scheduled_hook(self::DAILY_CHECK_HOOK);
	}
}
