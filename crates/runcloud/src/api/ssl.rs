//! SSL after a domain change: find the app's certificate and redeploy it by the route that
//! matches the API version and the app's SSL mode.
//!
//! - v3: `GET /ssl/advanced` (UMS flow). Advanced mode → per-domain certificates
//!   (`/domains/{d}/ssl`, <https://runcloud.io/docs/api/v3/api-8811386>), or nothing to do
//!   with AutoSSL; otherwise `sslCertificate.id` → `PATCH /ssl/advanced/{id}/redeploy`.
//!   A 404/405 or no certificate there → the basic route below.
//! - v2 (and v3 fallback): `GET /ssl` → `PUT /ssl/{id}` (basic certificate redeploy).
//! - No certificate anywhere → action `none` with a message, not an error.

use reqwest::Method;
use serde_json::{Value as Json, json};

use crate::client::Session;
use crate::config::Auth;
use crate::error::Error;
use crate::value::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Redeployed,
    Skipped,
    Failed,
    None,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Redeployed => "redeployed",
            Action::Skipped => "skipped",
            Action::Failed => "failed",
            Action::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub action: Action,
    pub message: String,
    pub certificate_id: Option<u64>,
}

impl Outcome {
    pub fn new(action: Action, message: impl Into<String>, certificate_id: Option<u64>) -> Self {
        Outcome {
            action,
            message: message.into(),
            certificate_id,
        }
    }

    pub fn failed(err: &Error) -> Self {
        Outcome::new(Action::Failed, err.to_string(), None)
    }

    /// `['action' => …, 'message' => …]` (the `ssl` entry of add/sync results).
    pub fn to_short_value(&self) -> Value {
        Value::map(vec![
            ("action", Value::str(self.action.as_str())),
            ("message", Value::str(&self.message)),
        ])
    }

    /// `['action', 'message', 'certificate_id']` (redeploy_ssl's result).
    pub fn to_value(&self) -> Value {
        Value::map(vec![
            ("action", Value::str(self.action.as_str())),
            ("message", Value::str(&self.message)),
            ("certificate_id", Value::opt_int(self.certificate_id)),
        ])
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
    AdvancedRedeploy(u64),
    /// `PUT /ssl/{id}`.
    BasicRedeploy(u64),
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

fn base(session: &Session<'_>) -> String {
    format!(
        "/servers/{}/webapps/{}",
        session.config.server_id, session.config.app_id
    )
}

fn app(session: &Session<'_>) -> String {
    format!(
        "web application {} on server {}",
        session.config.app_id, session.config.server_id
    )
}

fn cert_id(v: Option<&Json>) -> Option<u64> {
    match v? {
        Json::Number(n) => n.as_u64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `true`, `1` or `"1"`/`"true"` (flags come as booleans or 0/1 depending on the endpoint).
fn truthy(v: Option<&Json>) -> bool {
    match v {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_i64().is_some_and(|i| i != 0),
        Some(Json::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Reads the SSL settings and decides the route.
pub fn plan(session: &Session<'_>) -> Result<Plan, Error> {
    if let Auth::Token(_) = session.config.auth {
        let action = format!("reading the SSL mode of {}", app(session));
        match session.get(&format!("{}/ssl/advanced", base(session)), &[], &action) {
            Ok(body) => {
                let body = body.get("data").filter(|d| d.is_object()).unwrap_or(&body);
                if truthy(body.get("advancedSSL")) {
                    let auto_ssl = truthy(body.get("autoSSL"));
                    return Ok(Plan::PerDomain { auto_ssl });
                }
                if let Some(id) = cert_id(body.get("sslCertificate").and_then(|c| c.get("id"))) {
                    return Ok(Plan::AdvancedRedeploy(id));
                }
            }
            // Missing route, or (403) a plan without advanced SSL: the basic route decides;
            // if the credentials really lack permission, GET /ssl says so next.
            Err(e) if matches!(e.status(), Some(403..=405)) => {}
            Err(e) => return Err(e),
        }
    }
    basic_plan(session)
}

fn basic_plan(session: &Session<'_>) -> Result<Plan, Error> {
    let action = format!("reading the SSL certificate of {}", app(session));
    let body = session.get(&format!("{}/ssl", base(session)), &[], &action)?;
    let obj = body.get("data").filter(|d| d.is_object()).unwrap_or(&body);
    Ok(cert_id(obj.get("id")).map_or(Plan::NoCertificate, Plan::BasicRedeploy))
}

fn no_certificate(session: &Session<'_>) -> Outcome {
    Outcome::new(
        Action::None,
        format!(
            "{} has no SSL certificate to redeploy; install one in RunCloud (SSL/TLS) and new domains will be covered on the next redeploy",
            app(session)
        ),
        None,
    )
}

const AUTO_SSL: &str =
    "advanced SSL with AutoSSL is on: RunCloud issues certificates for new domains itself";

fn redeploy_basic(session: &Session<'_>, id: u64) -> Result<Outcome, Error> {
    let action = format!("redeploying SSL certificate {id} of {}", app(session));
    session.call(
        Method::PUT,
        &format!("{}/ssl/{id}", base(session)),
        &[],
        Some(&json!({})),
        &action,
    )?;
    Ok(Outcome::new(
        Action::Redeployed,
        format!("redeployed SSL certificate {id} (PUT /ssl/{id})"),
        Some(id),
    ))
}

fn redeploy_advanced(session: &Session<'_>, id: u64) -> Result<Outcome, Error> {
    let action = format!("redeploying SSL certificate {id} of {}", app(session));
    let path = format!("{}/ssl/advanced/{id}/redeploy", base(session));
    match session.call(Method::PATCH, &path, &[], Some(&json!({})), &action) {
        Ok(body) => {
            let said = body
                .get("message")
                .and_then(Json::as_str)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            Ok(Outcome::new(
                Action::Redeployed,
                format!(
                    "redeployed SSL certificate {id} (PATCH /ssl/advanced/{id}/redeploy){said}"
                ),
                Some(id),
            ))
        }
        // The route is not official; fall back to the basic redeploy when it is missing.
        Err(e) if matches!(e.status(), Some(404 | 405)) => match basic_plan(session)? {
            Plan::BasicRedeploy(basic_id) => redeploy_basic(session, basic_id),
            _ => Ok(no_certificate(session)),
        },
        Err(e) => Err(e),
    }
}

/// Redeploys the app-wide certificate (`wu_runcloud_redeploy_ssl`, and once after a sync).
pub fn redeploy_app(session: &Session<'_>) -> Result<Outcome, Error> {
    match plan(session)? {
        Plan::PerDomain { auto_ssl: true } => Ok(Outcome::new(Action::Skipped, AUTO_SSL, None)),
        Plan::PerDomain { auto_ssl: false } => Ok(Outcome::new(
            Action::Skipped,
            format!(
                "{} uses advanced SSL (one certificate per domain): certificates are installed per domain when a domain is added",
                app(session)
            ),
            None,
        )),
        Plan::AdvancedRedeploy(id) => redeploy_advanced(session, id),
        Plan::BasicRedeploy(id) => redeploy_basic(session, id),
        Plan::NoCertificate => Ok(no_certificate(session)),
    }
}

/// Installs or redeploys the certificate of one domain (advanced SSL without AutoSSL).
fn per_domain(session: &Session<'_>, domain_id: u64, name: &str) -> Result<Outcome, Error> {
    let path = format!("{}/domains/{domain_id}/ssl", base(session));
    let current = session.get(
        &path,
        &[],
        &format!("reading the SSL certificate of domain {name}"),
    )?;
    let obj = current
        .get("data")
        .filter(|d| d.is_object())
        .unwrap_or(&current);
    if let Some(id) = cert_id(obj.get("id")) {
        let action = format!("redeploying the SSL certificate of domain {name}");
        session.call(
            Method::PUT,
            &format!("{path}/{id}"),
            &[],
            Some(&json!({})),
            &action,
        )?;
        return Ok(Outcome::new(
            Action::Redeployed,
            format!("redeployed the certificate of {name} (id {id})"),
            Some(id),
        ));
    }
    let body = json!({
        "provider": "letsencrypt",
        "enableHttp": true,
        "enableHsts": false,
        "authorizationMethod": "http-01",
        "environment": "live",
    });
    let action = format!("installing a Let's Encrypt certificate for domain {name}");
    let answer = session.call(Method::POST, &path, &[], Some(&body), &action)?;
    let id = cert_id(answer.get("id"));
    Ok(Outcome::new(
        Action::Redeployed,
        format!("installed a Let's Encrypt certificate for {name}"),
        id,
    ))
}

/// SSL work after domains were added: per-domain in advanced mode, else one app-wide
/// redeploy. Errors become action `failed` with RunCloud's message: the adds stand.
pub fn after_add(session: &Session<'_>, added: &[(u64, String)]) -> Outcome {
    let result = (|| -> Result<Outcome, Error> {
        match plan(session)? {
            Plan::PerDomain { auto_ssl: true } => Ok(Outcome::new(Action::Skipped, AUTO_SSL, None)),
            Plan::PerDomain { auto_ssl: false } => {
                let mut done = Vec::new();
                let mut last_id = None;
                for (id, name) in added {
                    let o = per_domain(session, *id, name)?;
                    last_id = o.certificate_id.or(last_id);
                    done.push(o.message);
                }
                Ok(Outcome::new(Action::Redeployed, done.join("; "), last_id))
            }
            Plan::AdvancedRedeploy(id) => redeploy_advanced(session, id),
            Plan::BasicRedeploy(id) => redeploy_basic(session, id),
            Plan::NoCertificate => Ok(no_certificate(session)),
        }
    })();
    result.unwrap_or_else(|e| Outcome::failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_are_read_from_booleans_integers_and_strings() {
        for (v, expected) in [
            (json!(true), true),
            (json!(1), true),
            (json!("1"), true),
            (json!("true"), true),
            (json!(false), false),
            (json!(0), false),
            (json!(null), false),
            (json!("no"), false),
        ] {
            assert_eq!(truthy(Some(&v)), expected, "flag {v}");
        }
        assert!(!truthy(None));
    }

    #[test]
    fn certificate_ids_are_read_from_numbers_or_numeric_strings() {
        assert_eq!(cert_id(Some(&json!(12))), Some(12));
        assert_eq!(cert_id(Some(&json!("12"))), Some(12));
        assert_eq!(cert_id(Some(&json!(null))), None);
        assert_eq!(cert_id(None), None);
    }

    #[test]
    fn ssl_modes_are_named_as_test_connection_reports_them() {
        assert_eq!(mode_name(&Plan::PerDomain { auto_ssl: true }), "advanced");
        assert_eq!(mode_name(&Plan::AdvancedRedeploy(1)), "basic");
        assert_eq!(mode_name(&Plan::BasicRedeploy(1)), "basic");
        assert_eq!(mode_name(&Plan::NoCertificate), "none");
    }
}
