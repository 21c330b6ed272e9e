//! PHP values in and out: zvals to the client's [`Value`] (configuration, options), and the
//! client's results to the arrays the contract (PRODUCT.md) describes.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use runcloud::api::domains::Domain;
use runcloud::api::servers::Named;
use runcloud::api::ssl::Outcome;
use runcloud::checks::{DnsCheck, HttpsCheck};
use runcloud::operations::{AddResult, Connection, Removed, SyncResult};
use runcloud::value::Value;

/// Deeper arrays are refused rather than walked (a hostile 100,000-level array).
const MAX_DEPTH: usize = 8;

pub fn to_value(z: &Zval, depth: usize) -> Value {
    if z.is_null() {
        Value::Null
    } else if let Some(b) = z.bool() {
        Value::Bool(b)
    } else if let Some(i) = z.long() {
        Value::Int(i)
    } else if let Some(f) = z.double() {
        Value::Float(f)
    } else if let Some(s) = z.string() {
        Value::Str(s)
    } else if let Some(ht) = z.array() {
        if depth >= MAX_DEPTH {
            Value::Other("array (nested too deeply)")
        } else {
            array_to_value(ht, depth + 1)
        }
    } else if z.is_object() {
        Value::Other("object")
    } else if let Some(r) = z.reference() {
        to_value(r, depth)
    } else {
        Value::Other("unsupported value")
    }
}

pub fn array_to_value(ht: &ZendHashTable, depth: usize) -> Value {
    if ht.has_sequential_keys() {
        Value::List(ht.iter().map(|(_, v)| to_value(v, depth)).collect())
    } else {
        Value::Map(
            ht.iter()
                .map(|(k, v)| (k.to_string(), to_value(v, depth)))
                .collect(),
        )
    }
}

fn to_zval(v: &Value) -> PhpResult<Zval> {
    let mut z = Zval::new();
    match v {
        Value::Null | Value::Other(_) => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Int(i) => z.set_long(*i),
        Value::Float(f) => z.set_double(*f),
        Value::Str(s) => z.set_string(s, false)?,
        Value::List(_) | Value::Map(_) => z.set_hashtable(to_array(v)?),
    }
    Ok(z)
}

pub fn to_array(v: &Value) -> PhpResult<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::new();
    match v {
        Value::List(items) => {
            for i in items {
                ht.push(to_zval(i)?)?;
            }
        }
        Value::Map(entries) => {
            for (k, i) in entries {
                ht.insert(ArrayKey::Str(k.as_str()), to_zval(i)?)?;
            }
        }
        other => {
            return Err(PhpException::from(format!(
                "internal error: expected an array, built {}",
                other.type_name()
            )));
        }
    }
    Ok(ht)
}

/// An `array $options = []` parameter, read into a [`Value`].
pub struct Options(pub Value);

impl Options {
    pub fn empty() -> Options {
        Options(Value::Map(vec![]))
    }
}

impl<'a> FromZval<'a> for Options {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array().map(|ht| Options(array_to_value(ht, 1)))
    }
}

impl StubLiteral for Options {
    fn stub_literal(&self) -> String {
        "[]".to_string()
    }
}

/// A client result as the contract's PHP array.
pub trait ToPhp {
    fn to_value(&self) -> Value;
}

fn id(n: u64) -> Value {
    Value::Int(n as i64)
}

fn opt_id(n: Option<u64>) -> Value {
    n.map_or(Value::Null, id)
}

fn names(list: &[String]) -> Value {
    Value::List(list.iter().map(Value::str).collect())
}

fn named(n: &Named) -> Value {
    Value::map(vec![("id", id(n.id)), ("name", Value::str(&n.name))])
}

/// `['action' => …, 'message' => …, 'failed_domains' => […], 'retry_after' => …]`: the `ssl`
/// entry of add and sync results; the last two are filled for a failed issuance (Unix
/// seconds or null).
fn ssl_short(o: &Outcome) -> Value {
    Value::map(vec![
        ("action", Value::str(o.action.as_str())),
        ("message", Value::str(&o.message)),
        ("failed_domains", names(&o.failed_domains)),
        ("retry_after", opt_id(o.retry_after)),
    ])
}

fn ips(list: &[std::net::IpAddr]) -> Value {
    Value::List(list.iter().map(|a| Value::str(a.to_string())).collect())
}

impl ToPhp for DnsCheck {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("domain", Value::str(&self.domain)),
            ("status", Value::str(self.status)),
            ("addresses", ips(&self.addresses)),
            ("expected", ips(&self.expected)),
            ("reason", Value::str(&self.reason)),
        ])
    }
}

impl ToPhp for HttpsCheck {
    fn to_value(&self) -> Value {
        let text = |v: &Option<String>| v.as_deref().map_or(Value::Null, Value::str);
        Value::map(vec![
            ("domain", Value::str(&self.domain)),
            ("status", Value::str(self.status)),
            ("not_after", text(&self.not_after)),
            ("issuer", text(&self.issuer)),
            (
                "address",
                self.address
                    .map_or(Value::Null, |a| Value::str(a.to_string())),
            ),
            ("reason", Value::str(&self.reason)),
        ])
    }
}

impl ToPhp for Domain {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("id", id(self.id)),
            ("name", Value::str(&self.name)),
            ("type", Value::str(self.kind())),
            ("www", Value::Bool(self.www)),
            ("redirection", Value::str(self.redirection())),
            ("wildcard", Value::Bool(self.wildcard)),
        ])
    }
}

impl ToPhp for Vec<Domain> {
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Domain::to_value).collect())
    }
}

impl ToPhp for Connection {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("api", Value::str(self.api)),
            ("server", named(&self.server)),
            ("app", named(&self.app)),
            ("domains", id(self.domains)),
            ("ssl_mode", Value::str(self.ssl_mode)),
        ])
    }
}

impl ToPhp for AddResult {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("id", id(self.id)),
            ("name", Value::str(&self.name)),
            ("created", Value::Bool(self.created)),
            ("ssl", ssl_short(&self.ssl)),
        ])
    }
}

impl ToPhp for Removed {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("removed", Value::Bool(self.removed)),
            ("id", opt_id(self.id)),
        ])
    }
}

/// `redeploy_ssl`'s result: the short form and the certificate id.
impl ToPhp for Outcome {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("action", Value::str(self.action.as_str())),
            ("message", Value::str(&self.message)),
            ("certificate_id", opt_id(self.certificate_id)),
            ("failed_domains", names(&self.failed_domains)),
            ("retry_after", opt_id(self.retry_after)),
        ])
    }
}

impl ToPhp for SyncResult {
    fn to_value(&self) -> Value {
        Value::map(vec![
            ("added", names(&self.added)),
            ("removed", names(&self.removed)),
            ("unchanged", names(&self.unchanged)),
            (
                "failed",
                Value::Map(
                    self.failed
                        .iter()
                        .map(|(n, m)| (n.clone(), Value::str(m)))
                        .collect(),
                ),
            ),
            ("requests", Value::Int(self.requests as i64)),
            (
                "ids",
                Value::Map(
                    self.ids
                        .iter()
                        .map(|(n, i)| (n.clone(), opt_id(*i)))
                        .collect(),
                ),
            ),
            ("ssl", ssl_short(&self.ssl)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runcloud::api::ssl::SslAction;

    fn keys(v: &Value) -> Vec<&str> {
        match v {
            Value::Map(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("expected a map, got {other:?}"),
        }
    }

    #[test]
    fn results_have_the_keys_the_contract_names_in_its_order() {
        let d = Domain::new(7, "a.test", "alias");
        assert_eq!(
            keys(&d.to_value()),
            ["id", "name", "type", "www", "redirection", "wildcard"]
        );
        assert_eq!(d.to_value().get("redirection"), Some(&Value::str("none")));
        let ssl = Outcome::new(SslAction::Redeployed, "done", Some(3));
        assert_eq!(
            keys(&ssl.to_value()),
            [
                "action",
                "message",
                "certificate_id",
                "failed_domains",
                "retry_after"
            ]
        );
        let sync = SyncResult {
            added: vec!["b.test".into()],
            removed: vec![],
            unchanged: vec![],
            failed: vec![("x y".into(), "invalid".into())],
            requests: 4,
            ids: vec![("b.test".into(), Some(9))],
            ssl: ssl.clone(),
        };
        let v = sync.to_value();
        assert_eq!(
            keys(&v),
            [
                "added",
                "removed",
                "unchanged",
                "failed",
                "requests",
                "ids",
                "ssl"
            ]
        );
        assert_eq!(
            keys(v.get("ssl").unwrap()),
            ["action", "message", "failed_domains", "retry_after"]
        );
        assert_eq!(
            Removed {
                removed: false,
                id: None
            }
            .to_value(),
            Value::map(vec![("removed", Value::Bool(false)), ("id", Value::Null)])
        );
    }
}
