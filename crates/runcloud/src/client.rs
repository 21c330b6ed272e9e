//! The HTTP side: one lazily built, pid-tagged `reqwest::blocking::Client` per php-fpm worker
//! (never built in MINIT, never reused across a fork, keep-alive across the requests the
//! worker serves), and [`Session::call`], which sends one logical request with auth headers,
//! retries, rate-limit pacing and status checking.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use reqwest::Method;
use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::Value as Json;

use crate::config::{Auth, Config};
use crate::domain_name::quote;
use crate::error::{Error, NON_JSON, describe_body, truncate};
use crate::retry::{Decision, Failure, Policy, RateWindow};

/// Clients differ only by what must be fixed at build time: extra CA and connect timeout.
/// The CA file's size and mtime are part of the key, so a replaced file is picked up.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    ca_file: Option<(PathBuf, u64, Option<std::time::SystemTime>)>,
    connect_timeout_ms: u128,
}

type Pool = (u32, HashMap<ClientKey, Client>);

/// `(owner pid, clients)`. A fork copies this memory but not the runtime threads the clients
/// need, so a child that finds another pid here leaks the inherited clients (dropping them
/// would join a thread that does not exist in this process) and builds its own.
static CLIENTS: Mutex<Option<Pool>> = Mutex::new(None);

/// Rate-limit windows per credential (keyed by a hash, never the secret itself).
static RATE: Lazy<Mutex<HashMap<u64, RateWindow>>> = Lazy::new(|| Mutex::new(HashMap::new()));

static CLOCK: Lazy<Instant> = Lazy::new(Instant::now);

/// How many clients this process has built (for `php --ri` and keep-alive tests).
static BUILT: Mutex<u64> = Mutex::new(0);

fn now_secs() -> f64 {
    CLOCK.elapsed().as_secs_f64()
}

fn user_agent() -> String {
    format!("wu-runcloud/{} (+php-extension)", env!("CARGO_PKG_VERSION"))
}

/// Returns this worker's client for `config`, building it on first use in this pid.
fn shared_client(config: &Config) -> Result<Client, Error> {
    let key = ClientKey {
        ca_file: config.ca_file.as_ref().map(|p| {
            let meta = std::fs::metadata(p).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            (p.clone(), len, meta.and_then(|m| m.modified().ok()))
        }),
        connect_timeout_ms: config.connect_timeout.as_millis(),
    };
    let pid = std::process::id();
    let mut guard = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_some_and(|(owner, _)| *owner != pid)
        && let Some(inherited) = guard.take()
    {
        std::mem::forget(inherited);
    }
    let (_, clients) = guard.get_or_insert_with(|| (pid, HashMap::new()));
    if let Some(c) = clients.get(&key) {
        return Ok(c.clone());
    }
    let client = build_client(config)?;
    clients.insert(key, client.clone());
    *BUILT.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    Ok(client)
}

fn build_client(config: &Config) -> Result<Client, Error> {
    let mut builder = Client::builder()
        .user_agent(user_agent())
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(55))
        .tcp_keepalive(Duration::from_secs(30));
    if let Some(path) = &config.ca_file {
        let shown = quote(&path.to_string_lossy());
        let pem = std::fs::read(path).map_err(|e| {
            Error::InvalidArgument(format!(
                "invalid RunCloud configuration: ca_file {shown} cannot be read: {e}"
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::InvalidArgument(format!(
                "invalid RunCloud configuration: ca_file {shown} is not a PEM bundle: {e}"
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "invalid RunCloud configuration: ca_file {shown} contains no certificate"
            )));
        }
        builder = builder.tls_certs_merge(certs);
    }
    // The client's runtime thread inherits the signal mask in force when it is spawned:
    // block everything so SIGPROF/SIGALRM/SIGTERM meant for PHP never land on it.
    with_signals_blocked(|| builder.build()).map_err(|e| Error::Transport {
        message: format!("could not create the HTTP client: {}", chain(&e)),
    })
}

fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigset_t is plain data; pthread_sigmask only reads/writes the sets we pass.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        let blocked = libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old) == 0;
        let r = f();
        if blocked {
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        }
        r
    }
}

/// Drops this process's clients (joining their threads) and forgets inherited ones.
/// Called from MSHUTDOWN; never panics.
pub fn shutdown() {
    let taken = match CLIENTS.lock() {
        Ok(mut g) => g.take(),
        Err(p) => p.into_inner().take(),
    };
    match taken {
        Some((owner, clients)) if owner == std::process::id() => drop(clients),
        Some(inherited) => std::mem::forget(inherited),
        None => {}
    }
}

/// Number of HTTP clients this process has built so far (keep-alive diagnostics).
pub fn clients_built() -> u64 {
    *BUILT.lock().unwrap_or_else(|p| p.into_inner())
}

/// One API conversation: a configuration, the worker's client, and a request counter.
pub struct Session<'c> {
    pub config: &'c Config,
    client: Client,
    api_root: String,
    rate_key: u64,
    requests: Cell<u64>,
}

/// The path and description of one logical request, for messages.
struct Ctx<'a> {
    method: &'a Method,
    path: &'a str,
    action: &'a str,
}

impl<'c> Session<'c> {
    pub fn new(config: &'c Config) -> Result<Self, Error> {
        let client = shared_client(config)?;
        let mut h = DefaultHasher::new();
        config.base_url.hash(&mut h);
        config.auth.hash(&mut h);
        Ok(Session {
            config,
            client,
            api_root: config.api_root(),
            rate_key: h.finish(),
            requests: Cell::new(0),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.get()
    }

    pub fn get(&self, path: &str, query: &[(&str, String)], action: &str) -> Result<Json, Error> {
        self.call(Method::GET, path, query, None, action)
    }

    /// Sends one logical request to `{api_root}{path}` and returns the decoded JSON body of
    /// a 2xx answer (`Null` for an empty body). `path` starts with `/` and never ends with one.
    /// Non-2xx answers become `Error::Api` after the retry policy gave up.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Json>,
        action: &str,
    ) -> Result<Json, Error> {
        debug_assert!(
            path.starts_with('/') && !path.ends_with('/'),
            "bad path {path}"
        );
        let ctx = Ctx {
            method: &method,
            path,
            action,
        };
        let mut url = format!("{}{}", self.api_root, path.trim_end_matches('/'));
        if !query.is_empty() {
            // Our query values are numbers and fixed words: no encoding needed beyond this check.
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.replace(
                            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                            ""
                        )
                    )
                })
                .collect();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        let policy = Policy {
            max_retries: self.config.retries,
            budget: self.config.timeout,
        };
        let body_bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_else(|_| b"{}".to_vec()));
        let start = Instant::now();
        // Time spent pacing for the rate limit is not part of the request's budget.
        let mut paced = Duration::ZERO;
        let mut retries = 0u32;
        loop {
            paced += self.pace();
            let left = policy
                .budget
                .saturating_sub(start.elapsed().saturating_sub(paced));
            if left < Duration::from_millis(10) {
                return Err(timeout_error(&ctx, self.config, retries));
            }
            let mut req = self
                .client
                .request(method.clone(), &url)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/json")
                .timeout(left);
            req = match &self.config.auth {
                Auth::Token(t) => req.bearer_auth(t.expose()),
                Auth::KeySecret { key, secret } => {
                    req.basic_auth(key.expose(), Some(secret.expose()))
                }
            };
            if let Some(b) = &body_bytes {
                req = req.body(b.clone());
            }
            self.requests.set(self.requests.get() + 1);
            let sent_at = now_secs();

            let (failure, retry_after, err) = match req.send() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    self.observe_rate(sent_at, &headers);
                    match resp.bytes() {
                        Ok(bytes) => match status {
                            200..=299 => return decode_success(&bytes, &headers, &ctx),
                            300..=399 => return Err(redirect_error(status, &headers, &ctx)),
                            _ => {
                                let retry_after = headers
                                    .get(RETRY_AFTER)
                                    .and_then(|v| v.to_str().ok())
                                    .and_then(crate::retry::parse_retry_after);
                                let ctype = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                                let (message, errors) = describe_body(&bytes, ctype);
                                (
                                    Failure::Status(status),
                                    retry_after,
                                    ErrorParts::Api {
                                        status,
                                        message,
                                        errors,
                                    },
                                )
                            }
                        },
                        Err(e) => classify(&e),
                    }
                }
                Err(e) => classify(&e),
            };
            match policy.decide(
                failure,
                retries,
                start.elapsed().saturating_sub(paced),
                retry_after,
                jitter(retries),
            ) {
                Decision::Retry(wait) => {
                    std::thread::sleep(wait);
                    retries += 1;
                    if failure == Failure::Status(429) {
                        // RunCloud's Retry-After is authoritative: do not pace again on top of it.
                        self.reset_window();
                    }
                }
                Decision::Stop => return Err(err.into_error(&ctx, self.config, retries, failure)),
            }
        }
    }

    fn observe_rate(&self, sent_at: f64, headers: &HeaderMap) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        let (limit, remaining) = (num("x-ratelimit-limit"), num("x-ratelimit-remaining"));
        if remaining.is_none() {
            return;
        }
        let mut map = RATE.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(self.rate_key)
            .or_default()
            .observe(sent_at, limit, remaining);
    }

    fn reset_window(&self) {
        let mut map = RATE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = map.get_mut(&self.rate_key) {
            w.waited(now_secs());
        }
    }

    /// Sleeps until RunCloud's window ends when the last answer said no requests remain.
    /// Pacing waits are not retries and do not use the request's time budget.
    fn pace(&self) -> Duration {
        let wait = {
            let map = RATE.lock().unwrap_or_else(|p| p.into_inner());
            map.get(&self.rate_key)
                .and_then(|w| w.wait_before_next(now_secs()))
        };
        if let Some(wait) = wait {
            std::thread::sleep(wait);
            self.reset_window();
            return wait;
        }
        Duration::ZERO
    }
}

/// Jitter in `[0, 1)` from the clock, the pid and the attempt number (no RNG crate needed).
fn jitter(attempt: u32) -> f64 {
    let mut h = DefaultHasher::new();
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        .hash(&mut h);
    std::process::id().hash(&mut h);
    attempt.hash(&mut h);
    (h.finish() % 1_000_000) as f64 / 1_000_000.0
}

enum ErrorParts {
    Api {
        status: u16,
        message: Option<String>,
        errors: crate::error::FieldErrors,
    },
    Transport(String),
}

impl ErrorParts {
    fn into_error(self, ctx: &Ctx<'_>, config: &Config, retries: u32, failure: Failure) -> Error {
        let after = match retries {
            0 => String::new(),
            1 => " after 1 retry".to_string(),
            n => format!(" after {n} retries"),
        };
        match self {
            ErrorParts::Transport(detail) => {
                let what = match failure {
                    Failure::Connect => "could not connect to",
                    Failure::Timeout => "timed out waiting for",
                    Failure::Reset => "lost the connection to",
                    _ => "failed to talk to",
                };
                Error::Transport {
                    message: format!(
                        "{what} RunCloud at {} while {}{after} ({} {}): {detail}",
                        config.base_url, ctx.action, ctx.method, ctx.path
                    ),
                }
            }
            ErrorParts::Api {
                status,
                message,
                errors,
            } => {
                let said = match message {
                    Some(m) if m.starts_with(NON_JSON) => format!(": RunCloud sent {m}"),
                    Some(m) => format!(": RunCloud said \"{m}\""),
                    None => String::new(),
                };
                let message = match status {
                    401 | 403 => {
                        let hint = match (&config.auth, status) {
                            (_, 403) => {
                                " (the credentials lack permission, or the server's IP is not in the API allow-list)"
                            }
                            (Auth::KeySecret { .. }, _) => {
                                " (RunCloud now issues API v3 tokens: if this key pair was retired, create a token and set api_token)"
                            }
                            (Auth::Token(_), _) => {
                                " (check the token in Workspace > Settings > API Management and the IP allow-list)"
                            }
                        };
                        format!(
                            "RunCloud rejected {} with HTTP {status} while {}{said}{hint}",
                            config.auth.describe(),
                            ctx.action
                        )
                    }
                    404 => format!(
                        "RunCloud answered HTTP 404 (not found) while {} ({} {}){said}; check server_id {} and app_id {}",
                        ctx.action, ctx.method, ctx.path, config.server_id, config.app_id
                    ),
                    422 => {
                        let fields: Vec<String> = errors
                            .iter()
                            .map(|(f, msgs)| format!("{f}: {}", msgs.join(" ")))
                            .collect();
                        let fields = if fields.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", fields.join("; "))
                        };
                        format!(
                            "RunCloud refused {} with HTTP 422{said}{fields}",
                            ctx.action
                        )
                    }
                    429 => format!(
                        "RunCloud rate limit (HTTP 429) still in force while {}{after}{said}",
                        ctx.action
                    ),
                    500..=599 => format!(
                        "RunCloud answered HTTP {status} while {}{after} ({} {}){said}",
                        ctx.action, ctx.method, ctx.path
                    ),
                    _ => format!(
                        "RunCloud answered HTTP {status} while {} ({} {}){said}",
                        ctx.action, ctx.method, ctx.path
                    ),
                };
                Error::Api {
                    status,
                    message,
                    errors,
                }
            }
        }
    }
}

fn classify(e: &reqwest::Error) -> (Failure, Option<Duration>, ErrorParts) {
    let detail = chain(e);
    let lower = detail.to_lowercase();
    let failure =
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            Failure::Fatal
        } else if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect
        } else {
            Failure::Reset
        };
    (failure, None, ErrorParts::Transport(detail))
}

/// The error and its sources, joined: reqwest's top message alone ("error sending request")
/// hides the cause.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        src = s.source();
    }
    truncate(&parts.join(": "), 400)
}

fn timeout_error(ctx: &Ctx<'_>, config: &Config, retries: u32) -> Error {
    Error::Transport {
        message: format!(
            "timed out: no answer from RunCloud at {} within the {:.1} s budget while {} ({} {}){}",
            config.base_url,
            config.timeout.as_secs_f64(),
            ctx.action,
            ctx.method,
            ctx.path,
            if retries > 0 {
                format!(" after {retries} retries")
            } else {
                String::new()
            }
        ),
    }
}

fn decode_success(bytes: &[u8], headers: &HeaderMap, ctx: &Ctx<'_>) -> Result<Json, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let ctype = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no content type");
        Error::Transport {
            message: format!(
                "RunCloud's answer could not be decoded as JSON while {} ({} {}; {} bytes of {ctype}): {e}",
                ctx.action,
                ctx.method,
                ctx.path,
                bytes.len()
            ),
        }
    })
}

fn redirect_error(status: u16, headers: &HeaderMap, ctx: &Ctx<'_>) -> Error {
    let location = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no Location header");
    Error::Api {
        status,
        message: format!(
            "RunCloud answered with a redirect (HTTP {status} to {}) while {} ({} {}); redirects are not followed: check base_url and that API access is enabled for the account",
            quote(&truncate(location, 200)),
            ctx.action,
            ctx.method,
            ctx.path
        ),
        errors: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_the_unit_interval_and_varies() {
        let values: Vec<f64> = (0..50).map(jitter).collect();
        assert!(values.iter().all(|j| (0.0..1.0).contains(j)), "{values:?}");
        let distinct = values
            .iter()
            .map(|v| (v * 1e6) as u64)
            .collect::<std::collections::BTreeSet<_>>();
        assert!(
            distinct.len() > 10,
            "jitter should vary between attempts: {values:?}"
        );
    }

    #[test]
    fn error_chains_name_every_cause_once() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let e = E(
            "error sending request",
            Some(Box::new(E(
                "tcp connect error",
                Some(Box::new(E("Connection refused", None))),
            ))),
        );
        assert_eq!(
            chain(&e),
            "error sending request: tcp connect error: Connection refused"
        );
    }
}
