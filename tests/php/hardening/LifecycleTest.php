<?php

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

use WuRunCloud\Harness\FastCgi;

require_once dirname(__DIR__, 2) . '/lib/php/FastCgi.php';

/**
 * The extension inside php-fpm (2 static workers, no web server: FastCGI over a unix socket)
 * and under pcntl_fork(): worker recycling, graceful reload and SIGQUIT while a call is in
 * flight. Each test asserts that no process was killed by a signal (no "exited on signal",
 * SIGSEGV, SIGABRT or core dump in the php-fpm log), that nothing hangs, and that every
 * process it started is gone at the end.
 */
final class LifecycleTest extends HardeningTestCase
{
    private ?string $dir = null;
    /** @var resource|null */
    private $fpm = null;
    private int $master = 0;
    /** @var array<int, true> every worker pid seen */
    private array $workers = [];

    protected function tearDown(): void
    {
        if ($this->fpm !== null) {
            $this->stopFpm();
        }
        if ($this->dir !== null) {
            @copy("$this->dir/fpm.log", HARDENING_ARTIFACTS . '/fpm-' . $this->getName(false) . '.log');
            array_map('unlink', glob("$this->dir/*") ?: []);
            @rmdir($this->dir);
        }
    }

    private function startFpm(int $maxRequests = 0): void
    {
        $this->dir = sys_get_temp_dir() . '/wu-hardening-fpm-' . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir($this->dir);
        $root = posix_geteuid() === 0;
        $user = $root ? "user = root\ngroup = root\n" : '';
        file_put_contents("$this->dir/fpm.conf", <<<CONF
            [global]
            pid = $this->dir/fpm.pid
            error_log = $this->dir/fpm.log
            log_level = debug
            process_control_timeout = 20s
            daemonize = no

            [hardening]
            {$user}listen = $this->dir/fpm.sock
            pm = static
            pm.max_children = 2
            pm.max_requests = $maxRequests
            request_terminate_timeout = 30s
            catch_workers_output = yes
            clear_env = no
            CONF);
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 3) . '/target/debug/libwu_runcloud.so';
        $cmd = ['php-fpm8.2', '-n', '-d', 'extension=' . $ext, '-y', "$this->dir/fpm.conf"];
        if ($root) {
            $cmd[] = '-R';
        }
        $this->fpm = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$this->dir/stdout", 'w'], 2 => ['file', "$this->dir/stderr", 'w']], $pipes);
        $this->master = proc_get_status($this->fpm)['pid'];
        $deadline = microtime(true) + 10;
        while (!file_exists("$this->dir/fpm.sock") && microtime(true) < $deadline) {
            usleep(20000);
        }
        $this->assertFileExists("$this->dir/fpm.sock", 'php-fpm did not open its socket in 10 s; log: ' . @file_get_contents("$this->dir/fpm.log") . @file_get_contents("$this->dir/stderr"));
    }

    /** SIGQUIT to the master, wait (≤ $within s) for it and every worker to be gone. */
    private function stopFpm(float $within = 15.0): float
    {
        $t = microtime(true);
        posix_kill($this->master, SIGQUIT);
        while (proc_get_status($this->fpm)['running'] && microtime(true) - $t < $within) {
            usleep(20000);
        }
        $running = proc_get_status($this->fpm)['running'];
        if ($running) {
            posix_kill($this->master, SIGKILL);
        }
        proc_close($this->fpm);
        $this->fpm = null;
        $took = microtime(true) - $t;
        $this->assertFalse($running, "php-fpm did not stop within $within s of SIGQUIT");
        foreach (array_keys($this->workers) as $pid) {
            $this->assertFalse(file_exists("/proc/$pid") && !str_contains((string) @file_get_contents("/proc/$pid/stat"), ') Z '), "worker $pid is still running after php-fpm stopped");
        }
        return $took;
    }

    private function call(array $config, string $call = 'list', float $timeout = 30.0): array
    {
        return $this->decode($this->fastcgi()->get(__DIR__ . '/fixtures/fpm-endpoint.php', ['call' => $call, 'config' => json_encode($config)], 'localhost', $timeout));
    }

    /** @return resource the in-flight request */
    private function fire(array $config, string $call = 'list')
    {
        return $this->fastcgi()->send(__DIR__ . '/fixtures/fpm-endpoint.php', ['call' => $call, 'config' => json_encode($config)]);
    }

    private function fastcgi(): FastCgi
    {
        return new FastCgi("$this->dir/fpm.sock");
    }

    private function decode(array $answer): array
    {
        ['body' => $body, 'stderr' => $stderr, 'complete' => $complete] = $answer;
        $this->assertTrue($complete, "php-fpm closed the request without finishing it (worker died?); body: $body; stderr: $stderr");
        $r = json_decode($body, true);
        $this->assertIsArray($r, "the endpoint should answer JSON, got: $body; stderr: $stderr");
        $this->workers[$r['pid']] = true;
        return $r;
    }

    private function assertCleanLog(): string
    {
        $log = (string) file_get_contents("$this->dir/fpm.log");
        foreach (['exited on signal', 'SIGSEGV', 'SIGABRT', 'core dumped', 'abort', 'panicked'] as $bad) {
            $this->assertStringNotContainsStringIgnoringCase($bad, $log, "php-fpm's log should not mention '$bad'; log:\n$log");
        }
        return $log;
    }

    public function test_workers_recycled_every_2_requests_serve_every_call_and_exit_with_code_0(): void
    {
        $this->startFpm(2);
        for ($i = 0; $i < 20; $i++) {
            $r = $this->call($i % 4 === 3 ? $this->v3(['app_id' => 999999]) : $this->cfg($i % 2 ? 'v2' : 'v3'));
            if ($i % 4 === 3) {
                $this->assertSame('WuRunCloud\NotFoundException', $r['class'] ?? null, 'request ' . $i . ': ' . json_encode($r));
            } else {
                $this->assertTrue($r['ok'], "request $i: " . json_encode($r));
            }
        }
        $this->assertGreaterThanOrEqual(8, count($this->workers), '20 requests at 2 per worker need at least 8 workers (recycling happened)');
        $this->stopFpm();
        $log = $this->assertCleanLog();
        $this->assertGreaterThanOrEqual(8, preg_match_all('/exited with code 0/', $log), "recycled workers exit with code 0; log:\n$log");
    }

    public function test_a_graceful_reload_lets_an_in_flight_call_finish_and_the_new_workers_work(): void
    {
        $this->startFpm();
        $this->assertTrue($this->call($this->v3())['ok'], 'a first call builds the client in a worker');
        $this->sim->fault(['method' => 'GET', 'path' => '/api/**', 'kind' => 'latency', 'ms' => 1500, 'times' => 1]);
        $inFlight = $this->fire($this->v3(['timeout' => 5]));
        usleep(400000);
        $this->assertTrue(posix_kill($this->master, SIGUSR2), 'SIGUSR2 to the master');
        $r = $this->decode($this->fastcgi()->read($inFlight, 15));
        $this->assertTrue($r['ok'], 'the call in flight during the reload completes: ' . json_encode($r));
        $this->assertGreaterThanOrEqual(1.4, $r['took'], 'it really was in flight across the reload');
        $deadline = microtime(true) + 15;
        while (substr_count((string) file_get_contents("$this->dir/fpm.log"), 'ready to handle connections') < 2 && microtime(true) < $deadline) {
            usleep(50000);
        }
        for ($i = 0; $i < 4; $i++) {
            $this->assertTrue($this->call($this->cfg($i % 2 ? 'v2' : 'v3'))['ok'], "call $i after the reload");
        }
        $this->stopFpm();
        $this->assertCleanLog();
    }

    public function test_sigquit_to_the_master_during_a_hung_call_ends_it_by_our_timeout_then_stops_cleanly(): void
    {
        $this->startFpm();
        $this->assertTrue($this->call($this->v2())['ok']);
        $this->sim->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'hang', 'ms' => 60000]);
        $inFlight = $this->fire($this->v3(['timeout' => 2, 'retries' => 0]));
        usleep(400000);
        $t = microtime(true);
        $this->assertTrue(posix_kill($this->master, SIGQUIT), 'SIGQUIT to the master');
        // Read the answer while php-fpm finishes: a worker drains its FastCGI connection
        // until the client closes it, so a client that stopped reading would hold it up.
        $r = $this->decode($this->fastcgi()->read($inFlight, 10));
        $took = microtime(true) - $t + $this->stopFpm(10);
        $this->assertFalse($r['ok']);
        $this->assertSame('WuRunCloud\TransportException', $r['class'], json_encode($r));
        $this->assertStringContainsString('timed out', $r['message']);
        $this->assertLessThan(5.0, $took, 'php-fpm stops once the in-flight call hits its 2 s budget, not after process_control_timeout');
        $this->assertCleanLog();
    }

    public function test_sigquit_to_the_busy_workers_lets_the_call_end_and_the_master_replaces_them(): void
    {
        $this->startFpm();
        $this->assertTrue($this->call($this->v3())['ok']);
        $this->sim->fault(['method' => '*', 'path' => '/api/**', 'kind' => 'hang', 'ms' => 60000, 'times' => 1]);
        $inFlight = $this->fire($this->v3(['timeout' => 2, 'retries' => 0]));
        usleep(400000);
        $before = $this->childrenOf($this->master);
        $this->assertCount(2, $before, 'two workers before the signal');
        foreach ($before as $pid) {
            posix_kill($pid, SIGQUIT);
        }
        $r = $this->decode($this->fastcgi()->read($inFlight, 10));
        $this->assertSame('WuRunCloud\TransportException', $r['class'] ?? null, 'the busy worker finished its call: ' . json_encode($r));
        $deadline = microtime(true) + 10;
        while (array_intersect($before, $this->childrenOf($this->master)) && microtime(true) < $deadline) {
            usleep(50000);
        }
        $this->assertSame([], array_values(array_intersect($before, $this->childrenOf($this->master))), 'the signalled workers exited');
        for ($i = 0; $i < 4; $i++) {
            $this->assertTrue($this->call($this->v3())['ok'], "call $i on the replacement workers");
        }
        foreach ($before as $pid) {
            $this->workers[$pid] = true;
        }
        $this->stopFpm();
        $this->assertCleanLog();
    }

    /** @return list<int> */
    private function childrenOf(int $parent): array
    {
        $kids = [];
        foreach (glob('/proc/[0-9]*/stat') ?: [] as $f) {
            $stat = (string) @file_get_contents($f);
            if (preg_match('/\) (\S) (\d+) /', $stat, $m) && (int) $m[2] === $parent && $m[1] !== 'Z') {
                $kids[] = (int) basename(dirname($f));
            }
        }
        return $kids;
    }

    public function test_pcntl_fork_after_first_use_in_parents_children_and_grandchildren(): void
    {
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 3) . '/target/debug/libwu_runcloud.so';
        $cmd = [PHP_BINARY, '-d', 'extension=' . $ext, __DIR__ . '/fixtures/fork-tree.php', json_encode($this->v3(['timeout' => 3])), json_encode($this->v2(['timeout' => 3]))];
        $t = microtime(true);
        $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $rc = proc_close($proc);
        $took = microtime(true) - $t;
        file_put_contents(HARDENING_ARTIFACTS . '/fork-tree.txt', $out . $err);
        $this->assertSame(0, $rc, "the fork tree should exit 0; output:\n$out\n$err");
        $this->assertSame(1, substr_count($out, "parent: all 3 children and their children exited 0\n"), $out);
        $this->assertSame(3, substr_count($out, 'grandchild exit: 0'), $out);
        $this->assertSame(0, substr_count($out, 'FAILED'), $out);
        $this->assertLessThan(15.0, $took, 'no process waited on a client inherited across fork');
        $conns = array_unique(array_column($this->sim->requests(), 'connection'));
        $this->assertGreaterThanOrEqual(7, count($conns), 'parent, 3 children and 3 grandchildren each opened their own connection');
    }
}
