<?php
/**
 * Changes made while PHP ran without the extension (another process) are kept, and sent
 * as soon as a PHP with the extension runs the worker.
 */

namespace WU_RunCloud\Tests;

final class ExtensionArrivesTest extends TestCase {

	public function test_operations_recorded_without_the_extension_are_sent_once_it_is_loaded(): void {
		$this->assertTrue(extension_loaded('wu_runcloud'), 'This process has the extension');
		$command = escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(dirname(__DIR__, 2) . '/lib/record-without-extension.php')
			. ' early.example.com earlysite 2>&1';
		exec($command, $output, $status);
		$json = json_decode((string) end($output), true);
		$this->assertSame(0, $status, "The child PHP failed:\n" . implode("\n", $output));
		$this->assertSame(['extension_loaded' => false, 'ops' => 2], $json, "The child (no extension) must record both changes:\n" . implode("\n", $output));
		$this->assertSame([], $this->api_requests(), 'Nothing was sent by the child');

		wp_cache_flush();
		\WU_RunCloud\Worker::process_due();
		$domains = $this->sim_domains();
		$this->assertContains('early.example.com', $domains, "ops:\n" . $this->describe_ops());
		$this->assertContains('earlysite.network.test', $domains);
	}
}
