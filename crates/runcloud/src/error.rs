//! The one error type of the client, and the one place each failure is worded: what went
//! wrong, RunCloud's own words, and the one thing to do (which setting, id or domain; a
//! setting by the caller's name for it, see [`crate::config::SettingNames`]). The PHP
//! binding maps an [`Error`] to an exception class by its [`ErrorKind`] and never rewords it.

use crate::config::{Auth, Config};
use crate::domain_name::quote;
use crate::retry::Failure;

/// Which PHP exception class an [`Error`] becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad configuration or domain name, raised before any request.
    InvalidArgument,
    /// HTTP 401 / 403.
    Authentication,
    /// HTTP 404 for the server, the web application or a route.
    NotFound,
    /// HTTP 422, or a change refused here because RunCloud would refuse it too.
    Validation,
    /// HTTP 429 after the retries.
    RateLimit,
    /// Network, timeout, TLS, undecodable body, or 5xx after the retries.
    Transport,
    /// Any other answer (3xx, 400, 405, …): the base `RunCloudException`.
    Other,
}

/// Field errors RunCloud returned with a 422 (`{"errors": {"name": ["…"]}}`), in order.
pub type FieldErrors = Vec<(String, Vec<String>)>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Rejected locally, before any request.
    #[error("{0}")]
    InvalidArgument(String),
    /// A change we do not ask RunCloud for, because it must not happen (the primary domain).
    /// No request was sent, so there is no HTTP status: its code is 0.
    #[error("{0}")]
    Refused(String),
    /// RunCloud answered with a non-success HTTP status.
    #[error("{message}")]
    Api {
        status: u16,
        message: String,
        /// RunCloud's own `message`, as [`describe_body`] read it.
        said: Option<String>,
        errors: FieldErrors,
    },
    /// No usable answer: network, timeout, TLS, undecodable or oversized body. Its code is 0.
    #[error("{message}")]
    Transport { message: String },
}

/// What a request was for. Names the request in messages and picks the advice that goes
/// with a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    ShowServer,
    ShowWebapp,
    ListDomains { page: u32 },
    CountDomains,
    ShowDomain { id: u64 },
    AddDomain { name: String },
    RemoveDomain { name: String, id: u64 },
    ReadSslMode,
    ReadCertificate,
    RedeployCertificate { id: u64 },
    ReadDomainCertificate { name: String },
    RedeployDomainCertificate { name: String },
    InstallDomainCertificate { name: String },
    ReadDnsHint { name: String },
}

impl Action {
    /// The request orders a certificate from Let's Encrypt.
    pub fn is_issuing(&self) -> bool {
        matches!(
            self,
            Action::RedeployCertificate { .. }
                | Action::RedeployDomainCertificate { .. }
                | Action::InstallDomainCertificate { .. }
        )
    }

    /// "adding domain shop.test to web application 2 on server 1".
    pub fn describe(&self, config: &Config) -> String {
        let app = config.app();
        match self {
            Action::ShowServer => format!("looking up server {}", config.server_id),
            Action::ShowWebapp => format!("looking up {app}"),
            Action::ListDomains { page: 1 } => format!("listing the domains of {app}"),
            Action::ListDomains { page } => format!("listing the domains of {app} (page {page})"),
            Action::CountDomains => format!("counting the domains of {app}"),
            Action::ShowDomain { id } => format!("looking up domain id {id} of {app}"),
            Action::AddDomain { name } => format!("adding domain {name} to {app}"),
            Action::RemoveDomain { name, id } => {
                format!("removing domain {name} (id {id}) from {app}")
            }
            Action::ReadSslMode => format!("reading the SSL mode of {app}"),
            Action::ReadCertificate => format!("reading the SSL certificate of {app}"),
            Action::RedeployCertificate { id } => {
                format!("redeploying SSL certificate {id} of {app}")
            }
            Action::ReadDomainCertificate { name } => {
                format!("reading the SSL certificate of domain {name}")
            }
            Action::RedeployDomainCertificate { name } => {
                format!("redeploying the SSL certificate of domain {name}")
            }
            Action::InstallDomainCertificate { name } => {
                format!("installing a Let's Encrypt certificate for domain {name}")
            }
            Action::ReadDnsHint { name } => {
                format!("reading RunCloud's DNS records for domain {name}")
            }
        }
    }
}

/// Where a failure happened; every message about a request is worded from it.
pub struct Context<'a> {
    pub config: &'a Config,
    pub method: &'a str,
    pub path: &'a str,
    pub action: &'a Action,
    /// Retries made before the failure was final.
    pub retries: u32,
}

impl Context<'_> {
    fn action(&self) -> String {
        self.action.describe(self.config)
    }

    /// `(GET /servers/1/webapps/2/domains)`
    fn request(&self) -> String {
        format!("({} {})", self.method, self.path)
    }

    fn after_retries(&self) -> String {
        match self.retries {
            0 => String::new(),
            1 => " after 1 retry".to_string(),
            n => format!(" after {n} retries"),
        }
    }
}

/// A failed attempt, before it is worded: what the retry policy decided about.
#[derive(Debug)]
pub enum Cause {
    /// RunCloud answered with an error status; its words as [`describe_body`] read them.
    Status {
        status: u16,
        said: Option<String>,
        errors: FieldErrors,
    },
    /// No answer. `failure` is the classified kind, `detail` the error chain.
    Transport { failure: Failure, detail: String },
}

impl Cause {
    pub fn into_error(self, ctx: &Context<'_>) -> Error {
        match self {
            Cause::Transport { failure, detail } => transport(failure, &detail, ctx),
            Cause::Status {
                status,
                said,
                errors,
            } => Error::Api {
                status,
                message: status_message(status, said.as_deref(), &errors, ctx),
                said,
                errors,
            },
        }
    }
}

fn transport(failure: Failure, detail: &str, ctx: &Context<'_>) -> Error {
    let base = &ctx.config.base_url;
    let (what, advice) = match failure {
        Failure::Connect => (
            "could not connect to",
            format!("; check that this server can reach {base}"),
        ),
        Failure::Timeout => ("timed out waiting for", String::new()),
        Failure::Reset => ("lost the connection to", String::new()),
        Failure::Tls => (
            "could not set up a trusted TLS connection to",
            format!(
                "; check the system's CA certificates (or {}) and the server's clock",
                ctx.config.name("ca_file")
            ),
        ),
        Failure::Status(_) | Failure::Fatal => ("failed to talk to", String::new()),
    };
    Error::Transport {
        message: format!(
            "{what} RunCloud at {base} while {}{} {}: {detail}{advice}",
            ctx.action(),
            ctx.after_retries(),
            ctx.request()
        ),
    }
}

/// The message of an error status: RunCloud's words with the cause and the advice.
fn status_message(
    status: u16,
    said: Option<&str>,
    errors: &FieldErrors,
    ctx: &Context<'_>,
) -> String {
    let config = ctx.config;
    let (action, after, request) = (ctx.action(), ctx.after_retries(), ctx.request());
    let said = match said {
        Some(m) if m.starts_with(NON_JSON) => format!(": RunCloud sent {m}"),
        Some(m) => format!(": RunCloud said \"{m}\""),
        None => String::new(),
    };
    let (s, w) = (config.server_id, config.app_id);
    let (server_id, app_id) = (config.name("server_id"), config.name("app_id"));
    match (status, ctx.action) {
        (401 | 403, _) => {
            let advice = match (&config.auth, status) {
                (_, 403) => {
                    " (a 403 means the account may not use the API: RunCloud's API is only for Business and Enterprise plans, so check the plan of the account that owns these credentials; an IP missing from the API allow-list is answered with 401, not 403)".to_string()
                }
                (Auth::KeySecret { .. }, _) => format!(
                    " (RunCloud now issues API v3 tokens: if this key pair was retired, create a token and set {})",
                    config.name("api_token")
                ),
                (Auth::Token(_), _) => {
                    " (check the token in Workspace > Settings > API Management and the IP allow-list)".to_string()
                }
            };
            format!(
                "RunCloud rejected {} with HTTP {status} while {action}{said}{advice}",
                config.credential()
            )
        }
        // RunCloud's own 404 text does not say which id is wrong: these say it instead.
        (404, Action::ShowServer) => format!(
            "RunCloud has no server {s} for these credentials (HTTP 404): check {server_id}, the number after /servers/ in the dashboard URL"
        ),
        (404, Action::ShowWebapp) => format!(
            "RunCloud has no web application {w} on server {s} (HTTP 404): check {app_id}, the number after /apps/ in the dashboard URL"
        ),
        (404, _) => format!(
            "RunCloud answered HTTP 404 (not found) while {action} {request}{said}; check {server_id} {s} and {app_id} {w}"
        ),
        (422, _) => {
            let fields: Vec<String> = errors
                .iter()
                .map(|(f, msgs)| format!("{f}: {}", msgs.join(" ")))
                .collect();
            let fields = if fields.is_empty() {
                String::new()
            } else {
                format!(" [{}]", fields.join("; "))
            };
            let advice = match ctx.action {
                // The causes RunCloud's documentation names for a domain that was not added.
                Action::AddDomain { name } => format!(
                    "; check that {name} is not used by another app on this server and that the RunCloud plan allows more domains"
                ),
                _ => String::new(),
            };
            format!("RunCloud refused {action} with HTTP 422{said}{fields}{advice}")
        }
        (429, _) => {
            format!("RunCloud rate limit (HTTP 429) still in force while {action}{after}{said}")
        }
        (520..=526, _) => format!(
            "Cloudflare in front of RunCloud answered HTTP {status} ({}) while {action}{after} {request}: RunCloud itself could not be reached or did not answer in time; try again later",
            cloudflare_reason(status)
        ),
        (500..=599, _) => {
            format!("RunCloud answered HTTP {status} while {action}{after} {request}{said}")
        }
        _ => format!("RunCloud answered HTTP {status} while {action} {request}{said}"),
    }
}

/// Cloudflare's name for its 52x statuses.
fn cloudflare_reason(status: u16) -> &'static str {
    match status {
        520 => "unknown error from the origin",
        521 => "origin is down",
        522 => "connection to the origin timed out",
        523 => "origin is unreachable",
        524 => "the origin took too long to answer",
        525 => "TLS handshake with the origin failed",
        _ => "invalid certificate at the origin",
    }
}

impl Error {
    /// The request's time budget (`timeout`, or `ssl_timeout` for an issuance) ran out
    /// before an answer.
    pub fn timed_out(ctx: &Context<'_>, budget: std::time::Duration) -> Error {
        let setting = if budget == ctx.config.ssl_timeout && ctx.action.is_issuing() {
            "ssl_timeout"
        } else {
            "timeout"
        };
        Error::Transport {
            message: format!(
                "timed out: no answer from RunCloud at {} within the {:.1} s budget while {} {}{}; raise {} if RunCloud is this slow",
                ctx.config.base_url,
                budget.as_secs_f64(),
                ctx.action(),
                ctx.request(),
                ctx.after_retries(),
                ctx.config.name(setting)
            ),
        }
    }

    /// A 2xx answer that is not JSON.
    pub fn undecodable(
        ctx: &Context<'_>,
        len: usize,
        content_type: Option<&str>,
        e: &serde_json::Error,
    ) -> Error {
        let ctype = content_type.unwrap_or("no content type");
        Error::Transport {
            message: format!(
                "RunCloud's answer could not be decoded as JSON while {} ({} {}; {len} bytes of {ctype}): {e}",
                ctx.action(),
                ctx.method,
                ctx.path
            ),
        }
    }

    /// JSON, but not the shape this request expects.
    pub fn unexpected_answer(ctx: &Context<'_>, detail: &str) -> Error {
        Error::Transport {
            message: format!(
                "unexpected answer while {} {}: {detail}",
                ctx.action(),
                ctx.request()
            ),
        }
    }

    /// An answer longer than the client reads.
    pub fn too_large(ctx: &Context<'_>, cap: usize) -> Error {
        Error::Transport {
            message: format!(
                "RunCloud's answer while {} {} is larger than the {} MiB this client reads; nothing past the limit was read: check {}, it should be RunCloud's API",
                ctx.action(),
                ctx.request(),
                cap >> 20,
                ctx.config.name("base_url")
            ),
        }
    }

    pub fn redirect(status: u16, location: Option<&str>, ctx: &Context<'_>) -> Error {
        let location = location.unwrap_or("no Location header");
        Error::Api {
            status,
            message: format!(
                "RunCloud answered with a redirect (HTTP {status} to {}) while {} {}; redirects are not followed: check {} and that API access is enabled for the account",
                quote(&truncate(location, 200)),
                ctx.action(),
                ctx.request(),
                ctx.config.name("base_url")
            ),
            said: None,
            errors: vec![],
        }
    }

    /// The HTTP client itself could not be built (TLS backend, resolver, runtime).
    pub fn client_setup(detail: &str) -> Error {
        Error::Transport {
            message: format!("could not create the HTTP client: {detail}"),
        }
    }

    /// A 422 for an add whose name RunCloud reports as taken, and that this app does not have.
    pub fn taken_elsewhere(self, name: &str, config: &Config) -> Error {
        let server = config.server_id;
        self.map_message(|message| {
            format!(
                "domain {name} already exists on another web application of server {server} ({message})"
            )
        })
    }

    /// Removing the app's primary domain: never asked of RunCloud.
    pub fn primary_domain(name: &str, config: &Config) -> Error {
        Error::Refused(format!(
            "{name} is the primary domain of {}; it was not removed (RunCloud does not remove a web application's primary domain): make another domain primary in RunCloud first",
            config.app()
        ))
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Refused(_) => ErrorKind::Validation,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Api { status, .. } => match status {
                401 | 403 => ErrorKind::Authentication,
                404 => ErrorKind::NotFound,
                422 => ErrorKind::Validation,
                429 => ErrorKind::RateLimit,
                500..=599 => ErrorKind::Transport,
                _ => ErrorKind::Other,
            },
        }
    }

    /// The PHP exception code: the HTTP status, 0 when RunCloud sent none.
    pub fn code(&self) -> i64 {
        self.status().map_or(0, i64::from)
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> &[(String, Vec<String>)] {
        match self {
            Error::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// RunCloud's own words: its `message` and field errors, nothing of ours.
    pub fn runcloud_said(&self) -> String {
        let Error::Api { said, errors, .. } = self else {
            return String::new();
        };
        let mut text = said.clone().unwrap_or_default();
        for (field, msgs) in errors {
            text.push(' ');
            text.push_str(field);
            for m in msgs {
                text.push(' ');
                text.push_str(m);
            }
        }
        text
    }

    /// Replaces every occurrence of a secret by `[redacted]` (see [`redact`]).
    pub fn redact(self, secrets: &[&str]) -> Self {
        match self.map_message(|m| redact(m, secrets)) {
            Error::Api {
                status,
                message,
                said,
                errors,
            } => Error::Api {
                status,
                message,
                said: said.map(|s| redact(s, secrets)),
                errors: errors
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            redact(k, secrets),
                            v.into_iter().map(|m| redact(m, secrets)).collect(),
                        )
                    })
                    .collect(),
            },
            other => other,
        }
    }

    /// The same error (kind, status, field errors) with its message rewritten by `f`.
    fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            Error::InvalidArgument(m) => Error::InvalidArgument(f(m)),
            Error::Refused(m) => Error::Refused(f(m)),
            Error::Transport { message } => Error::Transport {
                message: f(message),
            },
            Error::Api {
                status,
                message,
                said,
                errors,
            } => Error::Api {
                status,
                message: f(message),
                said,
                errors,
            },
        }
    }
}

/// Replaces every occurrence of a secret in `text` by `[redacted]`. Messages never embed
/// secrets on purpose; this guards against RunCloud, a proxy or the caller echoing one.
/// Shorter secrets than 4 characters are left alone (they would blank ordinary words).
pub fn redact(text: String, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text, |acc, secret| acc.replace(secret, "[redacted]"))
}

/// How [`describe_body`] starts its description of a body that is not JSON.
pub const NON_JSON: &str = "a non-JSON body";

/// What RunCloud said in an error body: its `message` (truncated) and `errors` map.
/// Non-JSON bodies (HTML from a proxy, an error page) are described, never copied.
pub fn describe_body(body: &[u8], content_type: Option<&str>) -> (Option<String>, FieldErrors) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        let kind = content_type.unwrap_or("no content type");
        return if body.is_empty() {
            (None, vec![])
        } else {
            (Some(format!("{NON_JSON} ({kind})")), vec![])
        };
    };
    let message = json
        .get("message")
        .and_then(|m| m.as_str())
        .map(|m| one_line(m, 300));
    let mut errors = FieldErrors::new();
    if let Some(map) = json.get("errors").and_then(|e| e.as_object()) {
        for (field, list) in map {
            let msgs = match list {
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| one_line(i.as_str().unwrap_or(&i.to_string()), 300))
                    .collect(),
                serde_json::Value::String(s) => vec![one_line(s, 300)],
                other => vec![one_line(&other.to_string(), 300)],
            };
            errors.push((one_line(field, 100), msgs));
        }
    }
    (message, errors)
}

/// RunCloud's words for a message or a log line: control characters (newlines included)
/// become spaces, so a log line stays one line, and the length is capped.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate(&flat, max)
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// serde_json's messages end with where in the body they happened; the client's messages
/// name the item instead.
pub(crate) fn without_position(message: &str) -> &str {
    let Some(at) = message.rfind(" at line ") else {
        return message;
    };
    let tail = &message[at + " at line ".len()..];
    let mut parts = tail.splitn(3, ' ');
    let digits =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if digits(parts.next()) && parts.next() == Some("column") && digits(parts.next()) {
        &message[..at]
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Defaults;
    use crate::value::Value;
    use std::time::Duration;

    fn api(status: u16) -> Error {
        Error::Api {
            status,
            message: "m".into(),
            said: None,
            errors: vec![],
        }
    }

    fn config(auth: &str) -> Config {
        let mut entries = vec![("server_id", Value::Int(11)), ("app_id", Value::Int(22))];
        if auth == "v3" {
            entries.push(("api_token", Value::str("tok-1234")));
        } else {
            entries.push(("api_key", Value::str("key-1234")));
            entries.push(("api_secret", Value::str("sec-1234")));
        }
        Config::from_value(&Value::map(entries), Defaults::BUILT_IN).unwrap()
    }

    fn worded(status: u16, action: Action, said: Option<&str>, auth: &str) -> String {
        let config = config(auth);
        let ctx = Context {
            config: &config,
            method: "POST",
            path: "/servers/11/webapps/22/domains",
            action: &action,
            retries: 0,
        };
        Cause::Status {
            status,
            said: said.map(str::to_string),
            errors: vec![("name".into(), vec!["bad".into()])],
        }
        .into_error(&ctx)
        .to_string()
    }

    #[test]
    fn each_http_status_maps_to_the_exception_the_contract_names() {
        for (status, kind) in [
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Authentication),
            (404, ErrorKind::NotFound),
            (422, ErrorKind::Validation),
            (429, ErrorKind::RateLimit),
            (500, ErrorKind::Transport),
            (503, ErrorKind::Transport),
            (302, ErrorKind::Other),
            (400, ErrorKind::Other),
            (405, ErrorKind::Other),
        ] {
            assert_eq!(
                api(status).kind(),
                kind,
                "HTTP {status} should map to {kind:?}"
            );
            assert_eq!(
                api(status).code(),
                i64::from(status),
                "the code of HTTP {status} should be the status"
            );
        }
    }

    #[test]
    fn transport_local_and_refused_errors_have_code_zero() {
        assert_eq!(
            Error::Transport {
                message: "x".into()
            }
            .code(),
            0
        );
        assert_eq!(Error::InvalidArgument("x".into()).code(), 0);
        assert_eq!(
            Error::InvalidArgument("x".into()).kind(),
            ErrorKind::InvalidArgument
        );
        let refused = Error::primary_domain("network.test", &config("v3"));
        assert_eq!(
            (refused.kind(), refused.code()),
            (ErrorKind::Validation, 0),
            "no request was sent, so no status is made up"
        );
        assert!(
            refused
                .to_string()
                .contains("primary domain of web application 22 on server 11")
        );
    }

    #[test]
    fn each_failure_names_its_cause_runclouds_words_and_what_to_do() {
        let m = worded(401, Action::ShowServer, Some("Unauthenticated."), "v3");
        assert!(
            m.contains("the v3 API token (api_token)")
                && m.contains("HTTP 401")
                && m.contains("\"Unauthenticated.\"")
                && m.contains("API Management"),
            "{m}"
        );
        let m = worded(401, Action::ShowServer, None, "v2");
        assert!(
            m.contains("key and secret") && m.contains("set api_token"),
            "{m}"
        );
        let m = worded(403, Action::ReadSslMode, None, "v2");
        assert!(
            m.contains("Business and Enterprise plans")
                && m.contains("allow-list is answered with 401"),
            "{m}"
        );
        let m = worded(
            522,
            Action::CountDomains,
            Some("a non-JSON body (text/html)"),
            "v3",
        );
        assert!(
            m.contains("Cloudflare in front of RunCloud answered HTTP 522 (connection to the origin timed out)"),
            "{m}"
        );
        let m = worded(404, Action::ShowServer, Some("Not found"), "v3");
        assert!(
            m.contains("no server 11") && m.contains("check server_id"),
            "{m}"
        );
        let m = worded(404, Action::ShowWebapp, None, "v3");
        assert!(
            m.contains("no web application 22 on server 11") && m.contains("check app_id"),
            "{m}"
        );
        let m = worded(404, Action::CountDomains, None, "v3");
        assert!(m.contains("check server_id 11 and app_id 22"), "{m}");
        let add = Action::AddDomain {
            name: "shop.test".into(),
        };
        let m = worded(422, add, Some("The given data was invalid."), "v3");
        assert!(
            m.contains("RunCloud refused adding domain shop.test to web application 22 on server 11 with HTTP 422")
                && m.contains("[name: bad]")
                && m.contains("not used by another app")
                && m.contains("plan allows more domains"),
            "{m}"
        );
        let m = worded(
            503,
            Action::ListDomains { page: 2 },
            Some("a non-JSON body (text/html)"),
            "v3",
        );
        assert!(
            m.contains("HTTP 503")
                && m.contains("(page 2)")
                && m.contains("RunCloud sent a non-JSON body (text/html)"),
            "{m}"
        );
    }

    #[test]
    fn every_hint_names_the_setting_the_way_the_caller_knows_it() {
        let names: Vec<(&str, Value)> = [
            ("api_token", "WU_RUNCLOUD_API_TOKEN"),
            ("api_key", "WU_RUNCLOUD_API_KEY"),
            ("api_secret", "WU_RUNCLOUD_API_SECRET"),
            ("server_id", "WU_RUNCLOUD_SERVER_ID"),
            ("app_id", "WU_RUNCLOUD_APP_ID"),
            ("base_url", "WU_RUNCLOUD_API_URL"),
            ("ca_file", "WU_RUNCLOUD_CA_FILE"),
            ("timeout", "timeout (filter wu_runcloud_client_options)"),
        ]
        .into_iter()
        .map(|(k, v)| (k, Value::str(v)))
        .collect();
        for auth in ["v2", "v3"] {
            let mut entries = vec![
                ("server_id", Value::Int(11)),
                ("app_id", Value::Int(22)),
                ("setting_names", Value::map(names.clone())),
            ];
            if auth == "v3" {
                entries.push(("api_token", Value::str("tok-1234")));
            } else {
                entries.push(("api_key", Value::str("key-1234")));
                entries.push(("api_secret", Value::str("sec-1234")));
            }
            let config = Config::from_value(&Value::map(entries), Defaults::BUILT_IN).unwrap();
            let ctx = |action: &'static Action| Context {
                config: &config,
                method: "GET",
                path: "/p",
                action,
                retries: 0,
            };
            let status = |status: u16, action: &'static Action| {
                Cause::Status {
                    status,
                    said: None,
                    errors: vec![],
                }
                .into_error(&ctx(action))
                .to_string()
            };
            let tls = Cause::Transport {
                failure: Failure::Tls,
                detail: "x".into(),
            };
            let credential = if auth == "v3" {
                "the v3 API token (WU_RUNCLOUD_API_TOKEN)"
            } else {
                "the v2 API key and secret (WU_RUNCLOUD_API_KEY/WU_RUNCLOUD_API_SECRET)"
            };
            let worded = [
                (status(401, &Action::ShowServer), credential),
                (
                    status(404, &Action::ShowServer),
                    "check WU_RUNCLOUD_SERVER_ID, the number",
                ),
                (
                    status(404, &Action::ShowWebapp),
                    "check WU_RUNCLOUD_APP_ID, the number",
                ),
                (
                    status(404, &Action::CountDomains),
                    "check WU_RUNCLOUD_SERVER_ID 11 and WU_RUNCLOUD_APP_ID 22",
                ),
                (
                    tls.into_error(&ctx(&Action::ReadSslMode)).to_string(),
                    "(or WU_RUNCLOUD_CA_FILE)",
                ),
                (
                    Error::timed_out(&ctx(&Action::CountDomains), Duration::from_secs(15))
                        .to_string(),
                    "raise timeout (filter wu_runcloud_client_options) if",
                ),
                (
                    Error::too_large(&ctx(&Action::CountDomains), 1 << 20).to_string(),
                    "check WU_RUNCLOUD_API_URL, it should",
                ),
                (
                    Error::redirect(302, None, &ctx(&Action::CountDomains)).to_string(),
                    "check WU_RUNCLOUD_API_URL and",
                ),
            ];
            for (m, expected) in &worded {
                assert!(
                    m.contains(expected),
                    "{auth}: expected {expected:?} in: {m}"
                );
                for key in [
                    "api_token",
                    "api_key",
                    "server_id",
                    "app_id",
                    "base_url",
                    "ca_file",
                    "raise timeout if",
                ] {
                    assert!(
                        !m.contains(key),
                        "{auth}: {key:?} should be the caller's name in: {m}"
                    );
                }
                assert!(
                    m.matches("check ").count() <= 1,
                    "{auth}: one hint, once: {m}"
                );
            }
        }
    }

    #[test]
    fn transport_failures_are_worded_by_kind_with_the_retries_made() {
        let config = config("v3");
        let action = Action::ListDomains { page: 1 };
        let ctx = Context {
            config: &config,
            method: "GET",
            path: "/p",
            action: &action,
            retries: 2,
        };
        for (failure, words) in [
            (Failure::Connect, "could not connect to RunCloud"),
            (Failure::Timeout, "timed out waiting for RunCloud"),
            (Failure::Reset, "lost the connection to RunCloud"),
            (Failure::Tls, "trusted TLS connection"),
        ] {
            let m = Cause::Transport {
                failure,
                detail: "cause".into(),
            }
            .into_error(&ctx)
            .to_string();
            assert!(
                m.contains(words) && m.contains("after 2 retries") && m.contains("(GET /p): cause"),
                "{failure:?}: {m}"
            );
        }
        assert!(
            Error::too_large(&ctx, 8 << 20)
                .to_string()
                .contains("8 MiB")
        );
    }

    #[test]
    fn runclouds_words_are_kept_apart_from_ours() {
        let e = Error::Api {
            status: 422,
            message: "RunCloud refused adding domain x with HTTP 422: check that x is not on another web application".into(),
            said: Some("The given data was invalid.".into()),
            errors: vec![("name".into(), vec!["has already been taken.".into()])],
        };
        assert_eq!(
            e.runcloud_said(),
            "The given data was invalid. name has already been taken."
        );
    }

    #[test]
    fn a_laravel_validation_body_gives_message_and_field_errors() {
        let body = br#"{"message":"The given data was invalid.","errors":{"name":["The name has already been taken."]}}"#;
        let (msg, errors) = describe_body(body, Some("application/json"));
        assert_eq!(msg.as_deref(), Some("The given data was invalid."));
        assert_eq!(
            errors,
            vec![(
                "name".to_string(),
                vec!["The name has already been taken.".to_string()]
            )]
        );
    }

    #[test]
    fn an_html_body_is_described_not_copied() {
        let (msg, errors) = describe_body(
            b"<html><body>Bad gateway secret-ish</body></html>",
            Some("text/html"),
        );
        let msg = msg.unwrap();
        assert!(
            !msg.contains("<html>"),
            "HTML must not be copied into messages: {msg}"
        );
        assert!(
            msg.contains("text/html"),
            "the content type should be named: {msg}"
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn runclouds_words_are_kept_on_one_line() {
        let body = br#"{"message":"line one\nline two\r\u001b[31m","errors":{"name":["a\nb"]}}"#;
        let (msg, errors) = describe_body(body, None);
        let msg = msg.unwrap();
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
        assert!(msg.starts_with("line one line two"), "{msg:?}");
        assert_eq!(errors[0].1[0], "a b");
    }

    #[test]
    fn long_messages_are_truncated() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(1000));
        let (msg, _) = describe_body(body.as_bytes(), None);
        assert!(msg.unwrap().chars().count() <= 301);
    }

    #[test]
    fn redact_removes_secrets_from_message_said_and_errors() {
        let e = Error::Api {
            status: 422,
            message: "token abcd1234 rejected".into(),
            said: Some("abcd1234".into()),
            errors: vec![("name".into(), vec!["abcd1234".into()])],
        }
        .redact(&["abcd1234"]);
        assert!(!e.to_string().contains("abcd1234"), "{e}");
        assert_eq!(e.field_errors()[0].1[0], "[redacted]");
        assert_eq!(e.runcloud_said(), "[redacted] name [redacted]");
        assert_eq!(
            redact("a abc b".into(), &["abc"]),
            "a abc b",
            "too short to redact"
        );
    }
}
