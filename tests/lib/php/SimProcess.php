<?php
/**
 * A RunCloud simulator started from PHP: tests/lib/sim.sh does the starting and stopping (the
 * one way, for shell and PHP alike); this keeps what it printed and stops it by pid when asked,
 * or at the latest when this PHP process ends.
 */

declare(strict_types=1);

namespace WuRunCloud\Harness;

require_once __DIR__ . '/Sim.php';

final class SimProcess
{
    /** @var array<string, SimProcess> dir => running simulator */
    private static array $running = [];

    private function __construct(
        public readonly string $dir,
        public readonly string $url,
        public readonly ?string $caFile,
        public readonly int $pid,
        private bool $temporary,
    ) {
    }

    /**
     * Starts a simulator on 127.0.0.1:0 (RUNCLOUD_SIM_BIN, default target/debug/runcloud-sim).
     *
     * @param string|null  $dir  Where its output and pid file go; null for a temporary one,
     *                           deleted once it is stopped.
     * @param list<string> $args Simulator arguments, e.g. ['--tls', '--rate-limit', 'off'].
     * @throws \RuntimeException naming why it did not start.
     */
    public static function start(?string $dir = null, array $args = []): self
    {
        $temporary = $dir === null;
        $dir ??= sys_get_temp_dir() . '/wu-sim-' . getmypid() . '-' . bin2hex(random_bytes(4));
        $proc = proc_open(
            array_merge([self::script(), 'start', $dir], $args),
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes
        );
        if (!is_resource($proc)) {
            throw new \RuntimeException('cannot run ' . self::script());
        }
        $url = trim((string) stream_get_contents($pipes[1]));
        $err = trim((string) stream_get_contents($pipes[2]));
        fclose($pipes[1]);
        fclose($pipes[2]);
        if (proc_close($proc) !== 0 || $url === '') {
            throw new \RuntimeException("the RunCloud simulator did not start in $dir: $err");
        }
        $info = json_decode((string) strtok((string) file_get_contents("$dir/stdout.log"), "\n"), true);
        $sim = new self($dir, $url, is_array($info) ? ($info['ca_file'] ?? null) : null, (int) ($info['pid'] ?? 0), $temporary);
        if (self::$running === []) {
            register_shutdown_function([self::class, 'stopAll']);
        }
        self::$running[$dir] = $sim;
        return $sim;
    }

    /** A control client for this simulator. */
    public function control(): Sim
    {
        return new Sim($this->url, $this->caFile);
    }

    public function stop(): void
    {
        if (!isset(self::$running[$this->dir])) {
            return;
        }
        unset(self::$running[$this->dir]);
        exec(escapeshellarg(self::script()) . ' stop ' . escapeshellarg($this->dir) . ' 2>&1', $out);
        if ($this->temporary) {
            array_map('unlink', glob($this->dir . '/*') ?: []);
            @rmdir($this->dir);
        }
    }

    public static function stopAll(): void
    {
        foreach (self::$running as $sim) {
            $sim->stop();
        }
    }

    private static function script(): string
    {
        return dirname(__DIR__) . '/sim.sh';
    }
}
