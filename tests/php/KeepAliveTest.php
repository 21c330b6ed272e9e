<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * The worker's kept-alive connection when the server closed it while PHP was elsewhere (an
 * idle timeout, a restart). The client's runtime runs only while a call is in flight, so it
 * must notice the close before it writes the next request into a dead socket: a request that
 * is never retried (an order of a certificate, or any request with retries = 0) would
 * otherwise fail for nothing.
 */
final class KeepAliveTest extends SimTestCase
{
    /** @var resource|null */
    private $relay = null;
    /** @var array<int, resource> */
    private array $pipes = [];
    private string $seen = '';

    protected function tearDown(): void
    {
        if ($this->relay !== null) {
            $pid = proc_get_status($this->relay)['pid'];
            posix_kill($pid, SIGTERM);
            foreach ($this->pipes as $p) {
                fclose($p);
            }
            proc_close($this->relay);
        }
    }

    /** Starts the relay that closes a connection idle for $idleMs after an answer; its port. */
    private function relay(int $idleMs): int
    {
        $cmd = [PHP_BINARY, '-n'];
        if (is_file(ini_get('extension_dir') . '/pcntl.so')) {
            $cmd = array_merge($cmd, ['-d', 'extension=pcntl']);
        }
        $port = parse_url(SIM_HTTP_URL, PHP_URL_PORT);
        $cmd = array_merge($cmd, [__DIR__ . '/fixtures/idle-close-relay.php', "127.0.0.1:$port", (string) $idleMs]);
        $this->relay = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $this->pipes);
        $first = $this->waitFor('port', 5.0);
        if ($first === null) {
            stream_set_blocking($this->pipes[2], false);
            $this->fail('the relay should print its port; stderr: ' . stream_get_contents($this->pipes[2]));
        }
        return $first;
    }

    /** Reads the relay's lines until one has $key; its value, or null after $seconds. */
    private function waitFor(string $key, float $seconds): ?int
    {
        $deadline = microtime(true) + $seconds;
        stream_set_blocking($this->pipes[1], false);
        while (microtime(true) < $deadline) {
            $this->seen .= (string) stream_get_contents($this->pipes[1]);
            while (($nl = strpos($this->seen, "\n")) !== false) {
                $line = json_decode(substr($this->seen, 0, $nl), true);
                $this->seen = substr($this->seen, $nl + 1);
                if (is_array($line) && isset($line[$key])) {
                    return (int) $line[$key];
                }
            }
            usleep(10000);
        }
        return null;
    }

    public function test_a_connection_the_server_closed_while_idle_is_not_written_to_again(): void
    {
        $port = $this->relay(100);
        $config = $this->v3(['base_url' => "http://127.0.0.1:$port", 'retries' => 0]);
        $this->assertSame('idle-one.test', wu_runcloud_add_domain($config, 'idle-one.test')['name']);
        $this->assertSame(1, $this->waitFor('accepted', 2.0), 'the first call opened connection 1');
        $this->assertNotNull($this->waitFor('closed', 3.0), 'the relay closed the idle connection');
        usleep(50000); // the FIN has reached the client's socket
        $second = wu_runcloud_add_domain($config, 'idle-two.test');
        $this->assertSame(['idle-two.test', true], [$second['name'], $second['created']], 'with no retry allowed, the second call still succeeds');
        $this->assertSame(2, $this->waitFor('accepted', 2.0), 'on a new connection');
        $this->assertNotNull($this->waitFor('closed', 3.0));
        usleep(50000);
        // An order of a certificate is never repeated after an attempt that may have reached
        // RunCloud: it must not be sent into the dead connection either.
        $r = wu_runcloud_redeploy_ssl($this->v3(['base_url' => "http://127.0.0.1:$port"]));
        $this->assertSame('redeployed', $r['action'], 'the certificate order went through: ' . json_encode($r));
        $statuses = array_column($this->sim->requests(), 'status');
        $this->assertSame([], array_filter($statuses, fn ($s) => $s >= 300), 'every request reached the simulator and was answered: ' . json_encode($statuses));
    }
}
