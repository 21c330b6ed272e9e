<?php

declare(strict_types=1);

namespace WuRunCloud\Tests;

use WuRunCloud\Harness\Sim;

/**
 * HTTPS to the simulator: a private CA trusted through ca_file.
 */
final class TlsTest extends SimTestCase
{
    private Sim $tls;

    protected function setUp(): void
    {
        parent::setUp();
        $this->tls = new Sim(SIM_HTTPS_URL, SIM_CA_FILE);
        $this->tls->reset();
    }

    public function test_https_with_ca_file_works_in_both_auth_modes(): void
    {
        $this->assertStringStartsWith('https://', SIM_HTTPS_URL);
        $v3 = wu_runcloud_test_connection($this->v3(['base_url' => SIM_HTTPS_URL, 'ca_file' => SIM_CA_FILE]));
        $this->assertSame('v3', $v3['api']);
        $r = wu_runcloud_add_domain($this->v2(['base_url' => SIM_HTTPS_URL, 'ca_file' => SIM_CA_FILE]), 'tls.test');
        $this->assertTrue($r['created']);
        $this->assertSame('redeployed', $r['ssl']['action']);
        $this->assertContains('tls.test', $this->tls->domainNames());
    }

    public function test_https_without_the_ca_is_a_transport_error_about_the_certificate(): void
    {
        $e = $this->assertThrows('WuRunCloud\TransportException', 0, ['RunCloud'], fn () => wu_runcloud_list_domains($this->v3(['base_url' => SIM_HTTPS_URL])));
        $this->assertMatchesRegularExpression('/certificate|issuer|tls/i', $e->getMessage());
        $this->assertSame([], $this->tls->requests(), 'no API request got through an untrusted TLS connection');
    }

    /**
     * The CA file is looked at when `$config` is parsed: once per PHP request for the same
     * array (no `stat` on every call), and again for the next array or request, which then
     * picks up a replaced file.
     */
    public function test_a_replaced_ca_file_is_picked_up_when_the_configuration_is_read_again(): void
    {
        $ca = tempnam(sys_get_temp_dir(), 'wu-ca');
        copy(SIM_CA_FILE, $ca);
        try {
            $config = $this->v3(['base_url' => SIM_HTTPS_URL, 'ca_file' => $ca]);
            $this->assertIsArray(wu_runcloud_list_domains($config));
            file_put_contents($ca, "not a certificate\n");
            $this->assertIsArray(wu_runcloud_list_domains($config), 'the same array in the same request keeps the client it was parsed with');
            $reread = $config + ['retries' => 1];
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['ca_file', 'certificate'], fn () => wu_runcloud_list_domains($reread));
            copy(SIM_CA_FILE, $ca);
            $this->assertIsArray(wu_runcloud_list_domains($config + ['retries' => 2]), 'the restored file is trusted again');
        } finally {
            unlink($ca);
        }
    }

    public function test_a_ca_file_that_is_not_pem_is_invalid_argument(): void
    {
        $bad = tempnam(sys_get_temp_dir(), 'wu-ca');
        file_put_contents($bad, "not a certificate\n");
        try {
            $this->assertThrows('WuRunCloud\InvalidArgumentException', 0, ['ca_file'], fn () => wu_runcloud_list_domains($this->v3(['base_url' => SIM_HTTPS_URL, 'ca_file' => $bad])));
        } finally {
            unlink($bad);
        }
    }
}
