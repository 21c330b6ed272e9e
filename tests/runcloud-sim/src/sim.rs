//! Everything the simulator knows besides the account itself: settings, faults, the request
//! log, counters, the redeploy log and the rate-limit windows. One `Mutex` guards it all;
//! every critical section is short and synchronous.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::State;

/// Run-time settings (`POST /_sim/config`). `v2_accepts_bearer` lives in [`State`].
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub rate_limit: Option<u32>,
    pub retry_after: bool,
    pub empty_links: String,
    pub pagination: String,
    pub require_accept_json: bool,
    pub latency_ms: u64,
    /// `"not_found"` (404, the default) or `"redirect"` (301 to the path without the slash).
    pub trailing_slash: String,
    /// What a name missing from the DNS table resolves to: `"server"` (the server of the app
    /// that has it, else the first server) or `"nxdomain"`.
    pub dns_default: String,
    /// `"sync"`: an issuing call answers when Let's Encrypt is done; `"async"`: it answers at
    /// once and the certificate's `status` goes from `pending` to `issued` or `failed`.
    pub issuance_mode: String,
    /// How long one issuance takes (the simulator's clock; a synchronous call really waits).
    pub issuance_ms: u64,
    /// Let's Encrypt's weekly limits (duplicate certificates, certificates per registered
    /// domain). Off by default so suites about something else never trip over the week's
    /// earlier issuances in the same simulator.
    pub le_limits: bool,
    pub le_duplicate_limit: u32,
    pub le_domain_limit: u32,
    /// The HTTP status RunCloud relays a failed synchronous issuance with (unconfirmed: 422).
    pub le_error_status: u16,
    /// `GET /ssl` with no certificate: `"empty"` (200 `{}`), or `{"message":"SSL not
    /// installed!"}` with `"message_200"`, `"message_404"` or `"message_422"`.
    pub no_ssl_answer: String,
}

impl Config {
    pub fn new(rate_limit: Option<u32>, latency_ms: u64) -> Self {
        Config {
            rate_limit,
            retry_after: true,
            empty_links: "object".into(),
            pagination: "standard".into(),
            require_accept_json: false,
            latency_ms,
            trailing_slash: "not_found".into(),
            dns_default: "server".into(),
            issuance_mode: "sync".into(),
            issuance_ms: 0,
            le_limits: false,
            le_duplicate_limit: 5,
            le_domain_limit: 50,
            le_error_status: 422,
            no_ssl_answer: "empty".into(),
        }
    }
}

/// What a fault does (README "Faults"). Parsed once, when `POST /_sim/faults` adds it; an
/// unknown name is refused there with the list of known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Latency,
    Status,
    RateLimit,
    MalformedJson,
    TruncatedJson,
    WrongContentType,
    Reset,
    Hang,
    Redirect,
    LinksArray,
    NoLinks,
    LastPage,
    Message,
    NoApiAccess,
    Cloudflare,
}

impl FaultKind {
    pub const ALL: [FaultKind; 15] = [
        FaultKind::Latency,
        FaultKind::Status,
        FaultKind::RateLimit,
        FaultKind::MalformedJson,
        FaultKind::TruncatedJson,
        FaultKind::WrongContentType,
        FaultKind::Reset,
        FaultKind::Hang,
        FaultKind::Redirect,
        FaultKind::LinksArray,
        FaultKind::NoLinks,
        FaultKind::LastPage,
        FaultKind::Message,
        FaultKind::NoApiAccess,
        FaultKind::Cloudflare,
    ];

    /// The name the control API uses.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Status => "status",
            FaultKind::RateLimit => "rate_limit",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::WrongContentType => "wrong_content_type",
            FaultKind::Reset => "reset",
            FaultKind::Hang => "hang",
            FaultKind::Redirect => "redirect",
            FaultKind::LinksArray => "links_array",
            FaultKind::NoLinks => "no_links",
            FaultKind::LastPage => "last_page",
            FaultKind::Message => "message",
            FaultKind::NoApiAccess => "no_api_access",
            FaultKind::Cloudflare => "cloudflare",
        }
    }
}

impl std::str::FromStr for FaultKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown fault kind {s:?}; known: {}", known.join(", "))
            })
    }
}

impl Serialize for FaultKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for FaultKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    #[serde(default = "any_method")]
    pub method: String,
    pub path: String,
    pub kind: FaultKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// The `message` of a `message` fault's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `status`, `cloudflare` and `reset` only: the request reaches RunCloud first (an
    /// issuing call places its order, which goes on being issued), then its answer is lost
    /// to the fault — a proxy giving up (524), an error after the work was done, a dropped
    /// connection.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_order: bool,
}

fn any_method() -> String {
    "*".into()
}

impl Fault {
    /// `*` matches exactly one segment; a trailing `**` matches whatever is left (even nothing).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let mut pat = self.path.split('/');
        let mut got = path.split('/');
        loop {
            match (pat.next(), got.next()) {
                (Some("**"), _) => return pat.next().is_none(),
                (Some(p), Some(g)) if p == "*" || p == g => {}
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub time: f64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub auth: &'static str,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    pub body: Value,
    pub status: Option<u16>,
    pub connection: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub requests: u64,
    pub connections: u64,
    pub redeploys: u64,
    pub rate_limited: u64,
    pub faults_fired: u64,
    /// Every TCP connection accepted since start, control calls included (never reset).
    pub tcp_accepted: u64,
    /// Certificate orders placed with Let's Encrypt (see `/_sim/orders`).
    pub orders: u64,
    /// Questions the DNS server was asked.
    pub dns_queries: u64,
    /// TLS handshakes on the sites' HTTPS port.
    pub https_handshakes: u64,
}

/// One certificate order: placed when an issuing call arrives, finished when Let's Encrypt
/// is done (`/_sim/orders`).
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: u64,
    /// When the call arrived (the simulator's clock).
    pub time: f64,
    /// When Let's Encrypt is done with it.
    pub due: f64,
    pub api: &'static str,
    pub route: &'static str,
    pub server_id: u64,
    pub webapp_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<u64>,
    pub ssl_id: u64,
    pub names: Vec<String>,
    /// `pending`, `issued` or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The names whose validation failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<String>,
    /// Another order for the same names was already pending or issued when this one arrived,
    /// and that certificate still covered them: an order nobody needed.
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Redeploy {
    pub time: f64,
    pub api: &'static str,
    pub server_id: u64,
    pub webapp_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<u64>,
    pub ssl_id: u64,
    pub route: &'static str,
    pub names: Vec<String>,
}

/// Oldest log entries are dropped beyond this, so a long benchmark cannot exhaust memory.
const LOG_CAP: usize = 200_000;
pub const WINDOW: Duration = Duration::from_secs(60);

pub struct Inner {
    pub state: State,
    pub config: Config,
    pub startup_config: Config,
    pub faults: Vec<Fault>,
    pub next_fault_id: u64,
    pub log: VecDeque<LogEntry>,
    pub next_seq: u64,
    pub counters: Counters,
    pub redeploys: Vec<Redeploy>,
    pub windows: HashMap<String, (Instant, u32)>,
    /// Bumped by every reset so connections are counted again afterwards.
    pub epoch: u64,
    pub dns: crate::dns::DnsTable,
    pub orders: Vec<Order>,
    /// Every certificate Let's Encrypt issued: (time, its names sorted), for the weekly limits.
    pub le_issued: Vec<(f64, Vec<String>)>,
    /// Name → what the HTTPS port serves for it instead of its certificate
    /// (`expired`, `mismatch`, `untrusted`).
    pub tls_overrides: HashMap<String, String>,
}

pub struct Sim {
    inner: Mutex<Inner>,
    pub base_url: String,
    /// What the first line says (`GET /_sim/info`), set once everything listens.
    pub info: std::sync::OnceLock<Value>,
}

pub enum RateCheck {
    Off,
    Ok {
        limit: u32,
        remaining: u32,
    },
    Over {
        limit: u32,
        retry_after: u64,
        reset_at: u64,
    },
}

impl Sim {
    pub fn new(state: State, config: Config, base_url: String) -> Self {
        Sim {
            inner: Mutex::new(Inner {
                state,
                startup_config: config.clone(),
                config,
                faults: Vec::new(),
                next_fault_id: 0,
                log: VecDeque::new(),
                next_seq: 0,
                counters: Counters::default(),
                redeploys: Vec::new(),
                windows: HashMap::new(),
                epoch: 0,
                dns: Default::default(),
                orders: Vec::new(),
                le_issued: Vec::new(),
                tls_overrides: HashMap::new(),
            }),
            base_url,
            info: std::sync::OnceLock::new(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock must not take the whole simulator down.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    pub fn reset(&mut self, state: State) {
        self.state = state;
        self.config = self.startup_config.clone();
        self.faults.clear();
        self.log.clear();
        self.counters = Counters {
            tcp_accepted: self.counters.tcp_accepted,
            ..Counters::default()
        };
        self.redeploys.clear();
        self.windows.clear();
        self.epoch += 1;
        self.dns.clear();
        self.orders.clear();
        self.le_issued.clear();
        self.tls_overrides.clear();
        crate::time::reset_offset();
    }

    /// The first matching fault, consuming one of its `times`.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let idx = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = self.faults[idx].clone();
        if let Some(times) = self.faults[idx].times.as_mut() {
            *times -= 1;
            if *times == 0 {
                self.faults.remove(idx);
            }
        }
        self.counters.faults_fired += 1;
        Some(fault)
    }

    pub fn push_log(&mut self, mut entry: LogEntry) -> u64 {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        if self.log.len() >= LOG_CAP {
            self.log.pop_front();
        }
        self.log.push_back(entry);
        self.next_seq
    }

    pub fn set_log_status(&mut self, seq: u64, status: u16) {
        let Some(first) = self.log.front().map(|e| e.seq) else {
            return;
        };
        if seq < first {
            return;
        }
        if let Some(e) = self.log.get_mut((seq - first) as usize)
            && e.seq == seq
        {
            e.status = Some(status);
        }
    }

    /// Fixed 60 s window per credential, opened by its first request.
    pub fn rate_check(&mut self, key: &str) -> RateCheck {
        let Some(limit) = self.config.rate_limit else {
            return RateCheck::Off;
        };
        let now = Instant::now();
        let window = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        let left = WINDOW.saturating_sub(now.duration_since(window.0));
        if window.1 >= limit {
            self.counters.rate_limited += 1;
            let retry_after = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return RateCheck::Over {
                limit,
                retry_after: retry_after.max(1),
                reset_at: crate::time::now_secs() + retry_after.max(1),
            };
        }
        window.1 += 1;
        RateCheck::Ok {
            limit,
            remaining: limit - window.1,
        }
    }

    pub fn record_redeploy(&mut self, r: Redeploy) {
        self.counters.redeploys += 1;
        self.redeploys.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(method: &str, path: &str) -> Fault {
        Fault {
            id: 0,
            method: method.into(),
            path: path.into(),
            kind: FaultKind::Status,
            status: None,
            ms: None,
            retry_after: None,
            times: None,
            message: None,
            after_order: false,
        }
    }

    #[test]
    fn every_fault_kind_is_known_by_its_name_and_shown_by_it() {
        for kind in FaultKind::ALL {
            assert_eq!(kind.name().parse::<FaultKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.name().into())
            );
        }
        let readme = include_str!("../README.md");
        for kind in FaultKind::ALL {
            assert!(
                readme.contains(&format!("  - `{}` — ", kind.name())),
                "README's Faults section documents {}",
                kind.name()
            );
        }
    }

    #[test]
    fn fault_patterns_match_one_segment_per_star_and_the_rest_for_a_trailing_double_star() {
        let f = fault("POST", "/api/*/servers/*/webapps/*/domains");
        assert!(f.matches("POST", "/api/v3/servers/1/webapps/2/domains"));
        assert!(f.matches("post", "/api/v2/servers/1/webapps/2/domains"));
        assert!(!f.matches("GET", "/api/v3/servers/1/webapps/2/domains"));
        assert!(!f.matches("POST", "/api/v3/servers/1/webapps/2/domains/3"));
        assert!(!f.matches("POST", "/api/v3/servers/1/webapps/domains"));
        let all = fault("*", "/api/**");
        assert!(all.matches("DELETE", "/api/v3/servers/1/webapps/2/domains/3"));
        assert!(all.matches("GET", "/api/"));
        assert!(!all.matches("GET", "/_sim/requests"));
    }
}
