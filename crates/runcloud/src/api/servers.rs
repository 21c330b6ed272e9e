//! Server and web application lookups used to tell wrong ids apart.
//! Show server <https://runcloud.io/docs/api/v2/api-9849712>, show web application
//! <https://runcloud.io/docs/api/v3/api-8617094>.

use serde_json::Value as Json;

use crate::client::Session;
use crate::error::Error;

/// `id` and `name` of a RunCloud object.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub id: u64,
    pub name: String,
}

fn named(body: &Json, fallback_id: u64) -> Named {
    // Some answers wrap the object in `data`.
    let obj = body.get("data").filter(|d| d.is_object()).unwrap_or(body);
    Named {
        id: obj.get("id").and_then(Json::as_u64).unwrap_or(fallback_id),
        name: obj
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
    }
}

/// `GET path`; a 404 becomes a NotFound with `not_found` as its message (RunCloud's field
/// errors kept), since RunCloud's own 404 text does not say which id is wrong.
fn show(
    session: &Session<'_>,
    path: &str,
    action: &str,
    id: u64,
    not_found: String,
) -> Result<Named, Error> {
    match session.get(path, &[], action) {
        Ok(body) => Ok(named(&body, id)),
        Err(e) if e.status() == Some(404) => Err(e.map_message(|_| not_found)),
        Err(e) => Err(e),
    }
}

/// `GET /servers/{s}`; a 404 becomes a NotFound that names the server id.
pub fn show_server(session: &Session<'_>) -> Result<Named, Error> {
    let s = session.config.server_id;
    show(
        session,
        &format!("/servers/{s}"),
        &format!("looking up server {s}"),
        s,
        format!(
            "RunCloud has no server {s} for these credentials (HTTP 404): check server_id, the number after /servers/ in the dashboard URL"
        ),
    )
}

/// `GET /servers/{s}/webapps/{w}`; a 404 becomes a NotFound that names both ids.
pub fn show_webapp(session: &Session<'_>) -> Result<Named, Error> {
    let (s, w) = (session.config.server_id, session.config.app_id);
    show(
        session,
        &format!("/servers/{s}/webapps/{w}"),
        &format!("looking up web application {w} on server {s}"),
        w,
        format!(
            "RunCloud has no web application {w} on server {s} (HTTP 404): check app_id, the number after /apps/ in the dashboard URL"
        ),
    )
}
