<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * Certificates as RunCloud and Let's Encrypt issue them: slow, synchronous or not, validated
 * name by name, rate-limited — and never ordered twice by accident, in every SSL mode on both
 * API versions.
 */
final class IssuanceTest extends SimTestCase
{
    /** @return list<array<string, mixed>> the orders Let's Encrypt received */
    private function orders(): array
    {
        return $this->sim->orders();
    }

    /** @return list<string> the issuing requests the simulator received */
    private function issuingLines(): array
    {
        return array_values(array_filter(
            $this->sim->requestLines(),
            static fn (string $l): bool => (bool) preg_match('#^(PUT|PATCH|POST) .*/ssl(/|$)#', $l) && !str_ends_with($l, '/ssl/advanced')
        ));
    }

    /** @dataProvider authModes */
    public function test_an_issuance_slower_than_the_request_budget_is_one_order_within_ssl_timeout(string $mode): void
    {
        // The request budget (1 s) is far below the issuance (3 s); ssl_timeout (10 s) is not.
        $this->sim->config(['issuance_ms' => 3000]);
        $started = microtime(true);
        $r = wu_runcloud_add_domain($this->cfg($mode, ['timeout' => 1, 'ssl_timeout' => 10]), 'slow.example.com');
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $this->assertGreaterThanOrEqual(2.9, microtime(true) - $started);
        $this->assertCount(1, $this->orders(), 'exactly one order');
        $this->assertCount(1, $this->issuingLines());
        $check = wu_runcloud_check_https($this->v3($this->sim->checkConfig()), 'slow.example.com');
        $this->assertSame('valid', $check['status'], $check['reason']);
    }

    /** @dataProvider authModes */
    public function test_an_issuance_slower_than_ssl_timeout_is_not_ordered_again_and_the_next_call_reads_it_back(string $mode): void
    {
        $this->sim->config(['issuance_ms' => 2500]);
        $cfg = $this->cfg($mode, ['ssl_timeout' => 1, 'retries' => 3]);
        $r = wu_runcloud_add_domain($cfg, 'late.example.com');
        $this->assertSame('pending', $r['ssl']['action'], $r['ssl']['message']);
        $this->assertStringContainsString('timed out', $r['ssl']['message']);
        $this->assertStringContainsString('not ordered again', $r['ssl']['message']);
        $this->assertCount(1, $this->issuingLines(), 'no retry of the issuing request');
        // The caller asks again while RunCloud is still at it: the certificate shows pending.
        $again = wu_runcloud_redeploy_ssl($cfg);
        $this->assertSame('pending', $again['action'], $again['message']);
        $this->assertStringContainsString('already being issued', $again['message']);
        $this->assertCount(1, $this->orders(), 'still one order');
        usleep(2_000_000);
        $this->assertSame('issued', $this->orders()[0]['status']);
        $check = wu_runcloud_check_https($this->v3($this->sim->checkConfig()), 'late.example.com');
        $this->assertSame('valid', $check['status'], 'covered by the one order: ' . $check['reason']);
    }

    public function test_an_asynchronous_issuance_is_pending_and_never_reordered_while_pending(): void
    {
        $this->sim->config(['issuance_mode' => 'async', 'issuance_ms' => 120000]);
        $r = wu_runcloud_add_domain($this->v3(), 'queued.example.com');
        // RunCloud took the order; its answer says nothing of the certificate's state.
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $again = wu_runcloud_redeploy_ssl($this->v3());
        $this->assertSame('pending', $again['action'], $again['message']);
        $this->assertStringContainsString('not ordered again', $again['message']);
        $this->assertCount(1, $this->orders());
        $this->sim->advance(121);
        $this->assertSame('issued', $this->orders()[0]['status']);
        $this->assertSame('redeployed', wu_runcloud_redeploy_ssl($this->v3())['action'], 'issued: a new order is a real renewal');
    }

    /** @dataProvider authModes */
    public function test_basic_mode_names_the_unpointed_domains_and_runclouds_reason(string $mode): void
    {
        $this->sim->dns([['name' => 'unpointed.example.com', 'fail' => 'nxdomain']]);
        $r = wu_runcloud_add_domain($this->cfg($mode), 'unpointed.example.com');
        $this->assertTrue($r['created'], 'the add stands');
        $this->assertSame('failed', $r['ssl']['action']);
        $this->assertSame(['unpointed.example.com'], $r['ssl']['failed_domains']);
        $this->assertStringContainsString('NXDOMAIN looking up A for unpointed.example.com', $r['ssl']['message']);
        $this->assertNull($r['ssl']['retry_after']);
        // One unpointed name blocks the whole app's certificate in basic mode.
        $next = wu_runcloud_add_domain($this->cfg($mode), 'innocent.example.com');
        $this->assertSame('failed', $next['ssl']['action']);
        $this->assertSame(['unpointed.example.com'], $next['ssl']['failed_domains']);
    }

    public function test_a_rate_limited_issuance_says_when_it_may_be_tried_again(): void
    {
        $this->sim->config(['le_limits' => true, 'le_duplicate_limit' => 2]);
        $this->assertSame('redeployed', wu_runcloud_redeploy_ssl($this->v3())['action']);
        $this->assertSame('redeployed', wu_runcloud_redeploy_ssl($this->v3())['action']);
        $r = wu_runcloud_redeploy_ssl($this->v3());
        $this->assertSame('failed', $r['action']);
        $this->assertStringContainsString('too many certificates (2)', $r['message']);
        $this->assertIsInt($r['retry_after']);
        $this->assertGreaterThan(time() + 6 * 86400, $r['retry_after']);
        $this->assertLessThanOrEqual(time() + 7 * 86400 + 5, $r['retry_after']);
        $this->assertSame([], $r['failed_domains'], "Let's Encrypt's documentation link is no domain of ours");
    }

    /** @dataProvider authModes */
    public function test_advanced_mode_without_auto_ssl_fails_only_the_unpointed_domains_certificate(string $mode): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'advanced', 'auto_ssl' => false]));
        $this->sim->dns([['name' => 'bad.example.com', 'a' => ['198.51.100.7']]]);
        $this->assertSame('advanced', wu_runcloud_test_connection($this->cfg($mode))['ssl_mode'], "$mode detects advanced mode");
        $r = wu_runcloud_sync($this->cfg($mode), ['good.example.com', 'bad.example.com']);
        $this->assertSame(['good.example.com', 'bad.example.com'], $r['added']);
        $this->assertSame('failed', $r['ssl']['action']);
        $this->assertSame(['bad.example.com'], $r['ssl']['failed_domains']);
        $byName = [];
        foreach ($this->orders() as $o) {
            $byName[$o['names'][0]] = $o['status'];
        }
        $this->assertSame(['good.example.com' => 'issued', 'bad.example.com' => 'failed'], $byName);
        $good = wu_runcloud_check_https($this->v3($this->sim->checkConfig()), 'good.example.com');
        $this->assertSame('valid', $good['status'], $good['reason']);
    }

    /** @dataProvider authModes */
    public function test_advanced_mode_with_auto_ssl_orders_nothing(string $mode): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'advanced', 'auto_ssl' => true]));
        $r = wu_runcloud_add_domain($this->cfg($mode), 'auto.example.com');
        $this->assertSame('skipped', $r['ssl']['action']);
        $this->assertSame([], $this->orders());
    }

    /** @return array<string, array{0: string, 1: string}> */
    public static function noCertificateShapes(): array
    {
        $out = [];
        foreach (['empty', 'message_200', 'message_404', 'message_422'] as $shape) {
            foreach (['v3', 'v2'] as $mode) {
                $out["$shape $mode"] = [$shape, $mode];
            }
        }
        return $out;
    }

    /** @dataProvider noCertificateShapes */
    public function test_every_known_no_certificate_answer_means_none(string $shape, string $mode): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'none']));
        $this->sim->config(['no_ssl_answer' => $shape]);
        $r = wu_runcloud_redeploy_ssl($this->cfg($mode));
        $this->assertSame('none', $r['action'], $r['message']);
        $this->assertSame('none', wu_runcloud_test_connection($this->cfg($mode))['ssl_mode']);
        $this->assertSame([], $this->orders());
    }

    /** @dataProvider authModes */
    public function test_a_timeout_on_the_issuing_request_is_read_back_and_an_issuance_that_landed_counts(string $mode): void
    {
        // RunCloud issued (1 s) but the answer never arrives: the connection hangs past ssl_timeout.
        $this->sim->config(['issuance_ms' => 200]);
        $route = $mode === 'v3' ? 'PATCH' : 'PUT';
        $path = $mode === 'v3' ? '/api/v3/servers/*/webapps/*/ssl/advanced/*/redeploy' : '/api/v2/servers/*/webapps/*/ssl/*';
        $this->sim->fault(['method' => $route, 'path' => $path, 'kind' => 'latency', 'ms' => 3000, 'times' => 1]);
        $r = wu_runcloud_redeploy_ssl($this->cfg($mode, ['ssl_timeout' => 1]));
        // The latency fault delays the answer before the handler runs: no order was placed yet.
        $this->assertContains($r['action'], ['pending'], $r['message']);
        $this->assertCount(1, $this->issuingLines(), 'never repeated');
    }

    public function test_cloudflare_in_front_of_runcloud_is_named_and_an_issuing_request_behind_a_524_is_not_repeated(): void
    {
        $this->sim->fault(['method' => 'PATCH', 'path' => '/api/v3/**', 'kind' => 'cloudflare', 'status' => 524]);
        $r = wu_runcloud_redeploy_ssl($this->v3(['retries' => 3]));
        $this->assertSame('pending', $r['action'], $r['message']);
        $this->assertStringContainsString('Cloudflare in front of RunCloud answered HTTP 524', $r['message']);
        $this->assertCount(1, $this->issuingLines());
        // 522: Cloudflare never reached RunCloud, so the order can safely be sent again.
        $this->sim->clearFaults();
        $this->sim->clearRequests();
        $this->sim->fault(['method' => 'PATCH', 'path' => '/api/v3/**', 'kind' => 'cloudflare', 'status' => 522, 'times' => 1]);
        $r = wu_runcloud_redeploy_ssl($this->v3(['retries' => 3]));
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $this->assertCount(2, $this->issuingLines());
    }

    public function test_a_plan_without_api_access_is_told_as_such(): void
    {
        $this->sim->fault(['path' => '/api/**', 'kind' => 'no_api_access']);
        $this->assertThrows('WuRunCloud\AuthenticationException', 403, ['HTTP 403', 'Business and Enterprise plans', 'plan does not have access'], fn () => wu_runcloud_test_connection($this->v3()));
    }

    public function test_a_worker_orders_the_next_batch_in_one_request_once_the_last_order_is_done_and_a_404_refreshes_it(): void
    {
        // A credential of its own: the route this worker remembers is per credential and app.
        $this->sim->reset(array_merge($this->stateWith(), ['tokens' => ['route-token']]));
        $cfg = $this->v3(['api_token' => 'route-token', 'ssl_timeout' => 1]);
        $this->assertSame('redeployed', wu_runcloud_redeploy_ssl($cfg)['action']);
        $this->assertCount(2, $this->sim->requestLines(), 'GET ssl/advanced, PATCH');
        // Within ssl_timeout of the last order the certificate is read first (it may be pending).
        $this->sim->clearRequests();
        wu_runcloud_redeploy_ssl($cfg);
        $this->assertCount(2, $this->sim->requestLines());
        usleep(1_100_000);
        $this->sim->clearRequests();
        $r = wu_runcloud_redeploy_ssl($cfg);
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $this->assertSame(1, count($this->sim->requestLines()), 'one request per batch: ' . implode(', ', $this->sim->requestLines()));
        // The certificate is replaced in RunCloud (a new id): the remembered one answers 404,
        // which orders nothing, and the certificate is read again.
        $old = $r['certificate_id'];
        $this->sim->reset(array_merge($this->stateWith(['domains' => ['x.example.com', 'y.example.com']]), ['tokens' => ['route-token']]));
        usleep(1_100_000);
        $r = wu_runcloud_redeploy_ssl($cfg);
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $this->assertNotSame($old, $r['certificate_id']);
        $this->assertCount(1, $this->sim->orders(), 'exactly one order');
        $lines = $this->sim->requestLines();
        $this->assertMatchesRegularExpression('#^PATCH .*/ssl/advanced/' . $old . '/redeploy$#', $lines[0]);
        $this->assertSame(['GET', 'PUT'], [strtok($lines[1], ' '), strtok($lines[2], ' ')], implode(', ', $lines));
    }

    public function test_redeploy_ssl_orders_the_named_domains_certificates_in_advanced_mode_and_refuses_bad_options(): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'advanced', 'auto_ssl' => false]));
        $a = wu_runcloud_add_domain($this->v3(), 'own-a.example.com', ['redeploy_ssl' => false]);
        $b = wu_runcloud_add_domain($this->v3(), 'own-b.example.com', ['redeploy_ssl' => false]);
        $r = wu_runcloud_redeploy_ssl($this->v3(), ['domains' => ['own-a.example.com' => $a['id'], 'own-b.example.com' => $b['id']]]);
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $this->assertSame([['own-a.example.com'], ['own-b.example.com']], array_column($this->sim->orders(), 'names'));
        $this->assertSame('skipped', wu_runcloud_redeploy_ssl($this->v3())['action'], 'nothing named: nothing ordered');
        $this->sim->clearRequests();
        foreach ([['domains' => 'own-a.example.com'], ['domains' => ['own-a.example.com' => 'seven']], ['domains' => ['bad name' => 3]], ['domains' => ['own-a.example.com' => 0]]] as $bad) {
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['invalid option domains'], fn () => wu_runcloud_redeploy_ssl($this->v3(), $bad));
        }
        $this->assertNoRequest('bad options');
    }
}
