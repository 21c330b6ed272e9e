<?php
/**
 * The client of the simulator's control API (/_sim/…, see tests/runcloud-sim/README.md), the
 * one the extension's tests, the plugin's tests, the e2e suite and the benchmark all use.
 * Control calls are never logged as API requests, and never go through a fault.
 */

declare(strict_types=1);

namespace WuRunCloud\Harness;

final class Sim
{
    /** The server and web application of the simulator's default state. */
    public const SERVER = 11667;
    public const APP = 940288;

    private ?\CurlHandle $ch = null;

    public function __construct(public string $url, public ?string $caFile = null)
    {
    }

    /**
     * Calls the control API and returns the decoded JSON answer.
     *
     * @param string $path  Below /_sim/, e.g. 'reset' or 'requests?since=3'.
     * @param mixed  $body  JSON-encoded when not null (a string is sent as it is).
     * @return mixed
     */
    public function call(string $method, string $path, $body = null)
    {
        // One handle per client: its connection stays open across control calls.
        $this->ch ??= curl_init();
        curl_reset($this->ch);
        $opts = [
            CURLOPT_URL => rtrim($this->url, '/') . '/_sim/' . ltrim($path, '/'),
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Accept: application/json'],
            CURLOPT_TIMEOUT => 60,
            CURLOPT_NOPROXY => '*',
        ];
        if ($body !== null) {
            $opts[CURLOPT_POSTFIELDS] = is_string($body) ? $body : json_encode($body, JSON_THROW_ON_ERROR);
        }
        if ($this->caFile !== null) {
            $opts[CURLOPT_CAINFO] = $this->caFile;
        }
        curl_setopt_array($this->ch, $opts);
        $raw = curl_exec($this->ch);
        $status = curl_getinfo($this->ch, CURLINFO_RESPONSE_CODE);
        if ($raw === false || $status < 200 || $status >= 300) {
            $why = $raw === false ? curl_error($this->ch) : substr((string) $raw, 0, 300);
            throw new \RuntimeException("simulator control call $method /_sim/$path failed: HTTP $status $why");
        }
        return $raw === '' ? null : json_decode((string) $raw, true);
    }

    /** Back to the default state (or $state), with empty logs, counters and faults. */
    public function reset(?array $state = null): void
    {
        $this->call('POST', 'reset', $state);
    }

    /** Runtime settings: rate_limit (null = off), latency_ms, pagination, … */
    public function config(array $config): void
    {
        $this->call('POST', 'config', $config);
    }

    /** Adds a fault: method, path glob, kind (FaultKind in the simulator) and its parameters. */
    public function fault(array $fault): void
    {
        $this->call('POST', 'faults', $fault);
    }

    public function clearFaults(): void
    {
        $this->call('DELETE', 'faults');
    }

    /** @return list<array<string, mixed>> the API request log from sequence number $since on. */
    public function requests(int $since = 0): array
    {
        return (array) $this->call('GET', $since > 0 ? "requests?since=$since" : 'requests');
    }

    public function clearRequests(): void
    {
        $this->call('DELETE', 'requests');
    }

    /** @return list<string> "METHOD /path?query" for each API request, in order. */
    public function requestLines(): array
    {
        return array_map(
            static fn (array $r): string => $r['method'] . ' ' . $r['path'] . (($r['query'] ?? '') !== '' && $r['query'] !== null ? '?' . $r['query'] : ''),
            $this->requests()
        );
    }

    /** @return array<string, int> */
    public function counters(): array
    {
        return (array) $this->call('GET', 'counters');
    }

    /** @return list<array<string, mixed>> */
    public function redeploys(): array
    {
        return (array) $this->call('GET', 'redeploys');
    }

    /**
     * Adds domains behind the API's back: ['names' => [...]] or ['count' => N, 'pattern' => 'site{n}.test'].
     *
     * @return mixed the simulator's answer ({"added": N})
     */
    public function seed(int $server, int $app, array $body)
    {
        return $this->call('POST', "servers/$server/webapps/$app/domains", $body);
    }

    /** Removes a domain behind the API's back (as if someone deleted it in the dashboard). */
    public function unseed(string $name, int $server = self::SERVER, int $app = self::APP): void
    {
        $this->call('DELETE', "servers/$server/webapps/$app/domains/$name");
    }

    /** @return list<array<string, mixed>> every domain of the app, unpaginated. */
    public function domains(int $server = self::SERVER, int $app = self::APP): array
    {
        return (array) $this->call('GET', "servers/$server/webapps/$app/domains");
    }

    /** @return list<string> */
    public function domainNames(int $server = self::SERVER, int $app = self::APP): array
    {
        return array_map(static fn (array $d): string => $d['name'], $this->domains($server, $app));
    }

    /** The app's domains as a customer sees them, independent of ids and timestamps. */
    public function state(int $server = self::SERVER, int $app = self::APP): array
    {
        $out = [];
        foreach ($this->domains($server, $app) as $d) {
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

    /** `dns` (ip:port), `https_port`, `sites_ca_file` and the rest of the first line. */
    public function info(): array
    {
        return (array) $this->call('GET', 'info');
    }

    /**
     * Sets DNS records: one `['name' => …, 'a' => [...]]` (or `'cname'`, or `'fail'`), or a list.
     */
    public function dns(array $records): void
    {
        $this->call('POST', 'dns', $records);
    }

    public function clearDns(): void
    {
        $this->call('DELETE', 'dns');
    }

    /** Every certificate order Let's Encrypt received. */
    public function orders(): array
    {
        return (array) $this->call('GET', 'orders');
    }

    /** Moves the simulator's clock forward. */
    public function advance(float $seconds): void
    {
        $this->call('POST', 'clock', ['advance' => $seconds]);
    }

    /** What the HTTPS port serves for a name: expired, mismatch, untrusted or normal. */
    public function tls(string $name, string $serve): void
    {
        $this->call('POST', 'tls', ['name' => $name, 'serve' => $serve]);
    }

    /**
     * The extension's configuration keys that point its checks at this simulator: its DNS
     * server, its HTTPS port and the CA that signs what that port serves.
     */
    public function checkConfig(): array
    {
        $info = $this->info();
        return [
            'dns_servers' => [(string) $info['dns']],
            'https_port' => (int) $info['https_port'],
            'ca_file' => (string) $info['sites_ca_file'],
        ];
    }
}
