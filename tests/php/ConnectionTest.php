<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

/**
 * wu_runcloud_test_connection tells wrong credentials, wrong server id and wrong app id apart.
 */
final class ConnectionTest extends SimTestCase
{
    /** @dataProvider authModes */
    public function test_a_good_configuration_reports_the_diagnostics(string $mode): void
    {
        $this->sim->seed(self::SERVER, self::APP, ['count' => 45, 'pattern' => 'c{n}.test']);
        $r = wu_runcloud_test_connection($this->cfg($mode));
        $this->assertSame([
            'api' => $mode,
            'server' => ['id' => 11667, 'name' => 'web-01'],
            'app' => ['id' => 940288, 'name' => 'network'],
            'domains' => 46,
            'ssl_mode' => 'basic',
        ], $r);
    }

    public function test_ssl_mode_none_is_reported_for_an_app_without_certificate(): void
    {
        $this->sim->reset($this->stateWith(['ssl' => 'none']));
        $this->assertSame('none', wu_runcloud_test_connection($this->v3())['ssl_mode']);
        $this->assertSame('none', wu_runcloud_test_connection($this->v2())['ssl_mode']);
    }

    public function test_a_wrong_token_is_an_authentication_error_naming_the_credential_kind(): void
    {
        $e = $this->assertThrows('WuRunCloud\AuthenticationException', 401, ['v3 API token', 'HTTP 401', 'Invalid credentials'], fn () => wu_runcloud_test_connection($this->v3(['api_token' => 'wrong-token-value'])));
        $this->assertStringNotContainsString('wrong-token-value', $e->getMessage());
    }

    public function test_a_wrong_key_pair_is_an_authentication_error_with_a_v3_hint(): void
    {
        $e = $this->assertThrows('WuRunCloud\AuthenticationException', 401, ['v2 API key and secret', 'api_token'], fn () => wu_runcloud_test_connection($this->v2(['api_secret' => 'wrong-secret-value'])));
        $this->assertStringNotContainsString('wrong-secret-value', $e->getMessage());
        $this->assertStringNotContainsString(self::KEY, $e->getMessage());
    }

    public function test_an_unknown_server_is_not_found_naming_the_server_id(): void
    {
        $this->assertThrows('WuRunCloud\NotFoundException', 404, ['server 99999', 'server_id'], fn () => wu_runcloud_test_connection($this->v3(['server_id' => 99999])));
    }

    public function test_an_unknown_app_is_not_found_naming_the_app_and_server_ids(): void
    {
        $this->assertThrows('WuRunCloud\NotFoundException', 404, ['web application 123456', 'server 11667', 'app_id'], fn () => wu_runcloud_test_connection($this->v3(['app_id' => 123456])));
    }

    public function test_an_app_of_another_server_is_not_found(): void
    {
        // App 940300 exists, but on server 11668.
        $this->assertThrows('WuRunCloud\NotFoundException', 404, ['web application 940300', 'server 11667'], fn () => wu_runcloud_test_connection($this->v2(['app_id' => 940300])));
    }

    public function test_list_domains_on_an_unknown_app_is_not_found_naming_the_ids(): void
    {
        $this->assertThrows('WuRunCloud\NotFoundException', 404, ['940999', '11667'], fn () => wu_runcloud_list_domains($this->v3(['app_id' => 940999])));
    }

    public function test_a_403_is_an_authentication_error_that_says_the_plan_has_no_api_access(): void
    {
        $this->sim->fault(['method' => 'GET', 'path' => '/api/*/servers/*', 'kind' => 'status', 'status' => 403]);
        $this->assertThrows('WuRunCloud\AuthenticationException', 403, ['HTTP 403', 'v2 API key and secret', 'Business and Enterprise plans', 'answered with 401, not 403'], fn () => wu_runcloud_test_connection($this->v2()));
        $this->assertCount(1, $this->sim->requests(), 'a 403 is not retried');
    }

    /** @return array<string, array{0: array}> */
    public static function paginationVariants(): array
    {
        return ['standard' => [['pagination' => 'standard']], 'meta.lastPage' => [['pagination' => 'lastPage']], 'links as []' => [['empty_links' => 'array']]];
    }

    /** @dataProvider paginationVariants */
    public function test_the_domain_count_is_right_with_each_pagination_variant(array $simConfig): void
    {
        $this->sim->config($simConfig);
        $this->sim->seed(self::SERVER, self::APP, ['count' => 99, 'pattern' => 'n{n}.test']);
        $this->assertSame(100, wu_runcloud_test_connection($this->v3())['domains']);
        $this->assertLessThanOrEqual(5, count($this->sim->requests()), 'counting takes one small page, not a listing');
    }
}
