<?php
// A TCP relay on loopback that makes every network round trip cost RTT milliseconds, the
// connection set-up included, so that "a new connection per call" costs what it costs on a
// real network (TCP handshake + TLS handshake) and keep-alive saves what it saves there.
//
//   php latency-proxy.php UPSTREAM_HOST:PORT RTT_MS     prints `{"port":N,"pid":P}` then serves
//   RTT can be changed at run time: send SIGUSR1 after writing the new value to RTT_FILE
//   (env LATENCY_PROXY_RTT_FILE), so one proxy serves every phase.
//
// Model: bytes in each direction are delivered RTT/2 after they were read; the client's first
// bytes on a connection are held one extra RTT, standing in for the SYN / SYN-ACK exchange that
// loopback performs instantly. Order is preserved per direction. TLS is relayed untouched: the
// client still verifies the simulator's certificate end to end.
declare(strict_types=1);

[$_, $upstream, $rtt] = $argv + [null, null, null];
if ($upstream === null || $rtt === null || !preg_match('/^\d+$/', $rtt)) {
    fwrite(STDERR, "usage: php latency-proxy.php UPSTREAM_HOST:PORT RTT_MS\n");
    exit(2);
}
$rttSec = ((int) $rtt) / 1000.0;
$rttFile = getenv('LATENCY_PROXY_RTT_FILE') ?: null;

$server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
if ($server === false) {
    fwrite(STDERR, "latency-proxy: cannot listen: $errstr\n");
    exit(1);
}
stream_set_blocking($server, false);
$port = (int) substr(strrchr(stream_socket_get_name($server, false), ':'), 1);
echo json_encode(['port' => $port, 'pid' => getmypid()]), "\n";
fflush(STDOUT);

$running = true;
pcntl_async_signals(true);
pcntl_signal(SIGTERM, function () use (&$running) { $running = false; });
pcntl_signal(SIGINT, function () use (&$running) { $running = false; });
pcntl_signal(SIGUSR1, function () use (&$rttSec, $rttFile) {
    if ($rttFile !== null && is_file($rttFile)) {
        $rttSec = ((int) trim((string) file_get_contents($rttFile))) / 1000.0;
    }
});

/** One relayed connection: two sockets, a queue of [due, bytes] per direction. */
final class Pipe
{
    public array $toServer = [];
    public array $toClient = [];
    public bool $clientEof = false;
    public bool $serverEof = false;
    public bool $first = true;
    public float $lastDueServer = 0.0;
    public float $lastDueClient = 0.0;

    public function __construct(public $client, public $server) {}
}

/** @var Pipe[] $pipes */
$pipes = [];
/** socket resource id => pipe id */
$owner = [];

function now(): float { return hrtime(true) / 1e9; }

/**
 * Writes what is due. Returns 'close' when the peer is gone or when a queued end of stream
 * (null) is due: HTTP clients never half-close, so one side's end ends the relay.
 */
function pump($sock, array &$queue, float $now): string
{
    while ($queue && $queue[0][0] <= $now) {
        if ($queue[0][1] === null) { return 'close'; }
        $n = @fwrite($sock, $queue[0][1]);
        if ($n === false) { return 'close'; }
        if ($n < strlen($queue[0][1])) {
            $queue[0][1] = substr($queue[0][1], $n);
            return 'ok'; // socket buffer full: the rest goes on the next turn
        }
        array_shift($queue);
    }
    return 'ok';
}

function close_pipe(array &$pipes, int $id): void
{
    global $owner;
    unset($owner[(int) $pipes[$id]->client], $owner[(int) $pipes[$id]->server]);
    @fclose($pipes[$id]->client);
    @fclose($pipes[$id]->server);
    unset($pipes[$id]);
}

while ($running) {
    $read = [$server];
    foreach ($pipes as $p) {
        if (!$p->clientEof) { $read[] = $p->client; }
        if (!$p->serverEof) { $read[] = $p->server; }
    }
    $write = [];
    $except = null;
    $next = INF;
    foreach ($pipes as $p) {
        if ($p->toServer) { $next = min($next, $p->toServer[0][0]); }
        if ($p->toClient) { $next = min($next, $p->toClient[0][0]); }
    }
    $wait = $next === INF ? 1.0 : max(0.0, $next - now());
    $sec = (int) floor($wait);
    $usec = (int) (($wait - $sec) * 1e6);
    $n = @stream_select($read, $write, $except, $sec, $usec);
    if ($n === false) { continue; } // interrupted by a signal
    $t = now();
    foreach ($read as $sock) {
        if ($sock === $server) {
            while (($c = @stream_socket_accept($server, 0)) !== false) {
                $u = @stream_socket_client('tcp://' . $upstream, $errno, $errstr, 5);
                if ($u === false) { fclose($c); continue; }
                stream_set_blocking($c, false);
                stream_set_blocking($u, false);
                stream_set_write_buffer($c, 0);
                stream_set_write_buffer($u, 0);
                $pipes[(int) $c] = new Pipe($c, $u);
                $owner[(int) $c] = (int) $c;
                $owner[(int) $u] = (int) $c;
            }
            continue;
        }
        $id = $owner[(int) $sock] ?? null;
        if ($id === null || !isset($pipes[$id])) { continue; }
        $p = $pipes[$id];
        $fromClient = $sock === $p->client;
        $data = fread($sock, 65536);
        if ($data === '' || $data === false) {
            if (!feof($sock)) { continue; }
            $data = null; // end of stream, delivered in order like data
            if ($fromClient) { $p->clientEof = true; } else { $p->serverEof = true; }
        }
        if ($fromClient) {
            $due = max($t + $rttSec / 2 + ($p->first ? $rttSec : 0.0), $p->lastDueServer);
            $p->first = false;
            $p->lastDueServer = $due;
            $p->toServer[] = [$due, $data];
        } else {
            $due = max($t + $rttSec / 2, $p->lastDueClient);
            $p->lastDueClient = $due;
            $p->toClient[] = [$due, $data];
        }
    }
    $t = now();
    foreach ($pipes as $id => $p) {
        if (pump($p->server, $p->toServer, $t) === 'close' || pump($p->client, $p->toClient, $t) === 'close') {
            close_pipe($pipes, $id);
        }
    }
}
foreach (array_keys($pipes) as $id) { close_pipe($pipes, $id); }
fclose($server);
