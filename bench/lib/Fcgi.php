<?php
// A minimal FastCGI client (responder role, one request per connection), enough to drive a
// private php-fpm pool the way nginx would, without nginx.
declare(strict_types=1);

namespace WuBench;

final class Fcgi
{
    private const VERSION = 1;
    private const BEGIN_REQUEST = 1;
    private const END_REQUEST = 3;
    private const PARAMS = 4;
    private const STDIN = 5;
    private const STDOUT = 6;
    private const STDERR = 7;
    private const RESPONDER = 1;

    /** @param string $address e.g. unix:///path/fpm.sock or tcp://127.0.0.1:9000 */
    public function __construct(private string $address, private float $timeout = 300.0) {}

    /**
     * Runs SCRIPT with the given query parameters; returns [headers, body, stderr].
     * @param array<string,string> $query
     */
    public function run(string $script, array $query = [], string $host = 'network.test'): array
    {
        $qs = http_build_query($query);
        $params = [
            'GATEWAY_INTERFACE' => 'FastCGI/1.0',
            'REQUEST_METHOD' => 'GET',
            'SCRIPT_FILENAME' => $script,
            'SCRIPT_NAME' => '/' . basename($script),
            'REQUEST_URI' => '/' . basename($script) . ($qs === '' ? '' : '?' . $qs),
            'DOCUMENT_URI' => '/' . basename($script),
            'QUERY_STRING' => $qs,
            'SERVER_SOFTWARE' => 'wu-bench',
            'SERVER_PROTOCOL' => 'HTTP/1.1',
            'SERVER_NAME' => $host,
            'SERVER_PORT' => '80',
            'HTTP_HOST' => $host,
            'REMOTE_ADDR' => '127.0.0.1',
            'CONTENT_LENGTH' => '0',
        ];
        $sock = @stream_socket_client($this->address, $errno, $errstr, 5);
        if ($sock === false) {
            throw new \RuntimeException("cannot connect to php-fpm at {$this->address}: $errstr");
        }
        stream_set_timeout($sock, (int) $this->timeout);
        $id = 1;
        $out = self::record(self::BEGIN_REQUEST, $id, pack('nCx5', self::RESPONDER, 0));
        $body = '';
        foreach ($params as $k => $v) {
            $body .= self::length(strlen($k)) . self::length(strlen($v)) . $k . $v;
        }
        $out .= self::record(self::PARAMS, $id, $body) . self::record(self::PARAMS, $id, '');
        $out .= self::record(self::STDIN, $id, '');
        fwrite($sock, $out);

        $stdout = $stderr = '';
        while (true) {
            $head = self::readExactly($sock, 8);
            $h = unpack('Cversion/Ctype/nid/nlength/Cpadding', $head);
            $content = $h['length'] > 0 ? self::readExactly($sock, $h['length']) : '';
            if ($h['padding'] > 0) { self::readExactly($sock, $h['padding']); }
            if ($h['type'] === self::STDOUT) { $stdout .= $content; }
            elseif ($h['type'] === self::STDERR) { $stderr .= $content; }
            elseif ($h['type'] === self::END_REQUEST) { break; }
        }
        fclose($sock);
        $split = strpos($stdout, "\r\n\r\n");
        if ($split === false) { return ['', $stdout, $stderr]; }
        return [substr($stdout, 0, $split), substr($stdout, $split + 4), $stderr];
    }

    private static function record(int $type, int $id, string $content): string
    {
        $len = strlen($content);
        $pad = (8 - $len % 8) % 8;
        return pack('CCnnCx', self::VERSION, $type, $id, $len, $pad) . $content . str_repeat("\0", $pad);
    }

    private static function length(int $n): string
    {
        return $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
    }

    private static function readExactly($sock, int $n): string
    {
        $buf = '';
        while (strlen($buf) < $n) {
            $chunk = fread($sock, $n - strlen($buf));
            if ($chunk === false || $chunk === '') {
                $meta = stream_get_meta_data($sock);
                throw new \RuntimeException($meta['timed_out'] ? 'php-fpm did not answer in time' : 'php-fpm closed the connection mid-response');
            }
            $buf .= $chunk;
        }
        return $buf;
    }
}
