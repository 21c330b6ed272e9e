<?php
/**
 * The release loads our classes as subclasses of its own, at plugins_loaded, in a real
 * WordPress multisite: no fatal error (bootstrap.php would have reported it and no test would
 * run), and no error, warning or deprecation attributed to our code.
 */

namespace WU_RunCloud\Tests\Compat;

use WU_RunCloud\Settings;

final class LoadTest extends CompatTestCase {

	public function test_wordpress_loads_with_no_error_warning_or_deprecation_from_our_code(): void {
		$lines = static fn(array $errors) => implode("\n", array_map(static fn($e) => "{$e['type']}: {$e['message']} at {$e['where']}", $errors));
		$ours  = array_filter($GLOBALS['wu_compat_errors'], static fn($e) => $e['by'] === 'ours');
		$this->assertSame([], array_values($ours), 'Raised by (or through) wordpress-plugin/ while loading on Ultimate Multisite ' . self::release() . ":\n" . $lines($ours));
		$shims = array_filter($GLOBALS['wu_compat_errors'], static fn($e) => $e['by'] === 'shim');
		$this->assertSame([], array_values($shims), "The suite's own shims must load cleanly:\n" . $lines($shims));
	}

	public function test_errors_are_attributed_to_the_first_owner_on_their_stack(): void {
		$plugin = dirname(__DIR__, 4) . '/wordpress-plugin/src/Plugin.php';
		$wp     = ABSPATH . 'wp-includes/functions.php';
		$this->assertSame('ours', wu_compat_attribute($plugin, []));
		$this->assertSame('ours', wu_compat_attribute($wp, [['file' => $wp], ['file' => WP_PLUGIN_DIR . '/wu-runcloud/src/Plugin.php'], ['file' => WU_COMPAT_RELEASE_DIR . '/inc/managers/class-domain-manager.php']]), 'WordPress complaining about a call our code made');
		$this->assertSame('release', wu_compat_attribute($wp, [['file' => WU_COMPAT_RELEASE_DIR . '/inc/managers/class-domain-manager.php'], ['file' => $plugin]]));
		$this->assertSame('wordpress', wu_compat_attribute($wp, [['file' => __FILE__]]), 'The suite itself is nobody\'s');
	}

	public function test_our_classes_are_loaded_as_subclasses_of_this_releases_framework(): void {
		$expected = [
			'WU_RunCloud\\Ultimate_Multisite\\Integration'    => 'WP_Ultimo\\Integrations\\Integration',
			'WU_RunCloud\\Ultimate_Multisite\\Domain_Mapping' => 'WP_Ultimo\\Integrations\\Base_Capability_Module',
			'WU_RunCloud\\Ultimate_Multisite\\Host_Provider'  => 'WP_Ultimo\\Integrations\\Host_Providers\\Base_Host_Provider',
		];
		$loaded = [];
		foreach ($expected as $ours => $parent) {
			$parent_file = class_exists($parent) ? (new \ReflectionClass($parent))->getFileName() : null;
			if ($parent_file === null) {
				$this->assertFalse(class_exists($ours, false), "{$ours} must not be loaded where Ultimate Multisite " . self::release() . " has no {$parent}");
				continue;
			}
			$this->assertStringStartsWith(WU_COMPAT_RELEASE_DIR . '/', $parent_file, "{$parent} comes from the release folder");
			$this->assertTrue(class_exists($ours, false), "{$ours} was loaded during this request (its parent {$parent} exists)");
			$this->assertSame($parent, get_parent_class($ours));
			$loaded[] = $ours;
		}
		$this->assertNotEmpty($loaded, 'At least one of our classes extends this release');
		$this->assertSame(self::has_registry() ? 'registry' : 'legacy', Settings::ultimate_multisite_mode());
	}
}
