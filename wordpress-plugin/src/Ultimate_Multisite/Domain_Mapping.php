<?php
/**
 * The `domain-mapping` capability module for Ultimate Multisite's integration registry
 * (2.4.11+). UM calls register_hooks() only when the integration is enabled and set up; the
 * handlers only record the operation (Plugin::request), the worker does the rest.
 *
 * Signatures: 2.4.11-2.5.1 declare return types on the parent methods and 2.5.2+ declare
 * none, so every override here carries the return type (a child may add one) and no
 * parameter type the untyped parents lack (a child may not add those).
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud\Ultimate_Multisite;

use WU_RunCloud\Plugin;

defined('ABSPATH') || exit;

class Domain_Mapping extends \WP_Ultimo\Integrations\Base_Capability_Module implements \WP_Ultimo\Integrations\Capabilities\Domain_Mapping_Capability {

	protected array $supported_features = ['autossl'];

	public function get_capability_id(): string {
		return 'domain-mapping';
	}

	public function get_title(): string {
		return __('Domain Mapping', 'wu-runcloud');
	}

	public function get_explainer_lines(): array {
		return [
			'will'     => [
				__('Add mapped domains and new subdomains to your RunCloud web application, in the background, with retries', 'wu-runcloud'),
				__('Redeploy the SSL certificate once after a batch of new domains', 'wu-runcloud'),
				__('Remove a domain from RunCloud when its mapping or site is deleted', 'wu-runcloud'),
			],
			'will_not' => [
				__('Remove domains that were added by hand in RunCloud, or the primary domain', 'wu-runcloud'),
			],
		];
	}

	public function register_hooks(): void {
		add_action('wu_add_domain', [$this, 'action_wu_add_domain'], 10, 2);
		add_action('wu_remove_domain', [$this, 'action_wu_remove_domain'], 10, 2);
		add_action('wu_add_subdomain', [$this, 'action_wu_add_subdomain'], 10, 2);
		add_action('wu_remove_subdomain', [$this, 'action_wu_remove_subdomain'], 10, 2);
	}

	public function unregister_hooks(): void {
		remove_action('wu_add_domain', [$this, 'action_wu_add_domain'], 10);
		remove_action('wu_remove_domain', [$this, 'action_wu_remove_domain'], 10);
		remove_action('wu_add_subdomain', [$this, 'action_wu_add_subdomain'], 10);
		remove_action('wu_remove_subdomain', [$this, 'action_wu_remove_subdomain'], 10);
	}

	// Action Scheduler passes site ids as strings (and could pass null): coerce here, once.
	public function action_wu_add_domain($domain = '', $site_id = 0): void {
		$this->on_add_domain((string) $domain, (int) $site_id);
	}

	public function action_wu_remove_domain($domain = '', $site_id = 0): void {
		$this->on_remove_domain((string) $domain, (int) $site_id);
	}

	public function action_wu_add_subdomain($subdomain = '', $site_id = 0): void {
		$this->on_add_subdomain((string) $subdomain, (int) $site_id);
	}

	public function action_wu_remove_subdomain($subdomain = '', $site_id = 0): void {
		$this->on_remove_subdomain((string) $subdomain, (int) $site_id);
	}

	public function on_add_domain(string $domain, int $site_id): void {
		Plugin::request('add', $domain, $site_id, 'wu_add_domain');
	}

	public function on_remove_domain(string $domain, int $site_id): void {
		Plugin::request('remove', $domain, $site_id, 'wu_remove_domain');
	}

	public function on_add_subdomain(string $subdomain, int $site_id): void {
		Plugin::request('add', $subdomain, $site_id, 'wu_add_subdomain');
	}

	public function on_remove_subdomain(string $subdomain, int $site_id): void {
		Plugin::request('remove', $subdomain, $site_id, 'wu_remove_subdomain');
	}

	public function test_connection() {
		return $this->get_integration()->test_connection();
	}
}
