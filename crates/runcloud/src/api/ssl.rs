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
use serde::Deserialize;
use serde::de::IgnoredAny;
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
}

impl SslAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            SslAction::Redeployed => "redeployed",
            SslAction::Skipped => "skipped",
            SslAction::Failed => "failed",
            SslAction::None => "none",
        }
    }
}

/// What the SSL step did, with a message for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub action: SslAction,
    pub message: String,
    pub certificate_id: Option<u64>,
}

impl Outcome {
    pub fn new(action: SslAction, message: impl Into<String>, certificate_id: Option<u64>) -> Self {
        Outcome {
            action,
            message: message.into(),
            certificate_id,
        }
    }

    pub fn failed(err: &Error) -> Self {
        Outcome::new(SslAction::Failed, err.to_string(), None)
    }

    /// The message with every secret blanked, as error messages are.
    pub fn redact(self, secrets: &[&str]) -> Self {
        Outcome {
            message: redact(self.message, secrets),
            ..self
        }
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

/// A certificate (or `{}` when there is none).
#[derive(Deserialize)]
struct Certificate {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<u64>,
}

/// The answer to a redeploy that says what RunCloud did.
#[derive(Deserialize)]
struct Redeployed {
    #[serde(default, deserialize_with = "de::opt_text")]
    message: Option<String>,
}

fn ssl_path(session: &Session<'_>, rest: &str) -> String {
    format!("{}/ssl{rest}", session.config.webapp_path())
}

/// Reads the SSL settings and decides the route.
pub fn plan(session: &Session<'_>) -> Result<Plan, Error> {
    if let Auth::Token(_) = session.config.auth {
        let req = Request::get(ssl_path(session, "/advanced"), Action::ReadSslMode);
        match session.send::<Option<SslSettings>>(&req) {
            Ok(Some(settings)) if settings.advanced => {
                return Ok(Plan::PerDomain {
                    auto_ssl: settings.auto_ssl,
                });
            }
            Ok(Some(SslSettings {
                certificate: Some(Certificate { id: Some(id) }),
                ..
            })) => return Ok(Plan::AdvancedRedeploy(id)),
            Ok(_) => {}
            // Missing route, or (403) a plan without advanced SSL: the basic route decides;
            // if the credentials really lack permission, GET /ssl says so next.
            Err(e) if matches!(e.status(), Some(403..=405)) => {}
            Err(e) => return Err(e),
        }
    }
    basic_plan(session)
}

fn basic_plan(session: &Session<'_>) -> Result<Plan, Error> {
    let req = Request::get(ssl_path(session, ""), Action::ReadCertificate);
    let certificate: Option<Certificate> = session.send(&req)?;
    Ok(certificate
        .and_then(|c| c.id)
        .map_or(Plan::NoCertificate, Plan::BasicRedeploy))
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

/// `PUT /ssl/{id}`.
fn redeploy_basic(session: &Session<'_>, id: u64) -> Result<Outcome, Error> {
    let req = Request::new(
        Method::PUT,
        ssl_path(session, &format!("/{id}")),
        Action::RedeployCertificate { id },
    )
    .body(json!({}));
    session.send::<IgnoredAny>(&req)?;
    Ok(Outcome::new(
        SslAction::Redeployed,
        format!("redeployed SSL certificate {id} (PUT /ssl/{id})"),
        Some(id),
    ))
}

/// `PATCH /ssl/advanced/{id}/redeploy`: not an official route, so a missing one (404/405)
/// falls back to the basic redeploy.
fn redeploy_advanced(session: &Session<'_>, id: u64) -> Result<Outcome, Error> {
    let req = Request::new(
        Method::PATCH,
        ssl_path(session, &format!("/advanced/{id}/redeploy")),
        Action::RedeployCertificate { id },
    )
    .body(json!({}));
    match session.send::<Option<Redeployed>>(&req) {
        Ok(answer) => {
            let said = answer
                .and_then(|a| a.message)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            Ok(Outcome::new(
                SslAction::Redeployed,
                format!(
                    "redeployed SSL certificate {id} (PATCH /ssl/advanced/{id}/redeploy){said}"
                ),
                Some(id),
            ))
        }
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
        Plan::PerDomain { auto_ssl: true } => Ok(Outcome::new(SslAction::Skipped, AUTO_SSL, None)),
        Plan::PerDomain { auto_ssl: false } => Ok(Outcome::new(
            SslAction::Skipped,
            format!(
                "{} uses advanced SSL (one certificate per domain): certificates are installed per domain when a domain is added",
                session.config.app()
            ),
            None,
        )),
        Plan::AdvancedRedeploy(id) => redeploy_advanced(session, id),
        Plan::BasicRedeploy(id) => redeploy_basic(session, id),
        Plan::NoCertificate => Ok(no_certificate(session)),
    }
}

/// Installs or redeploys the certificate of one domain (advanced SSL without AutoSSL):
/// `GET …/domains/{d}/ssl`, then `PUT …/ssl/{id}` or `POST …/ssl` (Let's Encrypt).
fn per_domain(session: &Session<'_>, domain_id: u64, name: &str) -> Result<Outcome, Error> {
    let path = format!("{}/domains/{domain_id}/ssl", session.config.webapp_path());
    let name = name.to_string();
    let current: Option<Certificate> = session.send(&Request::get(
        path.clone(),
        Action::ReadDomainCertificate { name: name.clone() },
    ))?;
    if let Some(id) = current.and_then(|c| c.id) {
        let req = Request::new(
            Method::PUT,
            format!("{path}/{id}"),
            Action::RedeployDomainCertificate { name: name.clone() },
        )
        .body(json!({}));
        session.send::<IgnoredAny>(&req)?;
        return Ok(Outcome::new(
            SslAction::Redeployed,
            format!("redeployed the certificate of {name} (id {id})"),
            Some(id),
        ));
    }
    let req = Request::new(
        Method::POST,
        path,
        Action::InstallDomainCertificate { name: name.clone() },
    )
    .body(json!({
        "provider": "letsencrypt",
        "enableHttp": true,
        "enableHsts": false,
        "authorizationMethod": "http-01",
        "environment": "live",
    }));
    let installed: Option<Certificate> = session.send(&req)?;
    Ok(Outcome::new(
        SslAction::Redeployed,
        format!("installed a Let's Encrypt certificate for {name}"),
        installed.and_then(|c| c.id),
    ))
}

/// SSL work after domains were added: per-domain in advanced mode, else one app-wide
/// redeploy. Errors become action `failed` with RunCloud's message: the adds stand.
pub fn after_add(session: &Session<'_>, added: &[(u64, String)]) -> Outcome {
    let result = (|| -> Result<Outcome, Error> {
        match plan(session)? {
            Plan::PerDomain { auto_ssl: true } => {
                Ok(Outcome::new(SslAction::Skipped, AUTO_SSL, None))
            }
            Plan::PerDomain { auto_ssl: false } => {
                let mut done = Vec::new();
                let mut last_id = None;
                for (id, name) in added {
                    let o = per_domain(session, *id, name)?;
                    last_id = o.certificate_id.or(last_id);
                    done.push(o.message);
                }
                Ok(Outcome::new(
                    SslAction::Redeployed,
                    done.join("; "),
                    last_id,
                ))
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

    #[test]
    fn ssl_modes_are_named_as_test_connection_reports_them() {
        assert_eq!(mode_name(&Plan::PerDomain { auto_ssl: true }), "advanced");
        assert_eq!(mode_name(&Plan::AdvancedRedeploy(1)), "basic");
        assert_eq!(mode_name(&Plan::BasicRedeploy(1)), "basic");
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
}
