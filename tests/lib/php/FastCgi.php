<?php
/**
 * A minimal FastCGI client (responder role, one GET per connection): enough to drive a private
 * php-fpm pool the way nginx would, without nginx. The php-fpm lifecycle tests and the
 * benchmark use it.
 */

declare(strict_types=1);

namespace WuRunCloud\Harness;

final class FastCgi
{
    private const VERSION = 1;
    private const BEGIN_REQUEST = 1;
    private const END_REQUEST = 3;
    private const PARAMS = 4;
    private const STDIN = 5;
    private const STDOUT = 6;
    private const STDERR = 7;
    private const RESPONDER = 1;

    /**
     * @param string $address php-fpm's socket: a path, unix:///path or tcp://127.0.0.1:9000
     * @param float  $timeout Seconds to wait for an answer.
     */
    public function __construct(private string $address, private float $timeout = 30.0)
    {
    }

    /**
     * Sends a GET for $script and returns the open connection, so a test can act while the
     * request is in flight; read() takes the answer.
     *
     * @param array<string, scalar> $query
     * @return resource
     */
    public function send(string $script, array $query = [], string $host = 'localhost')
    {
        $address = str_contains($this->address, '://') ? $this->address : 'unix://' . $this->address;
        $conn = @stream_socket_client($address, $errno, $errstr, 5);
        if ($conn === false) {
            throw new \RuntimeException("cannot connect to php-fpm at {$this->address}: $errstr");
        }
        $qs = http_build_query($query);
        $uri = '/' . basename($script);
        $params = [
            'GATEWAY_INTERFACE' => 'FastCGI/1.0',
            'REQUEST_METHOD' => 'GET',
            'SCRIPT_FILENAME' => $script,
            'SCRIPT_NAME' => $uri,
            'DOCUMENT_URI' => $uri,
            'REQUEST_URI' => $uri . ($qs === '' ? '' : '?' . $qs),
            'QUERY_STRING' => $qs,
            'SERVER_SOFTWARE' => 'wu-runcloud-tests',
            'SERVER_PROTOCOL' => 'HTTP/1.1',
            'SERVER_NAME' => $host,
            'SERVER_PORT' => '80',
            'HTTP_HOST' => $host,
            'REMOTE_ADDR' => '127.0.0.1',
            'CONTENT_LENGTH' => '0',
        ];
        $body = '';
        foreach ($params as $k => $v) {
            $body .= self::length(strlen($k)) . self::length(strlen((string) $v)) . $k . $v;
        }
        fwrite($conn, self::record(self::BEGIN_REQUEST, pack('nCx5', self::RESPONDER, 0))
            . self::record(self::PARAMS, $body) . self::record(self::PARAMS, '') . self::record(self::STDIN, ''));
        return $conn;
    }

    /**
     * Reads the answer of send() and closes the connection.
     *
     * @param resource $conn
     * @return array{headers: string, body: string, stderr: string, complete: bool} complete:
     *         php-fpm ended the request (false when it timed out or closed the connection first)
     */
    public function read($conn, ?float $timeout = null): array
    {
        stream_set_timeout($conn, (int) ceil($timeout ?? $this->timeout));
        $stdout = $stderr = '';
        $complete = false;
        while (!$complete && ($head = self::exactly($conn, 8)) !== null) {
            $h = unpack('Cversion/Ctype/nid/nlength/Cpadding', $head);
            $content = $h['length'] > 0 ? self::exactly($conn, $h['length']) : '';
            if ($h['padding'] > 0) {
                self::exactly($conn, $h['padding']);
            }
            if ($content === null) {
                break;
            }
            match ($h['type']) {
                self::STDOUT => $stdout .= $content,
                self::STDERR => $stderr .= $content,
                self::END_REQUEST => $complete = true,
                default => null,
            };
        }
        fclose($conn);
        $split = strpos($stdout, "\r\n\r\n");
        return [
            'headers' => $split === false ? '' : substr($stdout, 0, $split),
            'body' => $split === false ? $stdout : substr($stdout, $split + 4),
            'stderr' => $stderr,
            'complete' => $complete,
        ];
    }

    /** send() and read() in one. @return array{headers: string, body: string, stderr: string, complete: bool} */
    public function get(string $script, array $query = [], string $host = 'localhost', ?float $timeout = null): array
    {
        return $this->read($this->send($script, $query, $host), $timeout);
    }

    /** @param resource $conn */
    private static function exactly($conn, int $n): ?string
    {
        $buf = '';
        while (strlen($buf) < $n) {
            $chunk = fread($conn, $n - strlen($buf));
            if ($chunk === false || $chunk === '') {
                return null;
            }
            $buf .= $chunk;
        }
        return $buf;
    }

    private static function record(int $type, string $content): string
    {
        $len = strlen($content);
        $pad = (8 - $len % 8) % 8;
        return pack('CCnnCx', self::VERSION, $type, 1, $len, $pad) . $content . str_repeat("\0", $pad);
    }

    private static function length(int $n): string
    {
        return $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
    }
}
