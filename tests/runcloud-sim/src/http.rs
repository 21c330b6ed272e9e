//! One request from the wire to the wire: control calls go to `control`, everything else is
//! an API request that is counted, logged, possibly faulted, rate-limited, authenticated and
//! finally answered by `api`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::api::{self, ListStyle, Reply, Req};
use crate::sim::{Fault, FaultKind, LogEntry, RateCheck, Sim};
use crate::time::now_f64;

pub type Body = Full<Bytes>;

/// One accepted TCP connection.
pub struct Conn {
    pub id: u64,
    /// The socket, so a `reset` fault can turn the close into a TCP RST.
    pub fd: i32,
    /// The reset epoch in which this connection was last counted as an API connection.
    pub counted_epoch: AtomicU64,
}

/// Returned by the service to make hyper drop the connection without answering.
#[derive(Debug)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by a fault")
    }
}

impl std::error::Error for Dropped {}

pub fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
    r
}

pub fn json_response(status: u16, body: &Value) -> Response<Body> {
    respond(
        status,
        "application/json",
        serde_json::to_vec(body).unwrap(),
    )
}

fn header(r: &mut Response<Body>, name: &'static str, value: impl ToString) {
    r.headers_mut()
        .insert(name, HeaderValue::from_str(&value.to_string()).unwrap());
}

const LOGIN: &str = "https://manage.runcloud.io/login";

fn redirect_to_login() -> Response<Body> {
    let html = format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"0;url='{LOGIN}'\" /><title>Redirecting to {LOGIN}</title></head><body>Redirecting to <a href=\"{LOGIN}\">{LOGIN}</a>.</body></html>"
    );
    let mut r = respond(302, "text/html; charset=UTF-8", html);
    header(&mut r, "location", LOGIN);
    r
}

/// Cloudflare's own error page (520–526) in front of an origin it cannot reach or read.
fn cloudflare_error(status: u16) -> Response<Body> {
    let what = match status {
        520 => "Web server is returning an unknown error",
        521 => "Web server is down",
        522 => "Connection timed out",
        523 => "Origin is unreachable",
        524 => "A timeout occurred",
        525 => "SSL handshake failed",
        526 => "Invalid SSL certificate",
        _ => "Error",
    };
    let html = format!(
        "<!DOCTYPE html>\n<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->\n<head><title>manage.runcloud.io | {status}: {what}</title></head>\n<body><div id=\"cf-wrapper\"><h1><span class=\"cf-error-type\">Error</span> <span class=\"cf-error-code\">{status}</span></h1><h2>{what}</h2><p>Cloudflare Ray ID: <strong>8f0000000000sim</strong></p></div></body></html>\n"
    );
    let mut r = respond(status, "text/html; charset=UTF-8", html);
    header(&mut r, "server", "cloudflare");
    header(&mut r, "cf-ray", "8f0000000000sim-AMS");
    r
}

fn html_error(status: u16) -> Response<Body> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    respond(status, "text/html", html)
}

/// Request bodies: JSON, or form-encoded like the old v2 clients sent; anything else is `{}`.
fn parse_body(content_type: Option<&str>, raw: &[u8]) -> (Value, Value) {
    if raw.is_empty() {
        return (Value::Object(Map::new()), Value::Null);
    }
    if let Ok(v) = serde_json::from_slice::<Value>(raw) {
        let input = if v.is_object() {
            v.clone()
        } else {
            Value::Object(Map::new())
        };
        return (input, v);
    }
    let text = String::from_utf8_lossy(raw).into_owned();
    if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        let mut map = Map::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(
                api::percent_decode(k),
                Value::String(api::percent_decode(v)),
            );
        }
        return (Value::Object(map), Value::String(text));
    }
    (Value::Object(Map::new()), Value::String(text))
}

pub async fn handle(
    sim: Arc<Sim>,
    conn: Arc<Conn>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let raw = match Limited::new(body, 64 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let path = parts.uri.path();
    let query = parts.uri.query();
    let method = parts.method.as_str();
    if path == "/_sim" || path.starts_with("/_sim/") {
        return Ok(crate::control::handle(&sim, method, path, query, &raw));
    }

    let hdr =
        |name: hyper::header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let accept = hdr(hyper::header::ACCEPT);
    let content_type = hdr(CONTENT_TYPE);
    let auth = api::parse_auth(hdr(hyper::header::AUTHORIZATION));
    let split = api::split_api_path(path);
    let version = split.as_ref().map(|(v, _)| *v);
    let (input, logged_body) = parse_body(content_type, &raw);

    let (seq, mut fault, latency) = {
        let mut inner = sim.lock();
        inner.counters.requests += 1;
        if conn.counted_epoch.swap(inner.epoch, Ordering::Relaxed) != inner.epoch {
            inner.counters.connections += 1;
        }
        let fault = inner.take_fault(method, path);
        let auth_label = auth.check(version, &inner.state).unwrap_or(match auth {
            api::Auth::None => "none",
            _ => "invalid",
        });
        let seq = inner.push_log(LogEntry {
            seq: 0,
            time: now_f64(),
            method: method.to_string(),
            path: path.to_string(),
            query: query.map(str::to_string),
            auth: auth_label,
            accept: accept.map(str::to_string),
            content_type: content_type.map(str::to_string),
            user_agent: hdr(hyper::header::USER_AGENT).map(str::to_string),
            body: logged_body,
            status: None,
            connection: conn.id,
        });
        (seq, fault, inner.config.latency_ms)
    };

    // A fault after the order lets the request through; it replaces the answer at the end.
    let after = fault.take_if(|f| f.after_order);
    let kind = fault.as_ref().map(|f| f.kind);
    let ms = fault.as_ref().and_then(|f| f.ms);
    let extra = if kind == Some(FaultKind::Latency) {
        ms.unwrap_or(1000)
    } else {
        0
    };
    if latency + extra > 0 {
        tokio::time::sleep(Duration::from_millis(latency + extra)).await;
    }
    match kind {
        Some(FaultKind::Reset) => {
            set_linger_zero(conn.fd);
            return Err(Dropped);
        }
        Some(FaultKind::Hang) => {
            tokio::time::sleep(Duration::from_millis(ms.unwrap_or(600_000))).await;
            return Err(Dropped);
        }
        _ => {}
    }

    let (mut resp, rate, mut deferred) = {
        let mut inner = sim.lock();
        let rate = inner.rate_check(&auth.key());
        // A synchronous issuance: answered when Let's Encrypt is done with its order.
        let mut deferred: Option<(u64, Value, u64)> = None;
        let answer = fault.as_ref().and_then(fault_answer);
        let resp = match (&rate, answer) {
            (RateCheck::Over { .. }, _) => {
                json_response(429, &serde_json::json!({"message": "Too Many Attempts."}))
            }
            (_, Some(r)) => r,
            _ if inner.config.require_accept_json
                && !accept.is_some_and(|a| a.contains("application/json")) =>
            {
                redirect_to_login()
            }
            _ if inner.config.trailing_slash == "redirect"
                && path.len() > 1
                && path.ends_with('/') =>
            {
                let mut target = format!("{}{}", sim.base_url, path.trim_end_matches('/'));
                if let Some(q) = query {
                    target.push('?');
                    target.push_str(q);
                }
                let mut r = respond(
                    301,
                    "text/html; charset=UTF-8",
                    format!("Redirecting to {target}"),
                );
                header(&mut r, "location", target);
                r
            }
            _ => {
                let style = ListStyle {
                    links_array: kind == Some(FaultKind::LinksArray)
                        || inner.config.empty_links == "array",
                    no_links: kind == Some(FaultKind::NoLinks),
                    last_page: kind == Some(FaultKind::LastPage)
                        || inner.config.pagination == "lastPage",
                };
                let reply = api_reply(
                    &mut inner,
                    &sim.base_url,
                    method,
                    path,
                    query,
                    &input,
                    &auth,
                    style,
                );
                match reply.order {
                    Some(order) if inner.config.issuance_mode == "sync" => {
                        deferred = Some((order, reply.body.clone(), inner.config.issuance_ms));
                    }
                    Some(_) => {
                        // Asynchronous: answered now, finished when its time comes (or earlier,
                        // when a request or `/_sim/clock` finds the clock past it).
                        let ms = inner.config.issuance_ms;
                        let sim = sim.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            crate::issuance::finish_due(&mut sim.lock());
                        });
                    }
                    None => {}
                }
                let mut body = serde_json::to_vec(&reply.body).unwrap();
                if kind == Some(FaultKind::TruncatedJson) {
                    body.truncate(body.len() / 2);
                }
                respond(reply.status, "application/json", body)
            }
        };
        (resp, rate, deferred)
    };
    if let Some(f) = &after {
        if let Some((order, _, ms)) = deferred.take() {
            // The caller never hears of it, but the order is issued all the same.
            let task_sim = sim.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let _ = crate::issuance::finish(&mut task_sim.lock(), order);
            });
        }
        match fault_answer(f) {
            Some(r) => resp = r,
            None => {
                set_linger_zero(conn.fd);
                return Err(Dropped);
            }
        }
    }
    if let Some((order, body, ms)) = deferred {
        // Its own task: RunCloud goes on issuing when the caller stops waiting.
        let task_sim = sim.clone();
        let finished = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let mut inner = task_sim.lock();
            let result = crate::issuance::finish(&mut inner, order);
            let status = inner.config.le_error_status;
            match result {
                Ok(()) => (200, crate::issuance::answer_body(&inner, order, body)),
                Err(reason) => (status, serde_json::json!({ "message": reason })),
            }
        })
        .await;
        let (status, body) =
            finished.unwrap_or_else(|_| (500, serde_json::json!({"message": "Server Error"})));
        let mut body = serde_json::to_vec(&body).unwrap();
        if kind == Some(FaultKind::TruncatedJson) {
            body.truncate(body.len() / 2);
        }
        resp = respond(status, "application/json", body);
    }
    let mut inner = sim.lock();
    match rate {
        RateCheck::Off => {}
        RateCheck::Ok { limit, remaining } => {
            header(&mut resp, "x-ratelimit-limit", limit);
            header(&mut resp, "x-ratelimit-remaining", remaining);
        }
        RateCheck::Over {
            limit,
            retry_after,
            reset_at,
        } => {
            header(&mut resp, "x-ratelimit-limit", limit);
            header(&mut resp, "x-ratelimit-remaining", 0);
            header(&mut resp, "x-ratelimit-reset", reset_at);
            if inner.config.retry_after {
                header(&mut resp, "retry-after", retry_after);
            }
        }
    }
    inner.set_log_status(seq, resp.status().as_u16());
    Ok(resp)
}

#[allow(clippy::too_many_arguments)]
fn api_reply(
    inner: &mut crate::sim::Inner,
    base_url: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    input: &Value,
    auth: &api::Auth,
    style: ListStyle,
) -> Reply {
    let Some((version, segs)) = api::split_api_path(path) else {
        return api::not_found_route(method, path);
    };
    let Some(route) = api::route(version, method, &segs) else {
        return api::not_found_route(method, path);
    };
    if let Err(msg) = auth.check(Some(version), &inner.state) {
        return api::message(401, msg);
    }
    let req = Req {
        version,
        path,
        query,
        body: input,
        base_url,
        style,
    };
    api::exec(inner, route, &req)
}

/// SO_LINGER {on, 0}: the close that follows sends RST instead of FIN.
fn set_linger_zero(fd: i32) {
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: fd is the live socket of the connection this request arrived on (Linux values).
    unsafe {
        setsockopt(
            fd,
            SOL_SOCKET,
            SO_LINGER,
            &l,
            std::mem::size_of::<Linger>() as u32,
        );
    }
}

/// The answer a fault gives in place of the API's, for the kinds that answer at all.
fn fault_answer(f: &Fault) -> Option<Response<Body>> {
    Some(match f.kind {
        FaultKind::Status => html_error(f.status.unwrap_or(503)),
        FaultKind::RateLimit => {
            let mut r = json_response(429, &serde_json::json!({"message": "Too Many Attempts."}));
            if let Some(s) = f.retry_after {
                header(&mut r, "retry-after", s);
            }
            r
        }
        FaultKind::Message => json_response(
            f.status.unwrap_or(422),
            &serde_json::json!({ "message": f.message }),
        ),
        FaultKind::MalformedJson => respond(
            200,
            "application/json",
            "{\"data\": [{\"id\": 1, \"name\": <br />\n<b>Warning</b>",
        ),
        FaultKind::WrongContentType => respond(
            200,
            "text/html; charset=UTF-8",
            "<!DOCTYPE html><html><body><h1>RunCloud</h1></body></html>",
        ),
        FaultKind::Redirect => redirect_to_login(),
        // RunCloud's API is for Business and Enterprise plans (reference §12); the words
        // are our guess.
        FaultKind::NoApiAccess => json_response(
            403,
            &serde_json::json!({"message": "Your current plan does not have access to the API."}),
        ),
        FaultKind::Cloudflare => cloudflare_error(f.status.unwrap_or(522)),
        FaultKind::Latency
        | FaultKind::TruncatedJson
        | FaultKind::Reset
        | FaultKind::Hang
        | FaultKind::LinksArray
        | FaultKind::NoLinks
        | FaultKind::LastPage => return None,
    })
}

pub fn fault_is_valid(f: &Fault) -> Result<(), String> {
    if f.times == Some(0) {
        return Err("times must be at least 1 (omit it for \"until cleared\")".into());
    }
    if let Some(s) = f.status
        && !(100..=599).contains(&s)
    {
        return Err(format!("status {s} is not an HTTP status"));
    }
    if f.kind == FaultKind::Cloudflare
        && let Some(s) = f.status
        && !(520..=526).contains(&s)
    {
        return Err(format!("a cloudflare fault answers 520 to 526, not {s}"));
    }
    if (f.kind == FaultKind::Message) != f.message.is_some() {
        return Err("message goes with, and only with, kind \"message\"".into());
    }
    if f.after_order
        && !matches!(
            f.kind,
            FaultKind::Status | FaultKind::Cloudflare | FaultKind::Reset
        )
    {
        return Err(
            "after_order goes only with kind \"status\", \"cloudflare\" or \"reset\"".into(),
        );
    }
    Ok(())
}
