<?php

// Stubs for wu_runcloud

namespace WuRunCloud {
    /**
     * RunCloud rejected the credentials (HTTP 401 or 403). The message names the credential
     * kind (v3 token or v2 key/secret), never its value.
     */
    class AuthenticationException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * Bad configuration, option or domain name; raised before any request (code 0).
     */
    class InvalidArgumentException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * The server, the web application or a route does not exist (HTTP 404). The message names the id.
     */
    class NotFoundException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * RunCloud kept answering HTTP 429 after the retries allowed by `retries` and `timeout`.
     */
    class RateLimitException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * Base class of every error raised by the wu_runcloud extension.
     * `getCode()` is RunCloud's HTTP status, or 0 for transport and local errors.
     */
    class RunCloudException extends \RuntimeException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * No usable answer: network, timeout, TLS, undecodable body (code 0), or a 5xx status
     * after the retries (code = that status).
     */
    class TransportException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status, or 0).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}
    }

    /**
     * RunCloud refused the data (HTTP 422; `getErrors()` returns its field errors), or the change
     * is one RunCloud refuses and was not asked for (the app's primary domain: code 0).
     */
    class ValidationException extends \WuRunCloud\RunCloudException {
        /**
         * Same as `\Exception::__construct`; `getErrors()` is then empty.
         *
         * @param string $message The message.
         * @param int $code The code (an HTTP status).
         * @param mixed $previous The previous throwable.
         */
        public function __construct(string $message = '', int $code = 0, mixed $previous = null) {}

        /**
         * RunCloud's field errors.
         *
         * @return array An array of field name => list of messages, e.g. `['name' => ['The name has already been taken.']]`; empty when RunCloud sent none.
         */
        public function getErrors(): array {}
    }
}

namespace {
    /**
     * Adds a domain to the web application, then redeploys the SSL certificate. Idempotent.
     *
     * @param array $config The RunCloud configuration array.
     * @param string $domain The domain name; it is validated and normalised first.
     * @param array $options `www` (bool, default false), `redirection` (`'none'`, `'www'` or `'non-www'`; default `'non-www'` when `www` is true, else `'none'`), `redeploy_ssl` (bool, default true).
     * @return array `['id' => int, 'name' => string, 'created' => bool, 'ssl' => ['action' => 'redeployed'|'skipped'|'failed'|'none', 'message' => string]]`; `created` is false when the app already had the domain; its SSL is still handled (unless `redeploy_ssl` is false), since a retried add whose first answer was lost lands here. A failed redeploy does not undo the add: `ssl.action` is `'failed'` with RunCloud's message, the names it failed for (`failed_domains`) and, for Let's Encrypt's rate limit, when it may be tried again (`retry_after`, Unix seconds). `'pending'`: the order reached RunCloud and is not finished, or may have (no answer within `ssl_timeout`): it is not placed again.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for an invalid name, option or configuration, before any request.
     * @throws \Exception \WuRunCloud\ValidationException when RunCloud refuses the name, e.g. it is on another app of the server.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses for other API and transport failures.
     */
    function wu_runcloud_add_domain(array $config, string $domain, array $options = []): array {}

    /**
     * Tells where a domain's DNS points compared with the RunCloud server, so a domain is added
     * only once Let's Encrypt can validate it.
     *
     * @param array $config The RunCloud configuration array; `dns_servers` (list of `"ip:port"`, at most 8) replaces the system resolver.
     * @param string $domain The domain name; it is validated and normalised first.
     * @param int|null $domain_id RunCloud's id of the domain when it is on the app: RunCloud's DNS hint for it (v3) is added to `expected`.
     * @return array `['domain' => string, 'status' => 'points_here'|'elsewhere'|'proxied'|'unresolved', 'addresses' => string[], 'expected' => string[], 'reason' => string]`. `addresses` are its A and AAAA addresses after CNAMEs; `expected` the server's `ipAddress` (read once per worker for 10 minutes) and the hint; `proxied` means every address is in Cloudflare's published ranges; `unresolved` (NXDOMAIN, no record, SERVFAIL, no answer, resolver unreachable) says why in `reason`. The hosts file is not read.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for an invalid name, id or configuration, before any request.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses when the server's address cannot be read from RunCloud.
     */
    function wu_runcloud_check_dns(array $config, string $domain, ?int $domain_id = null): array {}

    /**
     * Tells which certificate a domain's HTTPS port really serves: connects to the name's
     * address with SNI and verifies the certificate against the system's roots plus `ca_file`.
     * Sends nothing after the handshake.
     *
     * @param array $config The RunCloud configuration array; `https_port` (default 443), `dns_servers`, `ca_file`, `connect_timeout` and `timeout` apply.
     * @param string $domain The domain name; it is validated and normalised first.
     * @return array `['domain' => string, 'status' => 'valid'|'name_mismatch'|'expired'|'untrusted'|'unreachable', 'not_after' => ?string, 'issuer' => ?string, 'address' => ?string, 'reason' => string]`; `not_after` is the served certificate's expiry (`YYYY-MM-DD HH:MM:SS`, UTC), `issuer` its issuer's common name.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for an invalid name or configuration (an unreadable `ca_file`), before any connection.
     */
    function wu_runcloud_check_https(array $config, string $domain): array {}

    /**
     * Finds one domain of the web application by name (case-insensitive, IDN-aware, all pages).
     *
     * @param array $config The RunCloud configuration array.
     * @param string $domain The domain name; it is validated and normalised first.
     * @return array|null The domain (same shape as a `wu_runcloud_list_domains` entry), or null when the app does not have it.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for an invalid name or configuration, before any request.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses for API and transport failures.
     */
    function wu_runcloud_find_domain(array $config, string $domain): ?array {}

    /**
     * Lists every domain of the web application, reading all pages.
     *
     * @param array $config The RunCloud configuration array (see `wu_runcloud_test_connection`).
     * @return array A list of `['id' => int, 'name' => string, 'type' => string, 'www' => bool, 'redirection' => string, 'wildcard' => bool]`.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses: bad configuration, credentials, ids, transport.
     */
    function wu_runcloud_list_domains(array $config): array {}

    /**
     * Validates and normalises a domain name exactly as every other function does before use:
     * trimmed, lower-cased, trailing dot removed, IDN converted to punycode. Makes no request.
     *
     * @param string $domain The domain name.
     * @return string The normalised ASCII name, e.g. `"xn--bcher-kva.example"` for `"Bücher.Example."`.
     * @throws \Exception \WuRunCloud\InvalidArgumentException naming the problem (scheme, path, port, space, `*`,
     * @throws \Exception empty label, over-long name).
     */
    function wu_runcloud_normalize_domain(string $domain): string {}

    /**
     * Orders the reissue of the web application's SSL certificate by the route matching the API
     * version and the app's SSL mode — at most once. The order has its own budget (`ssl_timeout`,
     * INI wu_runcloud.ssl_timeout, default 120 s) and is never retried after an attempt that may
     * have reached RunCloud (a timeout, a broken connection, a 5xx): the certificate is read back
     * instead. A certificate RunCloud shows as pending is not ordered again.
     *
     * @param array $config The RunCloud configuration array.
     * @param array $options `domains` (domain name => RunCloud id): in advanced SSL mode without AutoSSL, the domains whose own certificates are installed or reissued (one order each); ignored in basic mode, where one order covers every name.
     * @return array `['action' => 'redeployed'|'pending'|'failed'|'skipped'|'none', 'message' => string, 'certificate_id' => ?int, 'failed_domains' => string[], 'retry_after' => ?int]`; `'none'` when the app has no certificate, `'skipped'` in advanced SSL mode with AutoSSL or without `domains`, `'pending'` when the order reached RunCloud (or may have) and is not finished, `'failed'` when Let's Encrypt refused it: `failed_domains` are the names RunCloud's reason names, `retry_after` (Unix seconds) when a rate limit says when to try again.
     * @throws \Exception \WuRunCloud\ValidationException when RunCloud refuses the redeploy, with its message.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses for configuration, credentials, ids and transport.
     */
    function wu_runcloud_redeploy_ssl(array $config, array $options = []): array {}

    /**
     * Removes a domain from the web application. Idempotent.
     *
     * @param array $config The RunCloud configuration array.
     * @param string $domain The domain name; it is validated and normalised first.
     * @param int|null $id RunCloud's id of the domain when known (the one its add returned): that domain is removed only while it still has this name, which one GET checks first, and the paginated lookup by name is skipped. An id that is gone (404) or now names another domain removes nothing: it never falls back to a lookup by name, so a domain deleted and added again by hand (a new id) is never deleted through its old id.
     * @return array `['removed' => bool, 'id' => ?int]`; `removed` is false (no exception) when the domain was not there, or, given an id, when that id no longer names it (`id` is then null).
     * @throws \Exception \WuRunCloud\InvalidArgumentException for an invalid name, id or configuration, before any request.
     * @throws \Exception \WuRunCloud\ValidationException (code 0) for the app's primary domain, refused before any request.
     * @throws \Exception \WuRunCloud\RunCloudException subclasses for other API and transport failures.
     */
    function wu_runcloud_remove_domain(array $config, string $domain, ?int $id = null): array {}

    /**
     * Reconciles the web application's domains with the list wanted: lists once, adds what is
     * missing, removes only what `prune` allows, and redeploys SSL once at the end.
     *
     * @param array $config The RunCloud configuration array.
     * @param array $wanted The list of domain names that must be on the app.
     * @param array $options `dry_run` (bool: make no write call), `prune` (list of names that may be removed when not wanted; never the primary domain), `www` (bool for added domains).
     * @return array `['added' => string[], 'removed' => string[], 'unchanged' => string[], 'failed' => [name => message], 'requests' => int, 'ids' => [name => int], 'ssl' => ['action' => string, 'message' => string]]`. Invalid names in `wanted` are reported in `failed`.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for a bad configuration, option or `wanted` entry type, before any request.
     * @throws \Exception \WuRunCloud\AuthenticationException, \WuRunCloud\NotFoundException or \WuRunCloud\TransportException when the list cannot be read, or credentials/ids fail midway.
     */
    function wu_runcloud_sync(array $config, array $wanted, array $options = []): array {}

    /**
     * Checks the credentials, the server id and the app id, and reports what it found.
     *
     * @param array $config `api_token` (v3) or `api_key` + `api_secret` (v2), `server_id`, `app_id` (ints or numeric strings); optional `base_url` (API root without /api/vN, default https://manage.runcloud.io; http only for loopback), `ca_file`, `timeout` (seconds for one API request, its retries and backoff included; INI wu_runcloud.timeout), `connect_timeout` (seconds; INI wu_runcloud.connect_timeout), `retries` (retries per API request; INI wu_runcloud.retries), `ssl_timeout` (seconds for one certificate issuance, never retried blindly; INI wu_runcloud.ssl_timeout, default 120), `dns_servers` (resolvers for `wu_runcloud_check_dns`/`check_https` instead of the system's: list of `"ip:port"`), `https_port` (the port `wu_runcloud_check_https` connects to; default 443), `setting_names` (config key => the name the operator knows the setting by, e.g. `['server_id' => 'WU_RUNCLOUD_SERVER_ID']`: every message then says "check WU_RUNCLOUD_SERVER_ID"; labels of up to 100 letters, digits, spaces and `_-./()`, never values). Every function's `$config` is `#[\SensitiveParameter]`: traces show it as a `SensitiveParameterValue`.
     * @return array `['api' => 'v3'|'v2', 'server' => ['id' => int, 'name' => string], 'app' => ['id' => int, 'name' => string], 'domains' => int, 'ssl_mode' => 'basic'|'advanced'|'none']`.
     * @throws \Exception \WuRunCloud\InvalidArgumentException for a bad configuration, before any request.
     * @throws \Exception \WuRunCloud\AuthenticationException when RunCloud rejects the credentials (401/403).
     * @throws \Exception \WuRunCloud\NotFoundException naming the server id or the app id that does not exist (404).
     * @throws \Exception \WuRunCloud\TransportException when RunCloud cannot be reached or answers 5xx.
     */
    function wu_runcloud_test_connection(array $config): array {}

    /**
     * Returns the version of the wu_runcloud extension. Makes no request.
     *
     * This build: built for PHP 8.2 (API 20220829).
     *
     * @return string The crate version, e.g. `"0.1.0"`.
     */
    function wu_runcloud_version(): string {}
}
