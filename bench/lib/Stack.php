<?php
// The processes a benchmark run starts (simulator, latency proxy, php-fpm, MariaDB), each
// stopped by its own pid when the run ends — normally, on error, or on Ctrl-C — and a small
// client for the simulator's control API.
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

/** The simulator's control API (`/_sim/…`), spoken directly (never through the latency proxy). */
final class Sim
{
    public const SERVER = 11667;
    public const APP = 940288;

    private \CurlHandle $ch;

    public function __construct(public string $url, public string $ca)
    {
        $this->ch = curl_init();
    }

    public function call(string $method, string $path, $body = null)
    {
        curl_setopt_array($this->ch, [
            CURLOPT_URL => $this->url . $path,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_CAINFO => $this->ca,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Accept: application/json'],
            CURLOPT_POSTFIELDS => $body === null ? '' : json_encode($body),
            CURLOPT_TIMEOUT => 60,
        ]);
        $raw = curl_exec($this->ch);
        $status = curl_getinfo($this->ch, CURLINFO_RESPONSE_CODE);
        if ($raw === false || $status >= 300) {
            throw new \RuntimeException("simulator control call $method $path failed: status $status, " . ($raw === false ? curl_error($this->ch) : substr((string) $raw, 0, 300)));
        }
        return json_decode((string) $raw, true);
    }

    /** Fresh default state (or $state), rate limit and latency as given. */
    public function reset(?array $state = null, ?int $rateLimit = null, int $latencyMs = 0): void
    {
        $this->call('POST', '/_sim/reset', $state);
        $this->call('POST', '/_sim/config', ['rate_limit' => $rateLimit, 'latency_ms' => $latencyMs]);
    }

    public function counters(): array { return $this->call('GET', '/_sim/counters'); }

    public function domains(): array
    {
        return $this->call('GET', sprintf('/_sim/servers/%d/webapps/%d/domains', self::SERVER, self::APP));
    }

    public function seed(int $count, string $pattern): void
    {
        $r = $this->call('POST', sprintf('/_sim/servers/%d/webapps/%d/domains', self::SERVER, self::APP), ['count' => $count, 'pattern' => $pattern, 'start' => 1]);
        if (($r['added'] ?? 0) !== $count) {
            throw new \RuntimeException("simulator seeded " . json_encode($r) . " instead of $count domains");
        }
    }

    public function redeploys(): array { return $this->call('GET', '/_sim/redeploys'); }

    /** The RunCloud state that matters to the customer, independent of ids and timestamps. */
    public function state(): array
    {
        $out = [];
        foreach ($this->domains() as $d) {
            $out[strtolower($d['name'])] = [
                'type' => $d['type'] ?? null,
                'www' => (bool) ($d['www'] ?? false),
                'redirection' => $d['redirection'] ?? null,
                'wildcard' => (bool) ($d['wildcard'] ?? false),
            ];
        }
        ksort($out);
        return $out;
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
