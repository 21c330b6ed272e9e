<?php
// The processes a benchmark run starts (latency proxy, php-fpm; the simulator and MariaDB
// through their tests/lib scripts), each stopped by its own pid when the run ends — normally,
// on error, or on Ctrl-C.
declare(strict_types=1);

namespace WuBench;

final class Procs
{
    /** @var array<string, array{pid:int, proc:mixed, pipes:array}> */
    private array $running = [];
    /** @var list<callable> */
    private array $cleanups = [];

    public function __construct()
    {
        register_shutdown_function([$this, 'stopAll']);
        pcntl_async_signals(true);
        foreach ([SIGINT, SIGTERM, SIGHUP] as $sig) {
            pcntl_signal($sig, function (int $s) { fwrite(STDERR, "bench: signal $s, stopping everything\n"); exit(130); });
        }
    }

    /**
     * Starts CMD (an argv list, no shell) with stderr to LOG; returns [pid, stdout pipe].
     * With $firstLine, waits for and returns the first stdout line too.
     */
    public function start(string $name, array $cmd, string $log, array $env = [], bool $firstLine = false): array
    {
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => $firstLine ? ['pipe', 'w'] : ['file', $log, 'a'], 2 => ['file', $log, 'a']];
        $proc = proc_open($cmd, $spec, $pipes, null, $env ? $env + getenv() : null);
        if (!is_resource($proc)) {
            throw new \RuntimeException("cannot start $name: " . implode(' ', $cmd));
        }
        $pid = proc_get_status($proc)['pid'];
        $this->running[$name] = ['pid' => $pid, 'proc' => $proc, 'pipes' => $pipes];
        $line = null;
        if ($firstLine) {
            stream_set_timeout($pipes[1], 30);
            $line = fgets($pipes[1]);
            if ($line === false) {
                throw new \RuntimeException("$name printed nothing on stdout; see $log");
            }
        }
        return [$pid, $line];
    }

    public function stop(string $name): void
    {
        if (!isset($this->running[$name])) { return; }
        ['pid' => $pid, 'proc' => $proc, 'pipes' => $pipes] = $this->running[$name];
        unset($this->running[$name]);
        if (proc_get_status($proc)['running']) {
            posix_kill($pid, SIGTERM);
            $deadline = microtime(true) + 15;
            while (proc_get_status($proc)['running'] && microtime(true) < $deadline) { usleep(20000); }
            if (proc_get_status($proc)['running']) {
                fwrite(STDERR, "bench: $name (pid $pid) ignored SIGTERM for 15 s; SIGKILL\n");
                posix_kill($pid, SIGKILL);
            }
        }
        foreach ($pipes as $p) { @fclose($p); }
        proc_close($proc);
    }

    public function pid(string $name): int { return $this->running[$name]['pid']; }

    /** Something to run at the end (e.g. stopping MariaDB through its own script). */
    public function onStop(callable $fn): void { $this->cleanups[] = $fn; }

    public function stopAll(): void
    {
        foreach (array_reverse(array_keys($this->running)) as $name) { $this->stop($name); }
        foreach (array_reverse($this->cleanups) as $fn) { $fn(); }
        $this->cleanups = [];
    }
}

/** Sets the latency proxy's round-trip time for every connection, open ones included. */
final class Proxy
{
    public function __construct(public int $port, private int $pid, private string $rttFile) {}

    public function url(): string { return 'https://127.0.0.1:' . $this->port; }

    public function setRtt(int $ms): void
    {
        file_put_contents($this->rttFile, (string) $ms);
        posix_kill($this->pid, SIGUSR1);
        usleep(50000);
    }
}
