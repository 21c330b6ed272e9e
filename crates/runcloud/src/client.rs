//! The HTTP side: one lazily built, pid-tagged `reqwest::Client` per php-fpm worker on a
//! current-thread tokio runtime that the PHP thread itself drives while it waits for an
//! answer (no second thread: nothing to hand each request to and back, nothing to lose across
//! a fork, nothing for PHP's signals to land on; never built in MINIT, never reused across a
//! fork, keep-alive across the requests the worker serves), and [`Session`], which sends one
//! logical [`Request`]: auth headers, rate-limit pacing, retries, the classification of each
//! attempt, and the decoding of the answer (the `data` envelope removed once, here).

use std::cell::Cell;
use std::error::Error as StdError;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
};
use reqwest::{Client, RequestBuilder, Response};
use reqwest::{Method, Url};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value as Json;
use tokio::runtime::Runtime;

use crate::config::{Auth, CaStamp, Config, invalid};
use crate::domain_name::quote;
use crate::error::{Action, Cause, Context, Error, describe_body, truncate, without_position};
use crate::retry::{Decision, Failure, Policy, RateWindow, parse_retry_after};

/// The most of one answer the client reads. RunCloud's largest answers (a 40-domain page)
/// are a few KiB; anything near this is not RunCloud and must not fill a php-fpm worker.
pub const MAX_BODY: usize = 8 << 20;

/// Below this much time left, another attempt could not get an answer.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);

/// Clients differ only by what must be fixed at build time: extra CA and connect timeout.
/// The CA file's size and mtime as the configuration was parsed are part of the key, so a
/// replaced file is picked up by the next parse.
#[derive(Clone, PartialEq, Eq)]
struct ClientKey {
    ca_file: Option<PathBuf>,
    ca_stamp: Option<CaStamp>,
    connect_timeout_ms: u128,
}

impl ClientKey {
    /// Whether this key is `config`'s (compared in place: no path is copied to look a
    /// client up).
    fn is(&self, config: &Config) -> bool {
        self.connect_timeout_ms == config.connect_timeout.as_millis()
            && self.ca_file == config.ca_file
            && self.ca_stamp == config.ca_stamp
    }

    fn of(config: &Config) -> ClientKey {
        ClientKey {
            ca_file: config.ca_file.clone(),
            ca_stamp: config.ca_stamp,
            connect_timeout_ms: config.connect_timeout.as_millis(),
        }
    }
}

/// What a worker's requests run on: its runtime and its clients (one or two, so a list
/// beats a map).
struct Pool {
    /// The pid that built it.
    owner: u32,
    runtime: Arc<Runtime>,
    clients: Vec<(ClientKey, Client)>,
}

/// A fork copies this memory and the runtime's file descriptors (its epoll instance, the
/// pooled connections' sockets), which the parent keeps using: a child that finds another
/// pid here leaks the inherited pool (dropping it would shut down connections that are the
/// parent's) and builds its own.
static CLIENTS: Mutex<Option<Pool>> = Mutex::new(None);

/// How many clients this process has built (for `php --ri` and keep-alive tests).
static BUILT: Mutex<u64> = Mutex::new(0);

fn user_agent() -> String {
    format!("wu-runcloud/{} (+php-extension)", env!("CARGO_PKG_VERSION"))
}

/// Returns this worker's client for `config` and the runtime it runs on, building them on
/// first use in this pid.
fn shared_client(config: &Config) -> Result<(Client, Arc<Runtime>), Error> {
    let pid = std::process::id();
    let mut guard = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_some_and(|pool| pool.owner != pid)
        && let Some(inherited) = guard.take()
    {
        std::mem::forget(inherited);
    }
    let pool = match &mut *guard {
        Some(pool) => pool,
        empty => empty.insert(Pool {
            owner: pid,
            runtime: Arc::new(build_runtime()?),
            clients: Vec::new(),
        }),
    };
    if let Some((_, c)) = pool.clients.iter().find(|(k, _)| k.is(config)) {
        return Ok((c.clone(), pool.runtime.clone()));
    }
    let client = {
        // hyper-util's connector and timers register with the runtime they are built in.
        let _in_runtime = pool.runtime.enter();
        build_client(config)?
    };
    pool.clients.push((ClientKey::of(config), client.clone()));
    *BUILT.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    Ok((client, pool.runtime.clone()))
}

/// A current-thread runtime with I/O and timers: it runs only inside `block_on`, on the
/// thread that calls it (the PHP thread), and spawns no thread of its own.
fn build_runtime() -> Result<Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::client_setup(&chain(&e)))
}

/// Host names are looked up by the system's resolver (`getaddrinfo`: /etc/hosts, nsswitch,
/// resolv.conf), as libcurl and reqwest's own resolver do, on a short-lived thread with every
/// signal blocked, so that the connect timeout also bounds a resolver that hangs. Only a new
/// connection to a host name looks up (an IP address never does).
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let host = name.as_str().to_owned();
        let spawned = with_signals_blocked(|| {
            std::thread::Builder::new()
                .name("wu-runcloud-dns".into())
                .spawn(move || {
                    let found = (host.as_str(), 0)
                        .to_socket_addrs()
                        .map(|addrs| addrs.collect::<Vec<SocketAddr>>());
                    let _ = tx.send(found);
                })
        });
        Box::pin(async move {
            spawned?;
            let addrs = rx.await.map_err(|_| {
                std::io::Error::other("the resolver thread ended without an answer")
            })??;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
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
        .tcp_keepalive(Duration::from_secs(30))
        .dns_resolver(Arc::new(SystemResolver));
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
    builder.build().map_err(|e| Error::client_setup(&chain(&e)))
}

/// Runs `f` with every signal blocked in this thread: a thread spawned inside inherits that
/// mask, so SIGPROF/SIGALRM/SIGTERM meant for PHP never land on it.
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

/// Drops this process's clients and runtime (closing its connections) and forgets inherited
/// ones. Called from MSHUTDOWN; never panics.
pub fn shutdown() {
    let taken = match CLIENTS.lock() {
        Ok(mut g) => g.take(),
        Err(p) => p.into_inner().take(),
    };
    match taken {
        Some(pool) if pool.owner == std::process::id() => drop(pool),
        Some(inherited) => std::mem::forget(inherited),
        None => {}
    }
}

/// Number of HTTP clients this process has built so far (keep-alive diagnostics).
pub fn clients_built() -> u64 {
    *BUILT.lock().unwrap_or_else(|p| p.into_inner())
}

/// What every request of one configuration shares, worked out once when the configuration
/// is parsed (`Config::endpoint`), so a request only adds its own path.
#[derive(Clone, PartialEq)]
pub struct Endpoint {
    /// `https://host[:port]`: each request's URL is parsed against it, so only the request's
    /// own path and query are parsed (never the host again).
    origin: Url,
    /// `[/prefix]/api/v3` or `…/api/v2`.
    root_path: String,
    /// `Authorization`, marked sensitive. `None` for a credential that cannot be a header
    /// value: the request then fails on it as reqwest words it.
    authorization: Option<HeaderValue>,
    /// The credential's rate-limit window: a hash, never the secret.
    rate_key: u64,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Endpoint({}{})",
            self.origin.as_str().trim_end_matches('/'),
            self.root_path
        )
    }
}

impl Endpoint {
    /// `base_url` as `Config` normalised it (no trailing slash, no `/api/vN`).
    pub(crate) fn new(base_url: &str, auth: &Auth) -> Result<Endpoint, Error> {
        let origin = Url::parse(base_url).map_err(|e| {
            invalid(format!(
                "the API root {} is not a valid URL: {e}",
                quote(base_url)
            ))
        })?;
        let root_path = format!(
            "{}/api/{}",
            origin.path().trim_end_matches('/'),
            auth.api_version()
        );
        let authorization = match auth {
            Auth::Token(t) => HeaderValue::from_str(&format!("Bearer {}", t.expose())).ok(),
            Auth::KeySecret { key, secret } => {
                use base64::Engine;
                let pair = format!("{}:{}", key.expose(), secret.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                HeaderValue::from_str(&format!("Basic {encoded}")).ok()
            }
        }
        .map(|mut v| {
            v.set_sensitive(true);
            v
        });
        let mut h = DefaultHasher::new();
        base_url.hash(&mut h);
        auth.hash(&mut h);
        Ok(Endpoint {
            origin,
            root_path,
            authorization,
            rate_key: h.finish(),
        })
    }

    /// `{root}{path}?{query}` parsed against the origin. Our query values are numbers and
    /// fixed words: anything else in them is dropped rather than encoded.
    fn url(&self, req: &Request) -> Result<Url, String> {
        let mut s = String::with_capacity(self.root_path.len() + req.path.len() + 32);
        s.push_str(&self.root_path);
        s.push_str(&req.path);
        for (i, (k, v)) in req.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.extend(
                v.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_'),
            );
        }
        // `s` starts with one `/` (an absolute path), so only the origin is taken from it.
        Url::options()
            .base_url(Some(&self.origin))
            .parse(&s)
            .map_err(|e| format!("cannot make a URL of {}: {e}", quote(&s)))
    }
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
    runtime: Arc<Runtime>,
    pacer: Pacer,
    requests: Cell<u64>,
}

/// A 2xx answer as read: its bytes, what it said it was, and after how many retries.
struct Body {
    bytes: Vec<u8>,
    content_type: Option<HeaderValue>,
    retries: u32,
}

impl Body {
    fn content_type(&self) -> Option<&str> {
        self.content_type.as_ref().and_then(|v| v.to_str().ok())
    }
}

/// What one attempt came to.
enum Attempt {
    /// Final, whatever the retry policy would say: a 2xx answer, a redirect, an oversized
    /// answer.
    Done(Result<Body, Error>),
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
        let (client, runtime) = shared_client(config)?;
        Ok(Session {
            config,
            client,
            runtime,
            pacer: Pacer {
                key: config.endpoint.rate_key,
            },
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
        let body = self.call(req)?;
        let json = if body.bytes.iter().all(u8::is_ascii_whitespace) {
            Json::Null
        } else {
            serde_json::from_slice(&body.bytes).map_err(|e| {
                Error::undecodable(
                    &self.context(req, body.retries),
                    body.bytes.len(),
                    body.content_type(),
                    &e,
                )
            })?
        };
        decode(unwrap_envelope(json))
            .map_err(|detail| Error::unexpected_answer(&self.context(req, 0), &detail))
    }

    /// Sends `req` and decodes the answer's bytes with `decode` straight into its type, with
    /// no `serde_json::Value` in between (for answers that are read often: a list's pages).
    /// Failures read as with [`Session::send_with`]: a body that is not JSON is undecodable,
    /// one of another shape is an unexpected answer, worded without serde's position.
    pub fn send_decoded<T>(
        &self,
        req: &Request,
        decode: impl FnOnce(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Result<T, Error> {
        let body = self.call(req)?;
        decode(&body.bytes).map_err(|e| match decode_failure(&body.bytes, &e) {
            DecodeFailure::NotJson(syntax) => Error::undecodable(
                &self.context(req, body.retries),
                body.bytes.len(),
                body.content_type(),
                &syntax,
            ),
            DecodeFailure::Shape(detail) => {
                Error::unexpected_answer(&self.context(req, 0), &detail)
            }
        })
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

    /// The body of a 2xx answer to `req`, after pacing and the retries the policy allows
    /// within the configured time budget.
    fn call(&self, req: &Request) -> Result<Body, Error> {
        let url = self.config.endpoint.url(req);
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

    fn authorize(&self, req: RequestBuilder) -> RequestBuilder {
        if let Some(value) = &self.config.endpoint.authorization {
            return req.header(AUTHORIZATION, value.clone());
        }
        match &self.config.auth {
            Auth::Token(t) => req.bearer_auth(t.expose()),
            Auth::KeySecret { key, secret } => req.basic_auth(key.expose(), Some(secret.expose())),
        }
    }

    /// One HTTP exchange with `left` of the budget, classified.
    fn attempt(
        &self,
        req: &Request,
        url: &Result<Url, String>,
        body: Option<&str>,
        left: Duration,
        retries: u32,
    ) -> Attempt {
        let url = match url {
            Ok(url) => url.clone(),
            Err(detail) => {
                return Attempt::Failed {
                    failure: Failure::Fatal,
                    retry_after: None,
                    cause: Cause::Transport {
                        failure: Failure::Fatal,
                        detail: detail.clone(),
                    },
                };
            }
        };
        let mut http = self
            .authorize(self.client.request(req.method.clone(), url))
            .header(ACCEPT, JSON.clone())
            .header(CONTENT_TYPE, JSON.clone())
            .timeout(left);
        if let Some(b) = body {
            http = http.body(b.to_string());
        }
        self.requests.set(self.requests.get() + 1);
        let sent_at = now_secs();
        let ctx = self.context(req, retries);
        // The PHP thread runs the runtime until the answer is read: the request, and whatever
        // the pooled connections' tasks have to do, run here, in this thread.
        self.runtime.block_on(async {
            settle_pool().await;
            match http.send().await {
                Ok(resp) => {
                    self.pacer.observe(sent_at, resp.headers());
                    answer(resp, &ctx, retries).await
                }
                Err(e) => Attempt::transport(&e),
            }
        })
    }
}

/// Why a body could not be decoded into its type.
#[derive(Debug)]
pub(crate) enum DecodeFailure {
    /// It is not JSON at all (serde's error on the body alone, as a `Value` would have got).
    NotJson(serde_json::Error),
    /// It is JSON of another shape: what was wrong, without serde's position.
    Shape(String),
}

/// Tells a body that is not JSON from JSON of the wrong shape, whichever error decoding
/// met first (an item can fail on its shape before the body's end is seen to be missing).
pub(crate) fn decode_failure(bytes: &[u8], e: &serde_json::Error) -> DecodeFailure {
    match serde_json::from_slice::<IgnoredAny>(bytes) {
        Err(syntax) if !bytes.iter().all(u8::is_ascii_whitespace) => DecodeFailure::NotJson(syntax),
        _ => DecodeFailure::Shape(without_position(&e.to_string()).to_string()),
    }
}

/// The runtime runs only while a request is in flight, so a kept-alive connection that the
/// server closed in between (an idle timeout, a restart) is noticed only when it runs again.
/// Before a request takes a connection from the pool, this lets the runtime poll its sockets
/// (the first yield) and run the connection tasks that woke up (the second), so a closed
/// connection has left the pool and the request opens a new one instead of being written
/// into a dead socket (which, for an order of a certificate, would be a failure that is
/// never retried). Two polls of epoll with no wait: a few microseconds.
async fn settle_pool() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// `application/json`, the type of everything sent and asked for.
static JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Classifies an answer by its status, reading at most [`MAX_BODY`] of it. Only the
/// headers a verdict needs are kept (no copy of the header map).
async fn answer(resp: Response, ctx: &Context<'_>, retries: u32) -> Attempt {
    let status = resp.status().as_u16();
    let header = |name| resp.headers().get(name).cloned();
    let (content_type, location, retry_after) = match status {
        200..=299 => (header(CONTENT_TYPE), None, None),
        300..=399 => (header(CONTENT_TYPE), header(LOCATION), None),
        _ => (header(CONTENT_TYPE), None, header(RETRY_AFTER)),
    };
    let bytes = match read_capped(resp).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Attempt::Done(Err(Error::too_large(ctx, MAX_BODY))),
        Err(e) => return Attempt::transport(&e),
    };
    fn text(v: &Option<HeaderValue>) -> Option<&str> {
        v.as_ref().and_then(|v| v.to_str().ok())
    }
    match status {
        200..=299 => Attempt::Done(Ok(Body {
            bytes,
            content_type,
            retries,
        })),
        300..=399 => Attempt::Done(Err(Error::redirect(status, text(&location), ctx))),
        _ => {
            let (said, errors) = describe_body(&bytes, text(&content_type));
            Attempt::Failed {
                failure: Failure::Status(status),
                retry_after: text(&retry_after).and_then(parse_retry_after),
                cause: Cause::Status {
                    status,
                    said,
                    errors,
                },
            }
        }
    }
}

/// The whole body, or `None` when it is longer than [`MAX_BODY`] (announced or read). A
/// body of announced length is taken in one piece; one without is read in chunks up to the
/// cap.
async fn read_capped(mut resp: Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    match resp.content_length() {
        Some(n) if n > MAX_BODY as u64 => Ok(None),
        // hyper never delivers more than the announced length.
        Some(_) => resp.bytes().await.map(|b| Some(Vec::from(b))),
        None => {
            let mut bytes = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if bytes.len() + chunk.len() > MAX_BODY {
                    return Ok(None);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Some(bytes))
        }
    }
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

/// Rate-limit windows per credential (keyed by a hash, never the secret itself); a worker
/// uses one or two credentials, so a list beats a map.
static RATE: Mutex<Vec<(u64, RateWindow)>> = Mutex::new(Vec::new());

static CLOCK: Lazy<Instant> = Lazy::new(Instant::now);

fn now_secs() -> f64 {
    CLOCK.elapsed().as_secs_f64()
}

/// Paces requests to RunCloud's rate-limit window of one credential, shared by every
/// session of this process that uses it.
struct Pacer {
    key: u64,
}

static X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

impl Pacer {
    /// This credential's window, if an answer has described one.
    fn with_window<T>(&self, f: impl FnOnce(Option<&mut RateWindow>) -> T) -> T {
        let mut windows = RATE.lock().unwrap_or_else(|p| p.into_inner());
        f(windows
            .iter_mut()
            .find(|(k, _)| *k == self.key)
            .map(|(_, w)| w))
    }

    /// Records `X-RateLimit-Limit` / `X-RateLimit-Remaining` of an answer.
    fn observe(&self, sent_at: f64, headers: &HeaderMap) {
        let num = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        let remaining = num(&X_RATELIMIT_REMAINING);
        if remaining.is_none() {
            return;
        }
        let limit = num(&X_RATELIMIT_LIMIT);
        let mut windows = RATE.lock().unwrap_or_else(|p| p.into_inner());
        let i = match windows.iter().position(|(k, _)| *k == self.key) {
            Some(i) => i,
            None => {
                windows.push((self.key, RateWindow::default()));
                windows.len() - 1
            }
        };
        windows[i].1.observe(sent_at, limit, remaining);
    }

    /// After a wait the window is fresh.
    fn waited(&self) {
        self.with_window(|w| {
            if let Some(w) = w {
                w.waited(now_secs());
            }
        });
    }

    /// Sleeps until RunCloud's window ends when the last answer said no requests remain;
    /// returns how long. Pacing waits are not retries and do not use the time budget.
    fn pace(&self) -> Duration {
        let wait = self.with_window(|w| w.and_then(|w| w.wait_before_next(now_secs())));
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

    #[test]
    fn a_request_url_is_the_api_root_its_path_and_its_query_as_one_string_parses() {
        use crate::config::Defaults;
        use crate::value::Value;
        for (base, auth) in [
            ("https://manage.runcloud.io", ("api_token", "t")),
            ("http://127.0.0.1:8080", ("api_token", "t")),
            ("http://[::1]:9000/prefix/", ("api_key", "k")),
            ("https://Host.Example:8443/a/b/api/v3/", ("api_token", "t")),
            ("http://localhost/api/v2", ("api_key", "k")),
        ] {
            let config = Config::from_value(
                &Value::map(vec![
                    (auth.0, Value::str(auth.1)),
                    ("api_secret", Value::str("s")),
                    ("server_id", Value::Int(11667)),
                    ("app_id", Value::Int(940288)),
                    ("base_url", Value::str(base)),
                ]),
                Defaults::BUILT_IN,
            )
            .unwrap();
            for req in [
                Request::get(config.webapp_path(), Action::ShowWebapp),
                Request::get(
                    format!("{}/domains", config.webapp_path()),
                    Action::CountDomains,
                )
                .query("page", 2)
                .query("perPage", 40),
                Request::get("/servers/1".into(), Action::ShowServer).query("q", "a b&c=d/é-_"),
            ] {
                let mut expected = format!("{}{}", config.api_root(), req.path);
                for (i, (k, v)) in req.query.iter().enumerate() {
                    let v: String = v
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    expected.push_str(&format!("{}{k}={v}", if i == 0 { '?' } else { '&' }));
                }
                assert_eq!(
                    config.endpoint.url(&req).unwrap(),
                    Url::parse(&expected).unwrap(),
                    "{base} {}",
                    req.path
                );
            }
        }
    }

    #[test]
    fn the_authorization_header_is_built_once_as_reqwest_builds_it_and_marked_sensitive() {
        use crate::config::Defaults;
        use crate::value::Value;
        let config = |entries: Vec<(&str, Value)>| {
            let mut all = vec![("server_id", Value::Int(1)), ("app_id", Value::Int(2))];
            all.extend(entries);
            Config::from_value(&Value::map(all), Defaults::BUILT_IN).unwrap()
        };
        let v3 = config(vec![("api_token", Value::str("tok-1"))]);
        let v2 = config(vec![
            ("api_key", Value::str("key")),
            ("api_secret", Value::str("sécret:1")),
        ]);
        let client = reqwest::Client::builder().build().unwrap();
        let reqwest_made = |c: &Config| {
            let b = client.get("http://127.0.0.1/");
            let b = match &c.auth {
                Auth::Token(t) => b.bearer_auth(t.expose()),
                Auth::KeySecret { key, secret } => {
                    b.basic_auth(key.expose(), Some(secret.expose()))
                }
            };
            b.build().unwrap().headers()[AUTHORIZATION].clone()
        };
        for c in [&v3, &v2] {
            let ours = c.endpoint.authorization.clone().unwrap();
            assert_eq!(ours, reqwest_made(c));
            assert!(ours.is_sensitive());
            assert!(!format!("{c:?}").contains(ours.to_str().unwrap()), "{c:?}");
        }
        let bad = config(vec![("api_token", Value::str("line\nbreak"))]);
        assert_eq!(
            bad.endpoint.authorization, None,
            "a token that cannot be a header is left to reqwest, which refuses the request"
        );
    }
}
