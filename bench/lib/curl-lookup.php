<?php
// The benchmark's curl side: the lookup `wu_runcloud_find_domain()` makes, done with PHP's
// curl and one reused handle (made on the first call), so both sides do the same work: every
// page, `json_decode`, case-insensitive match, status checked. Used by worker/overhead.php
// (CPU per call) and worker/mem.php (memory of the first call).
declare(strict_types=1);

/**
 * @param array{base_url: string, server_id: int, app_id: int, api_token: string, ca_file: string} $cfg
 * @return Closure(): bool whether `$name` is in the app; throws RuntimeException on a failed request
 */
function curl_lookup(array $cfg, string $name): Closure
{
    $base = sprintf('%s/api/v3/servers/%d/webapps/%d/domains', rtrim($cfg['base_url'], '/'), $cfg['server_id'], $cfg['app_id']);
    $ch = null;
    return static function () use (&$ch, $cfg, $base, $name): bool {
        if ($ch === null) {
            $ch = curl_init();
            curl_setopt_array($ch, [
                CURLOPT_RETURNTRANSFER => true,
                CURLOPT_CAINFO => $cfg['ca_file'],
                CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . $cfg['api_token'], 'Accept: application/json'],
                CURLOPT_TIMEOUT => 15,
                CURLOPT_CONNECTTIMEOUT => 5,
            ]);
        }
        $page = 1;
        do {
            curl_setopt($ch, CURLOPT_URL, "$base?page=$page&perPage=40");
            $body = curl_exec($ch);
            if ($body === false || curl_getinfo($ch, CURLINFO_RESPONSE_CODE) !== 200) {
                throw new RuntimeException('curl: ' . curl_error($ch) . ' status ' . curl_getinfo($ch, CURLINFO_RESPONSE_CODE));
            }
            $j = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
            foreach ($j['data'] as $d) {
                if (strcasecmp($d['name'], $name) === 0) { return true; }
            }
            $last = $j['meta']['pagination']['total_pages'] ?? 1;
        } while (++$page <= $last);
        return false;
    };
}
