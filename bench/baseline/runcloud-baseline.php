<?php
/**
 * The benchmark's baseline: a pure-PHP RunCloud domain integration that behaves the way the
 * integration built into Ultimate Multisite does (v3 API, `inc/integrations/providers/runcloud`),
 * written by us from the description in shared/reference/ultimate-multisite.md §2–§3, not
 * copied. Its flaws are reproduced on purpose, because they are what operators run today:
 *
 * - every call goes through the WordPress HTTP API (`wp_remote_request`), so every call opens a
 *   new connection (WordPress's Requests/cURL transport keeps no handle between calls);
 * - timeout 100 s, no status check: anything that is not a WP_Error counts as success;
 * - add: POST domains {name, www: true, redirection: non-www, type: alias}, then right away
 *   GET ssl/advanced and PATCH ssl/advanced/{sslCertificate.id}/redeploy;
 * - remove: GET domains (first page only, no page/perPage), find the name, DELETE domains/{id};
 *   "not found" is logged and the domain is left in RunCloud;
 * - subdomain handlers are empty: subdomains arrive through wu_add_domain (the double fire);
 * - each request's URL, status and body are logged (never the token).
 *
 * Bench-only deviation: the API root comes from WU_BENCH_RUNCLOUD_API_URL (the simulator) instead
 * of the literal https://manage.runcloud.io/api/v3. The simulator's CA is trusted through the
 * `http_request_args` filter in bench/baseline/trust-simulator-ca.php, as an operator would.
 */

namespace WuBench\Baseline;

final class RunCloud_Baseline
{
    private string $log_file;

    public function __construct(
        private string $api_root,
        private string $token,
        private string $server_id,
        private string $app_id,
        string $log_file
    ) {
        $this->log_file = $log_file;
    }

    public static function from_constants(string $log_file): self
    {
        return new self(
            rtrim(WU_BENCH_RUNCLOUD_API_URL, '/'),
            (string) WU_RUNCLOUD_API_TOKEN,
            (string) WU_RUNCLOUD_SERVER_ID,
            (string) WU_RUNCLOUD_APP_ID,
            $log_file
        );
    }

    public function register_hooks(): void
    {
        add_action('wu_add_domain', [$this, 'on_add_domain'], 10, 2);
        add_action('wu_remove_domain', [$this, 'on_remove_domain'], 10, 2);
        add_action('wu_add_subdomain', [$this, 'on_add_subdomain'], 10, 2);
        add_action('wu_remove_subdomain', [$this, 'on_remove_subdomain'], 10, 2);
    }

    public function on_add_domain($domain, $site_id): void
    {
        $response = $this->send_runcloud_request('domains', [
            'name' => $domain,
            'www' => true,
            'redirection' => 'non-www',
            'type' => 'alias',
        ], 'POST');

        $success = !is_wp_error($response);
        $this->log(sprintf('Domain %s %s', $domain, $success ? 'Added' : 'not added'));
        if ($success) {
            $this->redeploy_ssl();
        }
    }

    public function on_remove_domain($domain, $site_id): void
    {
        $id = $this->get_runcloud_domain_id($domain);
        if (!$id) {
            $this->log(sprintf('Domain %s not found on RunCloud', $domain));
            return;
        }
        $response = $this->send_runcloud_request('domains/' . $id, [], 'DELETE');
        $this->log(sprintf('Domain %s %s', $domain, is_wp_error($response) ? 'not removed' : 'Removed'));
    }

    public function on_add_subdomain($subdomain, $site_id): void
    {
        // Empty, like the built-in integration: the subdomain reaches on_add_domain anyway.
    }

    public function on_remove_subdomain($subdomain, $site_id): void
    {
        // Empty, like the built-in integration.
    }

    private function get_runcloud_domain_id(string $domain)
    {
        $body = $this->maybe_return_runcloud_body($this->send_runcloud_request('domains', [], 'GET'));
        if (is_object($body) && !empty($body->data)) {
            foreach ($body->data as $item) {
                if ($item->name === $domain) {
                    return $item->id;
                }
            }
        }
        return false;
    }

    private function redeploy_ssl(): void
    {
        $body = $this->maybe_return_runcloud_body($this->send_runcloud_request('ssl/advanced', [], 'GET'));
        if (!is_object($body) || empty($body->sslCertificate) || empty($body->sslCertificate->id)) {
            $this->log('SSL Certificate not found');
            return;
        }
        $response = $this->send_runcloud_request(sprintf('ssl/advanced/%s/redeploy', $body->sslCertificate->id), [], 'PATCH');
        $this->log(is_wp_error($response) ? 'SSL redeploy failed' : 'SSL Certificate redeployed');
    }

    /** @return array|\WP_Error the raw WordPress HTTP API answer */
    private function send_runcloud_request(string $endpoint, array $data = [], string $method = 'POST')
    {
        $url = sprintf('%s/servers/%s/webapps/%s/%s', $this->api_root, $this->server_id, $this->app_id, $endpoint);
        $args = [
            'method' => $method,
            'timeout' => 100,
            'redirection' => 5,
            'headers' => [
                'Authorization' => 'Bearer ' . $this->token,
                'Content-Type' => 'application/json',
                'Accept' => 'application/json',
            ],
        ];
        if ($method !== 'GET') {
            $args['body'] = wp_json_encode($data ?: new \stdClass());
        }
        $response = wp_remote_request($url, $args);
        if (is_wp_error($response)) {
            $this->log(sprintf('%s %s failed: %s', $method, $url, $response->get_error_message()));
        } else {
            $this->log(sprintf('%s %s -> %s %s', $method, $url, wp_remote_retrieve_response_code($response), wp_remote_retrieve_body($response)));
        }
        return $response;
    }

    /** Like the built-in helper: an error message string, a decoded object, or a WP_Error for bad JSON. */
    private function maybe_return_runcloud_body($response)
    {
        if (is_wp_error($response)) {
            return $response->get_error_message();
        }
        $decoded = json_decode(wp_remote_retrieve_body($response));
        if ($decoded === null && json_last_error() !== JSON_ERROR_NONE) {
            return new \WP_Error('invalid-json', 'RunCloud answered with something that is not JSON');
        }
        return $decoded;
    }

    private function log(string $message): void
    {
        file_put_contents($this->log_file, gmdate('Y-m-d H:i:s') . ' INFO ' . $message . "\n", FILE_APPEND);
    }
}
