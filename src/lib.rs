//! `wu_runcloud`: keeps a WordPress multisite network's domains in sync with a RunCloud web
//! application. This file is the registry only: functions, exception classes, INI entries,
//! the phpinfo() section and the lifecycle hooks.

// Nothing may panic across the FFI boundary: no unwrap/expect/panic outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// Everything Zend-free is the `runcloud` crate (crates/runcloud). These modules touch PHP and
// are tested through `php -d extension=…` (tests/php).
mod convert;
mod exception;
mod functions;
mod ini;
mod zend_extra;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::{IniEntryDef, ModuleEntry};
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

use exception::{
    AuthenticationException, InvalidArgumentException, NotFoundException, RateLimitException,
    RunCloudException, TransportException, ValidationException,
};

/// MINIT runs once in the php-fpm master before it forks: register, never build a client here.
pub fn minit(_ty: i32, module_number: i32) -> i32 {
    IniEntryDef::register(ini::ENTRIES.as_slice(), module_number);
    zend_extra::install_throw_hook();
    // ext-php-rs cannot declare parameter attributes: the `$config` of every function (it
    // holds the credentials) gets `#[\SensitiveParameter]` here, once the functions exist.
    zend_extra::mark_sensitive_parameters(module_number, c"config");
    0
}

/// Drops this worker's HTTP clients and their runtime (closing its connections) before PHP
/// unloads the library; forgets clients inherited across a fork. A panic must not cross this
/// `extern "C"` boundary.
extern "C" fn mshutdown(_ty: i32, _module_number: i32) -> i32 {
    let _ = std::panic::catch_unwind(runcloud::client::shutdown);
    zend_extra::uninstall_throw_hook();
    0
}

/// Forgets the configuration kept for this request's calls (see `functions::config`). A panic
/// must not cross this `extern "C"` boundary.
extern "C" fn rshutdown(_ty: i32, _module_number: i32) -> i32 {
    let _ = std::panic::catch_unwind(functions::forget_config);
    0
}

/// The `phpinfo()` / `php --ri wu_runcloud` section: version, TLS backend and INI values.
/// Never a credential: configuration is per call, kept at most until the request ends.
extern "C" fn minfo(module: *mut ModuleEntry) {
    let _ = std::panic::catch_unwind(|| {
        info_table_start!();
        info_table_row!("wu_runcloud support", "enabled");
        info_table_row!("version", env!("CARGO_PKG_VERSION"));
        info_table_row!("build", env!("WU_RUNCLOUD_BUILT_FOR"));
        info_table_row!(
            "RunCloud API",
            "v3 (Bearer token), v2 (key + secret, legacy)"
        );
        info_table_row!(
            "HTTP client",
            "reqwest on a current-thread runtime in the PHP thread, redirects not followed"
        );
        info_table_row!(
            "TLS backend",
            "rustls (aws-lc-rs), platform roots + optional ca_file"
        );
        let built = runcloud::client::clients_built().to_string();
        info_table_row!("HTTP clients built by this process", built.as_str());
        info_table_end!();
    });
    zend_extra::display_ini_entries(module);
}

#[php_module]
#[php(startup = "minit")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .shutdown_function(mshutdown)
        .request_shutdown_function(rshutdown)
        .info_function(minfo)
        .class::<RunCloudException>()
        .class::<AuthenticationException>()
        .class::<NotFoundException>()
        .class::<ValidationException>()
        .class::<RateLimitException>()
        .class::<TransportException>()
        .class::<InvalidArgumentException>();
    // The `wu_runcloud_*` functions (registered next to their definitions: the macro's
    // registration types are private to that module).
    functions::register(module)
}
