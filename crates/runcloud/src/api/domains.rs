//! Web application domains: `/servers/{s}/webapps/{w}/domains`.
//! List <https://runcloud.io/docs/api/v3/api-8617112>, show
//! <https://runcloud.io/docs/api/v3/api-8617113>, add
//! <https://runcloud.io/docs/api/v3/api-8617111>, delete
//! <https://runcloud.io/docs/api/v3/api-8617116>.

use std::ops::ControlFlow;

use reqwest::Method;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use super::de;
use super::pagination::{PER_PAGE, Page, parse_page};
use crate::client::{Request, Session};
use crate::config::Config;
use crate::domain_name;
use crate::error::{Action, Error};

/// One domain of the web application (`www`/`wildcard` come as 0/1 or booleans).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Domain {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    pub name: String,
    /// `primary`, `alias`, `redirect`…
    #[serde(rename = "type", default, deserialize_with = "de::opt_text")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    pub www: bool,
    #[serde(default, deserialize_with = "de::opt_text")]
    redirection: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    pub wildcard: bool,
}

impl Domain {
    pub fn new(id: u64, name: &str, kind: &str) -> Domain {
        Domain {
            id,
            name: name.to_string(),
            kind: Some(kind.to_string()),
            www: false,
            redirection: None,
            wildcard: false,
        }
    }

    /// The domain's type; RunCloud's default is an alias.
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("alias")
    }

    pub fn redirection(&self) -> &str {
        self.redirection.as_deref().unwrap_or("none")
    }

    /// The name in the same normal form as our inputs, for comparisons.
    pub fn normalized_name(&self) -> String {
        domain_name::normalize(&self.name)
            .unwrap_or_else(|_| self.name.trim().trim_end_matches('.').to_lowercase())
    }

    /// Whether this is the domain `name` (normalised), as `normalized_name() == name` says,
    /// without building the normal form of an ASCII name: for one that normal form is the
    /// name trimmed, without trailing dots, in lower case (what UTS #46 makes of ASCII it
    /// accepts, and the fallback for what it refuses).
    pub fn has_name(&self, name: &str) -> bool {
        if self.name.is_ascii() {
            self.name
                .trim()
                .trim_end_matches('.')
                .eq_ignore_ascii_case(name)
                && !name.bytes().any(|b| b.is_ascii_uppercase())
        } else {
            self.normalized_name() == name
        }
    }

    pub fn is_primary(&self) -> bool {
        self.kind() == "primary"
    }
}

fn path(config: &Config) -> String {
    format!("{}/domains", config.webapp_path())
}

/// One page of the domain list.
fn page<T: serde::de::DeserializeOwned>(
    session: &Session<'_>,
    page: u32,
    per_page: u32,
    action: Action,
) -> Result<Page<T>, Error> {
    let req = Request::get(path(session.config), action)
        .query("page", page)
        .query("perPage", per_page);
    session.send_decoded(&req, |body| parse_page(body, page, per_page))
}

/// Reads the domain list page by page (perPage 40) until `f` breaks or the pages end.
pub fn for_each_page(
    session: &Session<'_>,
    mut f: impl FnMut(Vec<Domain>) -> ControlFlow<()>,
) -> Result<(), Error> {
    let mut n = 1u32;
    loop {
        let p = page(session, n, PER_PAGE, Action::ListDomains { page: n })?;
        if f(p.items).is_break() {
            return Ok(());
        }
        match p.next {
            Some(next) => n = next,
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

/// How many domains the app has: one one-item page gives the total; an answer without one
/// is counted page by page.
pub fn count(session: &Session<'_>) -> Result<u64, Error> {
    let first: Page<IgnoredAny> = page(session, 1, 1, Action::CountDomains)?;
    match first.total {
        Some(total) => Ok(total),
        None => Ok(list(session)?.len() as u64),
    }
}

/// The domain named `name` (already normalised), reading pages until it is found.
pub fn find(session: &Session<'_>, name: &str) -> Result<Option<Domain>, Error> {
    let mut found = None;
    for_each_page(session, |page| {
        match page.into_iter().find(|d| d.has_name(name)) {
            Some(d) => {
                found = Some(d);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    })?;
    Ok(found)
}

/// `GET …/domains/{id}`; `None` on a 404, which callers treat as "not under that id" (the
/// app's own existence is checked elsewhere).
pub fn show(session: &Session<'_>, id: u64) -> Result<Option<Domain>, Error> {
    let req = Request::get(
        format!("{}/{id}", path(session.config)),
        Action::ShowDomain { id },
    );
    match session.send(&req) {
        Ok(d) => Ok(Some(d)),
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
    let (www, redirection) = www_settings(name, www, redirection);
    let req = Request::new(
        Method::POST,
        path(session.config),
        Action::AddDomain {
            name: name.to_string(),
        },
    )
    .body(json!({"name": name, "www": www, "redirection": redirection, "type": "alias"}));
    match session.send(&req) {
        Ok(created) => Ok(Added::Created(created)),
        // RunCloud's wording for "taken" is undocumented: after any 422, look the name up.
        Err(err) if err.status() == Some(422) => match find(session, name)? {
            Some(d) => Ok(Added::Existed(d)),
            None if says_already_exists(&err, name) => {
                Err(err.taken_elsewhere(name, session.config))
            }
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
fn says_already_exists(err: &Error, name: &str) -> bool {
    let text = err.runcloud_said().to_lowercase().replace(name, "");
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
    let req = Request::new(
        Method::DELETE,
        format!("{}/{id}", path(session.config)),
        Action::RemoveDomain {
            name: name.to_string(),
            id,
        },
    );
    match session.send::<IgnoredAny>(&req) {
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
    use serde_json::Value as Json;

    fn domain(v: Json) -> Result<Domain, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn domain_objects_accept_integer_or_boolean_flags() {
        let d = domain(json!({"id": 7, "name": "a.test", "type": "alias", "www": 1,
            "redirection": "non-www", "wildcard": 0, "dns_integration": "none", "status": null}))
        .unwrap();
        assert_eq!(
            (
                d.id,
                d.name.as_str(),
                d.kind(),
                d.www,
                d.redirection(),
                d.wildcard
            ),
            (7, "a.test", "alias", true, "non-www", false)
        );
        let d =
            domain(json!({"id": "8", "name": "b.test", "www": false, "wildcard": true})).unwrap();
        assert!(!d.www && d.wildcard && d.kind() == "alias" && d.redirection() == "none");
        let d = domain(json!({"id": 9, "name": "c.test", "type": null, "www": "1"})).unwrap();
        assert!(
            d.www && d.kind() == "alias",
            "a null type is RunCloud's default"
        );
    }

    #[test]
    fn a_domain_object_without_id_or_name_is_rejected_with_the_reason() {
        assert!(
            domain(json!({"name": "x.test"}))
                .unwrap_err()
                .contains("id")
        );
        assert!(domain(json!({"id": 1})).unwrap_err().contains("name"));
        assert!(
            domain(json!({"id": null, "name": "x.test"}))
                .unwrap_err()
                .contains("not a number")
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
        let d = domain(json!({"id": 1, "name": "Bücher.Example."})).unwrap();
        assert_eq!(d.normalized_name(), "xn--bcher-kva.example");
    }

    #[test]
    fn taken_and_exists_messages_are_recognised_but_other_422s_are_not() {
        let e = |m: &str, f: Vec<(String, Vec<String>)>| Error::Api {
            status: 422,
            // Our own wording around RunCloud's words must never count.
            message: format!(
                "RunCloud refused adding domain x.test with HTTP 422: RunCloud said \"{m}\"; check that x.test is not already in use elsewhere"
            ),
            said: Some(m.to_string()),
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

    #[test]
    fn has_name_agrees_with_comparing_normal_forms() {
        let mut names = crate::domain_name::tests::tricky_names();
        names.extend(
            [
                "Shop.Example.",
                " shop.example ",
                "shop.example..",
                "SHOP.example",
                "Bücher.Example.",
                "xn--BCHER-KVA.example",
                "under_score.test",
                "a.b",
                "1.2.3.4",
                "shop.123",
                "",
                ".",
                "www.shop.test",
            ]
            .map(String::from),
        );
        for remote in &names {
            let d = Domain::new(1, remote, "alias");
            let normal = d.normalized_name();
            for name in [
                normal.as_str(),
                remote.as_str(),
                "shop.example",
                "xn--bcher-kva.example",
            ] {
                assert_eq!(
                    d.has_name(name),
                    d.normalized_name() == name,
                    "remote {remote:?}, asked {name:?}"
                );
            }
        }
    }
}
