<?php
/**
 * e2e only (copied into mu-plugins by `scripts/stack.sh up --probe`, never part of the plugin):
 * the browser test runs the queue a few times through nginx and cannot wait for the
 * production windows, so the certificate order follows an add at once and the HTTPS check
 * follows the order at once.
 */

add_filter('wu_runcloud_ssl_redeploy_delay', static fn() => 0);
add_filter('wu_runcloud_https_check_delay', static fn() => 0);
