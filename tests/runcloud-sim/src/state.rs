//! The in-memory RunCloud account: credentials, servers, web apps, domains and certificates.
//!
//! Domains of an app live in a `Vec` kept sorted by id (ids only grow), so a list page is a
//! slice and a lookup is a binary search; each server keeps a lower-cased name index so the
//! duplicate check stays O(1) with 10,000 domains.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::time::{datetime, now_secs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Basic,
    Advanced,
}

#[derive(Debug, Clone)]
pub struct Cert {
    pub id: u64,
    pub method: String,
    pub enable_http: bool,
    pub enable_hsts: bool,
    pub authorization_method: Option<String>,
    pub staging: bool,
    pub api_id: Option<u64>,
    pub valid_until: u64,
    pub created_at: u64,
    /// The names of the last successful issuance: what the app's HTTPS port serves.
    pub names: Vec<String>,
    /// `issued`, `pending` (an order is being processed) or `failed` (the last order failed;
    /// the certificate of the last success is still the one served).
    pub status: &'static str,
    /// Why the last order failed, as Let's Encrypt / RunCloud word it.
    pub status_message: Option<String>,
}

impl Cert {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "statusMessage": self.status_message,
            "method": self.method,
            "enableHttp": self.enable_http,
            "enableHsts": self.enable_hsts,
            "authorizationMethod": self.authorization_method,
            "staging": self.staging,
            "apiId": self.api_id,
            "validUntil": datetime(self.valid_until),
            // Let's Encrypt renews 30 days before expiry.
            "renewalDate": datetime(self.valid_until.saturating_sub(30 * 86_400)),
            "created_at": datetime(self.created_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub www: bool,
    pub redirection: String,
    pub wildcard: bool,
    pub created_at: u64,
    pub ssl: Option<Cert>,
}

impl Domain {
    /// The API shape: `www`/`wildcard` as 0/1 like the real API.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "www": self.www as u8,
            "redirection": self.redirection,
            "wildcard": self.wildcard as u8,
            "dns_integration": "none",
            "status": null,
            "created_at": datetime(self.created_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct WebApp {
    pub id: u64,
    pub name: String,
    pub created_at: u64,
    pub ssl_mode: SslMode,
    pub auto_ssl: bool,
    pub basic_cert: Option<Cert>,
    /// Sorted by id.
    pub domains: Vec<Domain>,
}

impl WebApp {
    pub fn to_json(&self, server_user_id: u64) -> Value {
        json!({
            "id": self.id,
            "server_user_id": server_user_id,
            "name": self.name,
            "rootPath": format!("/home/runcloud/webapps/{}", self.name),
            "publicPath": format!("/home/runcloud/webapps/{}", self.name),
            "phpVersion": "php83rc",
            "stack": "hybrid",
            "stackMode": "production",
            "type": "wordpress",
            "defaultApp": false,
            "alias": null,
            "pullKey1": format!("pk1-{}", self.id),
            "pullKey2": format!("pk2-{}", self.id),
            "created_at": datetime(self.created_at),
        })
    }

    pub fn domain_index(&self, id: u64) -> Option<usize> {
        self.domains.binary_search_by_key(&id, |d| d.id).ok()
    }

    /// Every name a basic certificate of this app has to cover.
    pub fn certificate_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.domains.len());
        for d in &self.domains {
            names.push(d.name.clone());
            if d.www {
                names.push(format!("www.{}", d.name));
            }
        }
        names
    }
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: u64,
    pub name: String,
    pub ip_address: String,
    pub created_at: u64,
    pub webapps: BTreeMap<u64, WebApp>,
    /// lower-cased domain name → (webapp id, domain id), for every app of the server.
    pub names: HashMap<String, (u64, u64)>,
}

impl Server {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "provider": "Simulated",
            "stack": "nginx",
            "ipAddress": self.ip_address,
            "country_iso_code": null,
            "os": "Ubuntu",
            "osVersion": "24.04",
            "connected": true,
            "online": true,
            "agentVersion": "2.9.0",
            "phpCLIVersion": "php83rc",
            "softwareUpdate": false,
            "securityUpdate": true,
            "transferStatus": "AVAILABLE",
            "created_at": datetime(self.created_at),
            "tags": [],
        })
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub tokens: Vec<String>,
    pub basic: Vec<(String, String)>,
    pub v2_accepts_bearer: bool,
    pub servers: BTreeMap<u64, Server>,
    next_id: u64,
}

/// Why a domain could not be added; rendered as a 422 by the API and as a 400 by the control API.
#[derive(Debug)]
pub enum AddError {
    Invalid(String),
    Duplicate(String),
}

impl AddError {
    pub fn message(&self) -> String {
        match self {
            AddError::Invalid(name) => format!("The name \"{name}\" is not a valid domain name."),
            AddError::Duplicate(_) => "The name has already been taken.".to_string(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            AddError::Invalid(n) | AddError::Duplicate(n) => n,
        }
    }
}

pub struct NewDomain {
    pub name: String,
    pub kind: String,
    pub www: bool,
    pub redirection: String,
    pub wildcard: bool,
}

impl NewDomain {
    pub fn alias(name: &str) -> Self {
        NewDomain {
            name: name.to_string(),
            kind: "alias".into(),
            www: false,
            redirection: "none".into(),
            wildcard: false,
        }
    }
}

/// A hostname validator in the spirit of Laravel's/RunCloud's: 2+ labels of 1–63 characters
/// from `[a-z0-9-]`, no leading/trailing hyphen, at most 253 characters, TLD not numeric.
/// Input of any case is accepted; callers store it lower-cased.
pub fn valid_hostname(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        if label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
    }
    !labels[labels.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

impl State {
    pub fn alloc_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn new_cert(&mut self, method: &str, authorization_method: Option<&str>) -> Cert {
        let now = now_secs();
        Cert {
            id: self.alloc_id(),
            method: method.to_string(),
            enable_http: false,
            enable_hsts: false,
            authorization_method: authorization_method.map(str::to_string),
            staging: false,
            api_id: None,
            valid_until: now + 90 * 86_400,
            created_at: now,
            names: Vec::new(),
            status: "issued",
            status_message: None,
        }
    }

    /// Adds one domain after validating it; `Err` leaves the state untouched.
    pub fn add_domain(
        &mut self,
        server_id: u64,
        app_id: u64,
        new: NewDomain,
    ) -> Result<Domain, AddError> {
        let lower = new.name.to_ascii_lowercase();
        if !valid_hostname(&lower) {
            return Err(AddError::Invalid(new.name));
        }
        let id = self.next_id + 1;
        let server = self
            .servers
            .get_mut(&server_id)
            .expect("caller checked the server");
        if server.names.contains_key(&lower) {
            return Err(AddError::Duplicate(new.name));
        }
        let app = server
            .webapps
            .get_mut(&app_id)
            .expect("caller checked the app");
        let domain = Domain {
            id,
            name: lower.clone(),
            kind: new.kind,
            www: new.www,
            redirection: new.redirection,
            wildcard: new.wildcard,
            created_at: now_secs(),
            ssl: None,
        };
        app.domains.push(domain.clone());
        server.names.insert(lower, (app_id, id));
        self.next_id = id;
        Ok(domain)
    }

    /// Adds many names at once; all-or-nothing.
    pub fn add_many(
        &mut self,
        server_id: u64,
        app_id: u64,
        names: &[String],
    ) -> Result<usize, AddError> {
        let server = self
            .servers
            .get(&server_id)
            .expect("caller checked the server");
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        for name in names {
            let lower = name.to_ascii_lowercase();
            if !valid_hostname(&lower) {
                return Err(AddError::Invalid(name.clone()));
            }
            if server.names.contains_key(&lower) || !seen.insert(lower) {
                return Err(AddError::Duplicate(name.clone()));
            }
        }
        for name in names {
            self.add_domain(server_id, app_id, NewDomain::alias(name))
                .expect("validated above");
        }
        Ok(names.len())
    }

    pub fn remove_domain(&mut self, server_id: u64, app_id: u64, domain_id: u64) -> Option<Domain> {
        let server = self.servers.get_mut(&server_id)?;
        let app = server.webapps.get_mut(&app_id)?;
        let idx = app.domain_index(domain_id)?;
        let domain = app.domains.remove(idx);
        server.names.remove(&domain.name);
        Some(domain)
    }

    pub fn app(&self, server_id: u64, app_id: u64) -> Option<&WebApp> {
        self.servers.get(&server_id)?.webapps.get(&app_id)
    }

    pub fn app_mut(&mut self, server_id: u64, app_id: u64) -> Option<&mut WebApp> {
        self.servers.get_mut(&server_id)?.webapps.get_mut(&app_id)
    }

    /// The server and app serving `name` (one of its domains, or the `www.` alias of one).
    pub fn serving(&self, name: &str) -> Option<(&Server, &WebApp, usize)> {
        let lower = name.to_ascii_lowercase();
        for server in self.servers.values() {
            let hit = server.names.get(&lower).copied().or_else(|| {
                let bare = lower.strip_prefix("www.")?;
                let (w, d) = *server.names.get(bare)?;
                let app = server.webapps.get(&w)?;
                app.domains[app.domain_index(d)?].www.then_some((w, d))
            });
            if let Some((w, d)) = hit {
                let app = server.webapps.get(&w)?;
                return Some((server, app, app.domain_index(d)?));
            }
        }
        None
    }
}

// ---- seed file / reset body -------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    tokens: Option<Vec<String>>,
    basic: Option<Vec<SeedBasic>>,
    v2_accepts_bearer: Option<bool>,
    servers: Option<Vec<SeedServer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBasic {
    key: String,
    secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedServer {
    id: u64,
    name: Option<String>,
    #[serde(rename = "ipAddress")]
    ip_address: Option<String>,
    webapps: Option<Vec<SeedApp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedApp {
    id: u64,
    name: Option<String>,
    primary_domain: Option<String>,
    ssl: Option<String>,
    auto_ssl: Option<bool>,
    domains: Option<Vec<SeedDomain>>,
    generate: Option<Generate>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SeedDomain {
    Name(String),
    Full {
        name: String,
        www: Option<bool>,
        redirection: Option<String>,
        wildcard: Option<bool>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    pub count: u64,
    pub pattern: String,
    pub start: Option<u64>,
}

impl Generate {
    pub fn names(&self) -> Result<Vec<String>, String> {
        if !self.pattern.contains("{n}") {
            return Err(format!(
                "pattern {:?} has no {{n}} placeholder",
                self.pattern
            ));
        }
        let start = self.start.unwrap_or(1);
        Ok((start..start + self.count)
            .map(|n| self.pattern.replace("{n}", &n.to_string()))
            .collect())
    }
}

fn default_servers() -> Vec<SeedServer> {
    vec![
        SeedServer {
            id: 11667,
            name: Some("web-01".into()),
            ip_address: Some("127.0.0.1".into()),
            webapps: Some(vec![SeedApp {
                id: 940288,
                name: Some("network".into()),
                primary_domain: Some("network.test".into()),
                ssl: Some("basic".into()),
                auto_ssl: None,
                domains: None,
                generate: None,
            }]),
        },
        SeedServer {
            id: 11668,
            name: Some("web-02".into()),
            ip_address: Some("127.0.0.2".into()),
            webapps: Some(vec![SeedApp {
                id: 940300,
                name: Some("other".into()),
                primary_domain: Some("other.test".into()),
                ssl: Some("none".into()),
                auto_ssl: None,
                domains: None,
                generate: None,
            }]),
        },
    ]
}

impl State {
    pub fn from_json(body: &[u8]) -> Result<State, String> {
        // Empty, `null` and `[]` (PHP's json_encode of an empty array) all mean "the default".
        if matches!(body.trim_ascii(), b"" | b"null" | b"[]") {
            return State::from_seed(Seed::default());
        }
        let seed: Seed =
            serde_json::from_slice(body).map_err(|e| format!("invalid state JSON: {e}"))?;
        State::from_seed(seed)
    }

    pub fn from_seed(seed: Seed) -> Result<State, String> {
        let now = now_secs();
        let mut state = State {
            tokens: seed.tokens.unwrap_or_else(|| vec!["sim-token".into()]),
            basic: seed
                .basic
                .map(|v| v.into_iter().map(|b| (b.key, b.secret)).collect())
                .unwrap_or_else(|| vec![("sim-key".into(), "sim-secret".into())]),
            v2_accepts_bearer: seed.v2_accepts_bearer.unwrap_or(true),
            servers: BTreeMap::new(),
            next_id: 0,
        };
        for s in seed.servers.unwrap_or_else(default_servers) {
            if state.servers.contains_key(&s.id) {
                return Err(format!("server id {} appears twice", s.id));
            }
            state.servers.insert(
                s.id,
                Server {
                    id: s.id,
                    name: s.name.unwrap_or_else(|| format!("server-{}", s.id)),
                    ip_address: s.ip_address.unwrap_or_else(|| "127.0.0.1".into()),
                    created_at: now,
                    webapps: BTreeMap::new(),
                    names: HashMap::new(),
                },
            );
            for a in s.webapps.unwrap_or_default() {
                if state
                    .servers
                    .values()
                    .any(|srv| srv.webapps.contains_key(&a.id))
                {
                    return Err(format!("web app id {} appears twice", a.id));
                }
                let name = a.name.unwrap_or_else(|| format!("app-{}", a.id));
                let ssl = a.ssl.as_deref().unwrap_or("basic");
                let ssl_mode = match ssl {
                    "basic" | "none" => SslMode::Basic,
                    "advanced" => SslMode::Advanced,
                    other => {
                        return Err(format!(
                            "web app {}: ssl must be basic, advanced or none, not {other:?}",
                            a.id
                        ));
                    }
                };
                let server = state.servers.get_mut(&s.id).unwrap();
                server.webapps.insert(
                    a.id,
                    WebApp {
                        id: a.id,
                        name: name.clone(),
                        created_at: now,
                        ssl_mode,
                        auto_ssl: a.auto_ssl.unwrap_or(false),
                        basic_cert: None,
                        domains: Vec::new(),
                    },
                );
                let primary = a.primary_domain.unwrap_or_else(|| format!("{name}.test"));
                let mut primary_new = NewDomain::alias(&primary);
                primary_new.kind = "primary".into();
                state
                    .add_domain(s.id, a.id, primary_new)
                    .map_err(|e| format!("web app {} primary domain: {}", a.id, e.message()))?;
                for d in a.domains.unwrap_or_default() {
                    let new = match d {
                        SeedDomain::Name(name) => NewDomain::alias(&name),
                        SeedDomain::Full {
                            name,
                            www,
                            redirection,
                            wildcard,
                        } => {
                            let redirection = redirection.unwrap_or_else(|| "none".into());
                            if !REDIRECTIONS.contains(&redirection.as_str()) {
                                return Err(format!(
                                    "domain {name}: bad redirection {redirection:?}"
                                ));
                            }
                            NewDomain {
                                name,
                                kind: "alias".into(),
                                www: www.unwrap_or(false),
                                redirection,
                                wildcard: wildcard.unwrap_or(false),
                            }
                        }
                    };
                    let label = new.name.clone();
                    state
                        .add_domain(s.id, a.id, new)
                        .map_err(|e| format!("web app {} domain {label}: {}", a.id, e.message()))?;
                }
                if let Some(g) = a.generate {
                    let names = g.names()?;
                    state
                        .add_many(s.id, a.id, &names)
                        .map_err(|e| format!("web app {} generate: {}", a.id, e.message()))?;
                }
                if ssl == "basic" {
                    let mut cert = state.new_cert("letsencrypt", Some("http-01"));
                    let app = state.app_mut(s.id, a.id).unwrap();
                    cert.names = app.certificate_names();
                    app.basic_cert = Some(cert);
                }
            }
        }
        Ok(state)
    }
}

pub const REDIRECTIONS: [&str; 3] = ["none", "www", "non-www"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_validator_accepts_ordinary_names_and_rejects_the_rest() {
        for ok in [
            "a.test",
            "network.test",
            "xn--bcher-kva.example",
            "a-b.c-d.example.com",
            "site1.bulk.test",
        ] {
            assert!(valid_hostname(ok), "{ok} should be accepted");
        }
        let long_label = format!("{}.test", "a".repeat(64));
        let too_long = format!("{}.test", vec!["a".repeat(60); 5].join("."));
        for bad in [
            "",
            "localhost",
            "not a domain",
            "http://a.test",
            "a.test/path",
            "-a.test",
            "a-.test",
            "a..test",
            ".a.test",
            "a.test.",
            "*.a.test",
            "1.2.3.4",
            "a_b.test",
            &long_label,
            &too_long,
        ] {
            assert!(!valid_hostname(bad), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn default_state_has_the_documented_ids_and_primary_domains() {
        for empty in [&b""[..], b" ", b"null", b"[]", b"{}"] {
            let s = State::from_json(empty).unwrap();
            assert_eq!(
                s.servers.len(),
                2,
                "{:?} should give the default state",
                String::from_utf8_lossy(empty)
            );
        }
        let s = State::from_json(b"").unwrap();
        let app = s.app(11667, 940288).unwrap();
        assert_eq!(app.domains[0].name, "network.test");
        assert_eq!(app.domains[0].kind, "primary");
        assert!(app.basic_cert.is_some());
        let other = s.app(11668, 940300).unwrap();
        assert_eq!(other.domains[0].name, "other.test");
        assert!(other.basic_cert.is_none());
        assert!(
            s.app(11667, 940300).is_none(),
            "app 940300 is not on server 11667"
        );
    }
}
