//! PHP values in and out: zvals to the client's [`Value`] (configuration, options), and the
//! client's results to the arrays the contract (PRODUCT.md) describes.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
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

/// Whether `array_to_value(ht, 1)` would give `cached`, a configuration read before, without
/// building it. The top level is compared key by key, in any order (a configuration is only
/// ever read by key); deeper arrays entry by entry, in order. `false` is always safe: the
/// array is then read and parsed again.
pub fn same_config(ht: &ZendHashTable, cached: &Value) -> bool {
    let Value::Map(entries) = cached else {
        return false;
    };
    // Keys are distinct, so the same count and every cached key found with its value means
    // the same entries; a cached key that was an integer key is never found by name, and the
    // array is then read again.
    ht.len() == entries.len()
        && entries
            .iter()
            .all(|(k, v)| ht.get(k.as_str()).is_some_and(|z| same_value(z, v, 1)))
}

/// Whether `to_value(z, depth)` would be `v`, deciding in the same order.
fn same_value(z: &Zval, v: &Value, depth: usize) -> bool {
    if z.is_null() {
        matches!(v, Value::Null)
    } else if let Some(b) = z.bool() {
        *v == Value::Bool(b)
    } else if let Some(i) = z.long() {
        *v == Value::Int(i)
    } else if let Some(f) = z.double() {
        matches!(v, Value::Float(g) if g.to_bits() == f.to_bits())
    } else if let Some(s) = z.str() {
        matches!(v, Value::Str(t) if t == s)
    } else if let Some(ht) = z.array() {
        if depth >= MAX_DEPTH {
            *v == Value::Other("array (nested too deeply)")
        } else {
            same_array(ht, v, depth + 1)
        }
    } else if z.is_object() {
        *v == Value::Other("object")
    } else if let Some(r) = z.reference() {
        same_value(r, v, depth)
    } else {
        *v == Value::Other("unsupported value")
    }
}

fn same_array(ht: &ZendHashTable, v: &Value, depth: usize) -> bool {
    match v {
        Value::List(items) => {
            ht.len() == items.len()
                && ht.has_sequential_keys()
                && ht.values().zip(items).all(|(z, i)| same_value(z, i, depth))
        }
        Value::Map(entries) => {
            ht.len() == entries.len()
                && !ht.has_sequential_keys()
                && ht
                    .iter()
                    .zip(entries)
                    .all(|((k, z), (key, i))| k.to_string() == *key && same_value(z, i, depth))
        }
        _ => false,
    }
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

/// A client result as the contract's PHP array, built straight into zvals.
pub trait ToPhp {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>>;
}

/// One entry's value.
enum Out<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Str(&'a str),
    Array(ZBox<ZendHashTable>),
}

impl Out<'_> {
    fn zval(self) -> PhpResult<Zval> {
        let mut z = Zval::new();
        match self {
            Out::Null => z.set_null(),
            Out::Bool(b) => z.set_bool(b),
            Out::Int(i) => z.set_long(i),
            Out::Str(s) => z.set_string(s, false)?,
            Out::Array(ht) => z.set_hashtable(ht),
        }
        Ok(z)
    }
}

/// `[key => value, …]` in the order given.
fn assoc<'k>(
    entries: impl IntoIterator<Item = (&'k str, Out<'k>)>,
    n: usize,
) -> PhpResult<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::with_capacity(n as u32);
    for (k, v) in entries {
        ht.insert(k, v.zval()?)?;
    }
    Ok(ht)
}

fn list<'v>(items: impl IntoIterator<Item = Out<'v>>, n: usize) -> PhpResult<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::with_capacity(n as u32);
    for v in items {
        ht.push(v.zval()?)?;
    }
    Ok(ht)
}

fn id(n: u64) -> Out<'static> {
    Out::Int(n as i64)
}

fn opt_id(n: Option<u64>) -> Out<'static> {
    n.map_or(Out::Null, id)
}

fn names(names: &[String]) -> PhpResult<Out<'_>> {
    Ok(Out::Array(list(
        names.iter().map(|n| Out::Str(n)),
        names.len(),
    )?))
}

fn named(n: &Named) -> PhpResult<Out<'_>> {
    Ok(Out::Array(assoc(
        [("id", id(n.id)), ("name", Out::Str(&n.name))],
        2,
    )?))
}

/// `['action' => …, 'message' => …, 'failed_domains' => […], 'retry_after' => …]`: the `ssl`
/// entry of add and sync results; `failed_domains` and `retry_after` (Unix seconds or null)
/// say what a failed issuance failed on and when Let's Encrypt takes the next order.
fn ssl_short(o: &Outcome) -> PhpResult<Out<'_>> {
    Ok(Out::Array(assoc(
        [
            ("action", Out::Str(o.action.as_str())),
            ("message", Out::Str(&o.message)),
            ("failed_domains", names(&o.failed_domains)?),
            ("retry_after", opt_id(o.retry_after)),
        ],
        4,
    )?))
}

fn ips(list: &[std::net::IpAddr]) -> PhpResult<Out<'static>> {
    Ok(Out::Array(list_owned(
        list.iter().map(|a| a.to_string()),
        list.len(),
    )?))
}

/// A list of strings made for the answer (addresses), not borrowed from it.
fn list_owned(items: impl IntoIterator<Item = String>, n: usize) -> PhpResult<ZBox<ZendHashTable>> {
    let mut ht = ZendHashTable::with_capacity(n as u32);
    for v in items {
        let mut z = Zval::new();
        z.set_string(&v, false)?;
        ht.push(z)?;
    }
    Ok(ht)
}

fn text(v: &Option<String>) -> Out<'_> {
    v.as_deref().map_or(Out::Null, Out::Str)
}

impl ToPhp for DnsCheck {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("domain", Out::Str(&self.domain)),
                ("status", Out::Str(self.status)),
                ("addresses", ips(&self.addresses)?),
                ("expected", ips(&self.expected)?),
                ("reason", Out::Str(&self.reason)),
            ],
            5,
        )
    }
}

impl ToPhp for HttpsCheck {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let address = self.address.map(|a| a.to_string());
        assoc(
            [
                ("domain", Out::Str(&self.domain)),
                ("status", Out::Str(self.status)),
                ("not_after", text(&self.not_after)),
                ("issuer", text(&self.issuer)),
                ("address", text(&address)),
                ("reason", Out::Str(&self.reason)),
            ],
            6,
        )
    }
}

impl ToPhp for Domain {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("id", id(self.id)),
                ("name", Out::Str(&self.name)),
                ("type", Out::Str(self.kind())),
                ("www", Out::Bool(self.www)),
                ("redirection", Out::Str(self.redirection())),
                ("wildcard", Out::Bool(self.wildcard)),
            ],
            6,
        )
    }
}

impl ToPhp for Vec<Domain> {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let mut ht = ZendHashTable::with_capacity(self.len() as u32);
        for d in self {
            ht.push(Out::Array(d.to_php()?).zval()?)?;
        }
        Ok(ht)
    }
}

impl ToPhp for Connection {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("api", Out::Str(self.api)),
                ("server", named(&self.server)?),
                ("app", named(&self.app)?),
                ("domains", id(self.domains)),
                ("ssl_mode", Out::Str(self.ssl_mode)),
            ],
            5,
        )
    }
}

impl ToPhp for AddResult {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("id", id(self.id)),
                ("name", Out::Str(&self.name)),
                ("created", Out::Bool(self.created)),
                ("ssl", ssl_short(&self.ssl)?),
            ],
            4,
        )
    }
}

impl ToPhp for Removed {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("removed", Out::Bool(self.removed)),
                ("id", opt_id(self.id)),
            ],
            2,
        )
    }
}

/// `redeploy_ssl`'s result: the short form and the certificate id.
impl ToPhp for Outcome {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        assoc(
            [
                ("action", Out::Str(self.action.as_str())),
                ("message", Out::Str(&self.message)),
                ("certificate_id", opt_id(self.certificate_id)),
                ("failed_domains", names(&self.failed_domains)?),
                ("retry_after", opt_id(self.retry_after)),
            ],
            5,
        )
    }
}

impl ToPhp for SyncResult {
    fn to_php(&self) -> PhpResult<ZBox<ZendHashTable>> {
        let failed = assoc(
            self.failed.iter().map(|(n, m)| (n.as_str(), Out::Str(m))),
            self.failed.len(),
        )?;
        let ids = assoc(
            self.ids.iter().map(|(n, i)| (n.as_str(), opt_id(*i))),
            self.ids.len(),
        )?;
        assoc(
            [
                ("added", names(&self.added)?),
                ("removed", names(&self.removed)?),
                ("unchanged", names(&self.unchanged)?),
                ("failed", Out::Array(failed)),
                ("requests", Out::Int(self.requests as i64)),
                ("ids", Out::Array(ids)),
                ("ssl", ssl_short(&self.ssl)?),
            ],
            7,
        )
    }
}
