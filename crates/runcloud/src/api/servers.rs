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
