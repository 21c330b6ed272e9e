//! The `wu_runcloud_*` PHP functions: thin adapters (PHP array → [`Config`] → operation →
//! PHP array). Their rustdoc is the PHP documentation and feeds `php-stubs/`.

use std::ffi::CStr;
use std::time::Duration;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};

use crate::config::{Config, Defaults};
use crate::error::Error;
use crate::operations::{self, AddOptions, SyncOptions};
use crate::value::Value;
use crate::zend_extra;

pub const INI_TIMEOUT: &CStr = c"wu_runcloud.timeout";
pub const INI_CONNECT_TIMEOUT: &CStr = c"wu_runcloud.connect_timeout";
pub const INI_RETRIES: &CStr = c"wu_runcloud.retries";

/// The current (ini_set-aware) INI defaults; out-of-range values fall back to the built-ins.
fn defaults() -> Defaults {
    let builtin = Defaults::default();
    let t = zend_extra::ini_double(INI_TIMEOUT).unwrap_or(0.0);
    let ct = zend_extra::ini_double(INI_CONNECT_TIMEOUT).unwrap_or(0.0);
    let r = zend_extra::ini_long(INI_RETRIES).unwrap_or(-1);
    let secs = |v: f64, d: Duration| {
        if v.is_finite() && v > 0.0 && v <= 600.0 {
            Duration::from_secs_f64(v)
        } else {
            d
        }
    };
    Defaults {
        timeout: secs(t, builtin.timeout),
        connect_timeout: secs(ct, builtin.connect_timeout),
        retries: if (0..=10).contains(&r) {
            r as u32
        } else {
            builtin.retries
        },
    }
}

const MAX_DEPTH: usize = 8;

fn to_value(z: &Zval, depth: usize) -> Value {
    if z.is_null() {
        Value::Null
    } else if let Some(b) = z.bool() {
        Value::Bool(b)
    } else if let Some(i) = z.long() {
        Value::Int(i)
    } else if let Some(f) = z.double() {
        Value::Float(f)
    } else if let Some(s) = z.string() {
        Value::Str(s)
    } else if let Some(ht) = z.array() {
        if depth >= MAX_DEPTH {
            Value::Other("array (nested too deeply)")
        } else {
            array_to_value(ht, depth + 1)
        }
    } else if z.is_object() {
        Value::Other("object")
    } else if let Some(r) = z.reference() {
        to_value(r, depth)
    } else {
        Value::Other("unsupported value")
    }
}

fn array_to_value(ht: &ZendHashTable, depth: usize) -> Value {
    if ht.has_sequential_keys() {
        Value::List(ht.iter().map(|(_, v)| to_value(v, depth)).collect())
    } else {
        Value::Map(
            ht.iter()
                .map(|(k, v)| (k.to_string(), to_value(v, depth)))
                .collect(),
        )
    }
}

fn to_zval(v: &Value) -> PhpResult<Zval> {
    let mut z = Zval::new();
    match v {
        Value::Null | Value::Other(_) => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Int(i) => z.set_long(*i),
        Value::Float(f) => z.set_double(*f),
        Value::Str(s) => z.set_string(s, false)?,
        Value::List(_) | Value::Map(_) => z.set_hashtable(to_array(v)?),
    }
    Ok(z)
}

fn to_array(v: &Value) -> PhpResult<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::new();
    match v {
        Value::List(items) => {
            for i in items {
                ht.push(to_zval(i)?)?;
            }
        }
        Value::Map(entries) => {
            for (k, i) in entries {
                ht.insert(ArrayKey::Str(k.as_str()), to_zval(i)?)?;
            }
        }
        other => {
            return Err(PhpException::from(format!(
                "internal error: expected an array, built {}",
                other.type_name()
            )));
        }
    }
    Ok(ht)
}

/// An `array $options = []` parameter, read into a [`Value`].
pub struct Options(Value);

impl Options {
    fn empty() -> Options {
        Options(Value::Map(vec![]))
    }
}

impl<'a> FromZval<'a> for Options {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array().map(|ht| Options(array_to_value(ht, 1)))
    }
}

impl StubLiteral for Options {
    fn stub_literal(&self) -> String {
        "[]".to_string()
    }
}

/// Parses `$config` with the current INI defaults. Its messages never quote a credential.
fn config(ht: &ZendHashTable) -> Result<Config, Error> {
    Config::from_value(&array_to_value(ht, 1), defaults())
}

/// Runs `op` with the parsed configuration and turns its result into a PHP array; the
/// credentials are scrubbed from any error message as a last line of defence.
fn run(
    config_ht: &ZendHashTable,
    op: impl FnOnce(&Config) -> Result<Value, Error>,
) -> PhpResult<ZBox<ZendHashTable>> {
    let cfg = config(config_ht)?;
    let result = op(&cfg).map_err(|e| e.redact(&cfg.secrets()))?;
    to_array(&result)
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
    Ok(crate::domain_name::normalize(domain)?)
}

/// Checks the credentials, the server id and the app id, and reports what it found.
///
/// # Arguments
///
/// * `config` - `api_token` (v3) or `api_key` + `api_secret` (v2), `server_id`, `app_id` (ints or numeric strings); optional `base_url` (API root without /api/vN, default https://manage.runcloud.io; http only for loopback), `ca_file`, `timeout` (seconds for one API request, its retries and backoff included; INI wu_runcloud.timeout), `connect_timeout` (seconds; INI wu_runcloud.connect_timeout), `retries` (retries per API request; INI wu_runcloud.retries).
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
    let cfg = self::config(config)?;
    match operations::find_domain(&cfg, domain).map_err(|e| e.redact(&cfg.secrets()))? {
        Value::Null => Ok(None),
        v => Ok(Some(to_array(&v)?)),
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
/// the add: `ssl.action` is `'failed'` with RunCloud's message.
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
    let opts = AddOptions::from_value(Some(&options.0))?;
    run(config, |cfg| operations::add_domain(cfg, domain, &opts))
}

/// Removes a domain from the web application. Idempotent.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `domain` - The domain name; it is validated and normalised first.
/// * `id` - RunCloud's id of the domain when known: one GET checks it still names this domain and the paginated lookup by name is skipped; a stale id, or one naming another domain, falls back to the lookup.
///
/// # Returns
///
/// `['removed' => bool, 'id' => ?int]`; `removed` is false (no exception) when the domain was not there.
///
/// # Errors
///
/// \WuRunCloud\InvalidArgumentException for an invalid name, id or configuration, before any request.
/// \WuRunCloud\ValidationException for the app's primary domain.
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

/// Redeploys the web application's SSL certificate by the route matching the API version
/// and the app's SSL mode.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
///
/// # Returns
///
/// `['action' => 'redeployed'|'skipped'|'none', 'message' => string, 'certificate_id' => ?int]`;
/// `'none'` when the app has no certificate, `'skipped'` in advanced SSL mode.
///
/// # Errors
///
/// \WuRunCloud\ValidationException when RunCloud refuses the redeploy, with its message.
/// \WuRunCloud\RunCloudException subclasses for configuration, credentials, ids and transport.
#[php_function]
#[php(name = "wu_runcloud_redeploy_ssl")]
pub fn wu_runcloud_redeploy_ssl(config: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    run(config, operations::redeploy_ssl)
}

/// Reconciles the web application's domains with the list wanted: lists once, adds what is
/// missing, removes only what `prune` allows, and redeploys SSL once at the end.
///
/// # Arguments
///
/// * `config` - The RunCloud configuration array.
/// * `wanted` - The list of domain names that must be on the app.
/// * `options` - `dry_run` (bool: make no write call), `prune` (list of names that may be removed when not wanted; never the primary domain), `www` (bool for added domains).
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
    let opts = SyncOptions::from_value(Some(&options.0))?;
    let mut names = Vec::with_capacity(wanted.len());
    for (_, v) in wanted.iter() {
        match to_value(v, 1) {
            Value::Str(s) => names.push(s),
            Value::Int(i) => names.push(i.to_string()),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "wanted must be a list of domain names, found {}",
                    other.type_name()
                ))
                .into());
            }
        }
    }
    run(config, |cfg| operations::sync(cfg, &names, &opts))
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
}
