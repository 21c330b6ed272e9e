<?php
/**
 * One worker per domain, shown with real PHP processes racing on one domain. A barrier
 * (files; the child stops at `wu_runcloud_operation_started`, after its claim and before
 * anything is sent) makes each interleaving happen every time instead of by luck.
 *
 * The entry points race through what they really call: the worker hook that WP-Cron and
 * Action Scheduler both fire, `wp runcloud add|remove` (the real WP-CLI), the "Retry now" button and the
 * hourly reconcile. In every case the simulator ends in the state of the last intent.
 */

namespace WU_RunCloud\Tests;

use WU_RunCloud\Domain_Sync;
use WU_RunCloud\Queue;
use WU_RunCloud\Worker;

final class WorkerRaceTest extends TestCase {

	/** A domain this plugin added, known to RunCloud. */
	private function ours(string $domain): void {
		do_action('wu_add_domain', $domain, 1);
		$this->run_worker_now();
		$this->assertContains($domain, $this->sim_domains(), 'precondition');
		$this->sim()->clearRequests();
	}

	public function test_an_add_asked_for_while_a_remove_runs_waits_and_the_domain_ends_present(): void {
		$this->ours('flip.example.com');
		do_action('wu_remove_domain', 'flip.example.com', 1);

		// Cron's worker takes the remove and is about to send it...
		$cron = $this->start_child(['hook', Worker::HOOK], $this->barrier(), 'remove:flip.example.com');
		$this->assertSame('remove', $this->wait_parked($cron)['op']);

		// ...when the customer maps the domain again and an Action Scheduler run starts.
		do_action('wu_add_domain', 'flip.example.com', 1);
		$other = $this->child(['hook', Worker::HOOK]);
		$add   = $this->ops('flip.example.com')[2];
		$this->assertSame('add', $add->op);
		$this->assertSame('pending', $add->status, "The second worker must not run an add while the remove runs; ops:\n" . $this->describe_ops() . "\n" . json_encode($other));

		$this->release_child($cron);
		Worker::process_due(); // the next scheduled run
		$this->assertContains('flip.example.com', $this->sim_domains(), "Last intent: present; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
		$this->assertSame('done', Queue::get((int) $add->id)->status);
	}

	/** @group wp-cli */
	public function test_a_remove_asked_for_while_the_add_runs_waits_and_the_domain_ends_absent(): void {
		do_action('wu_add_domain', 'late-remove.example.com', 1);

		$cron = $this->start_child(['hook', Worker::HOOK], $this->barrier(), 'add:late-remove.example.com');
		$this->wait_parked($cron);

		// The mapping is deleted again and the operator runs `wp runcloud remove` at once.
		do_action('wu_remove_domain', 'late-remove.example.com', 1);
		$cli = $this->wp(['runcloud', 'remove', 'late-remove.example.com']);
		$this->assertStringStartsWith('Warning: remove late-remove.example.com: pending', $cli['stderr'], self::transcript($cli));
		$this->assertSame(0, $cli['exit'], 'Not a failure: the queue runs it in order');
		$this->assertSame([], $this->api_requests('DELETE'), 'The CLI sent nothing while the add ran');

		$this->release_child($cron);
		$this->assertContains('late-remove.example.com', $this->sim_domains(), 'The add finished');
		Worker::process_due();
		$this->assertNotContains('late-remove.example.com', $this->sim_domains(), "Last intent: absent; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
	}

	/** @group wp-cli */
	public function test_wp_runcloud_add_while_the_reconcile_prunes_the_domain_ends_present(): void {
		$this->ours('comeback.example.com');
		\WU_RunCloud\Domains::unrequest(get_current_network_id(), \WU_RunCloud\Settings::target(), 'comeback.example.com');
		\WU_RunCloud\Reconciler::run(false, true); // first miss

		// The hourly reconcile decides to prune it and is about to send the DELETE...
		$hourly = $this->start_child(['hook', \WU_RunCloud\Plugin::RECONCILE_HOOK], $this->barrier(), 'remove:comeback.example.com');
		$this->wait_parked($hourly);
		// ...when the operator adds it back from the shell.
		$cli = $this->wp(['runcloud', 'add', 'comeback.example.com']);
		$this->assertStringStartsWith('Warning: add comeback.example.com: pending', $cli['stderr'], self::transcript($cli));

		$this->release_child($hourly);
		Worker::process_due();
		$this->assertContains('comeback.example.com', $this->sim_domains(), "Last intent: present; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
	}

	public function test_retry_now_while_another_worker_runs_the_domain_waits_its_turn(): void {
		$second = $this->create_network('second.test');
		$shop   = $this->create_site_on($second, 'shop');
		$this->run_worker_now();
		$this->ours('shared.example.com');
		// The second network maps the same name; its add fails once and waits for a retry.
		$this->add_fault(['method' => 'POST', 'path' => '/api/**', 'kind' => 'status', 'status' => 503, 'times' => 1]);
		do_action('wu_add_domain', 'shared.example.com', (int) $shop->blog_id);
		Worker::process_due();
		$add = $this->ops('shared.example.com')[1];
		$this->assertSame('retrying', $add->status, "ops:\n" . $this->describe_ops());

		// This network unmaps it; a cron run takes the remove...
		do_action('wu_remove_domain', 'shared.example.com', 1);
		$cron = $this->start_child(['hook', Worker::HOOK], $this->barrier(), 'remove:shared.example.com');
		$this->wait_parked($cron);
		// ...while an admin clicks "Retry now" on the second network's add.
		$button = $this->child(['retry', (string) $add->id]);
		$this->assertSame('warning', $button['result']['type'] ?? '', json_encode($button));
		$waiting = Queue::get((int) $add->id);
		$this->assertSame('retrying', $waiting->status, "The button's worker must not run the add while the remove runs; ops:\n" . $this->describe_ops());
		$this->assertSame((int) $add->attempts, (int) $waiting->attempts, 'not even an attempt');

		$this->release_child($cron);
		$this->assertContains('shared.example.com', $this->sim_domains(), "The second network still wants it; ops:\n" . $this->describe_ops() . "\nrequests:\n" . $this->describe_requests());
		Worker::process_due(); // the next run
		$this->assertSame('done', Queue::get((int) $add->id)->status, 'and its add ran after');
		$this->assertSame([], $this->api_requests('DELETE'));
	}

	public function test_a_worker_that_outlived_its_lease_sends_nothing_and_writes_nothing(): void {
		do_action('wu_add_domain', 'lease.example.com', 1);
		$slow = $this->start_child(['hook', Worker::HOOK], $this->barrier(), 'add:lease.example.com');
		$parked = $this->wait_parked($slow);

		// That worker hangs past its lease; another run takes the operation over and adds it.
		global $wpdb;
		$wpdb->update(Queue::table(), ['lease_until' => time() - 1], ['id' => $parked['id']]);
		$this->child(['hook', Worker::HOOK]);
		$this->assertSame('done', Queue::get($parked['id'])->status);
		$this->assertContains('lease.example.com', $this->sim_domains());
		// Then the customer unmaps it, and it is removed.
		do_action('wu_remove_domain', 'lease.example.com', 1);
		$this->child(['hook', Worker::HOOK]);
		$this->assertNotContains('lease.example.com', $this->sim_domains());
		$row = (array) Queue::get($parked['id']);

		$stale = $this->release_child($slow);
		$this->assertNotContains('lease.example.com', $this->sim_domains(), "The stale worker must not add it back; requests:\n" . $this->describe_requests());
		$this->assertCount(1, $this->domain_posts('lease.example.com'), 'One POST: the stale worker sent none');
		$this->assertEquals($row, (array) Queue::get($parked['id']), 'and it wrote nothing over the newer result');
		$this->assertNotEmpty(preg_grep('/^add lease\.example\.com: stale - /', $stale['log']), 'It says why it stopped: ' . json_encode($stale['log']));
	}
}
