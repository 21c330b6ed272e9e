<?php
/**
 * Client of the simulator's control API (/_sim/…), see tests/runcloud-sim/README.md.
 */

declare(strict_types=1);

namespace WuRunCloud\Tests;

final class Sim
{
    public function __construct(public string $url, public ?string $caFile = null)
    {
    }

    /**
     * Calls the control API and returns the decoded JSON answer.
     *
     * @param mixed $body JSON-encoded when not null.
     * @return mixed
     */
    public function call(string $method, string $path, $body = null)
    {
        $ch = curl_init($this->url . '/_sim/' . ltrim($path, '/'));
        $opts = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Accept: application/json'],
            CURLOPT_TIMEOUT => 10,
        ];
        if ($body !== null) {
            $opts[CURLOPT_POSTFIELDS] = json_encode($body, JSON_THROW_ON_ERROR);
        }
        if ($this->caFile !== null) {
            $opts[CURLOPT_CAINFO] = $this->caFile;
        }
        curl_setopt_array($ch, $opts);
        $raw = curl_exec($ch);
        $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        $err = curl_error($ch);
        curl_close($ch);
        if ($raw === false || $status >= 400) {
            throw new \RuntimeException("simulator control call $method /_sim/$path failed: HTTP $status $err " . substr((string) $raw, 0, 300));
        }
        return $raw === '' ? null : json_decode((string) $raw, true);
    }

    /** Back to the default state (or $state), with empty logs, counters and faults. */
    public function reset(?array $state = null): void
    {
        $this->call('POST', 'reset', $state);
    }

    /** @return list<array<string, mixed>> the API request log (control calls are not logged). */
    public function requests(): array
    {
        return $this->call('GET', 'requests');
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
        return $this->call('GET', 'counters');
    }

    /** @return list<array<string, mixed>> */
    public function redeploys(): array
    {
        return $this->call('GET', 'redeploys');
    }

    public function fault(array $fault): void
    {
        $this->call('POST', 'faults', $fault);
    }

    public function config(array $config): void
    {
        $this->call('POST', 'config', $config);
    }

    /** Adds domains behind the API's back (bulk seeding). */
    public function seed(int $server, int $app, array $body): void
    {
        $this->call('POST', "servers/$server/webapps/$app/domains", $body);
    }

    /** @return list<array<string, mixed>> every domain of the app, unpaginated. */
    public function domains(int $server = 11667, int $app = 940288): array
    {
        return $this->call('GET', "servers/$server/webapps/$app/domains");
    }

    /** @return list<string> */
    public function domainNames(int $server = 11667, int $app = 940288): array
    {
        return array_map(static fn (array $d): string => $d['name'], $this->domains($server, $app));
    }
}
