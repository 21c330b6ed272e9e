//! Web application domains: `/servers/{s}/webapps/{w}/domains`.
//! List <https://runcloud.io/docs/api/v3/api-8617112>, add
//! <https://runcloud.io/docs/api/v3/api-8617111>, delete
//! <https://runcloud.io/docs/api/v3/api-8617116>.

use std::ops::ControlFlow;

use reqwest::Method;
use serde_json::{Value as Json, json};

use super::pagination::{PER_PAGE, parse_page};
use crate::client::Session;
use crate::config::Config;
use crate::domain_name;
use crate::error::Error;
use crate::value::Value;

/// One domain of the web application, as the contract returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub www: bool,
    pub redirection: String,
    pub wildcard: bool,
}

impl Domain {
    /// Reads a RunCloud domain object (`www`/`wildcard` come as 0/1 or booleans).
    pub fn from_json(v: &Json) -> Result<Domain, String> {
        let id = match v.get("id") {
            Some(Json::Number(n)) => n.as_u64(),
            Some(Json::String(s)) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| "a domain object has no numeric `id`".to_string())?;
        let name = v
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("domain {id} has no `name`"))?
            .to_string();
        let flag = |key: &str| match v.get(key) {
            Some(Json::Bool(b)) => *b,
            Some(Json::Number(n)) => n.as_i64().unwrap_or(0) != 0,
            Some(Json::String(s)) => s == "1" || s == "true",
            _ => false,
        };
        let text = |key: &str, default: &str| {
            v.get(key)
                .and_then(Json::as_str)
                .unwrap_or(default)
                .to_string()
        };
        Ok(Domain {
            id,
            name,
            kind: text("type", "alias"),
            www: flag("www"),
            redirection: text("redirection", "none"),
            wildcard: flag("wildcard"),
        })
    }

    pub fn to_value(&self) -> Value {
        Value::map(vec![
            ("id", Value::Int(self.id as i64)),
            ("name", Value::str(&self.name)),
            ("type", Value::str(&self.kind)),
            ("www", Value::Bool(self.www)),
            ("redirection", Value::str(&self.redirection)),
            ("wildcard", Value::Bool(self.wildcard)),
        ])
    }

    /// The name in the same normal form as our inputs, for comparisons.
    pub fn normalized_name(&self) -> String {
        domain_name::normalize(&self.name)
            .unwrap_or_else(|_| self.name.trim().trim_end_matches('.').to_lowercase())
    }

    pub fn is_primary(&self) -> bool {
        self.kind == "primary"
    }
}

pub fn path(config: &Config) -> String {
    format!(
        "/servers/{}/webapps/{}/domains",
        config.server_id, config.app_id
    )
}

fn app(config: &Config) -> String {
    format!(
        "web application {} on server {}",
        config.app_id, config.server_id
    )
}

/// Reads the domain list page by page (perPage 40) until `f` breaks or the pages end.
pub fn for_each_page(
    session: &Session<'_>,
    mut f: impl FnMut(Vec<Domain>) -> ControlFlow<()>,
) -> Result<(), Error> {
    let path = path(session.config);
    let action = format!("listing the domains of {}", app(session.config));
    let mut page = 1u32;
    loop {
        let body = session.get(
            &path,
            &[
                ("page", page.to_string()),
                ("perPage", PER_PAGE.to_string()),
            ],
            &action,
        )?;
        let parsed = parse_page(&body, page, PER_PAGE).map_err(|e| Error::Transport {
            message: format!("unexpected answer while {action} (page {page}): {e}"),
        })?;
        let domains = parsed
            .items
            .iter()
            .map(Domain::from_json)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Transport {
                message: format!("unexpected answer while {action} (page {page}): {e}"),
            })?;
        if f(domains).is_break() {
            return Ok(());
        }
        match parsed.next {
            Some(n) => page = n,
            None => return Ok(()),
        }
    }
}

/// Every domain of the app, all pages.
pub fn list(session: &Session<'_>) -> Result<Vec<Domain>, Error> {
    let mut all = Vec::new();
    for_each_page(session, |mut d| {
        all.append(&mut d);
        ControlFlow::Continue(())
    })?;
    Ok(all)
}

/// The domain named `name` (already normalised), reading pages until it is found.
pub fn find(session: &Session<'_>, name: &str) -> Result<Option<Domain>, Error> {
    let mut found = None;
    for_each_page(session, |page| {
        match page.into_iter().find(|d| d.normalized_name() == name) {
            Some(d) => {
                found = Some(d);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    })?;
    Ok(found)
}

/// `GET .../domains/{id}` (<https://runcloud.io/docs/api/v3/api-8617113>); `None` on a 404,
/// which callers treat as "not under that id" (the app's own existence is checked elsewhere).
pub fn show(session: &Session<'_>, id: u64) -> Result<Option<Domain>, Error> {
    let action = format!("looking up domain id {id} of {}", app(session.config));
    match session.get(&format!("{}/{id}", path(session.config)), &[], &action) {
        Ok(body) => {
            let obj = body.get("data").filter(|d| d.is_object()).unwrap_or(&body);
            Domain::from_json(obj)
                .map(Some)
                .map_err(|e| Error::Transport {
                    message: format!("unexpected answer while {action}: {e}"),
                })
        }
        Err(err) if err.status() == Some(404) => Ok(None),
        Err(err) => Err(err),
    }
}

#[derive(Debug)]
pub enum Added {
    Created(Domain),
    /// It was already on this app (recognised from the 422).
    Existed(Domain),
}

/// Adds `name` (normalised). One POST for a new domain; a 422 is answered by looking the name
/// up: on this app it is success (`Existed`), otherwise the 422 stands, saying when RunCloud
/// reports the name as taken elsewhere on the server.
pub fn add(
    session: &Session<'_>,
    name: &str,
    www: bool,
    redirection: &str,
) -> Result<Added, Error> {
    let action = format!("adding domain {name} to {}", app(session.config));
    let (www, redirection) = www_settings(name, www, redirection);
    let body = json!({"name": name, "www": www, "redirection": redirection, "type": "alias"});
    match session.call(
        Method::POST,
        &path(session.config),
        &[],
        Some(&body),
        &action,
    ) {
        Ok(created) => {
            // Documented as the bare object; tolerate a `data` wrapper.
            let obj = created
                .get("data")
                .filter(|d| d.is_object())
                .unwrap_or(&created);
            let d = Domain::from_json(obj).map_err(|e| Error::Transport {
                message: format!("unexpected answer while {action}: {e}"),
            })?;
            Ok(Added::Created(d))
        }
        // RunCloud's wording for "taken" is undocumented: after any 422, look the name up.
        Err(err) if err.status() == Some(422) => match find(session, name)? {
            Some(d) => Ok(Added::Existed(d)),
            None if says_already_exists(&err, name) => Err(err.map_message(|message| {
                format!(
                    "domain {name} already exists on another web application of server {} ({message})",
                    session.config.server_id
                )
            })),
            None => Err(err),
        },
        Err(err) => Err(err),
    }
}

/// `www` makes RunCloud serve `www.<name>` as well; for a name that already starts with
/// `www.` that would be `www.www.<name>`, so it is dropped, with the redirection between the two.
fn www_settings<'a>(name: &str, www: bool, redirection: &'a str) -> (bool, &'a str) {
    if www && name.starts_with("www.") {
        (false, "none")
    } else {
        (www, redirection)
    }
}

/// Whether a 422 says the name is already in use (wording is not documented: match loosely).
/// Only RunCloud's own words count, with the domain name itself blanked out.
pub fn says_already_exists(err: &Error, name: &str) -> bool {
    let full = err.to_string().to_lowercase();
    let mut text = full
        .split_once("runcloud said")
        .map(|(_, said)| said.to_string())
        .unwrap_or_default();
    for (field, msgs) in err.field_errors() {
        text.push(' ');
        text.push_str(&field.to_lowercase());
        for m in msgs {
            text.push(' ');
            text.push_str(&m.to_lowercase());
        }
    }
    let text = text.replace(name, "");
    [
        "taken",
        "already",
        "exists",
        "exist ",
        "duplicate",
        "in use",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Deletes domain `id`. `Ok(false)` when RunCloud says it is not there (404) and the app
/// itself exists; a missing server or app stays an error.
pub fn delete(session: &Session<'_>, id: u64, name: &str) -> Result<bool, Error> {
    let action = format!(
        "removing domain {name} (id {id}) from {}",
        app(session.config)
    );
    let p = format!("{}/{id}", path(session.config));
    match session.call(Method::DELETE, &p, &[], None, &action) {
        Ok(_) => Ok(true),
        Err(err) if err.status() == Some(404) => {
            super::servers::show_webapp(session)?;
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_objects_accept_integer_or_boolean_flags() {
        let d = Domain::from_json(
            &json!({"id": 7, "name": "a.test", "type": "alias", "www": 1,
            "redirection": "non-www", "wildcard": 0, "dns_integration": "none", "status": null}),
        )
        .unwrap();
        assert_eq!(
            d,
            Domain {
                id: 7,
                name: "a.test".into(),
                kind: "alias".into(),
                www: true,
                redirection: "non-www".into(),
                wildcard: false
            }
        );
        let d = Domain::from_json(
            &json!({"id": "8", "name": "b.test", "www": false, "wildcard": true}),
        )
        .unwrap();
        assert!(!d.www && d.wildcard && d.kind == "alias" && d.redirection == "none");
    }

    #[test]
    fn a_domain_object_without_id_or_name_is_rejected_with_the_reason() {
        assert!(
            Domain::from_json(&json!({"name": "x.test"}))
                .unwrap_err()
                .contains("id")
        );
        assert!(
            Domain::from_json(&json!({"id": 1}))
                .unwrap_err()
                .contains("name")
        );
    }

    #[test]
    fn a_name_already_starting_with_www_never_gets_a_www_alias() {
        assert_eq!(
            www_settings("www.shop.test", true, "non-www"),
            (false, "none")
        );
        assert_eq!(
            www_settings("shop.test", true, "non-www"),
            (true, "non-www")
        );
        assert_eq!(
            www_settings("www.shop.test", false, "none"),
            (false, "none")
        );
        assert_eq!(
            www_settings("wwwshop.test", true, "www"),
            (true, "www"),
            "only a whole www label counts"
        );
    }

    #[test]
    fn remote_names_are_compared_in_normal_form() {
        let d = Domain::from_json(&json!({"id": 1, "name": "Bücher.Example."})).unwrap();
        assert_eq!(d.normalized_name(), "xn--bcher-kva.example");
    }

    #[test]
    fn taken_and_exists_messages_are_recognised_but_other_422s_are_not() {
        let e = |m: &str, f: Vec<(String, Vec<String>)>| Error::Api {
            status: 422,
            message: format!(
                "RunCloud refused adding domain x.test with HTTP 422: RunCloud said \"{m}\""
            ),
            errors: f,
        };
        let n = "x.test";
        assert!(says_already_exists(
            &e(
                "The given data was invalid.",
                vec![(
                    "name".into(),
                    vec!["The name has already been taken.".into()]
                )]
            ),
            n
        ));
        assert!(says_already_exists(&e("Domain already exists", vec![]), n));
        assert!(!says_already_exists(
            &e(
                "The given data was invalid.",
                vec![(
                    "redirection".into(),
                    vec!["The selected redirection is invalid.".into()]
                )]
            ),
            n
        ));
        assert!(
            !says_already_exists(
                &e("already.test is not a valid name", vec![]),
                "already.test"
            ),
            "the domain name itself must not count as RunCloud saying 'already'"
        );
    }
}
