<?php
/**
 * Test fixture (mu-plugin for a child process): Ultimate Multisite is loaded — its
 * integration registry class exists — but its list of mapped domains is not available
 * (wu_get_domains() is not defined), as when its domain-mapping module did not load.
 */

namespace WP_Ultimo\Integrations;

class Integration_Registry {}
