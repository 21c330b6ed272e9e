<?php
/**
 * Where the operator meets the integration in Ultimate Multisite's settings: one RunCloud row
 * in Settings -> Integrations leading to the wizard, and, for the legacy key + secret, our
 * notice saying they still work and a token is recommended (Ultimate Multisite 2.4.9-2.4.10
 * itself calls API v2 discontinued).
 */

namespace WU_RunCloud\Tests\Compat;

final class SettingsTest extends CompatTestCase {

	public function test_settings_integrations_has_one_runcloud_row_that_opens_the_wizard(): void {
		// Legacy providers added theirs at init; the registry adds its rows when the tab renders.
		do_action('wu_settings_integrations');
		$rows = array_filter($GLOBALS['wu_compat']['settings_fields']['integrations'] ?? [], static fn($slug) => stripos($slug, 'runcloud') !== false, ARRAY_FILTER_USE_KEY);
		$this->assertSame(['integration_runcloud'], array_keys($rows));
		$this->assertStringContainsString('page=wp-ultimo-hosting-integration-wizard', $rows['integration_runcloud']['desc']);
		$this->assertStringContainsString('integration=runcloud', $rows['integration_runcloud']['desc']);
		$this->assertStringContainsString('RunCloud', $rows['integration_runcloud']['title']);
	}

	/** @group credentials */
	public function test_only_key_and_secret_get_our_notice_that_they_still_work_and_a_token_is_recommended(): void {
		ob_start();
		do_action('network_admin_notices');
		$html = (string) ob_get_clean();
		$ours = strpos($html, 'legacy RunCloud API v2 key and secret') !== false;
		if (self::credentials() === 'key_secret') {
			$this->assertTrue($ours, "Our notice is shown:\n" . $html);
			$this->assertStringContainsString('keep working', $html);
			$this->assertStringContainsString('discontinued', $html);
			$this->assertStringContainsString('WU_RUNCLOUD_API_TOKEN', $html);
		} else {
			$this->assertFalse($ours, 'No key + secret notice with a token');
		}
	}
}
