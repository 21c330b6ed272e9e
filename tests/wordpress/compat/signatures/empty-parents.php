<?php
/**
 * Empty stand-ins for the parents our Ultimate Multisite classes name, so the guard can load
 * and reflect our classes whatever a release declares: they add nothing to conflict with.
 */

namespace WP_Ultimo\Integrations {
	class Integration {}
	abstract class Base_Capability_Module {}
}

namespace WP_Ultimo\Integrations\Capabilities {
	interface Domain_Mapping_Capability {}
}

namespace WP_Ultimo\Integrations\Host_Providers {
	abstract class Base_Host_Provider {}
}
