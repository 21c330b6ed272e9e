<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * list / find / add / remove, both auth modes, pagination, idempotency, request hygiene.
 */
final class DomainsTest extends SimTestCase
{
    private const DOMAINS = '/servers/11667/webapps/940288/domains';

    /** @dataProvider authModes */
    public function test_list_domains_returns_the_contract_shape_in_both_auth_modes(string $mode): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['a.example.com']]);
        $list = wu_runcloud_list_domains($this->cfg($mode));
        $this->assertSame(['network.test', 'a.example.com'], array_column($list, 'name'));
        $this->assertSame(['id', 'name', 'type', 'www', 'redirection', 'wildcard'], array_keys($list[0]));
        $this->assertSame('primary', $list[0]['type']);
        $this->assertIsInt($list[0]['id']);
        $this->assertIsBool($list[0]['www'], 'www is a bool even though RunCloud sends 0/1');
        $this->assertIsBool($list[0]['wildcard']);
        $r = $this->sim->requests()[0];
        $this->assertSame($mode === 'v3' ? 'bearer' : 'basic', $r['auth']);
        $this->assertSame("/api/$mode" . self::DOMAINS, $r['path']);
    }

    public function test_list_domains_reads_every_page_of_a_large_app(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 4000, 'pattern' => 'site{n}.bulk.test']);
        $list = wu_runcloud_list_domains($this->v3());
        $this->assertCount(4001, $list, '4000 seeded + the primary domain');
        $this->assertSame(4001, count(array_unique(array_column($list, 'id'))), 'no page read twice');
        $lines = $this->sim->requestLines();
        $this->assertCount(101, $lines, '4001 domains at 40 per page are 101 pages');
        $this->assertSame('GET /api/v3' . self::DOMAINS . '?page=1&perPage=40', $lines[0]);
        $this->assertSame('GET /api/v3' . self::DOMAINS . '?page=101&perPage=40', $lines[100]);
    }

    /** @return array<string, array{0: array}> */
    public static function paginationVariants(): array
    {
        return [
            'empty links as {}' => [['empty_links' => 'object']],
            'empty links as []' => [['empty_links' => 'array']],
            'meta.lastPage variant' => [['pagination' => 'lastPage']],
        ];
    }

    /** @dataProvider paginationVariants */
    public function test_list_domains_understands_each_pagination_variant(array $simConfig): void
    {
        $this->sim->config($simConfig);
        $this->sim->seed(self::SERVER, self::APP, ['count' => 85, 'pattern' => 'p{n}.test']);
        $list = wu_runcloud_list_domains($this->v2());
        $this->assertCount(86, $list);
        $this->assertCount(3, $this->sim->requests(), '86 domains are exactly 3 pages of 40');
    }

    public function test_find_domain_finds_a_domain_on_page_3_of_100_and_stops_reading(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 3999, 'pattern' => 'site{n}.bulk.test']);
        // ids ascend: the primary is 1st, site{n} is (n+1)th; page 3 holds items 81..120.
        $d = wu_runcloud_find_domain($this->v3(), 'SITE100.bulk.test');
        $this->assertNotNull($d, 'site100.bulk.test is on page 3');
        $this->assertSame('site100.bulk.test', $d['name']);
        $this->assertSame(
            ['GET /api/v3' . self::DOMAINS . '?page=1&perPage=40', 'GET /api/v3' . self::DOMAINS . '?page=2&perPage=40', 'GET /api/v3' . self::DOMAINS . '?page=3&perPage=40'],
            $this->sim->requestLines(),
            'find stops at the page where the domain is'
        );
    }

    public function test_find_domain_returns_null_after_reading_all_pages(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 100, 'pattern' => 'x{n}.test']);
        $this->assertNull(wu_runcloud_find_domain($this->v2(), 'absent.test'));
        $this->assertCount(3, $this->sim->requests());
    }

    /** @dataProvider authModes */
    public function test_add_domain_creates_with_one_post_and_sends_json_headers(string $mode): void
    {
        $r = wu_runcloud_add_domain($this->cfg($mode), 'shop.example.com', ['redeploy_ssl' => false]);
        $this->assertTrue($r['created']);
        $this->assertSame('shop.example.com', $r['name']);
        $this->assertIsInt($r['id']);
        $this->assertSame(['action' => 'skipped', 'message' => 'redeploy_ssl is false: the certificate was not redeployed', 'failed_domains' => [], 'retry_after' => null], $r['ssl']);
        $reqs = $this->sim->requests();
        $this->assertCount(1, $reqs, 'a new domain takes exactly one request');
        $this->assertSame('POST', $reqs[0]['method']);
        $this->assertSame("/api/$mode" . self::DOMAINS, $reqs[0]['path'], 'no trailing slash');
        $this->assertStringContainsString('application/json', (string) $reqs[0]['accept']);
        $this->assertStringContainsString('application/json', (string) $reqs[0]['content_type']);
        $this->assertEquals(['name' => 'shop.example.com', 'www' => false, 'redirection' => 'none', 'type' => 'alias'], $reqs[0]['body'], 'the POST body (key order aside)');
    }

    public function test_add_domain_with_www_defaults_to_non_www_redirection(): void
    {
        wu_runcloud_add_domain($this->v3(), 'www-on.test', ['www' => true, 'redeploy_ssl' => false]);
        wu_runcloud_add_domain($this->v3(), 'to-www.test', ['www' => true, 'redirection' => 'www', 'redeploy_ssl' => false]);
        $bodies = array_column($this->sim->requests(), 'body');
        $this->assertEquals(['name' => 'www-on.test', 'www' => true, 'redirection' => 'non-www', 'type' => 'alias'], $bodies[0], 'the POST body (key order aside)');
        $this->assertSame('www', $bodies[1]['redirection']);
        $byName = array_column($this->sim->domains(), null, 'name');
        $this->assertSame(1, (int) $byName['www-on.test']['www']);
    }

    public function test_a_name_already_starting_with_www_is_never_asked_for_a_www_alias(): void
    {
        wu_runcloud_add_domain($this->v3(), 'www.shop.test', ['www' => true, 'redeploy_ssl' => false]);
        wu_runcloud_sync($this->v3(), ['www.blog.test'], ['www' => true]);
        $bodies = array_map(static fn (array $r) => $r['body'], array_values(array_filter($this->sim->requests(), static fn (array $r) => $r['method'] === 'POST')));
        $this->assertCount(2, $bodies);
        foreach ($bodies as $body) {
            $this->assertFalse($body['www'], 'www.' . $body['name'] . ' would be www.www.: no www alias for ' . $body['name']);
            $this->assertSame('none', $body['redirection'], 'and no redirection between the name and itself');
        }
    }

    public function test_add_domain_is_fast_in_a_ten_thousand_domain_app(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 10000, 'pattern' => 'site{n}.bulk.test']);
        $r = wu_runcloud_add_domain($this->v3(), 'new.bulk.test', ['redeploy_ssl' => false]);
        $this->assertTrue($r['created']);
        $this->assertCount(1, $this->sim->requests(), 'adding a new domain does not list the app first');
    }

    /** @dataProvider authModes */
    public function test_add_domain_is_idempotent_and_reports_the_existing_id(string $mode): void
    {
        $first = wu_runcloud_add_domain($this->cfg($mode), 'again.test', ['redeploy_ssl' => false]);
        $this->sim->call('DELETE', 'requests');
        $second = wu_runcloud_add_domain($this->cfg($mode), 'AGAIN.test');
        $this->assertFalse($second['created'], 'an existing domain is success with created=false');
        $this->assertSame($first['id'], $second['id']);
        $this->assertStringContainsString('already', $second['ssl']['message']);
        $lines = $this->sim->requestLines();
        $this->assertSame('POST /api/' . $mode . self::DOMAINS, $lines[0]);
        $this->assertStringStartsWith('GET /api/' . $mode . self::DOMAINS . '?page=1', $lines[1], 'the 422 is answered by a lookup');
    }

    /**
     * The POST of an earlier attempt reached RunCloud but its answer was lost (seeded here
     * behind the API's back): the retry sees a 422 and created=false, yet the certificate was
     * never redeployed for the name, so the retry must do it.
     */
    public function test_add_domain_of_a_name_already_on_the_app_still_redeploys_ssl_so_a_lost_answer_leaves_no_gap(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['lost-answer.test']]);
        $r = wu_runcloud_add_domain($this->v3(), 'lost-answer.test');
        $this->assertFalse($r['created'], 'the domain was already there');
        $this->assertSame('redeployed', $r['ssl']['action'], 'SSL is handled for an existing domain too: ' . $r['ssl']['message']);
        $this->assertStringContainsString('already on the web application', $r['ssl']['message'], 'the message says why a redeploy happened without a create');
        $redeploys = $this->sim->redeploys();
        $this->assertCount(1, $redeploys, 'exactly one redeploy');
        $this->assertContains('lost-answer.test', $redeploys[0]['names'], 'the redeployed certificate covers the domain');
    }

    public function test_add_domain_that_is_on_another_app_of_the_server_throws_validation_with_runclouds_errors(): void
    {
        $this->sim->reset($this->stateWith([], [['id' => 940299, 'name' => 'shop', 'primary_domain' => 'shop.test', 'ssl' => 'none', 'domains' => ['taken.test']]]));
        $e = $this->assertThrows('WuRunCloud\ValidationException', 422, ['taken.test', 'another web application', 'server 11667'], fn () => wu_runcloud_add_domain($this->v3(), 'taken.test'));
        $errors = $e->getErrors();
        $this->assertArrayHasKey('name', $errors, 'getErrors() carries RunCloud field errors');
        $this->assertIsString($errors['name'][0]);
    }

    /** @dataProvider authModes */
    public function test_remove_domain_looks_the_name_up_and_deletes_it(string $mode): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 100, 'pattern' => 'r{n}.test']);
        $id = wu_runcloud_find_domain($this->v3(), 'r90.test')['id'];
        $this->sim->call('DELETE', 'requests');
        $r = wu_runcloud_remove_domain($this->cfg($mode), 'R90.test');
        $this->assertSame(['removed' => true, 'id' => $id], $r);
        $lines = $this->sim->requestLines();
        $this->assertSame("DELETE /api/$mode" . self::DOMAINS . "/$id", end($lines));
        $this->assertNotContains('r90.test', $this->sim->domainNames());
    }

    public function test_remove_domain_with_a_known_id_skips_the_lookup(): void
    {
        $id = wu_runcloud_add_domain($this->v3(), 'byid.test', ['redeploy_ssl' => false])['id'];
        $this->sim->call('DELETE', 'requests');
        $this->assertSame(['removed' => true, 'id' => $id], wu_runcloud_remove_domain($this->v3(), 'byid.test', $id));
        $this->assertSame(
            ['GET /api/v3' . self::DOMAINS . "/$id", 'DELETE /api/v3' . self::DOMAINS . "/$id"],
            $this->sim->requestLines(),
            'one GET proving the id is still this name, then the DELETE; no paginated lookup'
        );
    }

    public function test_remove_domain_with_a_gone_id_deletes_nothing_even_when_the_name_was_added_again_by_hand(): void
    {
        $old = wu_runcloud_add_domain($this->v3(), 'readded.test', ['redeploy_ssl' => false])['id'];
        // Removed and added again by hand in RunCloud: same name, new id, not ours.
        $this->sim->call('DELETE', 'servers/' . self::SERVER . '/webapps/' . self::APP . '/domains/readded.test');
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['readded.test']]);
        $new = wu_runcloud_find_domain($this->v3(), 'readded.test')['id'];
        $this->assertNotSame($old, $new);
        $this->sim->call('DELETE', 'requests');
        $r = wu_runcloud_remove_domain($this->v3(), 'readded.test', $old);
        $this->assertSame(['removed' => false, 'id' => null], $r, 'a known id is never replaced by a lookup by name');
        $this->assertContains('readded.test', $this->sim->domainNames(), 'the domain added by hand must survive');
        $this->assertSame(
            ['GET /api/v3' . self::DOMAINS . "/$old", 'GET /api/v3/servers/' . self::SERVER . '/webapps/' . self::APP],
            $this->sim->requestLines(),
            'the id is asked for, then the app (a 404 must not hide a wrong app id); no list, no DELETE'
        );
    }

    public function test_remove_domain_with_an_id_that_names_another_domain_deletes_nothing(): void
    {
        $other = wu_runcloud_add_domain($this->v3(), 'innocent.test', ['redeploy_ssl' => false])['id'];
        wu_runcloud_add_domain($this->v3(), 'mine.test', ['redeploy_ssl' => false]);
        $this->sim->call('DELETE', 'requests');
        $r = wu_runcloud_remove_domain($this->v3(), 'mine.test', $other);
        $this->assertSame(['removed' => false, 'id' => null], $r, 'the id decides: it no longer names this domain, so nothing is removed');
        $names = $this->sim->domainNames();
        $this->assertContains('innocent.test', $names, 'the domain the wrong id points at must survive');
        $this->assertContains('mine.test', $names, 'and no lookup by name deletes the domain either');
        $this->assertSame(['GET /api/v3' . self::DOMAINS . "/$other"], $this->sim->requestLines());

        $primary = wu_runcloud_find_domain($this->v3(), 'network.test')['id'];
        $this->assertSame(['removed' => false, 'id' => null], wu_runcloud_remove_domain($this->v3(), 'gone.test', $primary), 'an id naming the primary domain removes nothing');
        $this->assertContains('network.test', $this->sim->domainNames());
    }

    public function test_remove_domain_is_idempotent(): void
    {
        $this->assertSame(['removed' => false, 'id' => null], wu_runcloud_remove_domain($this->v3(), 'never-there.test'));
        $id = wu_runcloud_add_domain($this->v3(), 'twice.test', ['redeploy_ssl' => false])['id'];
        $this->assertTrue(wu_runcloud_remove_domain($this->v3(), 'twice.test', $id)['removed']);
        $this->assertSame(['removed' => false, 'id' => null], wu_runcloud_remove_domain($this->v3(), 'twice.test', $id), 'a second delete by id is not an error, and the stale id is not reported as the domain\'s');
    }

    public function test_remove_domain_refuses_the_primary_domain(): void
    {
        // Refused here, before any request: code 0, since RunCloud was never asked.
        $this->assertThrows('WuRunCloud\ValidationException', 0, ['network.test', 'primary'], fn () => wu_runcloud_remove_domain($this->v3(), 'network.test'));
        $this->assertContains('network.test', $this->sim->domainNames());
    }

    public function test_remove_domain_with_an_id_on_an_unknown_app_is_not_found(): void
    {
        $this->assertThrows('WuRunCloud\NotFoundException', 404, ['940999'], fn () => wu_runcloud_remove_domain($this->v3(['app_id' => 940999]), 'x.test', 5));
    }

    public function test_any_422_on_add_is_checked_against_the_app_so_unknown_wording_still_means_exists(): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['names' => ['odd.test']]);
        // A 422 whose body says nothing about the name being taken (an HTML page).
        $this->sim->fault(['method' => 'POST', 'path' => '/api/*/servers/*/webapps/*/domains', 'kind' => 'status', 'status' => 422, 'times' => 2]);
        $r = wu_runcloud_add_domain($this->v3(), 'odd.test');
        $this->assertFalse($r['created'], 'the domain is on the app: success with created=false');
        $e = $this->assertThrows('WuRunCloud\ValidationException', 422, ['HTTP 422', 'new-odd.test'], fn () => wu_runcloud_add_domain($this->v3(), 'new-odd.test'));
        $this->assertStringNotContainsString('another web application', $e->getMessage(), 'nothing said the name was taken');
        $this->assertSame([], $e->getErrors());
    }
}
