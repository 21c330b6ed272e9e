<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * SSL after an add and wu_runcloud_redeploy_ssl: each route, each mode, failures.
 */
final class SslTest extends SimTestCase
{
    private const APP_PATH = '/servers/11667/webapps/940288';

    /** @return list<string> request lines without the add's POST */
    private function sslLines(): array
    {
        return array_values(array_filter($this->sim->requestLines(), static fn (string $l) => str_contains($l, '/ssl')));
    }

    public function test_v3_basic_mode_redeploys_through_the_advanced_redeploy_route(): void
    {
        $r = wu_runcloud_add_domain($this->v3(), 'ssl3.test');
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $lines = $this->sslLines();
        $this->assertSame('GET /api/v3' . self::APP_PATH . '/ssl/advanced', $lines[0]);
        $this->assertMatchesRegularExpression('#^PATCH /api/v3' . self::APP_PATH . '/ssl/advanced/\d+/redeploy$#', $lines[1]);
        $this->assertCount(2, $lines);
        $redeploys = $this->sim->redeploys();
        $this->assertCount(1, $redeploys, 'exactly one redeploy');
        $this->assertContains('ssl3.test', $redeploys[0]['names'], 'the redeployed certificate covers the new domain');
    }

    public function test_v2_redeploys_the_basic_certificate_with_put(): void
    {
        $r = wu_runcloud_add_domain($this->v2(), 'ssl2.test');
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $lines = $this->sslLines();
        // v2 reads the SSL mode too (RunCloud's ansible modules do, on v2), then the SDK's PUT.
        $this->assertSame('GET /api/v2' . self::APP_PATH . '/ssl/advanced', $lines[0]);
        $this->assertMatchesRegularExpression('#^PUT /api/v2' . self::APP_PATH . '/ssl/\d+$#', $lines[1]);
        $this->assertCount(2, $lines);
        $this->assertContains('ssl2.test', $this->sim->redeploys()[0]['names']);
    }

    public function test_v3_falls_back_to_the_basic_route_when_the_redeploy_route_answers_404(): void
    {
        $this->sim->fault(['method' => 'PATCH', 'path' => '/api/v3/servers/*/webapps/*/ssl/advanced/*/redeploy', 'kind' => 'status', 'status' => 404]);
        $r = wu_runcloud_redeploy_ssl($this->v3());
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $this->assertIsInt($r['certificate_id']);
        $this->assertStringContainsString('PUT /ssl/', $r['message']);
        $lines = $this->sslLines();
        $this->assertMatchesRegularExpression('#^PUT /api/v3' . self::APP_PATH . '/ssl/\d+$#', end($lines));
    }

    /** @return array<string, array{0: int}> */
    public static function missingRouteStatuses(): array
    {
        return ['404' => [404], '405' => [405], '403 (plan without advanced SSL)' => [403]];
    }

    /** @dataProvider missingRouteStatuses */
    public function test_v3_uses_get_ssl_and_put_when_ssl_advanced_is_missing(int $status): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => '/api/v3/servers/*/webapps/*/ssl/advanced', 'kind' => 'status', 'status' => $status]);
        $r = wu_runcloud_redeploy_ssl($this->v3());
        $this->assertSame('redeployed', $r['action'], $r['message']);
        $lines = $this->sslLines();
        $this->assertSame('GET /api/v3' . self::APP_PATH . '/ssl', $lines[1]);
        $this->assertMatchesRegularExpression('#^PUT /api/v3' . self::APP_PATH . '/ssl/\d+$#', $lines[2]);
    }

    /** @dataProvider authModes */
    public function test_an_app_without_certificate_gives_action_none_with_a_message(string $mode): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'none']));
        $r = wu_runcloud_add_domain($this->cfg($mode), 'nocert.test');
        $this->assertTrue($r['created']);
        $this->assertSame('none', $r['ssl']['action']);
        $this->assertStringContainsString('no SSL certificate', $r['ssl']['message']);
        $this->assertSame(['action' => 'none', 'message' => $r['ssl']['message'], 'certificate_id' => null, 'failed_domains' => [], 'retry_after' => null], wu_runcloud_redeploy_ssl($this->cfg($mode)));
        $this->assertSame([], $this->sim->redeploys());
    }

    public function test_advanced_ssl_with_auto_ssl_is_skipped(): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'advanced', 'auto_ssl' => true]));
        $r = wu_runcloud_add_domain($this->v3(), 'auto.test');
        $this->assertSame('skipped', $r['ssl']['action']);
        $this->assertStringContainsString('AutoSSL', $r['ssl']['message']);
        $this->assertSame('advanced', wu_runcloud_test_connection($this->v3())['ssl_mode']);
    }

    public function test_advanced_ssl_without_auto_ssl_installs_the_new_domains_own_certificate(): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'advanced', 'auto_ssl' => false]));
        $r = wu_runcloud_add_domain($this->v3(), 'own.test');
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $id = $r['id'];
        $lines = $this->sslLines();
        $this->assertSame('GET /api/v3' . self::APP_PATH . "/domains/$id/ssl", $lines[1]);
        $this->assertSame('POST /api/v3' . self::APP_PATH . "/domains/$id/ssl", $lines[2]);
        $this->assertSame(['own.test'], $this->sim->redeploys()[0]['names']);
        $this->assertSame('skipped', wu_runcloud_redeploy_ssl($this->v3())['action'], 'no app-wide certificate in advanced mode');
    }

    public function test_a_redeploy_answered_with_a_5xx_is_not_ordered_again_and_does_not_undo_the_add(): void
    {
        // A 500 may come after RunCloud took the order: read the certificate back, never re-order.
        $this->sim->fault(['method' => 'PATCH', 'path' => '/api/v3/servers/*/webapps/*/ssl/advanced/*/redeploy', 'kind' => 'status', 'status' => 500]);
        $r = wu_runcloud_add_domain($this->v3(['retries' => 3]), 'kept.test');
        $this->assertTrue($r['created']);
        $this->assertSame('pending', $r['ssl']['action'], $r['ssl']['message']);
        $this->assertStringContainsString('HTTP 500', $r['ssl']['message']);
        $this->assertStringContainsString('not ordered again', $r['ssl']['message']);
        $patches = array_filter($this->sslLines(), static fn (string $l) => str_starts_with($l, 'PATCH '));
        $this->assertCount(1, $patches, 'one issuing request despite retries = 3');
        $lines = $this->sslLines();
        $this->assertStringEndsWith('/ssl', (string) end($lines), 'the certificate was read back');
        $this->assertContains('kept.test', $this->sim->domainNames(), 'the domain stays added');
    }

    public function test_a_redeploy_refused_by_runcloud_reports_its_message(): void
    {
        // A basic certificate covers at most 100 names: the simulator refuses with a 422.
        $this->sim->seed(self::SERVER, self::APP, ['count' => 100, 'pattern' => 'san{n}.test']);
        $r = wu_runcloud_add_domain($this->v2(), 'one-too-many.test');
        $this->assertTrue($r['created']);
        $this->assertSame('failed', $r['ssl']['action']);
        $this->assertStringContainsString('HTTP 422', $r['ssl']['message']);
        $this->assertStringContainsString('RunCloud said', $r['ssl']['message']);
        $again = wu_runcloud_redeploy_ssl($this->v2());
        $this->assertSame('failed', $again['action']);
        $this->assertStringContainsString('at most 100 names', $again['message']);
    }

    /** @dataProvider authModes */
    public function test_redeploy_ssl_returns_action_message_and_certificate_id(string $mode): void
    {
        $r = wu_runcloud_redeploy_ssl($this->cfg($mode));
        $this->assertSame(['action', 'message', 'certificate_id', 'failed_domains', 'retry_after'], array_keys($r));
        $this->assertSame('redeployed', $r['action']);
        $this->assertIsInt($r['certificate_id']);
        $this->assertCount(1, $this->sim->redeploys());
    }

    public function test_add_with_redeploy_ssl_false_makes_no_ssl_request(): void
    {
        wu_runcloud_add_domain($this->v3(), 'quiet.test', ['redeploy_ssl' => false]);
        $this->assertSame([], $this->sslLines());
    }
}
