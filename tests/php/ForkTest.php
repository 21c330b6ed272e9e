<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * php-fpm forks workers after MINIT; PHP code may pcntl_fork(). The pid-tagged client must
 * be rebuilt in the child and the child must exit cleanly.
 */
final class ForkTest extends SimTestCase
{
    public function test_a_forked_child_builds_its_own_client_and_exits_cleanly(): void
    {
        if (!function_exists('pcntl_fork')) {
            $this->fail('the pcntl extension is needed for this test (php8.2-cli ships it)');
        }
        $ext = getenv('WU_RUNCLOUD_EXT') ?: dirname(__DIR__, 2) . '/target/debug/libwu_runcloud.so';
        $cmd = [PHP_BINARY, '-n'];
        if (is_file(ini_get('extension_dir') . '/pcntl.so')) {
            $cmd = array_merge($cmd, ['-d', 'extension=pcntl']); // Debian compiles pcntl into the CLI
        }
        $cmd = array_merge($cmd, ['-d', 'extension=' . $ext, __DIR__ . '/fixtures/fork.php', json_encode($this->v3(['timeout' => 3]))]);
        $t = microtime(true);
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $rc = proc_close($proc);
        $took = microtime(true) - $t;
        $this->assertSame(0, $rc, "the fork script should succeed; stdout:\n$out\nstderr:\n$err");
        $this->assertSame("parent before fork: 1\nchild: 1\nchild exit: 0\nparent after fork: 1\n", $out, "stderr:\n$err");
        $this->assertLessThan(2.5, $took, 'the child did not wait for a timeout on the inherited client');
        $this->assertGreaterThanOrEqual(2, count(array_unique(array_column($this->sim->requests(), 'connection'))), 'the child opened its own connection');
    }
}
