//! The HTTP side: one lazily built, pid-tagged `reqwest::blocking::Client` per php-fpm worker
//! (never built in MINIT, never reused across a fork, keep-alive across the requests the
//! worker serves), and [`Session`], which sends one logical [`Request`]: auth headers,
//! rate-limit pacing, retries, the classification of each attempt, and the decoding of the
//! answer (the `data` envelope removed once, here).

use std::cell::Cell;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::config::{Auth, Config, invalid};
use crate::domain_name::quote;
use crate::error::{Action, Cause, Context, Error, describe_body, truncate};
use crate::retry::{Decision, Failure, Policy, RateWindow, parse_retry_after};

/// The most of one answer the client reads. RunCloud's largest answers (a 40-domain page)
/// are a few KiB; anything near this is not RunCloud and must not fill a php-fpm worker.
pub const MAX_BODY: usize = 8 << 20;

/// Below this much time left, another attempt could not get an answer.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);

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

/// How many clients this process has built (for `php --ri` and keep-alive tests).
static BUILT: Mutex<u64> = Mutex::new(0);

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
        // HTTP(S)_PROXY / ALL_PROXY in the environment must not see the credentials: a
        // loopback `http://` base URL (the simulator, a local tunnel) would otherwise send
        // them in clear text to whatever listens there.
        .no_proxy()
        .connect_timeout(config.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(55))
        .tcp_keepalive(Duration::from_secs(30));
    if let Some(path) = &config.ca_file {
        let shown = format!(
            "{} {}",
            config.name("ca_file"),
            quote(&path.to_string_lossy())
        );
        let pem =
            std::fs::read(path).map_err(|e| invalid(format!("{shown} cannot be read: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| invalid(format!("{shown} is not a PEM bundle: {e}")))?;
        if certs.is_empty() {
            return Err(invalid(format!("{shown} contains no certificate")));
        }
        builder = builder.tls_certs_merge(certs);
    }
    // The client's runtime thread inherits the signal mask in force when it is spawned:
    // block everything so SIGPROF/SIGALRM/SIGTERM meant for PHP never land on it.
    with_signals_blocked(|| builder.build()).map_err(|e| Error::client_setup(&chain(&e)))
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

/// One logical request to RunCloud: what the endpoint functions in `api/` build.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Below the API root: starts with `/`, never ends with one.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Json>,
    pub action: Action,
    /// Orders a certificate: its own budget (`ssl_timeout`), and never repeated after an
    /// attempt that may have reached RunCloud (see [`Policy::issuing`]).
    pub issuing: bool,
}

impl Request {
    pub fn new(method: Method, path: String, action: Action) -> Request {
        debug_assert!(
            path.starts_with('/') && !path.ends_with('/'),
            "bad path {path}"
        );
        Request {
            method,
            path,
            query: Vec::new(),
            body: None,
            action,
            issuing: false,
        }
    }

    /// Marks the request as one that orders a certificate.
    pub fn issuing(mut self) -> Request {
        self.issuing = true;
        self
    }

    pub fn get(path: String, action: Action) -> Request {
        Request::new(Method::GET, path, action)
    }

    pub fn query(mut self, key: &'static str, value: impl ToString) -> Request {
        self.query.push((key, value.to_string()));
        self
    }

    pub fn body(mut self, body: Json) -> Request {
        self.body = Some(body);
        self
    }
}

/// One API conversation: a configuration, the worker's client, and a request counter.
pub struct Session<'c> {
    pub config: &'c Config,
    client: Client,
    api_root: String,
    pacer: Pacer,
    requests: Cell<u64>,
}

/// What one attempt came to.
enum Attempt {
    /// Final, whatever the retry policy would say: a 2xx answer, a redirect, an oversized
    /// or undecodable answer.
    Done(Result<Json, Error>),
    /// A failure the retry policy decides about.
    Failed {
        failure: Failure,
        retry_after: Option<Duration>,
        cause: Cause,
    },
}

impl Attempt {
    fn transport(e: &(dyn StdError + 'static)) -> Attempt {
        let failure = classify(e);
        Attempt::Failed {
            failure,
            retry_after: None,
            cause: Cause::Transport {
                failure,
                detail: chain(e),
            },
        }
    }
}

impl<'c> Session<'c> {
    pub fn new(config: &'c Config) -> Result<Self, Error> {
        let client = shared_client(config)?;
        Ok(Session {
            config,
            client,
            api_root: config.api_root(),
            pacer: Pacer::for_credentials(config),
            requests: Cell::new(0),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.get()
    }

    /// Sends `req` and decodes the answer as `T` (see [`Session::send_with`]).
    pub fn send<T: DeserializeOwned>(&self, req: &Request) -> Result<T, Error> {
        self.send_with(req, |body| {
            serde_json::from_value(body).map_err(|e| e.to_string())
        })
    }

    /// Sends `req` and decodes the answer with `decode`. This is where RunCloud's `data`
    /// envelope around a single object comes off (list answers keep theirs: `data` is the
    /// page), and where an answer of the wrong shape becomes "unexpected answer while …".
    /// An empty body decodes from `null`.
    pub fn send_with<T>(
        &self,
        req: &Request,
        decode: impl FnOnce(Json) -> Result<T, String>,
    ) -> Result<T, Error> {
        let body = unwrap_envelope(self.call(req)?);
        decode(body).map_err(|detail| Error::unexpected_answer(&self.context(req, 0), &detail))
    }

    fn context<'a>(&'a self, req: &'a Request, retries: u32) -> Context<'a> {
        Context {
            config: self.config,
            method: req.method.as_str(),
            path: &req.path,
            action: &req.action,
            retries,
        }
    }

    /// The JSON of a 2xx answer to `req` (`Null` for an empty body), after pacing and the
    /// retries the policy allows within the configured time budget.
    fn call(&self, req: &Request) -> Result<Json, Error> {
        let url = self.url(req);
        let body = req.body.as_ref().map(Json::to_string);
        let policy = Policy {
            max_retries: self.config.retries,
            budget: if req.issuing {
                self.config.ssl_timeout
            } else {
                self.config.timeout
            },
            issuing: req.issuing,
        };
        let start = Instant::now();
        // Time spent pacing for the rate limit is not part of the request's budget.
        let mut paced = Duration::ZERO;
        let mut retries = 0u32;
        loop {
            paced += self.pacer.pace();
            let left = policy
                .budget
                .saturating_sub(start.elapsed().saturating_sub(paced));
            if left < MIN_ATTEMPT {
                return Err(Error::timed_out(&self.context(req, retries), policy.budget));
            }
            let (failure, retry_after, cause) =
                match self.attempt(req, &url, body.as_deref(), left, retries) {
                    Attempt::Done(result) => return result,
                    Attempt::Failed {
                        failure,
                        retry_after,
                        cause,
                    } => (failure, retry_after, cause),
                };
            let spent = start.elapsed().saturating_sub(paced);
            match policy.decide(failure, retries, spent, retry_after, jitter(retries)) {
                Decision::Retry(wait) => {
                    std::thread::sleep(wait);
                    retries += 1;
                    if failure == Failure::Status(429) {
                        // RunCloud's Retry-After is authoritative: do not pace again on top of it.
                        self.pacer.waited();
                    }
                }
                Decision::Stop => return Err(cause.into_error(&self.context(req, retries))),
            }
        }
    }

    /// `{api_root}{path}?{query}`. Our query values are numbers and fixed words: anything
    /// else is dropped rather than encoded.
    fn url(&self, req: &Request) -> String {
        let mut url = format!("{}{}", self.api_root, req.path);
        let pairs: Vec<String> = req
            .query
            .iter()
            .map(|(k, v)| {
                let v: String = v
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                format!("{k}={v}")
            })
            .collect();
        if !pairs.is_empty() {
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        url
    }

    fn authorize(&self, req: RequestBuilder) -> RequestBuilder {
        match &self.config.auth {
            Auth::Token(t) => req.bearer_auth(t.expose()),
            Auth::KeySecret { key, secret } => req.basic_auth(key.expose(), Some(secret.expose())),
        }
    }

    /// One HTTP exchange with `left` of the budget, classified.
    fn attempt(
        &self,
        req: &Request,
        url: &str,
        body: Option<&str>,
        left: Duration,
        retries: u32,
    ) -> Attempt {
        let mut http = self
            .authorize(self.client.request(req.method.clone(), url))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .timeout(left);
        if let Some(b) = body {
            http = http.body(b.to_string());
        }
        self.requests.set(self.requests.get() + 1);
        let sent_at = now_secs();
        match http.send() {
            Ok(resp) => {
                self.pacer.observe(sent_at, resp.headers());
                answer(resp, &self.context(req, retries))
            }
            Err(e) => Attempt::transport(&e),
        }
    }
}

/// Classifies an answer by its status, reading at most [`MAX_BODY`] of it.
fn answer(resp: Response, ctx: &Context<'_>) -> Attempt {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let bytes = match read_capped(resp) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Attempt::Done(Err(Error::too_large(ctx, MAX_BODY))),
        Err(e) => return Attempt::transport(&e),
    };
    match status {
        200..=299 => Attempt::Done(decode_json(&bytes, header(CONTENT_TYPE), ctx)),
        300..=399 => Attempt::Done(Err(Error::redirect(status, header(LOCATION), ctx))),
        _ => {
            let (said, errors) = describe_body(&bytes, header(CONTENT_TYPE));
            Attempt::Failed {
                failure: Failure::Status(status),
                retry_after: header(RETRY_AFTER).and_then(parse_retry_after),
                cause: Cause::Status {
                    status,
                    said,
                    errors,
                },
            }
        }
    }
}

/// The whole body, or `None` when it is longer than [`MAX_BODY`] (announced or read).
fn read_capped(resp: Response) -> std::io::Result<Option<Vec<u8>>> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    resp.take(MAX_BODY as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= MAX_BODY).then_some(bytes))
}

fn decode_json(bytes: &[u8], content_type: Option<&str>, ctx: &Context<'_>) -> Result<Json, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Error::undecodable(ctx, bytes.len(), content_type, &e))
}

/// RunCloud wraps a single object in `data` on some endpoints and not on others: an object
/// whose `data` is an object is that object. (A list's `data` is an array: left as is.)
fn unwrap_envelope(body: Json) -> Json {
    match body {
        Json::Object(mut map) => match map.remove("data") {
            Some(data @ Json::Object(_)) => data,
            Some(other) => {
                map.insert("data".into(), other);
                Json::Object(map)
            }
            None => Json::Object(map),
        },
        other => other,
    }
}

/// Which kind of transport failure `err` is, read from the types in its source chain
/// (reqwest, hyper, rustls, io), never from its text: that holds the URL, whose host or
/// path may contain any word ("tls", "certificate", …).
fn classify(err: &(dyn StdError + 'static)) -> Failure {
    #[derive(Default)]
    struct Seen {
        tls: bool,
        timeout: bool,
        connect: bool,
        fatal: bool,
    }
    fn visit(err: &(dyn StdError + 'static), seen: &mut Seen) {
        let mut next = Some(err);
        while let Some(e) = next {
            seen.tls |= e.is::<rustls::Error>();
            if let Some(r) = e.downcast_ref::<reqwest::Error>() {
                seen.timeout |= r.is_timeout();
                seen.connect |= r.is_connect();
                seen.fatal |= r.is_builder();
            }
            if let Some(h) = e.downcast_ref::<hyper::Error>() {
                seen.timeout |= h.is_timeout();
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                match io.kind() {
                    TimedOut => seen.timeout = true,
                    ConnectionRefused | NotConnected | AddrNotAvailable | HostUnreachable
                    | NetworkUnreachable => seen.connect = true,
                    _ => {}
                }
                // An io::Error's source() is its payload's source, skipping the payload.
                if let Some(payload) = io.get_ref() {
                    visit(payload, seen);
                }
            }
            next = e.source();
        }
    }
    let mut seen = Seen::default();
    visit(err, &mut seen);
    // A failed handshake is also a failed connect: TLS is told apart first.
    if seen.tls {
        Failure::Tls
    } else if seen.timeout {
        Failure::Timeout
    } else if seen.connect {
        Failure::Connect
    } else if seen.fatal {
        Failure::Fatal
    } else {
        // Whatever else breaks a request after it was sent is a broken connection.
        Failure::Reset
    }
}

/// The error and its sources, joined: reqwest's top message alone ("error sending request")
/// hides the cause.
fn chain(e: &dyn StdError) -> String {
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

/// Rate-limit windows per credential (keyed by a hash, never the secret itself).
static RATE: Lazy<Mutex<HashMap<u64, RateWindow>>> = Lazy::new(|| Mutex::new(HashMap::new()));

static CLOCK: Lazy<Instant> = Lazy::new(Instant::now);

fn now_secs() -> f64 {
    CLOCK.elapsed().as_secs_f64()
}

/// Paces requests to RunCloud's rate-limit window of one credential, shared by every
/// session of this process that uses it.
struct Pacer {
    key: u64,
}

impl Pacer {
    fn for_credentials(config: &Config) -> Pacer {
        let mut h = DefaultHasher::new();
        config.base_url.hash(&mut h);
        config.auth.hash(&mut h);
        Pacer { key: h.finish() }
    }

    fn windows() -> std::sync::MutexGuard<'static, HashMap<u64, RateWindow>> {
        RATE.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `X-RateLimit-Limit` / `X-RateLimit-Remaining` of an answer.
    fn observe(&self, sent_at: f64, headers: &HeaderMap) {
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
        Pacer::windows()
            .entry(self.key)
            .or_default()
            .observe(sent_at, limit, remaining);
    }

    /// After a wait the window is fresh.
    fn waited(&self) {
        if let Some(w) = Pacer::windows().get_mut(&self.key) {
            w.waited(now_secs());
        }
    }

    /// Sleeps until RunCloud's window ends when the last answer said no requests remain;
    /// returns how long. Pacing waits are not retries and do not use the time budget.
    fn pace(&self) -> Duration {
        let wait = Pacer::windows()
            .get(&self.key)
            .and_then(|w| w.wait_before_next(now_secs()));
        let Some(wait) = wait else {
            return Duration::ZERO;
        };
        std::thread::sleep(wait);
        self.waited();
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io;

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

    /// An error with a message and an optional source, like reqwest's and hyper's wrappers.
    #[derive(Debug)]
    struct E(&'static str, Option<Box<dyn StdError + Send + Sync>>);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for E {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn error_chains_name_every_cause_once() {
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

    fn wrapped(inner: io::Error) -> E {
        E(
            "error sending request for url (https://tls-certificate-handshake.test/api/v3/x)",
            Some(Box::new(E("client error (Connect)", Some(Box::new(inner))))),
        )
    }

    #[test]
    fn transport_failures_are_classified_by_type_never_by_the_words_in_the_url() {
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        for (err, expected) in [
            (wrapped(tls), Failure::Tls),
            (
                wrapped(io::Error::from(io::ErrorKind::ConnectionRefused)),
                Failure::Connect,
            ),
            (
                wrapped(io::Error::from(io::ErrorKind::TimedOut)),
                Failure::Timeout,
            ),
            (
                wrapped(io::Error::from(io::ErrorKind::ConnectionReset)),
                Failure::Reset,
            ),
            (
                wrapped(io::Error::other(
                    "peer closed connection without sending TLS close_notify",
                )),
                Failure::Reset,
            ),
        ] {
            assert_eq!(classify(&err), expected, "{}", chain(&err));
        }
    }

    #[test]
    fn the_data_envelope_comes_off_single_objects_only() {
        assert_eq!(
            unwrap_envelope(json!({"data": {"id": 1}})),
            json!({"id": 1})
        );
        let page = json!({"data": [{"id": 1}], "meta": {}});
        assert_eq!(unwrap_envelope(page.clone()), page);
        let bare = json!({"id": 1, "data": null});
        assert_eq!(unwrap_envelope(bare.clone()), bare);
        assert_eq!(unwrap_envelope(Json::Null), Json::Null);
    }
}
