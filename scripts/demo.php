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
 *   php demo.php WP_DIR status                  the plugin's status (what `wp runcloud status`
 *                                               prints) plus its Domains table and recent log
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

use WU_RunCloud\Domain_Status;
use WU_RunCloud\Log;
use WU_RunCloud\Queue;
use WU_RunCloud\Settings;
use WU_RunCloud\Site_Health;

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
		// What `wp runcloud status` and Site Health's Info tab show (Site_Health::configuration()).
		foreach (Site_Health::configuration() as [$label, $value]) {
			printf("  %-42s %s\n", $label, $value);
		}
		foreach (Site_Health::results() as $result) {
			if ($result['status'] !== 'good') {
				printf("  Warning: [%s] %s: %s\n", $result['status'], $result['label'], $result['message']);
			}
		}
		echo "\n  Domains (as the Domains table of Settings -> RunCloud lists them):\n";
		printf("  %-32s %-10s %-12s %-6s %s\n", 'domain', 'status', 'RunCloud id', 'ours', 'last operation');
		foreach (Domain_Status::page(['per_page' => 50]) as $r) {
			printf("  %-32s %-10s %-12s %-6s %s\n", $r->domain, $r->state, $r->runcloud_id ? '#' . $r->runcloud_id : '-', $r->managed ? 'yes' : 'no', trim($r->op . ' ' . $r->op_status . ' ' . ($r->state === 'failing' ? $r->last_error : '')));
		}
		echo "\n  Recent log (newest first):\n";
		foreach (array_slice(Log::recent(12), 0, 12) as $l) {
			printf("  %s  %-12s %-32s %-10s %s\n", gmdate('H:i:s', (int) $l->created_at), $l->op, $l->domain ?: '-', $l->outcome, $l->message);
		}
		break;

	default:
		demo_fail("unknown command '$cmd'");
}
