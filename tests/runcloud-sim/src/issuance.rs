//! Let's Encrypt behind RunCloud: an issuing call places an order; the order is finished
//! (now, after `issuance_ms`, or when the clock is moved past it) by checking the weekly
//! limits and validating every name over HTTP-01 against the simulator's DNS table.
//!
//! Basic SSL: one order for every name of the app; one failing name fails the whole order,
//! and the certificate of the last success keeps being served. Advanced SSL: one order per
//! domain; a failure touches only that domain's certificate.

use std::net::IpAddr;

use serde_json::Value;

use crate::dns::{self, DnsFail};
use crate::sim::{Inner, Order, Redeploy};
use crate::state::Cert;
use crate::time::{datetime, now_f64};

const WEEK: f64 = 7.0 * 86_400.0;

/// Where an order's certificate lives.
fn cert_mut<'a>(inner: &'a mut Inner, order: &Order) -> Option<&'a mut Cert> {
    let app = inner.state.app_mut(order.server_id, order.webapp_id)?;
    match order.domain_id {
        None => app.basic_cert.as_mut(),
        Some(d) => {
            let i = app.domain_index(d)?;
            app.domains[i].ssl.as_mut()
        }
    }
}

/// Places an order for `names` on the certificate `ssl_id` (already in the state) and marks
/// the certificate pending. Returns the order's id.
#[allow(clippy::too_many_arguments)]
pub fn place(
    inner: &mut Inner,
    api: &'static str,
    route: &'static str,
    server_id: u64,
    webapp_id: u64,
    domain_id: Option<u64>,
    ssl_id: u64,
    names: Vec<String>,
) -> u64 {
    let now = now_f64();
    let mut sorted = names.clone();
    sorted.sort();
    // Needless: the same names are already being issued, or were issued and are still served.
    let duplicate = inner.orders.iter().rev().any(|o| {
        o.server_id == server_id
            && o.webapp_id == webapp_id
            && o.domain_id == domain_id
            && o.status != "failed"
            && {
                let mut theirs = o.names.clone();
                theirs.sort();
                theirs == sorted
            }
    });
    let id = inner.orders.len() as u64 + 1;
    let order = Order {
        id,
        time: now,
        due: now + inner.config.issuance_ms as f64 / 1000.0,
        api,
        route,
        server_id,
        webapp_id,
        domain_id,
        ssl_id,
        names,
        status: "pending",
        reason: None,
        failing: Vec::new(),
        duplicate,
    };
    inner.counters.orders += 1;
    if let Some(cert) = cert_mut(inner, &order) {
        cert.status = "pending";
        cert.status_message = None;
    }
    inner.orders.push(order);
    id
}

/// Finishes every pending order whose time has come (the simulator's clock).
pub fn finish_due(inner: &mut Inner) {
    let now = now_f64();
    let due: Vec<u64> = inner
        .orders
        .iter()
        .filter(|o| o.status == "pending" && o.due <= now)
        .map(|o| o.id)
        .collect();
    for id in due {
        let _ = finish(inner, id);
    }
}

/// Finishes order `id` (if still pending): limits, then validation of every name. Returns
/// `Err(reason)` when it failed.
pub fn finish(inner: &mut Inner, id: u64) -> Result<(), String> {
    let Some(order) = inner.orders.get((id - 1) as usize).cloned() else {
        return Err(format!("no order {id}"));
    };
    if order.status != "pending" {
        return match order.status {
            "failed" => Err(order.reason.unwrap_or_default()),
            _ => Ok(()),
        };
    }
    let now = now_f64();
    let result = limits(inner, &order.names, now).and_then(|()| validate(inner, &order));
    let o = &mut inner.orders[(id - 1) as usize];
    match &result {
        Ok(()) => o.status = "issued",
        Err((reason, failing)) => {
            o.status = "failed";
            o.reason = Some(reason.clone());
            o.failing = failing.clone();
        }
    }
    match result {
        Ok(()) => {
            let mut sorted = order.names.clone();
            sorted.sort();
            inner.le_issued.push((now, sorted));
            if let Some(cert) = cert_mut(inner, &order) {
                cert.status = "issued";
                cert.status_message = None;
                cert.names = order.names.clone();
                cert.created_at = now as u64;
                cert.valid_until = now as u64 + 90 * 86_400;
            }
            inner.record_redeploy(Redeploy {
                time: now,
                api: order.api,
                server_id: order.server_id,
                webapp_id: order.webapp_id,
                domain_id: order.domain_id,
                ssl_id: order.ssl_id,
                route: order.route,
                names: order.names,
            });
            Ok(())
        }
        Err((reason, _)) => {
            if let Some(cert) = cert_mut(inner, &order) {
                cert.status = "failed";
                cert.status_message = Some(reason.clone());
            }
            Err(reason)
        }
    }
}

/// Let's Encrypt's registered domain, approximated as the last two labels (no public suffix
/// list: `example.co.uk` counts as `co.uk`, which only makes the limit stricter).
fn registered(name: &str) -> String {
    let labels: Vec<&str> = name.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

/// The weekly limits, worded as Let's Encrypt words them (RunCloud relays the text).
fn limits(inner: &Inner, names: &[String], now: f64) -> Result<(), (String, Vec<String>)> {
    if !inner.config.le_limits {
        return Ok(());
    }
    let week: Vec<&(f64, Vec<String>)> = inner
        .le_issued
        .iter()
        .filter(|(t, _)| now - t < WEEK)
        .collect();
    let mut sorted = names.to_vec();
    sorted.sort();
    let same: Vec<f64> = week
        .iter()
        .filter(|(_, n)| *n == sorted)
        .map(|(t, _)| *t)
        .collect();
    let limit = inner.config.le_duplicate_limit as usize;
    if same.len() >= limit {
        let retry = same[same.len() - limit] + WEEK;
        return Err((
            format!(
                "Error creating new order :: too many certificates ({limit}) already issued for this exact set of identifiers in the last 168h0m0s, retry after {} UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames",
                datetime(retry as u64)
            ),
            names.to_vec(),
        ));
    }
    let limit = inner.config.le_domain_limit as usize;
    let mut domains: Vec<String> = names.iter().map(|n| registered(n)).collect();
    domains.sort();
    domains.dedup();
    for d in domains {
        let times: Vec<f64> = week
            .iter()
            .filter(|(_, n)| n.iter().any(|x| registered(x) == d))
            .map(|(t, _)| *t)
            .collect();
        if times.len() >= limit {
            let retry = times[times.len() - limit] + WEEK;
            let failing = names
                .iter()
                .filter(|n| registered(n) == d)
                .cloned()
                .collect();
            return Err((
                format!(
                    "Error creating new order :: too many certificates ({limit}) already issued for \"{d}\" in the last 168h0m0s, retry after {} UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain",
                    datetime(retry as u64)
                ),
                failing,
            ));
        }
    }
    Ok(())
}

/// Cloudflare's published ranges (cloudflare.com/ips, 2025): a proxied name's HTTP-01
/// challenge reaches the origin through the proxy.
pub fn cloudflare(ip: IpAddr) -> bool {
    const V4: [(u32, u8); 15] = [
        (0xADF5_3000, 20),
        (0x6715_F400, 22),
        (0x6716_C800, 22),
        (0x671F_0400, 22),
        (0x8D65_4000, 18),
        (0x6CA2_C000, 18),
        (0xBE5D_F000, 20),
        (0xBC72_6000, 20),
        (0xC5EA_F000, 22),
        (0xC629_8000, 17),
        (0xA29E_0000, 15),
        (0x6810_0000, 13),
        (0x6818_0000, 14),
        (0xAC40_0000, 13),
        (0x8300_4800, 22),
    ];
    match ip {
        IpAddr::V4(v4) => {
            let n = u32::from(v4);
            V4.iter()
                .any(|(net, bits)| n >> (32 - bits) == net >> (32 - bits))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            matches!(
                (s[0], s[1]),
                (0x2400, 0xcb00)
                    | (0x2606, 0x4700)
                    | (0x2803, 0xf800)
                    | (0x2405, 0xb500)
                    | (0x2405, 0x8100)
                    | (0x2c0f, 0xf248)
            ) || (s[0] == 0x2a06 && s[1] & 0xfff8 == 0x98c0)
        }
    }
}

/// HTTP-01 for every name: it must resolve to the server (directly or through a CDN proxy).
fn validate(inner: &Inner, order: &Order) -> Result<(), (String, Vec<String>)> {
    let Some(server) = inner.state.servers.get(&order.server_id) else {
        return Err(("the server is gone".into(), order.names.clone()));
    };
    let here: Option<IpAddr> = server.ip_address.parse().ok();
    let mut problems = Vec::new();
    let mut failing = Vec::new();
    for name in &order.names {
        let problem = match dns::resolve(inner, name) {
            Err(DnsFail::Nxdomain) => Some(format!(
                "DNS problem: NXDOMAIN looking up A for {name} - check that a DNS record exists for this domain"
            )),
            Err(DnsFail::Servfail) => Some(format!(
                "DNS problem: SERVFAIL looking up A for {name} - the domain's nameservers may be malfunctioning"
            )),
            Err(DnsFail::Timeout) => Some(format!(
                "DNS problem: query timed out looking up A for {name}"
            )),
            Ok(r) if r.addresses().is_empty() => Some(format!(
                "DNS problem: NXDOMAIN looking up A for {name} - check that a DNS record exists for this domain"
            )),
            Ok(r) => {
                let addrs = r.addresses();
                if addrs.iter().all(|a| Some(*a) == here || cloudflare(*a)) {
                    None
                } else {
                    let shown = addrs
                        .iter()
                        .find(|a| Some(**a) != here && !cloudflare(**a))
                        .unwrap();
                    Some(format!(
                        "{shown}: Invalid response from http://{name}/.well-known/acme-challenge/sim: 404"
                    ))
                }
            }
        };
        if let Some(p) = problem {
            problems.push(format!("{name}: {p}"));
            failing.push(name.clone());
        }
    }
    if failing.is_empty() {
        return Ok(());
    }
    Err((
        format!(
            "Let's Encrypt could not validate {} of {} name{}: {}",
            failing.len(),
            order.names.len(),
            if order.names.len() == 1 { "" } else { "s" },
            problems.join("; ")
        ),
        failing,
    ))
}

/// What a synchronous issuing call answers once its order is issued: the certificate for
/// the basic routes that answer with it, else what the call answered at once.
pub fn answer_body(inner: &Inner, id: u64, placed: Value) -> Value {
    let Some(order) = inner.orders.get((id - 1) as usize) else {
        return placed;
    };
    match order.route {
        "PUT /ssl/{id}" | "POST /ssl" => inner
            .state
            .app(order.server_id, order.webapp_id)
            .and_then(|a| a.basic_cert.as_ref())
            .map_or(placed, |c| c.to_json()),
        _ => placed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_ranges_cover_their_edges_and_nothing_next_to_them() {
        for ip in [
            "104.16.0.1",
            "104.23.255.255",
            "172.67.1.1",
            "2606:4700::1",
            "2a06:98c7::1",
        ] {
            assert!(cloudflare(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["104.15.255.255", "104.32.0.0", "127.0.0.1", "2a06:98d0::1"] {
            assert!(!cloudflare(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_registered_domain_is_the_last_two_labels() {
        assert_eq!(registered("a.b.example.com"), "example.com");
        assert_eq!(registered("example.com"), "example.com");
    }
}
