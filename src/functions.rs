//! The `wu_runcloud_*` PHP functions: thin adapters (PHP array → [`Config`] → operation →
//! PHP array). Their rustdoc is the PHP documentation and feeds `php-stubs/`.

use std::sync::{Arc, Mutex, PoisonError};

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;
use runcloud::config::{Config, Defaults};
use runcloud::error::Error;
use runcloud::operations::{self, AddOptions, SyncOptions};
use runcloud::value::Value;

use crate::convert::{Options, ToPhp, array_to_value, same_config, to_value};
use crate::exception::to_php;
use crate::ini;

/// The last `$config` parsed in this request, as read and as parsed with the INI defaults
/// of the time. The plugin passes the same array to every call, and parsing it (URL, ids,
/// the `Authorization` header) was a fifth of what a call cost on our side.
struct Parsed {
    value: Value,
    defaults: Defaults,
    config: Arc<Config>,
}

static LAST_CONFIG: Mutex<Option<Parsed>> = Mutex::new(None);

/// Parses `$config` with the current INI defaults, or takes the last parse of an equal
/// array. Its messages never quote a credential; only a valid configuration is kept.
fn config(ht: &ZendHashTable) -> PhpResult<Arc<Config>> {
    let defaults = ini::defaults();
    let mut last = LAST_CONFIG.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = last.as_ref()
        && p.defaults == defaults
        && same_config(ht, &p.value)
    {
        return Ok(p.config.clone());
    }
    let value = array_to_value(ht, 1);
    let config = Arc::new(Config::from_value(&value, defaults).map_err(to_php)?);
    *last = Some(Parsed {
        value,
        defaults,
        config: config.clone(),
    });
    Ok(config)
}

/// Forgets the kept configuration (RSHUTDOWN): no credential outlives the request that
/// passed it.
pub fn forget_config() {
    LAST_CONFIG
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
}

/// Runs `op` with the parsed configuration and turns its result into a PHP array. The
/// client has already redacted the credentials from results and errors.
fn run<T: ToPhp>(
    config_ht: &ZendHashTable,
    op: impl FnOnce(&Config) -> Result<T, Error>,
) -> PhpResult<ZBox<ZendHashTable>> {
    op(&*config(config_ht)?).map_err(to_php)?.to_php()
}

// Explicit PHP names: the macro's snake_case conversion mangles digits and acronyms
// (`get2` → `get_2`), so the contract's names are spelled out.

// `built_for_doc!` (written by build.rs) ends the summary with the PHP this .so was built for.
include!(concat!(env!("OUT_DIR"), "/built_for_doc.rs"));

built_for_doc! {
    /// Returns the version of the wu_runcloud extension. Makes no request.
    ;
    /// # Returns
    ///
    /// The crate version, e.g. `"0.1.0"`.
    #[php_function]
    #[php(name = "wu_runcloud_version")]
    pub fn wu_runcloud_version() -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }
}

/// Validates and normalises a domain name exactly as every other function does before use:
/// trimmed, lower-cased, trailing dot removed, IDN converted to punycode. Makes no request.
///
/// # Arguments
///
/// * `domain` - The domain name.
///
/// # Returns
///
/// The normalised ASCII name, e.g. `"xn--bcher-kva.example"` for `"Bücher.Example."`.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException naming the problem (scheme, path, port, space, `*`,
/// empty label, over-long name).
#[php_function]
#[php(name = "wu_runcloud_normalize_domain")]
pub fn wu_runcloud_normalize_domain(domain: &str) -> PhpResult<String> {
    runcloud::domain_name::normalize(domain).map_err(to_php)
}

/// Checks the credentials, the server id and the app id, and reports what it found.
///
/// # Arguments
///
/// * `config` - `api_token` (v3) or `api_key` + `api_secret` (v2), `server_id`, `app_id` (ints or numeric strings); optional `base_url` (API root without /api/vN, default https://manage.runcloud.io; http only for loopback), `ca_file`, `timeout` (seconds for one API request, its retries and backoff included; INI wu_runcloud.timeout), `connect_timeout` (seconds; INI wu_runcloud.connect_timeout), `retries` (retries per API request; INI wu_runcloud.retries), `ssl_timeout` (seconds for one certificate issuance, never retried blindly; INI wu_runcloud.ssl_timeout, default 120), `dns_servers` (resolvers for `wu_runcloud_check_dns`/`check_https` instead of the system's: list of `"ip:port"`), `https_port` (the port `wu_runcloud_check_https` connects to; default 443), `setting_names` (config key => the name the operator knows the setting by, e.g. `['server_id' => 'WU_RUNCLOUD_SERVER_ID']`: every message then says "check WU_RUNCLOUD_SERVER_ID"; labels of up to 100 letters, digits, spaces and `_-./()`, never values). Every function's `$config` is `#[\SensitiveParameter]`: traces show it as a `SensitiveParameterValue`.
///
/// # Returns
///
/// `['api' => 'v3'|'v2', 'server' => ['id' => int, 'name' => string], 'app' => ['id' => int, 'name' => string],
/// 'domains' => int, 'ssl_mode' => 'basic'|'advanced'|'none']`.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for a bad configuration, before any request.
/// \WuRunCloud\AuthenticationException when RunCloud rejects the credentials (401/403).
/// \WuRunCloud\NotFoundException naming the server id or the app id that does not exist (404).
/// \WuRunCloud\TransportException when RunCloud cannot be reached or answers 5xx.
#[php_function]
#[php(name = "wu_runcloud_test_connection")]
pub fn wu_runcloud_test_connection(config: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, operations::test_connection)
}

/// Lists every domain of the web application, reading all pages.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array (see `wu_runcloud_test_connection`).
///
/// # Returns
///
/// A list of `['id' => int, 'name' => string, 'type' => string, 'www' => bool, 'redirection' => string, 'wildcard' => bool]`.
///
/// # Errors
///
/// \WuRunCloud\RunCloudException subclasses: bad configuration, credentials, ids, transport.
#[php_function]
#[php(name = "wu_runcloud_list_domains")]
pub fn wu_runcloud_list_domains(config: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, operations::list_domains)
}

/// Finds one domain of the web application by name (case-insensitive, IDN-aware, all pages).
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `domain` - The domain name; it is validated and normalised first.
///
/// # Returns
///
/// The domain (same shape as a `wu_runcloud_list_domains` entry), or null when the app does not have it.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name or configuration, before any request.
/// \WuRunCloud\RunCloudException subclasses for API and transport failures.
#[php_function]
#[php(name = "wu_runcloud_find_domain")]
pub fn wu_runcloud_find_domain(
    config: &ZendHashTable,
    domain: &str,
) -> PhpResult<Option<ZBox<ZendHashTable>>> {
    match operations::find_domain(&*self::config(config)?, domain).map_err(to_php)? {
        Some(d) => Ok(Some(d.to_php()?)),
        None => Ok(None),
    }
}

/// Adds a domain to the web application, then redeploys the SSL certificate. Idempotent.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `domain` - The domain name; it is validated and normalised first.
/// * `options` - `www` (bool, default false), `redirection` (`'none'`, `'www'` or `'non-www'`; default `'non-www'` when `www` is true, else `'none'`), `redeploy_ssl` (bool, default true).
///
/// # Returns
///
/// `['id' => int, 'name' => string, 'created' => bool, 'ssl' => ['action' => 'redeployed'|'skipped'|'failed'|'none', 'message' => string]]`;
/// `created` is false when the app already had the domain; its SSL is still handled (unless
/// `redeploy_ssl` is false), since a retried add whose first answer was lost lands here. A failed redeploy does not undo
/// the add: `ssl.action` is `'failed'` with RunCloud's message, the names it failed for
/// (`failed_domains`) and, for Let's Encrypt's rate limit, when it may be tried again
/// (`retry_after`, Unix seconds). `'pending'`: the order reached RunCloud and is not
/// finished, or may have (no answer within `ssl_timeout`): it is not placed again.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name, option or configuration, before any request.
/// \WuRunCloud\ValidationException when RunCloud refuses the name, e.g. it is on another app of the server.
/// \WuRunCloud\RunCloudException subclasses for other API and transport failures.
#[php_function]
#[php(name = "wu_runcloud_add_domain")]
#[php(defaults(options = Options::empty()))]
pub fn wu_runcloud_add_domain(
    config: &ZendHashTable,
    domain: &str,
    options: Options,
) -> PhpResult<ZBox<ZendHashTable>> {
    let opts = AddOptions::from_value(Some(&options.0)).map_err(to_php)?;
    run(config, |cfg| operations::add_domain(cfg, domain, &opts))
}

/// Removes a domain from the web application. Idempotent.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `domain` - The domain name; it is validated and normalised first.
/// * `id` - RunCloud's id of the domain when known (the one its add returned): that domain is removed only while it still has this name, which one GET checks first, and the paginated lookup by name is skipped. An id that is gone (404) or now names another domain removes nothing: it never falls back to a lookup by name, so a domain deleted and added again by hand (a new id) is never deleted through its old id.
///
/// # Returns
///
/// `['removed' => bool, 'id' => ?int]`; `removed` is false (no exception) when the domain was not there, or, given an id, when that id no longer names it (`id` is then null).
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name, id or configuration, before any request.
/// \WuRunCloud\ValidationException (code 0) for the app's primary domain, refused before any request.
/// \WuRunCloud\RunCloudException subclasses for other API and transport failures.
#[php_function]
#[php(name = "wu_runcloud_remove_domain")]
pub fn wu_runcloud_remove_domain(
    config: &ZendHashTable,
    domain: &str,
    id: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, |cfg| operations::remove_domain(cfg, domain, id))
}

/// Orders the reissue of the web application's SSL certificate by the route matching the API
/// version and the app's SSL mode — at most once. The order has its own budget (`ssl_timeout`,
/// INI wu_runcloud.ssl_timeout, default 120 s) and is never retried after an attempt that may
/// have reached RunCloud (a timeout, a broken connection, a 5xx): the certificate is read back
/// instead. A certificate RunCloud shows as pending is not ordered again.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `options` - `domains` (domain name => RunCloud id): in advanced SSL mode without AutoSSL, the domains whose own certificates are installed or reissued (one order each); ignored in basic mode, where one order covers every name.
///
/// # Returns
///
/// `['action' => 'redeployed'|'pending'|'failed'|'skipped'|'none', 'message' => string, 'certificate_id' => ?int,
/// 'failed_domains' => string[], 'retry_after' => ?int]`; `'none'` when the app has no certificate, `'skipped'`
/// in advanced SSL mode with AutoSSL or without `domains`, `'pending'` when the order reached RunCloud (or may have) and is not finished,
/// `'failed'` when Let's Encrypt refused it: `failed_domains` are the names RunCloud's reason
/// names, `retry_after` (Unix seconds) when a rate limit says when to try again.
///
/// # Errors
///
/// \WuRunCloud\ValidationException when RunCloud refuses the redeploy, with its message.
/// \WuRunCloud\RunCloudException subclasses for configuration, credentials, ids and transport.
#[php_function]
#[php(name = "wu_runcloud_redeploy_ssl")]
#[php(defaults(options = Options::empty()))]
pub fn wu_runcloud_redeploy_ssl(
    config: &ZendHashTable,
    options: Options,
) -> PhpResult<ZBox<ZendHashTable>> {
    let domains = operations::redeploy_domains(Some(&options.0)).map_err(to_php)?;
    run(config, |cfg| operations::redeploy_ssl(cfg, &domains))
}

/// Reconciles the web application's domains with the list wanted: lists once, adds what is
/// missing, removes only what `prune` allows, and redeploys SSL once at the end.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `wanted` - The list of domain names that must be on the app.
/// * `options` - `dry_run` (bool: make no write call), `prune` (list of names that may be removed when not wanted; never the primary domain), `www` (bool for added domains), `redeploy_ssl` (bool, default true: order the certificate once at the end; false leaves it to a later `wu_runcloud_redeploy_ssl`).
///
/// # Returns
///
/// `['added' => string[], 'removed' => string[], 'unchanged' => string[], 'failed' => [name => message],
/// 'requests' => int, 'ids' => [name => int], 'ssl' => ['action' => string, 'message' => string]]`.
/// Invalid names in `wanted` are reported in `failed`.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for a bad configuration, option or `wanted` entry type, before any request.
/// \WuRunCloud\AuthenticationException, \WuRunCloud\NotFoundException or \WuRunCloud\TransportException when the list cannot be read, or credentials/ids fail midway.
#[php_function]
#[php(name = "wu_runcloud_sync")]
#[php(defaults(options = Options::empty()))]
pub fn wu_runcloud_sync(
    config: &ZendHashTable,
    wanted: &ZendHashTable,
    options: Options,
) -> PhpResult<ZBox<ZendHashTable>> {
    let opts = SyncOptions::from_value(Some(&options.0)).map_err(to_php)?;
    let mut names = Vec::with_capacity(wanted.len());
    for (_, v) in wanted.iter() {
        match to_value(v, 1) {
            Value::Str(s) => names.push(s),
            Value::Int(i) => names.push(i.to_string()),
            other => {
                return Err(to_php(Error::InvalidArgument(format!(
                    "wanted must be a list of domain names, found {}",
                    other.type_name()
                ))));
            }
        }
    }
    run(config, |cfg| operations::sync(cfg, &names, &opts))
}

/// Tells where a domain's DNS points compared with the RunCloud server, so a domain is added
/// only once Let's Encrypt can validate it.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array; `dns_servers` (list of `"ip:port"`, at most 8) replaces the system resolver.
/// * `domain` - The domain name; it is validated and normalised first.
/// * `domain_id` - RunCloud's id of the domain when it is on the app: RunCloud's DNS hint for it (v3) is added to `expected`.
///
/// # Returns
///
/// `['domain' => string, 'status' => 'points_here'|'elsewhere'|'proxied'|'unresolved', 'addresses' => string[],
/// 'expected' => string[], 'reason' => string]`. `addresses` are its A and AAAA addresses after CNAMEs;
/// `expected` the server's `ipAddress` (read once per worker for 10 minutes) and the hint; `proxied`
/// means every address is in Cloudflare's published ranges; `unresolved` (NXDOMAIN, no record,
/// SERVFAIL, no answer, resolver unreachable) says why in `reason`. The hosts file is not read.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name, id or configuration, before any request.
/// \WuRunCloud\RunCloudException subclasses when the server's address cannot be read from RunCloud.
#[php_function]
#[php(name = "wu_runcloud_check_dns")]
pub fn wu_runcloud_check_dns(
    config: &ZendHashTable,
    domain: &str,
    domain_id: Option<i64>,
) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, |cfg| operations::check_dns(cfg, domain, domain_id))
}

/// Tells which certificate a domain's HTTPS port really serves: connects to the name's
/// address with SNI and verifies the certificate against the system's roots plus `ca_file`.
/// Sends nothing after the handshake.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array; `https_port` (default 443), `dns_servers`, `ca_file`, `connect_timeout` and `timeout` apply.
/// * `domain` - The domain name; it is validated and normalised first.
///
/// # Returns
///
/// `['domain' => string, 'status' => 'valid'|'name_mismatch'|'expired'|'untrusted'|'unreachable', 'not_after' => ?string,
/// 'issuer' => ?string, 'address' => ?string, 'reason' => string]`; `not_after` is the served certificate's
/// expiry (`YYYY-MM-DD HH:MM:SS`, UTC), `issuer` its issuer's common name.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name or configuration (an unreadable `ca_file`), before any connection.
#[php_function]
#[php(name = "wu_runcloud_check_https")]
pub fn wu_runcloud_check_https(
    config: &ZendHashTable,
    domain: &str,
) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, |cfg| operations::check_https(cfg, domain))
}

/// Registers every function above on the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(wu_runcloud_version))
        .function(wrap_function!(wu_runcloud_normalize_domain))
        .function(wrap_function!(wu_runcloud_test_connection))
        .function(wrap_function!(wu_runcloud_list_domains))
        .function(wrap_function!(wu_runcloud_find_domain))
        .function(wrap_function!(wu_runcloud_add_domain))
        .function(wrap_function!(wu_runcloud_remove_domain))
        .function(wrap_function!(wu_runcloud_redeploy_ssl))
        .function(wrap_function!(wu_runcloud_sync))
        .function(wrap_function!(wu_runcloud_check_dns))
        .function(wrap_function!(wu_runcloud_check_https))
}
