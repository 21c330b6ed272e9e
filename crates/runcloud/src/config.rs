//! The per-call configuration array (`$config`), parsed and checked before any request.
//!
//! Secrets live in [`Secret`], whose `Debug` prints `[redacted]`, so no `{:?}` of a
//! [`Config`] can leak them.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::client::Endpoint;
use crate::domain_name::quote;
use crate::error::Error;
use crate::value::Value;

/// RunCloud's production API root (the client appends `/api/v3` or `/api/v2`).
pub const DEFAULT_BASE_URL: &str = "https://manage.runcloud.io";

/// A credential. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How we authenticate, which also fixes the API generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Auth {
    /// v3: `Authorization: Bearer <token>` on `/api/v3`.
    Token(Secret),
    /// Legacy v2: HTTP Basic `key:secret` on `/api/v2`.
    KeySecret { key: Secret, secret: Secret },
}

impl Auth {
    pub fn api_version(&self) -> &'static str {
        match self {
            Auth::Token(_) => "v3",
            Auth::KeySecret { .. } => "v2",
        }
    }
}

/// The keys of `$config`, as a caller spells them.
pub const KEYS: [&str; 13] = [
    "api_token",
    "api_key",
    "api_secret",
    "server_id",
    "app_id",
    "base_url",
    "ca_file",
    "timeout",
    "connect_timeout",
    "retries",
    "ssl_timeout",
    "dns_servers",
    "https_port",
];

/// The longest name `setting_names` may give a setting.
const MAX_SETTING_NAME: usize = 100;

/// How the caller names each setting, so that a message says what the operator can act on.
///
/// `$config['setting_names']` maps a key of `$config` to the name the operator knows it by:
/// a plugin that reads `server_id` from the wp-config constant `WU_RUNCLOUD_SERVER_ID` passes
/// `['server_id' => 'WU_RUNCLOUD_SERVER_ID']`, and every message then says "check
/// WU_RUNCLOUD_SERVER_ID" where it would say "check server_id". A key without an entry is
/// named as itself; entries for keys this version does not know are ignored. A name is a
/// label of up to 100 letters, digits, spaces and `_-./()`, never a value, and a name that
/// contains a credential of the same configuration is shown as `[redacted]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingNames(Vec<(&'static str, String)>);

impl SettingNames {
    /// The caller's name for `key` (one of [`KEYS`]), or `key` itself.
    pub fn of<'a>(&'a self, key: &'a str) -> &'a str {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(key, |(_, name)| name.as_str())
    }

    fn from_value(v: Option<&Value>) -> Result<SettingNames, Error> {
        let entries = match v {
            None => return Ok(SettingNames::default()),
            Some(Value::Map(entries)) => entries.as_slice(),
            Some(Value::List(items)) if items.is_empty() => &[],
            Some(other) => {
                return Err(invalid(format!(
                    "setting_names must be an array of configuration key => name, got {}",
                    other.type_name()
                )));
            }
        };
        let mut names = Vec::new();
        for (key, value) in entries {
            let Some(key) = KEYS.iter().copied().find(|k| k == key) else {
                continue;
            };
            let name = match value {
                Value::Str(s) => s.trim(),
                other => {
                    return Err(invalid(format!(
                        "setting_names.{key} must be a string, got {}",
                        other.type_name()
                    )));
                }
            };
            let label = |c: char| c.is_ascii_alphanumeric() || " _-./()".contains(c);
            if name.is_empty() || name.len() > MAX_SETTING_NAME || !name.chars().all(label) {
                // Never shown: a caller may have put the wrong thing here.
                return Err(invalid(format!(
                    "setting_names.{key} must be 1 to {MAX_SETTING_NAME} letters, digits, spaces or _-./() characters"
                )));
            }
            names.push((key, name.to_string()));
        }
        Ok(SettingNames(names))
    }
}

/// Defaults that come from the INI settings `wu_runcloud.*`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defaults {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retries: u32,
    pub ssl_timeout: Duration,
}

impl Defaults {
    /// The built-in values: the INI entries' defaults, and what an out-of-range INI value
    /// falls back to.
    pub const BUILT_IN: Defaults = Defaults {
        timeout: Duration::from_secs(15),
        connect_timeout: Duration::from_secs(5),
        retries: 3,
        // Real integrations give an issuance 100 s (Ultimate Multisite, WP Ultimo) or 120 s
        // (ansible): Let's Encrypt validates every name before RunCloud answers.
        ssl_timeout: Duration::from_secs(120),
    };

    /// The defaults from the current INI values (`None` when unreadable); a value outside
    /// the range a configuration key accepts falls back to the built-in one.
    pub fn from_ini(
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        retries: Option<i64>,
        ssl_timeout: Option<f64>,
    ) -> Defaults {
        let b = Defaults::BUILT_IN;
        Defaults {
            ssl_timeout: ssl_timeout
                .and_then(seconds_in_range)
                .unwrap_or(b.ssl_timeout),
            timeout: timeout.and_then(seconds_in_range).unwrap_or(b.timeout),
            connect_timeout: connect_timeout
                .and_then(seconds_in_range)
                .unwrap_or(b.connect_timeout),
            retries: retries.and_then(retries_in_range).unwrap_or(b.retries),
        }
    }
}

/// Seconds above 0 and at most 600: every timeout's range.
fn seconds_in_range(n: f64) -> Option<Duration> {
    (n.is_finite() && n > 0.0 && n <= 600.0).then(|| Duration::from_secs_f64(n))
}

fn retries_in_range(n: i64) -> Option<u32> {
    (0..=10).contains(&n).then_some(n as u32)
}

/// What tells a replaced CA file from the one a client was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaStamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub auth: Auth,
    pub server_id: u64,
    pub app_id: u64,
    /// API root without `/api/vN` and without a trailing slash.
    pub base_url: String,
    pub ca_file: Option<PathBuf>,
    /// `ca_file`'s size and mtime when this configuration was parsed: the worker's client
    /// that trusts it is looked up with them, so a replaced file is picked up by the next
    /// parse (the next PHP request, which parses `$config` again) without a `stat` per call.
    pub ca_stamp: Option<CaStamp>,
    /// Budget for one logical request, retries and backoff included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retries: u32,
    /// Budget of one certificate issuance (an issuing request is never retried blindly).
    pub ssl_timeout: Duration,
    /// Resolvers for `check_dns` instead of the system's (`"ip:port"`).
    pub dns_servers: Vec<SocketAddr>,
    /// The port `check_https` connects to (443 but in tests).
    pub https_port: u16,
    /// The caller's names of the settings, for messages.
    pub names: SettingNames,
    /// What every request of this configuration shares (origin, auth header, rate-limit
    /// key), worked out here once rather than per request.
    pub endpoint: Endpoint,
}

impl Config {
    /// Parses the PHP `$config` array. Every problem is an `InvalidArgument` naming the
    /// setting as the caller does (see [`SettingNames`]); no credential of the array is ever
    /// in its message.
    pub fn from_value(value: &Value, defaults: Defaults) -> Result<Config, Error> {
        Config::parse(value, defaults).map_err(|e| {
            let given: Vec<&str> = ["api_token", "api_key", "api_secret"]
                .iter()
                .filter_map(|k| match value.get(k) {
                    Some(Value::Str(s)) => Some(s.trim()),
                    _ => None,
                })
                .collect();
            e.redact(&given)
        })
    }

    fn parse(value: &Value, defaults: Defaults) -> Result<Config, Error> {
        let empty = Value::Map(vec![]);
        // `[]` is a PHP list: treat it as an empty configuration.
        let value = match value {
            Value::List(items) if items.is_empty() => &empty,
            v => v,
        };
        let Value::Map(_) = value else {
            return Err(invalid(format!(
                "the configuration must be an array with keys, got {}",
                value.type_name()
            )));
        };
        let get = |key: &str| value.get(key).filter(|v| !matches!(v, Value::Null));
        let names = SettingNames::from_value(get("setting_names"))?;
        let n = |key| names.of(key);

        let token = opt_string(get("api_token"), n("api_token"))?.filter(|s| !s.is_empty());
        let key = opt_string(get("api_key"), n("api_key"))?.filter(|s| !s.is_empty());
        let secret = opt_string(get("api_secret"), n("api_secret"))?.filter(|s| !s.is_empty());
        let auth = match (token, key, secret) {
            (Some(t), _, _) => Auth::Token(Secret(t)),
            (None, Some(k), Some(s)) => Auth::KeySecret {
                key: Secret(k),
                secret: Secret(s),
            },
            (None, Some(_), None) => {
                return Err(invalid(format!(
                    "{} is set but {} is missing or empty",
                    n("api_key"),
                    n("api_secret")
                )));
            }
            (None, None, Some(_)) => {
                return Err(invalid(format!(
                    "{} is set but {} is missing or empty",
                    n("api_secret"),
                    n("api_key")
                )));
            }
            (None, None, None) => {
                return Err(invalid(format!(
                    "no RunCloud credentials: set {} (API v3) or {} and {} (legacy API v2)",
                    n("api_token"),
                    n("api_key"),
                    n("api_secret")
                )));
            }
        };

        let server_id = id(get("server_id"), n("server_id"))?;
        let app_id = id(get("app_id"), n("app_id"))?;
        let base_url = match opt_string(get("base_url"), n("base_url"))? {
            Some(u) => base_url(&u, n("base_url"))?,
            None => DEFAULT_BASE_URL.to_string(),
        };
        let (ca_file, ca_stamp) =
            match opt_string(get("ca_file"), n("ca_file"))?.filter(|s| !s.is_empty()) {
                Some(path) => {
                    let path = PathBuf::from(path);
                    let meta = std::fs::metadata(&path).map_err(|e| {
                        invalid(format!(
                            "{} {} cannot be read: {e}",
                            n("ca_file"),
                            quote(&path.to_string_lossy())
                        ))
                    })?;
                    let stamp = CaStamp {
                        len: meta.len(),
                        modified: meta.modified().ok(),
                    };
                    (Some(path), Some(stamp))
                }
                None => (None, None),
            };
        let timeout = seconds(get("timeout"), n("timeout"))?.unwrap_or(defaults.timeout);
        let connect_timeout = seconds(get("connect_timeout"), n("connect_timeout"))?
            .unwrap_or(defaults.connect_timeout);
        let retries = match get("retries") {
            None => defaults.retries,
            Some(v) => int_like(v).and_then(retries_in_range).ok_or_else(|| {
                invalid(format!(
                    "{} must be an integer from 0 to 10, got {}",
                    n("retries"),
                    show(v)
                ))
            })?,
        };
        let ssl_timeout =
            seconds(get("ssl_timeout"), n("ssl_timeout"))?.unwrap_or(defaults.ssl_timeout);
        let dns_servers = dns_servers(get("dns_servers"), n("dns_servers"))?;
        let https_port = match get("https_port") {
            None => 443,
            Some(v) => int_like(v)
                .filter(|p| (1..=65_535).contains(p))
                .ok_or_else(|| {
                    invalid(format!(
                        "{} must be a port number from 1 to 65535, got {}",
                        n("https_port"),
                        show(v)
                    ))
                })? as u16,
        };
        let endpoint = Endpoint::new(&base_url, &auth)?;
        Ok(Config {
            endpoint,
            auth,
            server_id,
            app_id,
            base_url,
            ca_file,
            ca_stamp,
            timeout,
            connect_timeout,
            retries,
            ssl_timeout,
            dns_servers,
            https_port,
            names,
        })
    }

    /// The caller's name for a setting (see [`SettingNames`]).
    pub fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.names.of(key)
    }

    /// Names the credential kind for messages, never its value:
    /// "the v3 API token (WU_RUNCLOUD_API_TOKEN)".
    pub fn credential(&self) -> String {
        match &self.auth {
            Auth::Token(_) => format!("the v3 API token ({})", self.name("api_token")),
            Auth::KeySecret { .. } => format!(
                "the v2 API key and secret ({}/{})",
                self.name("api_key"),
                self.name("api_secret")
            ),
        }
    }

    /// "web application 940288 on server 11667", as every message names the app.
    pub fn app(&self) -> String {
        format!(
            "web application {} on server {}",
            self.app_id, self.server_id
        )
    }

    /// `/servers/{s}/webapps/{w}`: the root of every per-app endpoint.
    pub fn webapp_path(&self) -> String {
        format!("/servers/{}/webapps/{}", self.server_id, self.app_id)
    }

    /// `https://…/api/v3` or `…/api/v2`.
    pub fn api_root(&self) -> String {
        format!("{}/api/{}", self.base_url, self.auth.api_version())
    }

    /// The secret strings of this configuration, for last-line redaction of messages.
    pub fn secrets(&self) -> Vec<&str> {
        match &self.auth {
            Auth::Token(t) => vec![t.expose()],
            Auth::KeySecret { key, secret } => vec![key.expose(), secret.expose()],
        }
    }
}

/// A configuration problem, named by its key.
pub(crate) fn invalid(message: String) -> Error {
    Error::InvalidArgument(format!("invalid RunCloud configuration: {message}"))
}

/// Shows a non-secret config value in a message.
fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("string {}", quote(s)),
        Value::Int(i) => format!("int {i}"),
        Value::Float(f) => format!("float {f}"),
        Value::Bool(b) => format!("bool {b}"),
        other => other.type_name().to_string(),
    }
}

fn opt_string(v: Option<&Value>, key: &str) -> Result<Option<String>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.trim().to_string())),
        // Never show the value: it may be a secret.
        Some(other) => Err(invalid(format!(
            "{key} must be a string, got {}",
            other.type_name()
        ))),
    }
}

fn int_like(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Str(s) if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) => {
            s.trim().parse().ok()
        }
        _ => None,
    }
}

fn id(v: Option<&Value>, key: &str) -> Result<u64, Error> {
    match v {
        None => Err(invalid(format!(
            "{key} is missing; it is the number in the RunCloud dashboard URL"
        ))),
        Some(v) => match int_like(v) {
            Some(n) if n > 0 => Ok(n as u64),
            _ => Err(invalid(format!(
                "{key} must be a positive integer or a numeric string, got {}",
                show(v)
            ))),
        },
    }
}

/// At most this many resolvers: each one a name cannot be resolved by costs a timeout.
const MAX_DNS_SERVERS: usize = 8;

/// `dns_servers`: a list of `"ip:port"` (or `"ip"`, port 53; `"[v6]:port"`).
fn dns_servers(v: Option<&Value>, key: &str) -> Result<Vec<SocketAddr>, Error> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let items = match v {
        Value::List(_) | Value::Map(_) => v.items().unwrap_or_default(),
        other => {
            return Err(invalid(format!(
                "{key} must be a list of \"ip:port\" strings, got {}",
                show(other)
            )));
        }
    };
    if items.len() > MAX_DNS_SERVERS {
        return Err(invalid(format!(
            "{key} lists {} resolvers; give at most {MAX_DNS_SERVERS}",
            items.len()
        )));
    }
    items
        .into_iter()
        .map(|item| {
            let Value::Str(s) = item else {
                return Err(invalid(format!(
                    "{key} must be a list of \"ip:port\" strings, found {}",
                    show(item)
                )));
            };
            let s = s.trim();
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .ok()
                .filter(|a| a.port() != 0)
                .ok_or_else(|| {
                    invalid(format!(
                        "{key}: {} is not an IP address with an optional port (\"192.0.2.53:53\", \"[2001:db8::53]:53\")",
                        quote(s)
                    ))
                })
        })
        .collect()
}

fn seconds(v: Option<&Value>, key: &str) -> Result<Option<Duration>, Error> {
    let Some(v) = v else { return Ok(None) };
    let n = match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n.and_then(seconds_in_range) {
        Some(d) => Ok(Some(d)),
        None => Err(invalid(format!(
            "{key} must be a number of seconds above 0 and at most 600, got {}",
            show(v)
        ))),
    }
}

/// Checks and normalises `base_url` (named `name` in messages): https, or http for loopback hosts only; no query,
/// fragment or credentials; no trailing slash; a trailing `/api/v2` or `/api/v3` is dropped
/// because the client adds the version matching the credentials.
fn base_url(raw: &str, name: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| invalid(format!("{name} {} is not a valid URL: {e}", quote(raw))))?;
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(invalid(format!(
                "{name} {} uses plain http for a non-loopback host; use https so credentials are never sent in clear text",
                quote(raw)
            )));
        }
        other => {
            return Err(invalid(format!(
                "{name} {} has the unsupported scheme {}",
                quote(raw),
                quote(other)
            )));
        }
    }
    if host.is_empty() {
        return Err(invalid(format!("{name} {} has no host", quote(raw))));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(format!("{name} must not contain credentials")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{name} {} must not have a query or fragment",
            quote(raw)
        )));
    }
    let mut path = url.path().trim_end_matches('/').to_string();
    for suffix in ["/api/v3", "/api/v2"] {
        if let Some(p) = path.strip_suffix(suffix) {
            path = p.to_string();
        }
    }
    let mut root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        root.push_str(&format!(":{port}"));
    }
    root.push_str(&path);
    Ok(root)
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(entries: Vec<(&str, Value)>) -> Result<Config, Error> {
        Config::from_value(&Value::map(entries), Defaults::BUILT_IN)
    }

    fn token_cfg(extra: Vec<(&str, Value)>) -> Result<Config, Error> {
        let mut e = vec![
            ("api_token", Value::str("tok-SECRET-1")),
            ("server_id", Value::Int(11667)),
            ("app_id", Value::str("940288")),
        ];
        e.extend(extra);
        cfg(e)
    }

    fn err(r: Result<Config, Error>) -> String {
        match r {
            Ok(c) => panic!("expected the configuration to be rejected, got {c:?}"),
            Err(e) => {
                assert_eq!(e.code(), 0);
                e.to_string()
            }
        }
    }

    #[test]
    fn a_token_selects_v3_and_ids_may_be_numeric_strings() {
        let c = token_cfg(vec![]).unwrap();
        assert_eq!(c.auth.api_version(), "v3");
        assert_eq!((c.server_id, c.app_id), (11667, 940288));
        assert_eq!(c.api_root(), "https://manage.runcloud.io/api/v3");
        assert_eq!(c.timeout, Duration::from_secs(15));
        assert_eq!(c.retries, 3);
    }

    #[test]
    fn key_and_secret_select_v2_and_a_token_wins_over_them() {
        let c = cfg(vec![
            ("api_key", Value::str("k")),
            ("api_secret", Value::str("s")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ])
        .unwrap();
        assert_eq!(c.api_root(), "https://manage.runcloud.io/api/v2");
        let c = token_cfg(vec![
            ("api_key", Value::str("k")),
            ("api_secret", Value::str("s")),
        ])
        .unwrap();
        assert_eq!(
            c.auth.api_version(),
            "v3",
            "a defined token must win over key+secret"
        );
    }

    #[test]
    fn missing_or_partial_credentials_are_rejected_by_name() {
        let m = err(cfg(vec![
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ]));
        assert!(m.contains("no RunCloud credentials"), "{m}");
        let m = err(cfg(vec![
            ("api_key", Value::str("k")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ]));
        assert!(
            m.contains("api_secret is set") || m.contains("api_secret is missing"),
            "{m}"
        );
        let m = err(cfg(vec![
            ("api_token", Value::str("")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ]));
        assert!(
            m.contains("no RunCloud credentials"),
            "an empty token is no token: {m}"
        );
    }

    #[test]
    fn non_numeric_zero_or_missing_ids_are_rejected_naming_the_key() {
        for (v, key) in [
            (Value::str("abc"), "server_id"),
            (Value::Int(0), "server_id"),
            (Value::Int(-5), "server_id"),
            (Value::str("12a"), "server_id"),
            (Value::Float(1.5), "server_id"),
        ] {
            let m = err(cfg(vec![
                ("api_token", Value::str("t")),
                ("server_id", v.clone()),
                ("app_id", Value::Int(2)),
            ]));
            assert!(
                m.contains(key),
                "rejecting server_id {v:?} should name {key}: {m}"
            );
        }
        let m = err(cfg(vec![
            ("api_token", Value::str("t")),
            ("server_id", Value::Int(1)),
        ]));
        assert!(m.contains("app_id is missing"), "{m}");
    }

    #[test]
    fn base_url_rules() {
        for (raw, expected) in [
            ("https://manage.runcloud.io/", "https://manage.runcloud.io"),
            (
                "https://manage.runcloud.io/api/v3",
                "https://manage.runcloud.io",
            ),
            (
                "https://proxy.example/runcloud/api/v2/",
                "https://proxy.example/runcloud",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.9.9.9:1", "http://127.9.9.9:1"),
            ("http://[::1]:9000/", "http://[::1]:9000"),
            ("http://localhost:9000", "http://localhost:9000"),
        ] {
            let c = token_cfg(vec![("base_url", Value::str(raw))]).unwrap();
            assert_eq!(c.base_url, expected, "base_url {raw}");
        }
        for (raw, why) in [
            ("http://manage.runcloud.io", "plain http"),
            ("http://10.0.0.1", "plain http"),
            ("ftp://x.example", "unsupported scheme"),
            ("not a url", "not a valid URL"),
            ("https://u:p@x.example", "credentials"),
            ("https://x.example/?a=1", "query"),
        ] {
            let m = err(token_cfg(vec![("base_url", Value::str(raw))]));
            assert!(
                m.contains(why),
                "base_url {raw} should be rejected with {why:?}: {m}"
            );
        }
    }

    #[test]
    fn timeouts_and_retries_override_the_ini_defaults_within_bounds() {
        let c = token_cfg(vec![
            ("timeout", Value::Float(1.5)),
            ("connect_timeout", Value::Int(2)),
            ("retries", Value::Int(0)),
        ])
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(1500));
        assert_eq!(c.connect_timeout, Duration::from_secs(2));
        assert_eq!(c.retries, 0);
        assert!(err(token_cfg(vec![("timeout", Value::Int(0))])).contains("timeout"));
        assert!(err(token_cfg(vec![("retries", Value::Int(99))])).contains("retries"));
        assert!(
            err(token_cfg(vec![(
                "ca_file",
                Value::str("/nonexistent/ca.pem")
            )]))
            .contains("ca_file")
        );
    }

    #[test]
    fn ini_values_out_of_the_keys_range_fall_back_to_the_built_in_defaults() {
        let d = Defaults::from_ini(Some(2.5), Some(1.0), Some(0), Some(90.0));
        assert_eq!(
            (d.timeout, d.connect_timeout, d.retries, d.ssl_timeout),
            (
                Duration::from_millis(2500),
                Duration::from_secs(1),
                0,
                Duration::from_secs(90)
            )
        );
        for (t, c, r) in [
            (Some(0.0), Some(601.0), Some(11)),
            (Some(f64::NAN), Some(-1.0), Some(-1)),
            (None, None, None),
        ] {
            assert_eq!(
                Defaults::from_ini(t, c, r, t),
                Defaults::BUILT_IN,
                "{t:?} {c:?} {r:?}"
            );
        }
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let c = cfg(vec![
            ("api_key", Value::str("KEY-VALUE-123")),
            ("api_secret", Value::str("SECRET-VALUE-456")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ])
        .unwrap();
        let dbg = format!("{c:?} {:?}", c.auth);
        assert!(
            !dbg.contains("KEY-VALUE-123") && !dbg.contains("SECRET-VALUE-456"),
            "{dbg}"
        );
        assert!(dbg.contains("[redacted]"));
        let t = token_cfg(vec![]).unwrap();
        assert!(!format!("{t:?}").contains("tok-SECRET-1"));
    }

    fn named(extra: Vec<(&str, Value)>) -> Result<Config, Error> {
        let names = Value::map(vec![
            ("api_token", Value::str("WU_RUNCLOUD_API_TOKEN")),
            ("server_id", Value::str("WU_RUNCLOUD_SERVER_ID")),
            ("base_url", Value::str("WU_RUNCLOUD_API_URL")),
            (
                "timeout",
                Value::str("timeout (filter wu_runcloud_client_options)"),
            ),
            (
                "dns_servers",
                Value::str("a key this version does not know"),
            ),
        ]);
        let mut e = vec![("setting_names", names)];
        e.extend(extra);
        cfg(e)
    }

    #[test]
    fn every_problem_names_the_setting_the_way_the_caller_knows_it() {
        for (extra, said, not_said) in [
            (
                vec![
                    ("api_token", Value::str("t-1234")),
                    ("server_id", Value::str("abc")),
                    ("app_id", Value::Int(2)),
                ],
                "WU_RUNCLOUD_SERVER_ID must be a positive integer",
                "server_id",
            ),
            (
                vec![("server_id", Value::Int(1)), ("app_id", Value::Int(2))],
                "no RunCloud credentials: set WU_RUNCLOUD_API_TOKEN (API v3) or api_key and api_secret",
                "api_token",
            ),
            (
                vec![
                    ("api_token", Value::str("t-1234")),
                    ("server_id", Value::Int(1)),
                    ("app_id", Value::Int(2)),
                    ("base_url", Value::str("ftp://x.example")),
                ],
                "WU_RUNCLOUD_API_URL \"ftp://x.example\" has the unsupported scheme",
                "base_url",
            ),
            (
                vec![
                    ("api_token", Value::str("t-1234")),
                    ("server_id", Value::Int(1)),
                    ("app_id", Value::Int(2)),
                    ("timeout", Value::Int(0)),
                ],
                "timeout (filter wu_runcloud_client_options) must be a number of seconds",
                "got int 0 ",
            ),
        ] {
            let m = err(named(extra));
            assert!(m.contains(said), "expected {said:?} in: {m}");
            assert!(
                !m.contains(not_said),
                "the key {not_said:?} should be named the caller's way: {m}"
            );
        }
        let c = named(vec![
            ("api_token", Value::str("t-1234")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ])
        .unwrap();
        assert_eq!(c.name("server_id"), "WU_RUNCLOUD_SERVER_ID");
        assert_eq!(
            c.name("app_id"),
            "app_id",
            "a key without a name is named as itself"
        );
        assert_eq!(c.credential(), "the v3 API token (WU_RUNCLOUD_API_TOKEN)");
    }

    #[test]
    fn setting_names_are_labels_checked_without_being_shown() {
        for (names, why) in [
            (Value::str("x"), "setting_names must be an array"),
            (
                Value::map(vec![("server_id", Value::Int(5))]),
                "setting_names.server_id must be a string, got int",
            ),
            (
                Value::map(vec![("server_id", Value::str("a\nb"))]),
                "setting_names.server_id must be 1 to 100 letters",
            ),
            (
                Value::map(vec![("app_id", Value::str(""))]),
                "setting_names.app_id must be 1 to 100",
            ),
        ] {
            let m = err(token_cfg(vec![("setting_names", names)]));
            assert!(m.contains(why), "expected {why:?}: {m}");
            assert!(!m.contains("a\nb"), "a refused name is not echoed: {m:?}");
        }
        assert!(
            token_cfg(vec![("setting_names", Value::List(vec![]))]).is_ok(),
            "an empty PHP array is no names"
        );
    }

    #[test]
    fn a_credential_given_as_a_setting_name_is_redacted() {
        let m = err(cfg(vec![
            ("api_token", Value::str("tok-LEAKED-1")),
            ("server_id", Value::str("abc")),
            ("app_id", Value::Int(2)),
            (
                "setting_names",
                Value::map(vec![("server_id", Value::str("tok-LEAKED-1"))]),
            ),
        ]));
        assert!(!m.contains("tok-LEAKED-1"), "{m}");
        assert!(m.contains("[redacted] must be a positive integer"), "{m}");
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_rejected_without_showing_it() {
        let m = err(cfg(vec![
            ("api_token", Value::Int(123456789)),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
        ]));
        assert!(
            m.contains("api_token must be a string") && !m.contains("123456789"),
            "{m}"
        );
    }
}
