<?php
/**
 * PHP without the wu_runcloud extension: no fatal error, a network-admin notice naming the
 * fix, operations recorded (not lost) and nothing sent until the extension is loaded.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Plugin;
use WU_RunCloud\Reconciler;
use WU_RunCloud\Worker;

final class ExtensionMissingTest extends TestCase {

	public function test_this_suite_runs_without_the_extension_and_the_plugin_still_loaded(): void {
		$this->assertFalse(extension_loaded('wu_runcloud'), 'run.sh must start this suite without -d extension=…');
		$this->assertTrue(class_exists(Plugin::class, false), 'The plugin booted');
		$this->assertSame(10, has_action('wu_add_domain', [Plugin::instance(), 'action_wu_add_domain']));
	}

	public function test_the_network_admin_notice_names_the_fix(): void {
		wp_set_current_user(1);
		ob_start();
		do_action('network_admin_notices');
		$html = ob_get_clean();
		$this->assertStringContainsString('install the wu_runcloud PHP extension: make install, then reload php-fpm', $html);
		$this->assertStringContainsString('notice-error', $html);
	}

	public function test_the_notice_is_not_shown_to_users_who_cannot_act_on_it(): void {
		wp_set_current_user($this->editor_id());
		ob_start();
		do_action('network_admin_notices');
		$this->assertSame('', trim(ob_get_clean()));
	}

	public function test_operations_are_recorded_and_nothing_is_sent(): void {
		do_action('wu_add_domain', 'waiting.example.com', 1);
		$this->create_site('waitingsite');
		$this->assertCount(2, $this->ops(), "Both changes are recorded for later:\n" . $this->describe_ops());

		$result = Worker::process_due();
		$this->assertSame('extension_missing', $result['reason']);
		$this->assertSame(['pending', 'pending'], array_column($this->ops(), 'status'), 'Still waiting, not failed');
		$this->assertSame([], $this->api_requests(), 'Nothing can reach RunCloud without the extension');
	}

	public function test_test_connection_and_sync_explain_instead_of_failing(): void {
		$test = Domain_Sync::test_connection();
		$this->assertInstanceOf(\WP_Error::class, $test);
		$this->assertSame('wu_runcloud_extension_missing', $test->get_error_code());
		$sync = Reconciler::run(false);
		$this->assertInstanceOf(\WP_Error::class, $sync);
	}

	/** @group wp-cli */
	public function test_wp_runcloud_without_the_extension_explains_and_exits_with_an_error(): void {
		$add = $this->wp(['runcloud', 'add', 'cli.example.com']);
		$this->assertSame(1, $add['exit'], self::transcript($add));
		$this->assertStringStartsWith('Error: The wu_runcloud PHP extension is not loaded', $add['stderr']);
		$status = $this->wp(['runcloud', 'status']);
		$this->assertSame(0, $status['exit'], self::transcript($status));
		$this->assertMatchesRegularExpression('/PHP extension\s+not loaded/', $status['stdout']);
		$this->assertStringContainsString('Warning: [critical] The wu_runcloud PHP extension is not loaded', $status['stderr']);
		$run = $this->wp(['runcloud', 'queue', 'run']);
		$this->assertSame(1, $run['exit'], self::transcript($run));
	}

	public function test_site_health_says_the_extension_is_missing_and_the_tables_still_render(): void {
		$results = \WU_RunCloud\Site_Health::results();
		$this->assertSame('critical', $results['wu_runcloud_extension']['status']);
		$this->assertStringStartsWith('The wu_runcloud PHP extension is not loaded', $results['wu_runcloud_extension']['message']);
		$this->assertSame('not loaded', \WU_RunCloud\Site_Health::configuration()['extension'][1]);
		do_action('wu_add_domain', 'waiting.example.com', 1);
		wp_set_current_user(1);
		$_GET = $_REQUEST = ['page' => 'wu-runcloud', 'tab' => 'domains'];
		ob_start();
		(new \WU_RunCloud\Network_Admin())->render_page();
		$html = (string) ob_get_clean();
		$this->assertMatchesRegularExpression('#waiting\.example\.com.*wu-rc-state-queued">Queued#s', $html, 'Recorded, waiting for the extension');
	}

	public function test_the_settings_page_renders_and_says_the_extension_is_missing(): void {
		wp_set_current_user(1);
		ob_start();
		Plugin::instance()->admin->render_page();
		$html = ob_get_clean();
		$this->assertStringContainsString('missing: install the wu_runcloud PHP extension', $html);
	}
}
