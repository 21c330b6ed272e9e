//! The one error type of the extension. Every failure (bad input, RunCloud's answer,
//! the network) becomes an [`Error`] exactly once, with a message that names the cause;
//! `exception.rs` maps it to a `WuRunCloud\…Exception` in one place.

/// Which PHP exception class an [`Error`] becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad configuration or domain name, raised before any request.
    InvalidArgument,
    /// HTTP 401 / 403.
    Authentication,
    /// HTTP 404 for the server, the web application or a route.
    NotFound,
    /// HTTP 422.
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
    /// RunCloud answered with a non-success HTTP status.
    #[error("{message}")]
    Api {
        status: u16,
        message: String,
        errors: FieldErrors,
    },
    /// No usable answer: network, timeout, TLS, undecodable body. Its code is 0.
    #[error("{message}")]
    Transport { message: String },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
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

    /// The PHP exception code: the HTTP status, 0 for transport and local errors.
    pub fn code(&self) -> i64 {
        match self {
            Error::Api { status, .. } => i64::from(*status),
            _ => 0,
        }
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

    /// Replaces every occurrence of a secret in the message (and field errors) by `[redacted]`.
    /// Messages never embed secrets on purpose; this guards against RunCloud or a proxy echoing one.
    pub fn redact(self, secrets: &[&str]) -> Self {
        let clean = |s: String| {
            secrets
                .iter()
                .filter(|x| x.len() >= 4)
                .fold(s, |acc, secret| acc.replace(secret, "[redacted]"))
        };
        match self.map_message(clean) {
            Error::Api {
                status,
                message,
                errors,
            } => Error::Api {
                status,
                message,
                errors: errors
                    .into_iter()
                    .map(|(k, v)| (clean(k), v.into_iter().map(clean).collect()))
                    .collect(),
            },
            other => other,
        }
    }

    /// The same error (kind, status, field errors) with its message rewritten by `f`.
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            Error::InvalidArgument(m) => Error::InvalidArgument(f(m)),
            Error::Transport { message } => Error::Transport {
                message: f(message),
            },
            Error::Api {
                status,
                message,
                errors,
            } => Error::Api {
                status,
                message: f(message),
                errors,
            },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> Error {
        Error::Api {
            status,
            message: "m".into(),
            errors: vec![],
        }
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
    fn transport_and_local_errors_have_code_zero() {
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
    fn redact_removes_secrets_from_message_and_errors() {
        let e = Error::Api {
            status: 422,
            message: "token abcd1234 rejected".into(),
            errors: vec![("name".into(), vec!["abcd1234".into()])],
        }
        .redact(&["abcd1234"]);
        assert!(!e.to_string().contains("abcd1234"), "{e}");
        assert_eq!(e.field_errors()[0].1[0], "[redacted]");
    }
}
