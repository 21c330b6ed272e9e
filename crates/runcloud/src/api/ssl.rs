//! SSL after a domain change: find the app's certificate and order its reissue by the route
//! that matches the API version and the app's SSL mode — at most once.
//!
//! - Both versions: `GET /ssl/advanced` (RunCloud's ansible modules use it on v2 too).
//!   Advanced mode → per-domain certificates (`/domains/{d}/ssl`,
//!   <https://runcloud.io/docs/api/v3/api-8811386>), or nothing to do with AutoSSL. Basic
//!   mode with `sslCertificate.id` → v3: `PATCH /ssl/advanced/{id}/redeploy` (Ultimate
//!   Multisite's route; a 404/405 falls back to the PUT below), v2: `PUT /ssl/{id}`.
//!   A 403/404/405 there, or no certificate → `GET /ssl`.
//! - `GET /ssl` → `PUT /ssl/{id}` (RunCloud's SDK route). No certificate (`{}`, or `{"message":
//!   "SSL not installed!"}` with 200, 404 or 422) → action `none`, not an error.
//!
//! **An order is never placed twice by accident.** Every issuing request has its own budget
//! (`ssl_timeout`) and is not retried after an attempt that may have reached RunCloud (a
//! timeout, a broken connection, a 5xx): RunCloud may be issuing, and Let's Encrypt allows 5
//! duplicates a week. Instead the certificate is read back: pending → `pending`; renewed
//! since the order → `redeployed`; failed → `failed` with the reason; unchanged → `pending`
//! ("may still be issuing"). A certificate already pending is never ordered again; the caller
//! decides later, from what the HTTPS port serves, whether a new order is needed.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Instant;

use once_cell::sync::Lazy;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::de;
use crate::client::{Request, Session};
use crate::config::Auth;
use crate::error::{Action, Error, redact};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslAction {
    Redeployed,
    Skipped,
    Failed,
    None,
    /// The order reached RunCloud (or may have) and is not finished: not ordered again.
    Pending,
}

impl SslAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            SslAction::Redeployed => "redeployed",
            SslAction::Skipped => "skipped",
            SslAction::Failed => "failed",
            SslAction::None => "none",
            SslAction::Pending => "pending",
        }
    }
}

/// What the SSL step did, with a message for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub action: SslAction,
    pub message: String,
    pub certificate_id: Option<u64>,
    /// Names RunCloud's reason for a failed issuance mentions (the ones that failed).
    pub failed_domains: Vec<String>,
    /// Let's Encrypt's "retry after" for a rate-limited order (Unix seconds, UTC).
    pub retry_after: Option<u64>,
    /// The HTTP status of a refused order (a 404 means the certificate id is stale).
    pub http_status: Option<u16>,
}

impl Outcome {
    pub fn new(action: SslAction, message: impl Into<String>, certificate_id: Option<u64>) -> Self {
        Outcome {
            action,
            message: message.into(),
            certificate_id,
            failed_domains: Vec::new(),
            retry_after: None,
            http_status: None,
        }
    }

    /// A failure; an issuance refused by Let's Encrypt names the failing names and, for a
    /// rate limit, when it may be tried again.
    pub fn failed(err: &Error) -> Self {
        let mut o = Outcome::new(SslAction::Failed, err.to_string(), None);
        o.http_status = err.status();
        let said = err.runcloud_said();
        o.failed_domains = names_in(&said);
        o.retry_after = retry_after_in(&said);
        o
    }

    /// The message with every secret blanked, as error messages are.
    pub fn redact(self, secrets: &[&str]) -> Self {
        Outcome {
            message: redact(self.message, secrets),
            ..self
        }
    }
}

/// A certificate as RunCloud shows it. `status` and `statusMessage` are not documented
/// anywhere (reference §5.4): everything here works without them.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Certificate {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_text")]
    status: Option<String>,
    #[serde(rename = "statusMessage", default, deserialize_with = "de::opt_text")]
    status_message: Option<String>,
    #[serde(rename = "validUntil", default, deserialize_with = "de::opt_text")]
    valid_until: Option<String>,
    #[serde(default, deserialize_with = "de::opt_text")]
    created_at: Option<String>,
}

impl Certificate {
    fn pending(&self) -> bool {
        self.status.as_deref() == Some("pending")
    }

    /// Issued again since `before` was read: a later validity or creation date.
    fn renewed_since(&self, before: &Certificate) -> bool {
        (self.valid_until.is_some() && self.valid_until != before.valid_until)
            || (self.created_at.is_some() && self.created_at != before.created_at)
    }
}

/// How the app's certificate must be redeployed.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Advanced SSL: one certificate per domain.
    PerDomain {
        auto_ssl: bool,
    },
    /// `PATCH /ssl/advanced/{id}/redeploy` (v3).
    AdvancedRedeploy(Certificate),
    /// `PUT /ssl/{id}`.
    BasicRedeploy(Certificate),
    NoCertificate,
}

/// The mode as `test_connection` reports it.
pub fn mode_name(plan: &Plan) -> &'static str {
    match plan {
        Plan::PerDomain { .. } => "advanced",
        Plan::AdvancedRedeploy(_) | Plan::BasicRedeploy(_) => "basic",
        Plan::NoCertificate => "none",
    }
}

/// The answer to `GET /ssl/advanced`.
#[derive(Deserialize)]
struct SslSettings {
    #[serde(rename = "advancedSSL", default, deserialize_with = "de::flag")]
    advanced: bool,
    #[serde(rename = "autoSSL", default, deserialize_with = "de::flag")]
    auto_ssl: bool,
    #[serde(rename = "sslCertificate", default)]
    certificate: Option<Certificate>,
}

/// The answer to a redeploy that says what RunCloud did.
#[derive(Deserialize)]
struct Redeployed {
    #[serde(default, deserialize_with = "de::opt_text")]
    message: Option<String>,
    #[serde(default, deserialize_with = "de::opt_text")]
    status: Option<String>,
}

fn ssl_path(session: &Session<'_>, rest: &str) -> String {
    format!("{}/ssl{rest}", session.config.webapp_path())
}

/// ansible-collection-runcloud's reading of RunCloud's answer when there is no certificate.
const NOT_INSTALLED: &str = "SSL not installed";

fn not_installed(e: &Error) -> bool {
    matches!(e.status(), Some(404 | 422)) && e.runcloud_said().contains(NOT_INSTALLED)
}

/// Reads the SSL settings and decides the route.
pub fn plan(session: &Session<'_>) -> Result<Plan, Error> {
    let v3 = matches!(session.config.auth, Auth::Token(_));
    let req = Request::get(ssl_path(session, "/advanced"), Action::ReadSslMode);
    match session.send::<Option<SslSettings>>(&req) {
        Ok(Some(settings)) if settings.advanced => {
            return Ok(Plan::PerDomain {
                auto_ssl: settings.auto_ssl,
            });
        }
        Ok(Some(SslSettings {
            certificate: Some(cert @ Certificate { id: Some(_), .. }),
            ..
        })) => {
            // The PATCH route is seen only in a v3 client; v2 has the SDK's PUT.
            return Ok(if v3 {
                Plan::AdvancedRedeploy(cert)
            } else {
                Plan::BasicRedeploy(cert)
            });
        }
        Ok(_) => {}
        // Missing route, or (403) a plan without advanced SSL: the basic route decides; if
        // the credentials really lack permission, GET /ssl says so next.
        Err(e) if matches!(e.status(), Some(403..=405)) => {}
        Err(e) => return Err(e),
    }
    basic_plan(session)
}

fn read_basic(session: &Session<'_>) -> Result<Option<Certificate>, Error> {
    let req = Request::get(ssl_path(session, ""), Action::ReadCertificate);
    match session.send::<Option<Certificate>>(&req) {
        Ok(c) => Ok(c.filter(|c| c.id.is_some())),
        Err(e) if not_installed(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn basic_plan(session: &Session<'_>) -> Result<Plan, Error> {
    Ok(read_basic(session)?.map_or(Plan::NoCertificate, Plan::BasicRedeploy))
}

fn no_certificate(session: &Session<'_>) -> Outcome {
    Outcome::new(
        SslAction::None,
        format!(
            "{} has no SSL certificate to redeploy; install one in RunCloud (SSL/TLS) and new domains will be covered on the next redeploy",
            session.config.app()
        ),
        None,
    )
}

const AUTO_SSL: &str =
    "advanced SSL with AutoSSL is on: RunCloud issues certificates for new domains itself";

fn already_pending(what: &str, id: u64) -> Outcome {
    Outcome::new(
        SslAction::Pending,
        format!(
            "{what} (id {id}) is already being issued (RunCloud shows it pending): not ordered again"
        ),
        Some(id),
    )
}

/// After an issuing request that failed: a refusal is final; a failure that may have reached
/// RunCloud is judged by reading the certificate back, never by ordering again.
fn judge_failure(
    e: Error,
    what: &str,
    before: Option<&Certificate>,
    read_back: impl FnOnce() -> Result<Option<Certificate>, Error>,
) -> Outcome {
    let uncertain = match e.status() {
        None => true,
        Some(s) => s >= 500,
    };
    if !uncertain {
        return Outcome::failed(&e);
    }
    let id = before.and_then(|c| c.id);
    match read_back() {
        Ok(Some(now)) if now.pending() => Outcome::new(
            SslAction::Pending,
            format!(
                "{e}; {what} shows pending: the order reached RunCloud and is being issued, so it was not ordered again"
            ),
            now.id.or(id),
        ),
        Ok(Some(now)) if before.is_some_and(|b| now.renewed_since(b)) => Outcome::new(
            SslAction::Redeployed,
            format!("{what} was issued although RunCloud's answer was lost ({e})"),
            now.id.or(id),
        ),
        Ok(Some(now)) if now.status.as_deref() == Some("failed") => {
            let reason = now.status_message.clone().unwrap_or_default();
            let mut o = Outcome::new(
                SslAction::Failed,
                format!("{e}; {what} shows the issuance failed: \"{reason}\""),
                now.id.or(id),
            );
            o.failed_domains = names_in(&reason);
            o.retry_after = retry_after_in(&reason);
            o
        }
        Ok(now) => Outcome::new(
            SslAction::Pending,
            format!(
                "{e}; RunCloud may still be issuing {what}: it was not ordered again, and the next attempt reads it back before ordering"
            ),
            now.and_then(|c| c.id).or(id),
        ),
        Err(read) => {
            let mut o = Outcome::failed(&e);
            o.message = format!("{e}; reading {what} back also failed: {read}");
            o
        }
    }
}

/// `PUT /ssl/{id}`, or (v3) `PATCH /ssl/advanced/{id}/redeploy` with its fallback.
fn order_basic(session: &Session<'_>, cert: &Certificate, patch: bool) -> Outcome {
    let id = cert.id.unwrap_or_default();
    let what = format!("SSL certificate {id}");
    if cert.pending() {
        return already_pending("SSL certificate", id);
    }
    let (method, route, path) = if patch {
        (
            Method::PATCH,
            format!("PATCH /ssl/advanced/{id}/redeploy"),
            ssl_path(session, &format!("/advanced/{id}/redeploy")),
        )
    } else {
        (
            Method::PUT,
            format!("PUT /ssl/{id}"),
            ssl_path(session, &format!("/{id}")),
        )
    };
    let req = Request::new(method, path, Action::RedeployCertificate { id })
        .body(json!({}))
        .issuing();
    match session.send::<Option<Redeployed>>(&req) {
        Ok(answer) => {
            let answer = answer.unwrap_or(Redeployed {
                message: None,
                status: None,
            });
            let said = answer.message.map(|m| format!(": {m}")).unwrap_or_default();
            if answer.status.as_deref() == Some("pending") {
                return Outcome::new(
                    SslAction::Pending,
                    format!(
                        "ordered the reissue of {what} ({route}); RunCloud is issuing it (pending)"
                    ),
                    Some(id),
                );
            }
            Outcome::new(
                SslAction::Redeployed,
                format!("redeployed {what} ({route}){said}"),
                Some(id),
            )
        }
        // Not an official route: a missing one never placed an order.
        Err(e) if patch && matches!(e.status(), Some(404 | 405)) => match basic_plan(session) {
            Ok(Plan::BasicRedeploy(c)) => order_basic(session, &c, false),
            Ok(_) => no_certificate(session),
            Err(e) => Outcome::failed(&e),
        },
        Err(e) => judge_failure(e, &what, Some(cert), || read_basic(session)),
    }
}

/// The app-wide certificate's route, kept by this worker after an order it saw finish, so the
/// next batch's order is one request. It is used only once `ssl_timeout` has passed since
/// that order (by then RunCloud is done issuing: no order can land on a pending certificate),
/// and a 404 (the certificate was replaced) drops it.
struct KnownRoute {
    cert: Certificate,
    patch: bool,
    ordered: Instant,
}

static ROUTES: Lazy<Mutex<HashMap<u64, KnownRoute>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn route_key(session: &Session<'_>) -> u64 {
    let c = session.config;
    let mut h = DefaultHasher::new();
    (&c.base_url, &c.auth, c.server_id, c.app_id).hash(&mut h);
    h.finish()
}

fn routes() -> std::sync::MutexGuard<'static, HashMap<u64, KnownRoute>> {
    ROUTES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Orders through the app's certificate and remembers the route when the order is done.
fn order_and_remember(session: &Session<'_>, cert: &Certificate, patch: bool) -> Outcome {
    let outcome = order_basic(session, cert, patch);
    let mut known = routes();
    if outcome.action == SslAction::Redeployed {
        known.insert(
            route_key(session),
            KnownRoute {
                cert: Certificate {
                    id: outcome.certificate_id.or(cert.id),
                    ..Certificate::default()
                },
                // The PATCH route fell back to PUT when RunCloud lacks it: the message says which.
                patch: patch && outcome.message.contains("PATCH"),
                ordered: Instant::now(),
            },
        );
    } else {
        known.remove(&route_key(session));
    }
    outcome
}

/// The remembered route, when it may be used without reading the certificate first.
fn known_route(session: &Session<'_>) -> Option<(Certificate, bool)> {
    let known = routes();
    let r = known.get(&route_key(session))?;
    (r.ordered.elapsed() >= session.config.ssl_timeout).then(|| (r.cert.clone(), r.patch))
}

/// Redeploys the app-wide certificate (`wu_runcloud_redeploy_ssl`, and once after a sync);
/// in advanced mode without AutoSSL, installs or reissues the certificates of `domains`
/// (`(RunCloud id, name)`, the domains added since the last redeploy).
pub fn redeploy_app(session: &Session<'_>, domains: &[(u64, String)]) -> Result<Outcome, Error> {
    if let Some((cert, patch)) = known_route(session) {
        let outcome = order_and_remember(session, &cert, patch);
        if outcome.http_status != Some(404) {
            return Ok(outcome);
        }
        // The certificate was replaced: read it again (the 404 placed no order).
    }
    Ok(match plan(session)? {
        Plan::PerDomain { auto_ssl: true } => Outcome::new(SslAction::Skipped, AUTO_SSL, None),
        Plan::PerDomain { auto_ssl: false } if !domains.is_empty() => combine(
            domains
                .iter()
                .map(|(id, name)| (name.clone(), per_domain(session, *id, name)))
                .collect(),
        ),
        Plan::PerDomain { auto_ssl: false } => Outcome::new(
            SslAction::Skipped,
            format!(
                "{} uses advanced SSL (one certificate per domain): certificates are installed per domain: name the domains to cover",
                session.config.app()
            ),
            None,
        ),
        Plan::AdvancedRedeploy(c) => order_and_remember(session, &c, true),
        Plan::BasicRedeploy(c) => order_and_remember(session, &c, false),
        Plan::NoCertificate => no_certificate(session),
    })
}

fn read_domain(
    session: &Session<'_>,
    path: &str,
    name: &str,
) -> Result<Option<Certificate>, Error> {
    let req = Request::get(
        path.to_string(),
        Action::ReadDomainCertificate {
            name: name.to_string(),
        },
    );
    match session.send::<Option<Certificate>>(&req) {
        Ok(c) => Ok(c.filter(|c| c.id.is_some())),
        Err(e) if not_installed(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Installs or reissues the certificate of one domain (advanced SSL without AutoSSL):
/// `GET …/domains/{d}/ssl`, then `PUT …/ssl/{id}` or `POST …/ssl` (Let's Encrypt).
fn per_domain(session: &Session<'_>, domain_id: u64, name: &str) -> Outcome {
    let path = format!("{}/domains/{domain_id}/ssl", session.config.webapp_path());
    let what = format!("the certificate of {name}");
    let current = match read_domain(session, &path, name) {
        Ok(c) => c,
        Err(e) => return Outcome::failed(&e),
    };
    if let Some(c) = &current {
        let id = c.id.unwrap_or_default();
        if c.pending() {
            return already_pending(&what, id);
        }
        let req = Request::new(
            Method::PUT,
            format!("{path}/{id}"),
            Action::RedeployDomainCertificate {
                name: name.to_string(),
            },
        )
        .body(json!({}))
        .issuing();
        return match session.send::<Option<Redeployed>>(&req) {
            Ok(_) => Outcome::new(
                SslAction::Redeployed,
                format!("redeployed {what} (id {id})"),
                Some(id),
            ),
            Err(e) => judge_failure(e, &what, Some(c), || read_domain(session, &path, name)),
        };
    }
    let req = Request::new(
        Method::POST,
        path.clone(),
        Action::InstallDomainCertificate {
            name: name.to_string(),
        },
    )
    .body(json!({
        "provider": "letsencrypt",
        "enableHttp": true,
        "enableHsts": false,
        "authorizationMethod": "http-01",
        "environment": "live",
    }))
    .issuing();
    match session.send::<Option<Certificate>>(&req) {
        Ok(installed) => Outcome::new(
            SslAction::Redeployed,
            format!("installed a Let's Encrypt certificate for {name}"),
            installed.and_then(|c| c.id),
        ),
        Err(e) => judge_failure(e, &what, None, || read_domain(session, &path, name)),
    }
}

/// SSL work after domains were added: per-domain in advanced mode (one domain's failure
/// does not stop the others), else one app-wide order. Errors become action `failed` with
/// RunCloud's message: the adds stand.
pub fn after_add(session: &Session<'_>, added: &[(u64, String)]) -> Outcome {
    let plan = match plan(session) {
        Ok(p) => p,
        Err(e) => return Outcome::failed(&e),
    };
    match plan {
        Plan::PerDomain { auto_ssl: true } => Outcome::new(SslAction::Skipped, AUTO_SSL, None),
        Plan::PerDomain { auto_ssl: false } => {
            let outcomes: Vec<(String, Outcome)> = added
                .iter()
                .map(|(id, name)| (name.clone(), per_domain(session, *id, name)))
                .collect();
            combine(outcomes)
        }
        Plan::AdvancedRedeploy(c) => order_and_remember(session, &c, true),
        Plan::BasicRedeploy(c) => order_and_remember(session, &c, false),
        Plan::NoCertificate => no_certificate(session),
    }
}

/// One outcome for several domains' certificates: failed if any failed (naming them),
/// else pending if any is, else redeployed.
fn combine(outcomes: Vec<(String, Outcome)>) -> Outcome {
    let action = if outcomes.iter().any(|(_, o)| o.action == SslAction::Failed) {
        SslAction::Failed
    } else if outcomes.iter().any(|(_, o)| o.action == SslAction::Pending) {
        SslAction::Pending
    } else {
        SslAction::Redeployed
    };
    let mut combined = Outcome::new(
        action,
        outcomes
            .iter()
            .map(|(_, o)| o.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        outcomes.iter().rev().find_map(|(_, o)| o.certificate_id),
    );
    for (name, o) in &outcomes {
        if o.action == SslAction::Failed {
            combined.failed_domains.push(name.clone());
        }
        combined.retry_after = combined.retry_after.max(o.retry_after);
    }
    combined
}

/// Host names in RunCloud's (Let's Encrypt's) words: the names an order failed for. Let's
/// Encrypt's own documentation links are not among them.
pub fn names_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) {
        let t = token.trim_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = t.split('.').collect();
        let plausible = labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty() && l.len() <= 63)
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        if plausible
            && t != "letsencrypt.org"
            && !t.ends_with(".letsencrypt.org")
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    out
}

/// Let's Encrypt's "retry after 2026-12-10 10:00:00 UTC" as Unix seconds.
pub fn retry_after_in(text: &str) -> Option<u64> {
    let at = text.find("retry after ")? + "retry after ".len();
    let stamp = text.get(at..at + 19)?;
    let n = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3_600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_modes_are_named_as_test_connection_reports_them() {
        assert_eq!(mode_name(&Plan::PerDomain { auto_ssl: true }), "advanced");
        assert_eq!(
            mode_name(&Plan::AdvancedRedeploy(Certificate::default())),
            "basic"
        );
        assert_eq!(
            mode_name(&Plan::BasicRedeploy(Certificate::default())),
            "basic"
        );
        assert_eq!(mode_name(&Plan::NoCertificate), "none");
    }

    #[test]
    fn the_ssl_settings_answer_is_read_whatever_the_flags_look_like() {
        let s: SslSettings = serde_json::from_value(
            serde_json::json!({"advancedSSL": "1", "autoSSL": 0, "sslCertificate": null}),
        )
        .unwrap();
        assert!(s.advanced && !s.auto_ssl && s.certificate.is_none());
        let s: SslSettings = serde_json::from_value(
            serde_json::json!({"advancedSSL": false, "sslCertificate": {"id": "12"}}),
        )
        .unwrap();
        assert_eq!(s.certificate.and_then(|c| c.id), Some(12));
    }

    #[test]
    fn a_failed_outcome_is_redacted_like_an_error() {
        let o = Outcome::new(SslAction::Failed, "RunCloud said \"bad tok-12345\"", None)
            .redact(&["tok-12345"]);
        assert_eq!(o.message, "RunCloud said \"bad [redacted]\"");
    }

    #[test]
    fn lets_encrypts_words_give_the_failing_names_and_when_to_retry() {
        let said = "Let's Encrypt could not validate 2 of 3 names: shop.example.com: DNS problem: NXDOMAIN looking up A for shop.example.com - check that a DNS record exists for this domain; moved.example.com: 198.51.100.7: Invalid response from http://moved.example.com/.well-known/acme-challenge/x: 404";
        assert_eq!(
            names_in(said),
            vec!["shop.example.com", "moved.example.com"]
        );
        let limited = "Error creating new order :: too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-10 10:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames";
        assert!(names_in(limited).is_empty(), "{:?}", names_in(limited));
        assert_eq!(retry_after_in(limited), Some(1_796_896_800));
        assert_eq!(retry_after_in("retry after soon"), None);
    }

    #[test]
    fn a_certificate_is_renewed_when_its_dates_moved() {
        let before: Certificate = serde_json::from_value(
            serde_json::json!({"id": 1, "validUntil": "2027-01-01 00:00:00"}),
        )
        .unwrap();
        let same = before.clone();
        let later: Certificate = serde_json::from_value(
            serde_json::json!({"id": 1, "validUntil": "2027-03-01 00:00:00"}),
        )
        .unwrap();
        assert!(!same.renewed_since(&before));
        assert!(later.renewed_since(&before));
        let bare: Certificate = serde_json::from_value(serde_json::json!({"id": 1})).unwrap();
        assert!(
            !bare.renewed_since(&before),
            "no dates: nothing proves a renewal"
        );
    }
}
