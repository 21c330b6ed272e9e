//! The control API under `/_sim/…` (README "Control API"): never authenticated, rate-limited,
//! counted or logged.

// Error answers are whole responses; the control API is a cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

use hyper::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Body, fault_is_valid, json_response};
use crate::sim::{Fault, Sim};
use crate::state::{Generate, State};

fn error(status: u16, msg: impl Into<String>) -> Response<Body> {
    json_response(status, &json!({ "message": msg.into() }))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, Response<Body>> {
    serde_json::from_slice(body).map_err(|e| error(400, format!("invalid {what} JSON: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bulk {
    names: Option<Vec<String>>,
    count: Option<u64>,
    pattern: Option<String>,
    start: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigPatch {
    #[serde(default, deserialize_with = "some_or_null")]
    rate_limit: Option<Option<u32>>,
    retry_after: Option<bool>,
    empty_links: Option<String>,
    pagination: Option<String>,
    require_accept_json: Option<bool>,
    latency_ms: Option<u64>,
    v2_accepts_bearer: Option<bool>,
    trailing_slash: Option<String>,
    dns_default: Option<String>,
    issuance_mode: Option<String>,
    issuance_ms: Option<u64>,
    le_limits: Option<bool>,
    le_duplicate_limit: Option<u32>,
    le_domain_limit: Option<u32>,
    le_error_status: Option<u16>,
    no_ssl_answer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DnsSet {
    name: String,
    #[serde(default)]
    a: Vec<std::net::Ipv4Addr>,
    #[serde(default)]
    aaaa: Vec<std::net::Ipv6Addr>,
    cname: Option<String>,
    fail: Option<crate::dns::DnsFail>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Clock {
    advance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSet {
    name: String,
    /// `expired`, `mismatch`, `untrusted`, or `normal` (back to the real certificate).
    serve: String,
}

/// Tells "absent" (outer `None`) from an explicit `null` (`Some(None)`).
fn some_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

fn config_json(inner: &crate::sim::Inner) -> Value {
    let mut v = serde_json::to_value(&inner.config).unwrap();
    v["v2_accepts_bearer"] = json!(inner.state.v2_accepts_bearer);
    v
}

pub fn handle(
    sim: &Sim,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Response<Body> {
    let segs: Vec<&str> = path.trim_start_matches("/_sim/").split('/').collect();
    let result = match (method, segs.as_slice()) {
        ("POST", ["reset"]) => reset(sim, body),
        ("GET", ["requests"]) => {
            let since = query
                .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("since=")))
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            let inner = sim.lock();
            let log: Vec<_> = inner.log.iter().filter(|e| e.seq > since).collect();
            Ok(json_response(200, &serde_json::to_value(log).unwrap()))
        }
        ("DELETE", ["requests"]) => {
            sim.lock().log.clear();
            Ok(json_response(200, &json!({ "cleared": true })))
        }
        ("GET", ["counters"]) => Ok(json_response(
            200,
            &serde_json::to_value(&sim.lock().counters).unwrap(),
        )),
        ("GET", ["redeploys"]) => Ok(json_response(
            200,
            &serde_json::to_value(&sim.lock().redeploys).unwrap(),
        )),
        ("DELETE", ["redeploys"]) => {
            sim.lock().redeploys.clear();
            Ok(json_response(200, &json!({ "cleared": true })))
        }
        ("GET", ["config"]) => Ok(json_response(200, &config_json(&sim.lock()))),
        ("POST", ["config"]) => set_config(sim, body),
        ("GET", ["faults"]) => Ok(json_response(
            200,
            &serde_json::to_value(&sim.lock().faults).unwrap(),
        )),
        ("DELETE", ["faults"]) => {
            sim.lock().faults.clear();
            Ok(json_response(200, &json!({ "cleared": true })))
        }
        ("POST", ["faults"]) => add_fault(sim, body),
        ("GET", ["dns"]) => Ok(json_response(200, &json!(sim.lock().dns))),
        ("POST", ["dns"]) => set_dns(sim, body),
        ("DELETE", ["dns"]) => {
            sim.lock().dns.clear();
            Ok(json_response(200, &json!({ "cleared": true })))
        }
        ("DELETE", ["dns", name]) => {
            let lower = crate::api::percent_decode(name).to_ascii_lowercase();
            let removed = sim.lock().dns.remove(&lower).is_some();
            Ok(json_response(200, &json!({ "removed": removed })))
        }
        ("GET", ["orders"]) => {
            let mut inner = sim.lock();
            crate::issuance::finish_due(&mut inner);
            Ok(json_response(200, &json!(inner.orders)))
        }
        ("GET", ["info"]) => Ok(json_response(200, sim.info.get().unwrap_or(&Value::Null))),
        ("GET", ["clock"]) => Ok(clock_json()),
        ("POST", ["clock"]) => advance_clock(sim, body),
        ("GET", ["tls"]) => Ok(json_response(200, &json!(sim.lock().tls_overrides))),
        ("POST", ["tls"]) => set_tls(sim, body),
        ("POST", ["servers", s, "webapps", w, "domains"]) => bulk_add(sim, s, w, body),
        ("GET", ["servers", s, "webapps", w, "domains"]) => {
            let inner = sim.lock();
            app_ids(&inner.state, s, w).map(|(s, w)| {
                let app = inner.state.app(s, w).unwrap();
                let all: Vec<Value> = app.domains.iter().map(|d| d.to_json()).collect();
                json_response(200, &Value::Array(all))
            })
        }
        ("DELETE", ["servers", s, "webapps", w, "domains", name]) => {
            let mut inner = sim.lock();
            app_ids(&inner.state, s, w).and_then(|(s, w)| {
                let lower = crate::api::percent_decode(name).to_ascii_lowercase();
                let app = inner.state.app(s, w).unwrap();
                let Some(d) = app.domains.iter().find(|d| d.name == lower).map(|d| d.id) else {
                    return Err(error(
                        404,
                        format!("no domain named {lower:?} on web app {w}"),
                    ));
                };
                let removed = inner.state.remove_domain(s, w, d).unwrap();
                Ok(json_response(200, &removed.to_json()))
            })
        }
        _ => Err(error(
            404,
            format!(
                "Route not found: {method} {path} (control API, see tests/runcloud-sim/README.md)"
            ),
        )),
    };
    result.unwrap_or_else(|e| e)
}

fn clock_json() -> Response<Body> {
    json_response(
        200,
        &json!({
            "now": crate::time::now_f64(),
            "offset": crate::time::offset_ms() as f64 / 1000.0,
        }),
    )
}

fn advance_clock(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let clock: Clock = parse(body, "clock")?;
    match clock.advance {
        Some(s) if s.is_finite() && s >= 0.0 => {
            crate::time::advance_ms((s * 1000.0) as u64);
            crate::issuance::finish_due(&mut sim.lock());
            Ok(clock_json())
        }
        _ => Err(error(
            400,
            "give {\"advance\": seconds}, a number >= 0: the clock only moves forward",
        )),
    }
}

fn set_tls(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let set: TlsSet = parse(body, "tls")?;
    let name = set.name.to_ascii_lowercase();
    let mut inner = sim.lock();
    match set.serve.as_str() {
        "normal" => {
            inner.tls_overrides.remove(&name);
        }
        "expired" | "mismatch" | "untrusted" => {
            inner.tls_overrides.insert(name, set.serve);
        }
        other => {
            return Err(error(
                400,
                format!("serve must be expired, mismatch, untrusted or normal, not {other:?}"),
            ));
        }
    }
    Ok(json_response(200, &json!(inner.tls_overrides)))
}

fn set_dns(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    // One record or a list of them.
    let sets: Vec<DnsSet> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(_)) => parse(body, "dns")?,
        _ => vec![parse(body, "dns")?],
    };
    let mut records = Vec::new();
    for set in sets {
        let name = set.name.trim_end_matches('.').to_ascii_lowercase();
        if !crate::state::valid_hostname(&name) {
            return Err(error(400, format!("{:?} is not a host name", set.name)));
        }
        let kinds = usize::from(!set.a.is_empty() || !set.aaaa.is_empty())
            + usize::from(set.cname.is_some())
            + usize::from(set.fail.is_some());
        if kinds != 1 {
            return Err(error(
                400,
                format!(
                    "{}: give addresses (a/aaaa), or a cname, or a fail (nxdomain/servfail/timeout): exactly one of them",
                    set.name
                ),
            ));
        }
        records.push((
            name,
            crate::dns::DnsRecord {
                a: set.a,
                aaaa: set.aaaa,
                cname: set.cname,
                fail: set.fail,
            },
        ));
    }
    let mut inner = sim.lock();
    inner.dns.extend(records);
    Ok(json_response(200, &json!(inner.dns)))
}

fn app_ids(state: &State, s: &str, w: &str) -> Result<(u64, u64), Response<Body>> {
    let (Ok(s), Ok(w)) = (s.parse::<u64>(), w.parse::<u64>()) else {
        return Err(error(404, "server and web app ids must be integers"));
    };
    if state.app(s, w).is_none() {
        return Err(error(404, format!("no web app {w} on server {s}")));
    }
    Ok((s, w))
}

fn reset(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let state = State::from_json(body).map_err(|e| error(400, e))?;
    sim.lock().reset(state);
    Ok(json_response(200, &json!({ "reset": true })))
}

fn bulk_add(sim: &Sim, s: &str, w: &str, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let bulk: Bulk = parse(body, "bulk")?;
    let names = match (bulk.names, bulk.count, bulk.pattern) {
        (Some(names), None, None) => names,
        (None, Some(count), Some(pattern)) => Generate {
            count,
            pattern,
            start: bulk.start,
        }
        .names()
        .map_err(|e| error(400, e))?,
        _ => {
            return Err(error(
                400,
                "give either \"names\" or \"count\" + \"pattern\" (+ optional \"start\")",
            ));
        }
    };
    let mut inner = sim.lock();
    let (s, w) = app_ids(&inner.state, s, w)?;
    let added = inner.state.add_many(s, w, &names).map_err(|e| {
        error(
            422,
            format!("nothing added: {} ({})", e.message(), e.name()),
        )
    })?;
    Ok(json_response(200, &json!({ "added": added })))
}

fn set_config(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let patch: ConfigPatch = parse(body, "config")?;
    if let Some(e) = &patch.empty_links
        && e != "object"
        && e != "array"
    {
        return Err(error(400, "empty_links must be \"object\" or \"array\""));
    }
    if let Some(p) = &patch.pagination
        && p != "standard"
        && p != "lastPage"
    {
        return Err(error(
            400,
            "pagination must be \"standard\" or \"lastPage\"",
        ));
    }
    if let Some(t) = &patch.trailing_slash
        && t != "not_found"
        && t != "redirect"
    {
        return Err(error(
            400,
            "trailing_slash must be \"not_found\" or \"redirect\"",
        ));
    }
    for (key, value, allowed) in [
        (
            "dns_default",
            &patch.dns_default,
            &["server", "nxdomain"][..],
        ),
        (
            "issuance_mode",
            &patch.issuance_mode,
            &["sync", "async"][..],
        ),
        (
            "no_ssl_answer",
            &patch.no_ssl_answer,
            &["empty", "message_200", "message_404", "message_422"][..],
        ),
    ] {
        if let Some(v) = value
            && !allowed.contains(&v.as_str())
        {
            return Err(error(
                400,
                format!("{key} must be one of {}", allowed.join(", ")),
            ));
        }
    }
    if let Some(s) = patch.le_error_status
        && !(400..=599).contains(&s)
    {
        return Err(error(400, "le_error_status must be a 4xx or 5xx status"));
    }
    let mut inner = sim.lock();
    let c = &mut inner.config;
    if let Some(v) = patch.dns_default {
        c.dns_default = v;
    }
    if let Some(v) = patch.issuance_mode {
        c.issuance_mode = v;
    }
    if let Some(v) = patch.issuance_ms {
        c.issuance_ms = v;
    }
    if let Some(v) = patch.le_limits {
        c.le_limits = v;
    }
    if let Some(v) = patch.le_duplicate_limit {
        c.le_duplicate_limit = v.max(1);
    }
    if let Some(v) = patch.le_domain_limit {
        c.le_domain_limit = v.max(1);
    }
    if let Some(v) = patch.le_error_status {
        c.le_error_status = v;
    }
    if let Some(v) = patch.no_ssl_answer {
        c.no_ssl_answer = v;
    }
    if let Some(r) = patch.rate_limit {
        c.rate_limit = r;
    }
    if let Some(v) = patch.retry_after {
        c.retry_after = v;
    }
    if let Some(v) = patch.empty_links {
        c.empty_links = v;
    }
    if let Some(v) = patch.pagination {
        c.pagination = v;
    }
    if let Some(v) = patch.require_accept_json {
        c.require_accept_json = v;
    }
    if let Some(v) = patch.latency_ms {
        c.latency_ms = v;
    }
    if let Some(v) = patch.trailing_slash {
        c.trailing_slash = v;
    }
    if let Some(v) = patch.v2_accepts_bearer {
        inner.state.v2_accepts_bearer = v;
    }
    if patch.rate_limit.is_some() {
        inner.windows.clear();
    }
    Ok(json_response(200, &config_json(&inner)))
}

fn add_fault(sim: &Sim, body: &[u8]) -> Result<Response<Body>, Response<Body>> {
    let mut fault: Fault = parse(body, "fault")?;
    fault_is_valid(&fault).map_err(|e| error(400, e))?;
    let mut inner = sim.lock();
    inner.next_fault_id += 1;
    fault.id = inner.next_fault_id;
    inner.faults.push(fault);
    Ok(json_response(200, &json!({ "id": inner.next_fault_id })))
}
