//! The use cases behind the PHP functions: each takes a parsed [`Config`] and plain Rust
//! arguments and returns a Rust result; the PHP binding shapes it into the contract's array.
//! Every result and error leaves here with the configuration's secrets redacted.

use std::collections::{BTreeSet, HashMap};

use crate::api::domains::{self, Added, Domain};
use crate::api::servers::{self, Named};
use crate::api::ssl::{self, Outcome, SslAction};
use crate::checks::{self, DnsCheck, HttpsCheck};
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
    /// Order the certificate for the added domains at the end (default true). A caller that
    /// orders certificates elsewhere (a background worker) passes false.
    pub redeploy_ssl: bool,
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
        let redeploy_ssl = bool_opt(v, "redeploy_ssl")?.unwrap_or(true);
        Ok(SyncOptions {
            dry_run,
            prune,
            www,
            redeploy_ssl,
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

/// Blanks the configuration's secrets in what an operation hands back: in an error's
/// message, and in the messages a successful result carries (`sync`'s `failed`, `ssl`).
pub trait Redact {
    fn redact(self, secrets: &[&str]) -> Self;
}

impl Redact for Error {
    fn redact(self, secrets: &[&str]) -> Self {
        Error::redact(self, secrets)
    }
}

impl Redact for Outcome {
    fn redact(self, secrets: &[&str]) -> Self {
        Outcome::redact(self, secrets)
    }
}

/// Results that carry no message of RunCloud's.
macro_rules! nothing_to_redact {
    ($($t:ty),*) => {$(
        impl Redact for $t {
            fn redact(self, _: &[&str]) -> Self {
                self
            }
        }
    )*};
}
nothing_to_redact!(
    Connection,
    Vec<Domain>,
    Option<Domain>,
    Removed,
    DnsCheck,
    HttpsCheck
);

/// Runs an operation and redacts whatever it returns.
fn redacted<T: Redact>(config: &Config, op: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let secrets = config.secrets();
    match op() {
        Ok(v) => Ok(v.redact(&secrets)),
        Err(e) => Err(e.redact(&secrets)),
    }
}

/// What `test_connection` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// `v3` or `v2`.
    pub api: &'static str,
    pub server: Named,
    pub app: Named,
    pub domains: u64,
    /// `basic`, `advanced` or `none`.
    pub ssl_mode: &'static str,
}

pub fn test_connection(config: &Config) -> Result<Connection, Error> {
    redacted(config, || {
        let session = Session::new(config)?;
        let server = servers::show_server(&session)?;
        let app = servers::show_webapp(&session)?;
        let domains = domains::count(&session)?;
        let plan = ssl::plan(&session)?;
        Ok(Connection {
            api: config.auth.api_version(),
            server,
            app,
            domains,
            ssl_mode: ssl::mode_name(&plan),
        })
    })
}

pub fn list_domains(config: &Config) -> Result<Vec<Domain>, Error> {
    redacted(config, || domains::list(&Session::new(config)?))
}

pub fn find_domain(config: &Config, domain: &str) -> Result<Option<Domain>, Error> {
    redacted(config, || {
        let name = domain_name::normalize(domain)?;
        domains::find(&Session::new(config)?, &name)
    })
}

/// What `add_domain` did.
#[derive(Debug, Clone, PartialEq)]
pub struct AddResult {
    pub id: u64,
    pub name: String,
    /// False when the app already had the domain.
    pub created: bool,
    pub ssl: Outcome,
}

impl Redact for AddResult {
    fn redact(self, secrets: &[&str]) -> Self {
        AddResult {
            ssl: self.ssl.redact(secrets),
            ..self
        }
    }
}

pub fn add_domain(config: &Config, domain: &str, options: &AddOptions) -> Result<AddResult, Error> {
    redacted(config, || {
        let name = domain_name::normalize(domain)?;
        let session = Session::new(config)?;
        let (d, created) = match domains::add(&session, &name, options.www, &options.redirection)? {
            Added::Created(d) => (d, true),
            Added::Existed(d) => (d, false),
        };
        let ssl = if !options.redeploy_ssl {
            Outcome::new(
                SslAction::Skipped,
                "redeploy_ssl is false: the certificate was not redeployed",
                None,
            )
        } else {
            // An existing domain still gets its SSL handled: the usual way to get here is a
            // retry after an add whose answer was lost, so the certificate may not cover it yet.
            let mut outcome = ssl::after_add(&session, &[(d.id, d.name.clone())]);
            if !created {
                outcome.message = format!(
                    "{name} was already on the web application (an earlier add may have succeeded without its answer arriving); {}",
                    outcome.message
                );
            }
            outcome
        };
        Ok(AddResult {
            id: d.id,
            name: d.name,
            created,
            ssl,
        })
    })
}

/// What `remove_domain` did: `removed` is false when the domain was not there.
#[derive(Debug, Clone, PartialEq)]
pub struct Removed {
    pub removed: bool,
    pub id: Option<u64>,
}

pub fn remove_domain(config: &Config, domain: &str, id: Option<i64>) -> Result<Removed, Error> {
    redacted(config, || {
        let name = domain_name::normalize(domain)?;
        if let Some(i) = id
            && i <= 0
        {
            return Err(Error::InvalidArgument(format!(
                "invalid domain id {i}: RunCloud ids are positive integers"
            )));
        }
        let session = Session::new(config)?;
        let found = match id {
            // A known id is the one acted on, checked first by one GET (RunCloud's DELETE
            // answers with the object only once it is gone): a domain we added may since have
            // been deleted by hand, and the same name added again by hand, or the id may name
            // another domain. Neither is ours to delete, so a known id never falls back to a
            // lookup by name: only the domain still under that id and name is removed.
            Some(i) => match domains::show(&session, i as u64)? {
                Some(d) if d.has_name(&name) => Some(d),
                Some(_) => None,
                None => {
                    // A 404 on a missing app is not "the domain is gone".
                    servers::show_webapp(&session)?;
                    None
                }
            },
            None => domains::find(&session, &name)?,
        };
        let Some(d) = found else {
            return Ok(Removed {
                removed: false,
                id: None,
            });
        };
        if d.is_primary() {
            return Err(Error::primary_domain(&d.name, config));
        }
        Ok(Removed {
            removed: domains::delete(&session, d.id, &name)?,
            id: Some(d.id),
        })
    })
}

/// Options of `wu_runcloud_redeploy_ssl`: `domains`, name => RunCloud id, whose own
/// certificates are installed or reissued in advanced SSL mode.
pub fn redeploy_domains(v: Option<&Value>) -> Result<Vec<(u64, String)>, Error> {
    let Some(list) = v.and_then(|v| v.get("domains")) else {
        return Ok(Vec::new());
    };
    let bad = |why: String| {
        Error::InvalidArgument(format!(
            "invalid option domains: expected domain name => RunCloud id, {why}"
        ))
    };
    match list {
        Value::Null => Ok(Vec::new()),
        Value::List(items) if items.is_empty() => Ok(Vec::new()),
        Value::Map(entries) => entries
            .iter()
            .map(|(name, id)| {
                let name = domain_name::normalize(name).map_err(|e| bad(e.to_string()))?;
                match id {
                    Value::Int(i) if *i > 0 => Ok((*i as u64, name)),
                    other => Err(bad(format!("got {} for {name}", show(other)))),
                }
            })
            .collect(),
        other => Err(bad(format!("got {}", other.type_name()))),
    }
}

pub fn redeploy_ssl(config: &Config, domains: &[(u64, String)]) -> Result<Outcome, Error> {
    redacted(config, || {
        ssl::redeploy_app(&Session::new(config)?, domains)
    })
}

/// Where `domain` points compared with the server (`domain_id`: RunCloud's id of the
/// domain, to add RunCloud's DNS hint for it).
pub fn check_dns(config: &Config, domain: &str, domain_id: Option<i64>) -> Result<DnsCheck, Error> {
    redacted(config, || {
        let id = match domain_id {
            Some(i) if i <= 0 => {
                return Err(Error::InvalidArgument(format!(
                    "invalid domain id {i}: RunCloud ids are positive integers"
                )));
            }
            other => other.map(|i| i as u64),
        };
        checks::check_dns(config, domain, id)
    })
}

/// Which certificate `domain`'s HTTPS port serves.
pub fn check_https(config: &Config, domain: &str) -> Result<HttpsCheck, Error> {
    redacted(config, || checks::check_https(config, domain))
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

/// What `sync` did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: Vec<String>,
    /// Input name → why it failed.
    pub failed: Vec<(String, String)>,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Name → RunCloud id, for every wanted name now on the app.
    pub ids: Vec<(String, Option<u64>)>,
    pub ssl: Outcome,
}

impl Redact for SyncResult {
    fn redact(self, secrets: &[&str]) -> Self {
        SyncResult {
            failed: self
                .failed
                .into_iter()
                .map(|(name, m)| (name, crate::error::redact(m, secrets)))
                .collect(),
            ssl: self.ssl.redact(secrets),
            ..self
        }
    }
}

pub fn sync(
    config: &Config,
    wanted: &[String],
    options: &SyncOptions,
) -> Result<SyncResult, Error> {
    redacted(config, || {
        let session = Session::new(config)?;
        let existing = domains::list(&session)?;
        let plan = plan_sync(&existing, wanted, &options.prune);
        let by_name: HashMap<String, u64> = existing
            .iter()
            .map(|d| (d.normalized_name(), d.id))
            .collect();
        let mut ids: Vec<(String, Option<u64>)> = plan
            .unchanged
            .iter()
            .map(|name| (name.clone(), by_name.get(name).copied()))
            .collect();
        let mut failed = plan.failed;
        let mut added = Vec::new();
        let mut removed = Vec::new();

        let ssl = if options.dry_run {
            added = plan.add;
            removed = plan.remove.into_iter().map(|(_, n)| n).collect();
            Outcome::new(
                SslAction::None,
                "dry run: no request that changes anything was made",
                None,
            )
        } else {
            let redirection = if options.www { "non-www" } else { "none" };
            let mut new_ids = Vec::new();
            for name in plan.add {
                match domains::add(&session, &name, options.www, redirection) {
                    Ok(Added::Created(d)) => {
                        ids.push((name.clone(), Some(d.id)));
                        new_ids.push((d.id, d.name));
                        added.push(name);
                    }
                    Ok(Added::Existed(d)) => {
                        // Present now: added meanwhile, or our POST landed but its answer was
                        // lost and the retry got the 422. Either way the certificate may lack it.
                        ids.push((name, Some(d.id)));
                        new_ids.push((d.id, d.name));
                    }
                    Err(e) if aborts_sync(&e) => return Err(e),
                    Err(e) => failed.push((name, e.to_string())),
                }
            }
            for (id, name) in plan.remove {
                match domains::delete(&session, id, &name) {
                    Ok(true) => removed.push(name),
                    Ok(false) => {}
                    Err(e) if aborts_sync(&e) => return Err(e),
                    Err(e) => failed.push((name, e.to_string())),
                }
            }
            if new_ids.is_empty() {
                Outcome::new(
                    SslAction::Skipped,
                    "no domain was added: nothing to redeploy",
                    None,
                )
            } else if !options.redeploy_ssl {
                Outcome::new(
                    SslAction::Skipped,
                    "redeploy_ssl is false: the certificate was not redeployed",
                    None,
                )
            } else {
                ssl::after_add(&session, &new_ids)
            }
        };
        Ok(SyncResult {
            added,
            removed,
            unchanged: plan.unchanged,
            failed,
            requests: session.requests(),
            ids,
            ssl,
        })
    })
}

/// Credentials or ids that are wrong will fail every call: stop instead of listing each.
fn aborts_sync(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Authentication | ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: u64, name: &str, kind: &str) -> Domain {
        Domain::new(id, name, kind)
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
