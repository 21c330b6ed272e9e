<?php
/**
 * Must-use plugin for the benchmark's WordPress: make the WordPress HTTP API trust the
 * simulator's self-generated CA for requests to the simulator only — what an operator does for
 * a private CA (the `sslcertificates` request argument via the `http_request_args` filter).
 * Certificate verification stays on. WP_ACCESSIBLE_HOSTS (wp-config-extra.php) lets the
 * requests through WP_HTTP_BLOCK_EXTERNAL.
 */
add_filter('http_request_args', static function ($args, $url) {
    if (defined('WU_BENCH_SIM_CA_FILE') && defined('WU_BENCH_RUNCLOUD_API_URL')
        && strpos($url, WU_BENCH_RUNCLOUD_API_URL) === 0) {
        $args['sslcertificates'] = WU_BENCH_SIM_CA_FILE;
    }
    return $args;
}, 10, 2);
