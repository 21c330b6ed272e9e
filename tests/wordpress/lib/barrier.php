<?php
/**
 * A barrier for another process on the test WordPress (lib/child.php, or the real WP-CLI through
 * lib/wp-cli-require.php): with WU_TEST_BARRIER (a directory) set, the first operation this
 * process starts that matches WU_TEST_PARK_ON ('', 'OP' or 'OP:DOMAIN') writes
 * BARRIER/parked.json at `wu_runcloud_operation_started` (after its claim, before anything is
 * sent) and waits for BARRIER/go. Included after WordPress has loaded.
 */

$wu_barrier = (string) getenv('WU_TEST_BARRIER');
if ($wu_barrier !== '') {
	$wu_park_on = (string) getenv('WU_TEST_PARK_ON');
	add_action('wu_runcloud_operation_started', static function ($op) use ($wu_barrier, $wu_park_on) {
		static $parked = false;
		$what = $op->op . ':' . $op->domain;
		if ($parked || ($wu_park_on !== '' && $wu_park_on !== $what && $wu_park_on !== (string) $op->op)) {
			return;
		}
		$parked = true;
		file_put_contents($wu_barrier . '/parked.tmp', json_encode(['id' => (int) $op->id, 'op' => $op->op, 'domain' => $op->domain, 'pid' => getmypid()]));
		rename($wu_barrier . '/parked.tmp', $wu_barrier . '/parked.json');
		$until = microtime(true) + 60;
		while (!file_exists($wu_barrier . '/go')) {
			if (microtime(true) > $until) {
				fwrite(STDERR, "barrier: never released\n");
				exit(3);
			}
			usleep(10000);
		}
		wp_cache_flush(); // the world moved on while this process waited
	});
}
