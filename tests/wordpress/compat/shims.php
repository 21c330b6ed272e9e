<?php
/**
 * The smallest stand-ins for the parts of Ultimate Multisite that are not in a release
 * folder but that its integration framework calls: the plugin object's notices, a few
 * helper functions, Base_Manager and the API traits Domain_Manager uses, the Domain model
 * and its functions, and wu_enqueue_async_action (into Action Scheduler, as UM does).
 * Everything that decides anything — Domain_Manager, the registry, Integration, the
 * capability modules, Base_Host_Provider and core's providers — is the release's own code.
 *
 * What they record (notices, settings rows, log lines, domain records) lands in
 * $GLOBALS['wu_compat'] for the tests to read.
 */

namespace {

	defined('ABSPATH') || exit;

	$GLOBALS['wu_compat'] = ['notices' => [], 'settings_fields' => [], 'log' => [], 'domains' => [], 'next_domain_id' => 1];

	// Defined by UM's main plugin file (some hosts' detect() read it).
	define('WP_ULTIMO_PLUGIN_DIR', WP_PLUGIN_DIR . '/ultimate-multisite/');

	/** UM's plugin object: only what the framework reaches for. */
	function WP_Ultimo() { // phpcs:ignore
		static $plugin = null;
		return $plugin ??= new class() {
			public $notices;
			public function __construct() {
				$this->notices = new class() {
					public function add($message, $type = 'success', $panel = 'admin', $dismissible_key = false, $actions = []) {
						$GLOBALS['wu_compat']['notices'][] = ['message' => (string) $message, 'type' => $type, 'key' => $dismissible_key];
					}
				};
			}
			public function is_loaded() {
				return true;
			}
		};
	}

	function wu_get_isset($array, $key, $default = false) {
		return is_array($array) && isset($array[$key]) ? $array[$key] : $default;
	}

	function wu_request($key, $default = false) {
		return isset($_REQUEST[$key]) ? wp_unslash($_REQUEST[$key]) : $default; // phpcs:ignore
	}

	/** Settings live in the network option `wp-ultimo_settings`, as in UM. */
	function wu_get_setting($setting, $default = false) {
		$settings = get_network_option(null, 'wp-ultimo_settings', []);
		return is_array($settings) && array_key_exists($setting, $settings) ? $settings[$setting] : $default;
	}

	function wu_network_admin_url($path, $query = []) {
		return add_query_arg($query, network_admin_url('admin.php?page=' . $path));
	}

	function wu_register_settings_field($section, $field_slug, $atts, $priority = 10) {
		$GLOBALS['wu_compat']['settings_fields'][$section][$field_slug] = $atts;
	}

	/** Logger::add(): kept in memory per handle (UM writes uploads/wu-logs/{handle}.log). */
	function wu_log_add($handle, $message, $log_level = 'info') {
		$GLOBALS['wu_compat']['log'][$handle][] = ['level' => (string) $log_level, 'message' => (string) $message];
	}

	/** inc/functions/scheduler.php: Action Scheduler's async queue, group as given. */
	function wu_enqueue_async_action($hook, $args = [], $group = '') {
		return as_enqueue_async_action($hook, $args, $group);
	}

	function wu_get_domain($domain_id) {
		return $GLOBALS['wu_compat']['domains'][(int) $domain_id] ?? false;
	}

	/** The query keys Domain_Manager and our Reconciler use: blog_id, domain, number. */
	function wu_get_domains($query = []) {
		$found = [];
		foreach ($GLOBALS['wu_compat']['domains'] as $domain) {
			if (isset($query['blog_id']) && $domain->get_blog_id() !== (int) $query['blog_id']) {
				continue;
			}
			if (isset($query['domain']) && $domain->get_domain() !== $query['domain']) {
				continue;
			}
			$found[] = $domain;
		}
		$number = (int) ($query['number'] ?? 0);
		return $number > 0 ? array_slice($found, 0, $number) : $found;
	}

	/**
	 * Saves a Domain. BerlinDB fires wu_transition_domain_{column} for each column whose value
	 * changes, an insert included; Domain_Manager::send_domain_to_host listens to `domain`.
	 */
	function wu_create_domain($data) {
		$domain = new \WP_Ultimo\Models\Domain($GLOBALS['wu_compat']['next_domain_id']++, (string) $data['domain'], (int) $data['blog_id']);
		$GLOBALS['wu_compat']['domains'][$domain->get_id()] = $domain;
		do_action('wu_transition_domain_domain', '', $domain->get_domain(), $domain->get_id());
		return $domain;
	}

	/** Domain_Mapping::clear_mappings_on_delete(): a deleted site's mappings are deleted. */
	add_action('wp_delete_site', static function ($site) {
		foreach (wu_get_domains(['blog_id' => $site->blog_id]) as $domain) {
			$domain->delete();
		}
	});
}

namespace WP_Ultimo\Models {

	/** The Domain model reduced to what Domain_Manager reads; delete() fires as Base_Model::delete() does. */
	class Domain {
		public function __construct(private int $id, private string $domain, private int $blog_id) {}
		public function get_id() { return $this->id; }
		public function get_domain() { return $this->domain; }
		public function get_blog_id() { return $this->blog_id; }
		public function get_site_id() { return $this->blog_id; }
		public function delete() {
			unset($GLOBALS['wu_compat']['domains'][$this->id]);
			do_action('wu_domain_post_delete', true, $this);
			return true;
		}
	}
}

namespace WP_Ultimo\Managers {

	/** Domain_Manager's base class; it declares nothing Domain_Manager overrides. */
	abstract class Base_Manager {}

	/** Started by 2.5+'s Domain_Manager at plugins_loaded:11 for DNS record features. */
	class DNS_Record_Manager {
		public static function get_instance() {
			static $instance = null;
			return $instance ??= new self();
		}
	}
}

namespace WP_Ultimo\Apis {

	/** Domain_Manager switches its REST routes, CLI commands, MCP abilities and palette on: not under test. */
	trait Rest_Api {
		public function enable_rest_api() {}
	}
	trait WP_CLI {
		public function enable_wp_cli() {}
	}
	trait MCP_Abilities {
		public function enable_mcp_abilities() {}
	}
	trait Command_Palette {
		public function enable_command_palette() {}
	}
}
