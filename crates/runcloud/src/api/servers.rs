//! Server and web application lookups used to tell wrong ids apart (a 404 names the id:
//! see `error.rs`). Show server <https://runcloud.io/docs/api/v2/api-9849712>, show web
//! application <https://runcloud.io/docs/api/v3/api-8617094>.

use serde::Deserialize;

use super::de;
use crate::client::{Request, Session};
use crate::error::{Action, Error};

/// `id` and `name` of a RunCloud object.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub id: u64,
    pub name: String,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_text")]
    name: Option<String>,
}

/// `GET path`; the object's id defaults to the one asked for.
fn show(session: &Session<'_>, path: String, action: Action, id: u64) -> Result<Named, Error> {
    let answer: Answer = session.send(&Request::get(path, action))?;
    Ok(Named {
        id: answer.id.unwrap_or(id),
        name: answer.name.unwrap_or_default(),
    })
}

/// `GET /servers/{s}`.
pub fn show_server(session: &Session<'_>) -> Result<Named, Error> {
    let s = session.config.server_id;
    show(session, format!("/servers/{s}"), Action::ShowServer, s)
}

/// `GET /servers/{s}/webapps/{w}`.
pub fn show_webapp(session: &Session<'_>) -> Result<Named, Error> {
    let config = session.config;
    show(
        session,
        config.webapp_path(),
        Action::ShowWebapp,
        config.app_id,
    )
}

#[derive(Deserialize)]
struct ServerAddress {
    #[serde(rename = "ipAddress", default, deserialize_with = "de::opt_text")]
    ip_address: Option<String>,
}

/// The server's `ipAddress` (`GET /servers/{s}`), where every domain of the app must point.
pub fn server_address(session: &Session<'_>) -> Result<Option<String>, Error> {
    let s = session.config.server_id;
    let answer: ServerAddress =
        session.send(&Request::get(format!("/servers/{s}"), Action::ShowServer))?;
    Ok(answer.ip_address.filter(|a| !a.trim().is_empty()))
}

#[derive(Deserialize)]
struct DnsHint {
    #[serde(rename = "type", default, deserialize_with = "de::opt_text")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_text")]
    content: Option<String>,
}

/// RunCloud's DNS hint for one domain (`GET …/domains/{d}/dns`, v3,
/// <https://runcloud.io/docs/api/v3/api-8617115>): the addresses of its A and AAAA records.
pub fn dns_hint(session: &Session<'_>, domain_id: u64, name: &str) -> Result<Vec<String>, Error> {
    let path = format!("{}/domains/{domain_id}/dns", session.config.webapp_path());
    let records: Vec<DnsHint> = session.send(&Request::get(
        path,
        Action::ReadDnsHint {
            name: name.to_string(),
        },
    ))?;
    Ok(records
        .into_iter()
        .filter(|r| matches!(r.kind.as_deref(), Some("A" | "AAAA")))
        .filter_map(|r| r.content)
        .collect())
}
