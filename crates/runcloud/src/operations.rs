//! The operations behind the PHP functions, free of Zend types: each takes a parsed
//! [`Config`] and plain Rust arguments and returns a [`Value`] shaped as the contract says.
//! `functions.rs` only converts arrays in and out.

use std::collections::{BTreeSet, HashMap};

use crate::api::domains::{self, Added, Domain};
use crate::api::{servers, ssl};
use crate::client::Session;
use crate::config::Config;
use crate::domain_name;
use crate::error::{Error, ErrorKind};
use crate::value::Value;

/// Options of `wu_runcloud_add_domain`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddOptions {
    pub www: bool,
    pub redirection: String,
    pub redeploy_ssl: bool,
}

impl AddOptions {
    pub fn from_value(v: Option<&Value>) -> Result<AddOptions, Error> {
        let www = bool_opt(v, "www")?.unwrap_or(false);
        let redirection = match v.and_then(|v| v.get("redirection")) {
            None | Some(Value::Null) => if www { "non-www" } else { "none" }.to_string(),
            Some(Value::Str(s)) if ["none", "www", "non-www"].contains(&s.as_str()) => s.clone(),
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "invalid option redirection: expected 'none', 'www' or 'non-www', got {}",
                    show(other)
                )));
            }
        };
        let redeploy_ssl = bool_opt(v, "redeploy_ssl")?.unwrap_or(true);
        Ok(AddOptions {
            www,
            redirection,
            redeploy_ssl,
        })
    }
}

/// Options of `wu_runcloud_sync`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncOptions {
    pub dry_run: bool,
    pub prune: Vec<String>,
    pub www: bool,
}

impl SyncOptions {
    pub fn from_value(v: Option<&Value>) -> Result<SyncOptions, Error> {
        let dry_run = bool_opt(v, "dry_run")?.unwrap_or(false);
        let www = bool_opt(v, "www")?.unwrap_or(false);
        let prune = match v.and_then(|v| v.get("prune")) {
            None | Some(Value::Null) => vec![],
            Some(list) => match list.items() {
                Some(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Value::Str(s) => Ok(s.clone()),
                        other => Err(Error::InvalidArgument(format!(
                            "invalid option prune: expected a list of domain names, found {}",
                            other.type_name()
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
                None => {
                    return Err(Error::InvalidArgument(format!(
                        "invalid option prune: expected a list of domain names, got {}",
                        list.type_name()
                    )));
                }
            },
        };
        Ok(SyncOptions {
            dry_run,
            prune,
            www,
        })
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => domain_name::quote(s),
        other => other.type_name().to_string(),
    }
}

fn bool_opt(v: Option<&Value>, key: &str) -> Result<Option<bool>, Error> {
    match v.and_then(|v| v.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Int(i)) if *i == 0 || *i == 1 => Ok(Some(*i == 1)),
        Some(other) => Err(Error::InvalidArgument(format!(
            "invalid option {key}: expected a bool, got {}",
            show(other)
        ))),
    }
}

pub fn test_connection(config: &Config) -> Result<Value, Error> {
    let session = Session::new(config)?;
    let server = servers::show_server(&session)?;
    let app = servers::show_webapp(&session)?;
    let count = count_domains(&session)?;
    let plan = ssl::plan(&session)?;
    Ok(Value::map(vec![
        ("api", Value::str(config.auth.api_version())),
        (
            "server",
            Value::map(vec![
                ("id", Value::Int(server.id as i64)),
                ("name", Value::str(server.name)),
            ]),
        ),
        (
            "app",
            Value::map(vec![
                ("id", Value::Int(app.id as i64)),
                ("name", Value::str(app.name)),
            ]),
        ),
        ("domains", Value::Int(count as i64)),
        ("ssl_mode", Value::str(ssl::mode_name(&plan))),
    ]))
}

/// One small page gives the total (`meta.pagination.total`, or `meta.total` / `meta.lastPage`
/// of the variant); without any of them, count every page.
fn count_domains(session: &Session<'_>) -> Result<u64, Error> {
    let path = domains::path(session.config);
    let action = format!(
        "counting the domains of web application {}",
        session.config.app_id
    );
    let body = session.get(
        &path,
        &[("page", "1".into()), ("perPage", "1".into())],
        &action,
    )?;
    let total = [
        "/meta/pagination/total",
        "/meta/total",
        "/meta/lastPage",
        "/meta/last_page",
    ]
    .iter()
    .find_map(|p| body.pointer(p).and_then(serde_json::Value::as_u64));
    match total {
        Some(t) => Ok(t),
        None => Ok(domains::list(session)?.len() as u64),
    }
}

pub fn list_domains(config: &Config) -> Result<Value, Error> {
    let session = Session::new(config)?;
    Ok(Value::List(
        domains::list(&session)?
            .iter()
            .map(Domain::to_value)
            .collect(),
    ))
}

pub fn find_domain(config: &Config, domain: &str) -> Result<Value, Error> {
    let name = domain_name::normalize(domain)?;
    let session = Session::new(config)?;
    Ok(domains::find(&session, &name)?.map_or(Value::Null, |d| d.to_value()))
}

pub fn add_domain(config: &Config, domain: &str, options: &AddOptions) -> Result<Value, Error> {
    let name = domain_name::normalize(domain)?;
    let session = Session::new(config)?;
    let (d, created) = match domains::add(&session, &name, options.www, &options.redirection)? {
        Added::Created(d) => (d, true),
        Added::Existed(d) => (d, false),
    };
    let ssl = if !options.redeploy_ssl {
        ssl::Outcome::new(
            ssl::Action::Skipped,
            "redeploy_ssl is false: the certificate was not redeployed",
            None,
        )
    } else {
        // An existing domain still gets its SSL handled: the usual way to get here is a retry
        // after an add whose answer was lost, so the certificate may not cover it yet.
        let mut outcome = ssl::after_add(&session, &[(d.id, d.name.clone())]);
        if !created {
            outcome.message = format!(
                "{name} was already on the web application (an earlier add may have succeeded without its answer arriving); {}",
                outcome.message
            );
        }
        outcome
    };
    Ok(Value::map(vec![
        ("id", Value::Int(d.id as i64)),
        ("name", Value::str(&d.name)),
        ("created", Value::Bool(created)),
        ("ssl", ssl.to_short_value()),
    ]))
}

pub fn remove_domain(config: &Config, domain: &str, id: Option<i64>) -> Result<Value, Error> {
    let name = domain_name::normalize(domain)?;
    if let Some(i) = id
        && i <= 0
    {
        return Err(Error::InvalidArgument(format!(
            "invalid domain id {i}: RunCloud ids are positive integers"
        )));
    }
    let session = Session::new(config)?;
    // A known id replaces the paginated lookup by one GET that proves the id is still this
    // name's: a stale id (removed and re-added by hand) or one now naming another domain must
    // neither leave this domain behind nor delete someone else's.
    let known = match id {
        Some(i) => domains::show(&session, i as u64)?.filter(|d| d.normalized_name() == name),
        None => None,
    };
    let found = match known {
        Some(d) => Some(d),
        None => domains::find(&session, &name)?,
    };
    let Some(d) = found else {
        return Ok(Value::map(vec![
            ("removed", Value::Bool(false)),
            ("id", Value::Null),
        ]));
    };
    if d.is_primary() {
        return Err(Error::Api {
            status: 422,
            message: format!(
                "{} is the primary domain of web application {}; RunCloud does not remove a web application's primary domain",
                d.name, config.app_id
            ),
            errors: vec![],
        });
    }
    let removed = domains::delete(&session, d.id, &name)?;
    Ok(Value::map(vec![
        ("removed", Value::Bool(removed)),
        ("id", Value::Int(d.id as i64)),
    ]))
}

pub fn redeploy_ssl(config: &Config) -> Result<Value, Error> {
    let session = Session::new(config)?;
    Ok(ssl::redeploy_app(&session)?.to_value())
}

/// What a sync will do, decided from the current domain list alone (pure, unit-tested).
#[derive(Debug, Default, PartialEq)]
pub struct SyncPlan {
    /// Normalised names to add, in the order given.
    pub add: Vec<String>,
    /// `(id, name)` to remove.
    pub remove: Vec<(u64, String)>,
    pub unchanged: Vec<String>,
    /// Input name → why it was rejected.
    pub failed: Vec<(String, String)>,
}

pub fn plan_sync(existing: &[Domain], wanted: &[String], prune: &[String]) -> SyncPlan {
    let mut plan = SyncPlan::default();
    let present: HashMap<String, &Domain> =
        existing.iter().map(|d| (d.normalized_name(), d)).collect();
    let mut seen = BTreeSet::new();
    for raw in wanted {
        match domain_name::normalize(raw) {
            Ok(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if present.contains_key(&name) {
                    plan.unchanged.push(name);
                } else {
                    plan.add.push(name);
                }
            }
            Err(e) => plan.failed.push((raw.clone(), e.to_string())),
        }
    }
    let mut pruned = BTreeSet::new();
    for raw in prune {
        // Invalid prune entries cannot match anything RunCloud has: ignore them.
        let Ok(name) = domain_name::normalize(raw) else {
            continue;
        };
        if seen.contains(&name) || !pruned.insert(name.clone()) {
            continue;
        }
        if let Some(d) = present.get(&name)
            && !d.is_primary()
        {
            plan.remove.push((d.id, name));
        }
    }
    plan
}

pub fn sync(config: &Config, wanted: &[String], options: &SyncOptions) -> Result<Value, Error> {
    let session = Session::new(config)?;
    let existing = domains::list(&session)?;
    let plan = plan_sync(&existing, wanted, &options.prune);
    let mut ids: Vec<(String, Value)> = Vec::new();
    let by_name: HashMap<String, u64> = existing
        .iter()
        .map(|d| (d.normalized_name(), d.id))
        .collect();
    for name in &plan.unchanged {
        ids.push((name.clone(), Value::opt_int(by_name.get(name).copied())));
    }
    let mut failed: Vec<(String, Value)> = plan
        .failed
        .iter()
        .map(|(n, m)| (n.clone(), Value::str(m)))
        .collect();
    let mut added = Vec::new();
    let mut removed = Vec::new();

    let ssl = if options.dry_run {
        added = plan.add.clone();
        removed = plan.remove.iter().map(|(_, n)| n.clone()).collect();
        ssl::Outcome::new(
            ssl::Action::None,
            "dry run: no request that changes anything was made",
            None,
        )
    } else {
        let redirection = if options.www { "non-www" } else { "none" };
        let mut new_ids = Vec::new();
        for name in &plan.add {
            match domains::add(&session, name, options.www, redirection) {
                Ok(Added::Created(d)) => {
                    ids.push((name.clone(), Value::Int(d.id as i64)));
                    new_ids.push((d.id, d.name.clone()));
                    added.push(name.clone());
                }
                Ok(Added::Existed(d)) => {
                    // Present now: added meanwhile, or our POST landed but its answer was
                    // lost and the retry got the 422. Either way the certificate may lack it.
                    ids.push((name.clone(), Value::Int(d.id as i64)));
                    new_ids.push((d.id, d.name.clone()));
                }
                Err(e) if aborts_sync(&e) => return Err(e),
                Err(e) => failed.push((name.clone(), Value::str(e.to_string()))),
            }
        }
        for (id, name) in &plan.remove {
            match domains::delete(&session, *id, name) {
                Ok(true) => removed.push(name.clone()),
                Ok(false) => {}
                Err(e) if aborts_sync(&e) => return Err(e),
                Err(e) => failed.push((name.clone(), Value::str(e.to_string()))),
            }
        }
        if new_ids.is_empty() {
            ssl::Outcome::new(
                ssl::Action::Skipped,
                "no domain was added: nothing to redeploy",
                None,
            )
        } else {
            ssl::after_add(&session, &new_ids)
        }
    };
    Ok(sync_result(
        added,
        removed,
        plan.unchanged,
        failed,
        session.requests(),
        ids,
        ssl,
    ))
}

/// Credentials or ids that are wrong will fail every call: stop instead of listing each.
fn aborts_sync(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Authentication | ErrorKind::NotFound)
}

fn sync_result(
    added: Vec<String>,
    removed: Vec<String>,
    unchanged: Vec<String>,
    failed: Vec<(String, Value)>,
    requests: u64,
    ids: Vec<(String, Value)>,
    ssl: ssl::Outcome,
) -> Value {
    let list = |v: Vec<String>| Value::List(v.into_iter().map(Value::Str).collect());
    Value::map(vec![
        ("added", list(added)),
        ("removed", list(removed)),
        ("unchanged", list(unchanged)),
        ("failed", Value::Map(failed)),
        ("requests", Value::Int(requests as i64)),
        ("ids", Value::Map(ids)),
        ("ssl", ssl.to_short_value()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: u64, name: &str, kind: &str) -> Domain {
        Domain {
            id,
            name: name.into(),
            kind: kind.into(),
            www: false,
            redirection: "none".into(),
            wildcard: false,
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn sync_adds_missing_keeps_present_and_reports_invalid_names() {
        let existing = [d(1, "network.test", "primary"), d(2, "a.test", "alias")];
        let plan = plan_sync(
            &existing,
            &s(&["A.test", "b.test", "not a domain", "b.test."]),
            &[],
        );
        assert_eq!(plan.unchanged, s(&["a.test"]));
        assert_eq!(
            plan.add,
            s(&["b.test"]),
            "b.test and b.test. are the same name, added once"
        );
        assert_eq!(plan.failed.len(), 1);
        assert_eq!(plan.failed[0].0, "not a domain");
        assert!(
            plan.failed[0].1.contains("whitespace"),
            "{}",
            plan.failed[0].1
        );
        assert!(plan.remove.is_empty(), "nothing is removed without prune");
    }

    #[test]
    fn sync_removes_only_what_prune_allows_and_never_the_primary() {
        let existing = [
            d(1, "network.test", "primary"),
            d(2, "old.test", "alias"),
            d(3, "manual.test", "alias"),
            d(4, "keep.test", "alias"),
        ];
        let plan = plan_sync(
            &existing,
            &s(&["keep.test"]),
            &s(&["old.test", "network.test", "keep.test", "gone.test"]),
        );
        assert_eq!(
            plan.remove,
            vec![(2, "old.test".to_string())],
            "only old.test: the primary is protected, keep.test is wanted, manual.test is not in prune, gone.test is absent"
        );
        assert_eq!(plan.unchanged, s(&["keep.test"]));
    }

    #[test]
    fn add_options_default_redirection_follows_www() {
        let o = AddOptions::from_value(None).unwrap();
        assert_eq!(
            o,
            AddOptions {
                www: false,
                redirection: "none".into(),
                redeploy_ssl: true
            }
        );
        let o =
            AddOptions::from_value(Some(&Value::map(vec![("www", Value::Bool(true))]))).unwrap();
        assert_eq!(o.redirection, "non-www");
        let e = AddOptions::from_value(Some(&Value::map(vec![(
            "redirection",
            Value::str("sideways"),
        )])))
        .unwrap_err();
        assert!(e.to_string().contains("redirection"), "{e}");
        let e = AddOptions::from_value(Some(&Value::map(vec![("www", Value::str("yes"))])))
            .unwrap_err();
        assert!(e.to_string().contains("www"), "{e}");
    }

    #[test]
    fn sync_options_read_prune_as_a_list() {
        let o = SyncOptions::from_value(Some(&Value::map(vec![
            ("dry_run", Value::Bool(true)),
            ("prune", Value::List(vec![Value::str("a.test")])),
        ])))
        .unwrap();
        assert!(o.dry_run);
        assert_eq!(o.prune, s(&["a.test"]));
        assert!(
            SyncOptions::from_value(Some(&Value::map(vec![("prune", Value::str("a.test"))])))
                .is_err()
        );
    }
}
