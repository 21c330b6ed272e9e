<?php
/**
 * A minimal FastCGI client (responder role, one request per connection) to talk to php-fpm
 * over its unix socket without a web server.
 */

declare(strict_types=1);

namespace WuRunCloud\Tests\Hardening;

final class FastCgi
{
    /** Sends a GET for $script with $query; returns the open socket (read it with read()). */
    public static function send(string $socket, string $script, array $query): mixed
    {
        $s = @stream_socket_client("unix://$socket", $errno, $errstr, 5);
        if ($s === false) {
            throw new \RuntimeException("cannot connect to php-fpm at $socket: $errstr");
        }
        $qs = http_build_query($query);
        $params = [
            'GATEWAY_INTERFACE' => 'FastCGI/1.0', 'REQUEST_METHOD' => 'GET',
            'SCRIPT_FILENAME' => $script, 'SCRIPT_NAME' => '/' . basename($script),
            'QUERY_STRING' => $qs, 'REQUEST_URI' => '/' . basename($script) . '?' . $qs,
            'SERVER_PROTOCOL' => 'HTTP/1.1', 'SERVER_NAME' => 'localhost', 'REMOTE_ADDR' => '127.0.0.1',
        ];
        $body = '';
        foreach ($params as $k => $v) {
            $body .= self::len(strlen($k)) . self::len(strlen((string) $v)) . $k . $v;
        }
        fwrite($s, self::record(1, pack('nCx5', 1, 0)) . self::record(4, $body) . self::record(4, '') . self::record(5, ''));
        return $s;
    }

    /** Reads the answer: [stdout without headers, stderr, complete (END_REQUEST seen)]. */
    public static function read(mixed $s, float $timeout = 30.0): array
    {
        stream_set_timeout($s, (int) ceil($timeout));
        $out = $err = '';
        $complete = false;
        while (!$complete && ($h = self::exactly($s, 8)) !== null) {
            $r = unpack('Cversion/Ctype/nid/nlen/Cpad/Creserved', $h);
            $content = $r['len'] > 0 ? self::exactly($s, $r['len']) : '';
            if ($r['pad'] > 0) {
                self::exactly($s, $r['pad']);
            }
            if ($content === null) {
                break;
            }
            match ($r['type']) {
                6 => $out .= $content,
                7 => $err .= $content,
                3 => $complete = true,
                default => null,
            };
        }
        fclose($s);
        $parts = explode("\r\n\r\n", $out, 2);
        return [$parts[1] ?? $out, $err, $complete];
    }

    public static function get(string $socket, string $script, array $query, float $timeout = 30.0): array
    {
        return self::read(self::send($socket, $script, $query), $timeout);
    }

    private static function exactly(mixed $s, int $n): ?string
    {
        $buf = '';
        while (strlen($buf) < $n) {
            $chunk = fread($s, $n - strlen($buf));
            if ($chunk === false || $chunk === '') {
                return null;
            }
            $buf .= $chunk;
        }
        return $buf;
    }

    private static function record(int $type, string $content): string
    {
        return pack('CCnnCx', 1, $type, 1, strlen($content), 0) . $content;
    }

    private static function len(int $n): string
    {
        return $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
    }
}
