<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * wu_runcloud_sync: one listing, adds, prune-only removals, one SSL redeploy, dry run.
 */
final class SyncTest extends SimTestCase
{
    public function test_sync_adds_what_is_missing_and_redeploys_ssl_once(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['have.test', 'manual.test']]);
        $r = wu_runcloud_sync($this->v3(), ['have.test', 'new1.test', 'NEW2.test', 'bad name']);
        $this->assertSame(['new1.test', 'new2.test'], $r['added']);
        $this->assertSame([], $r['removed']);
        $this->assertSame(['have.test'], $r['unchanged']);
        $this->assertSame(['bad name'], array_keys($r['failed']), 'an invalid name goes to failed, the rest proceeds');
        $this->assertStringContainsString('whitespace', $r['failed']['bad name']);
        $this->assertSame(['have.test', 'new1.test', 'new2.test'], array_keys($r['ids']));
        $this->assertSame('redeployed', $r['ssl']['action'], $r['ssl']['message']);
        $this->assertCount(1, $this->sim->redeploys(), 'one SSL redeploy at the end, not one per domain');
        $this->assertContains('manual.test', $this->sim->domainNames(), 'a domain not in prune is never removed');
        $this->assertSame($this->sim->counters()['requests'], $r['requests'], 'requests counts every HTTP request made');
        $lists = array_filter($this->sim->requestLines(), static fn ($l) => str_starts_with($l, 'GET /api/v3/servers/11667/webapps/940288/domains'));
        $this->assertCount(1, $lists, 'the domain list is read once');
    }

    /**
     * Between sync's listing and its POST the name appears on the app (another worker, or our
     * own POST whose answer was lost before the client retried it): the POST gets a 422, the
     * name is found, and its SSL must still be handled.
     */
    public function test_sync_redeploys_ssl_for_a_name_that_appeared_between_the_listing_and_the_post(): void
    {
        $this->sim->fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'latency', 'ms' => 1500, 'times' => 1]);
        $seed = json_encode(['names' => ['racing.test']]);
        $url = SIM_HTTP_URL . '/_sim/servers/' . self::SERVER . '/webapps/' . self::APP . '/domains';
        $proc = proc_open(['sh', '-c', 'sleep 0.5; curl -s -o /dev/null -X POST -H "Content-Type: application/json" --data "$1" "$2"', 'seed', $seed, $url], [], $pipes);
        $this->assertIsResource($proc, 'could not start the seeding process');
        try {
            $r = wu_runcloud_sync($this->v3(['timeout' => 10]), ['racing.test']);
        } finally {
            proc_close($proc);
        }
        $this->assertSame([], $r['failed'], 'the 422 is recognised as the name being there');
        $this->assertArrayHasKey('racing.test', $r['ids']);
        $this->assertSame('redeployed', $r['ssl']['action'], 'SSL is handled for the name: ' . $r['ssl']['message']);
        $redeploys = $this->sim->redeploys();
        $this->assertCount(1, $redeploys);
        $this->assertContains('racing.test', $redeploys[0]['names']);
    }

    public function test_sync_removes_only_what_prune_allows_and_never_the_primary(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['old.test', 'manual.test', 'keep.test']]);
        $r = wu_runcloud_sync($this->v2(), ['keep.test'], ['prune' => ['old.test', 'network.test', 'keep.test', 'gone.test']]);
        $this->assertSame(['old.test'], $r['removed']);
        $this->assertSame(['keep.test'], $r['unchanged']);
        $this->assertSame([], $r['added']);
        $this->assertSame('skipped', $r['ssl']['action'], 'nothing added: no redeploy');
        $this->assertSame(['network.test', 'manual.test', 'keep.test'], $this->sim->domainNames());
        $this->assertSame([], $this->sim->redeploys());
    }

    public function test_dry_run_makes_no_write_call_and_reports_the_plan(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['old.test', 'keep.test']]);
        $r = wu_runcloud_sync($this->v3(), ['keep.test', 'add.test'], ['dry_run' => true, 'prune' => ['old.test']]);
        $this->assertSame(['add.test'], $r['added']);
        $this->assertSame(['old.test'], $r['removed']);
        $this->assertSame(['keep.test'], $r['unchanged']);
        $this->assertSame('none', $r['ssl']['action']);
        $this->assertSame(['keep.test'], array_keys($r['ids']), 'no id for a domain that was not added');
        $this->assertSame([], $this->writeRequests(), 'dry_run makes no write call');
        $this->assertSame(['network.test', 'old.test', 'keep.test'], $this->sim->domainNames());
    }

    public function test_sync_reads_every_page_of_a_large_app_once(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 2000, 'pattern' => 's{n}.bulk.test']);
        $wanted = array_map(static fn ($n) => "s$n.bulk.test", range(1, 2000));
        $wanted[] = 'fresh.bulk.test';
        $r = wu_runcloud_sync($this->v3(), $wanted);
        $this->assertSame(['fresh.bulk.test'], $r['added']);
        $this->assertCount(2000, $r['unchanged']);
        // 2001 domains = 51 pages, 1 POST, then the SSL route (GET /ssl/advanced + PATCH).
        $this->assertSame(51 + 1 + 2, $r['requests']);
    }

    public function test_sync_with_www_adds_domains_with_www_and_non_www_redirection(): void
    {
        wu_runcloud_sync($this->v3(), ['w.test'], ['www' => true]);
        $post = array_values(array_filter($this->sim->requests(), static fn ($r) => $r['method'] === 'POST'))[0];
        $this->assertTrue($post['body']['www']);
        $this->assertSame('non-www', $post['body']['redirection']);
    }

    public function test_sync_reports_a_domain_runcloud_refuses_in_failed_and_continues(): void
    {
        $this->sim->reset($this->stateWith([], [['id' => 940299, 'name' => 'shop', 'primary_domain' => 'shop.test', 'ssl' => 'none', 'domains' => ['elsewhere.test']]]));
        $r = wu_runcloud_sync($this->v3(), ['elsewhere.test', 'fine.test']);
        $this->assertSame(['fine.test'], $r['added']);
        $this->assertArrayHasKey('elsewhere.test', $r['failed']);
        $this->assertStringContainsString('another web application', $r['failed']['elsewhere.test']);
    }

    public function test_sync_with_bad_credentials_throws_authentication(): void
    {
        $this->assertThrows('WuRunCloud\AuthenticationException', 401, ['v3 API token'], fn () => wu_runcloud_sync($this->v3(['api_token' => 'nope']), ['a.test']));
    }

    /** @dataProvider authModes */
    public function test_every_request_sends_json_headers_and_no_trailing_slash(string $mode): void
    {
        $this->sim->config(['require_accept_json' => true]);
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['old.test']]);
        wu_runcloud_test_connection($this->cfg($mode));
        wu_runcloud_sync($this->cfg($mode), ['a.test', 'b.test'], ['prune' => ['old.test']]);
        wu_runcloud_remove_domain($this->cfg($mode), 'a.test');
        wu_runcloud_redeploy_ssl($this->cfg($mode));
        $reqs = $this->sim->requests();
        $this->assertGreaterThan(8, count($reqs));
        foreach ($reqs as $r) {
            $line = $r['method'] . ' ' . $r['path'];
            $this->assertStringEndsNotWith('/', $r['path'], "$line has a trailing slash");
            $this->assertStringContainsString('application/json', (string) $r['accept'], "$line Accept");
            $this->assertStringContainsString('application/json', (string) $r['content_type'], "$line Content-Type");
            $this->assertSame($mode === 'v3' ? 'bearer' : 'basic', $r['auth'], "$line auth");
            $this->assertLessThan(300, $r['status'], "$line answered {$r['status']}");
        }
    }
}
