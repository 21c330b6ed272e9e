<?php
/**
 * The demo's WordPress-side steps, run with the PHP CLI inside the demo network
 * (scripts/demo.sh calls it; the extension is loaded with -d extension=…):
 *
 *   php demo.php WP_DIR enable                  turn the integration on (network option)
 *   php demo.php WP_DIR map DOMAIN SITE_ID      a customer maps DOMAIN to a site: fires
 *                                               wu_add_domain($domain, $site_id) exactly as
 *                                               Ultimate Multisite does
 *   php demo.php WP_DIR unmap DOMAIN SITE_ID    the mapping is deleted: wu_remove_domain(…)
 *   php demo.php WP_DIR create-site SLUG        a new site SLUG.<network domain> (core)
 *   php demo.php WP_DIR waiting                 prints how many operations are due now
 *   php demo.php WP_DIR status                  the plugin's status (same as `wp runcloud status`)
 *                                               plus its domain table and recent log
 * The operations themselves run later, in php-fpm, when wp-cron.php is requested.
 */

[$self, $wp_dir, $cmd] = $argv + [null, null, null];
if (!$wp_dir || !$cmd) {
	fwrite(STDERR, "usage: php demo.php WP_DIR enable|map|unmap|create-site|waiting|status [args]\n");
	exit(2);
}
$domain_of_network = trim((string) file_get_contents($wp_dir . '/.demo-domain'));
$_SERVER['HTTP_HOST']   = $domain_of_network;
$_SERVER['SERVER_NAME'] = $domain_of_network;
$_SERVER['REQUEST_URI'] = '/';
require $wp_dir . '/wp-load.php';

use WU_RunCloud\CLI;
use WU_RunCloud\Log;
use WU_RunCloud\Network_Admin;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;

wp_set_current_user(1);

function demo_fail(string $msg): void {
	fwrite(STDERR, "demo.php: $msg\n");
	exit(1);
}

switch ($cmd) {
	case 'enable':
		Settings::set_enabled(true);
		Settings::is_enabled() || demo_fail('the integration did not turn on');
		echo "integration enabled\n";
		break;

	case 'map':
	case 'unmap':
		[, , , $domain, $site_id] = $argv + [null, null, null, '', '1'];
		$domain !== '' || demo_fail("$cmd needs DOMAIN SITE_ID");
		do_action($cmd === 'map' ? 'wu_add_domain' : 'wu_remove_domain', $domain, (int) $site_id);
		echo ($cmd === 'map' ? 'wu_add_domain' : 'wu_remove_domain') . "('$domain', $site_id) fired\n";
		break;

	case 'create-site':
		$slug = $argv[3] ?? '';
		preg_match('/^[a-z0-9-]+$/', $slug) || demo_fail('create-site needs a SLUG of a-z, 0-9 and -');
		$id = wp_insert_site([
			'domain'  => "$slug.$domain_of_network",
			'path'    => '/',
			'title'   => ucfirst($slug),
			'user_id' => 1,
		]);
		is_wp_error($id) && demo_fail('wp_insert_site: ' . $id->get_error_message());
		echo "site $id created: http://$slug.$domain_of_network/\n";
		break;

	case 'waiting':
		global $wpdb;
		$table = Queue::table();
		echo (int) $wpdb->get_var($wpdb->prepare(
			"SELECT COUNT(*) FROM {$table} WHERE status IN ('pending','retrying') AND next_attempt_at <= %d",
			time()
		)), "\n";
		break;

	case 'status':
		$printer = new class {
			public function line(string $m): void { echo "  $m\n"; }
			public function success(string $m): void { echo "  Success: $m\n"; }
			public function warning(string $m): void { echo "  Warning: $m\n"; }
			public function error(string $m): void { echo "  Error: $m\n"; }
		};
		(new CLI($printer))->status();
		echo "\n  Domains (as on Settings -> RunCloud):\n";
		$rows = (new Network_Admin())->status_rows(1)['rows'];
		printf("  %-32s %-6s %-12s %-8s %s\n", 'domain', 'in WP', 'in RunCloud', 'ours', 'last operation');
		foreach ($rows as $r) {
			$rc = $r['in_runcloud'] === null ? '?' : ($r['in_runcloud'] ? 'yes #' . $r['runcloud_id'] : 'no');
			printf("  %-32s %-6s %-12s %-8s %s\n", $r['domain'], $r['in_wp'] ? 'yes' : 'no', $rc, $r['managed'] ? 'yes' : 'no', trim($r['last_op'] . ' ' . $r['last_result'] . ' ' . $r['last_error']));
		}
		echo "\n  Recent log (newest first):\n";
		foreach (array_slice(Log::recent(12), 0, 12) as $l) {
			printf("  %s  %-12s %-32s %-10s %s\n", gmdate('H:i:s', (int) $l->created_at), $l->op, $l->domain ?: '-', $l->outcome, $l->message);
		}
		break;

	default:
		demo_fail("unknown command '$cmd'");
}
