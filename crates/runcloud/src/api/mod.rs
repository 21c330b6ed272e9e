//! RunCloud's endpoints: one small function per endpoint, each doc-linked to the page it
//! implements. An endpoint builds a [`Request`](crate::client::Request), sends it through
//! the session (which handles auth, retries, the `data` envelope and decode errors) and
//! gets a typed answer back: never a PHP value.

pub mod domains;
pub mod pagination;
pub mod servers;
pub mod ssl;

/// Readers for the loosely typed fields of RunCloud's answers (ids as numbers or numeric
/// strings, flags as booleans, 0/1 or "1"), for `#[serde(deserialize_with = …)]`.
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value as Json;

    /// RunCloud's flags: `true`, a non-zero integer, `"1"` or `"true"`; anything else is off.
    pub fn truthy(v: &Json) -> bool {
        match v {
            Json::Bool(b) => *b,
            Json::Number(n) => n.as_i64().is_some_and(|i| i != 0),
            Json::String(s) => s == "1" || s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }

    /// An id: a non-negative integer or a string holding one.
    pub fn as_id(v: &Json) -> Option<u64> {
        match v {
            Json::Number(n) => n.as_u64(),
            Json::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(truthy(&Json::deserialize(d)?))
    }

    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let v = Json::deserialize(d)?;
        as_id(&v).ok_or_else(|| serde::de::Error::custom(format!("`id` is {v}, not a number")))
    }

    /// An id when there is a usable one (a missing, null or odd id is none).
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(as_id(&Json::deserialize(d)?))
    }

    /// A text field; anything that is not a string counts as absent.
    pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Json::deserialize(d)? {
            Json::String(s) => Some(s),
            _ => None,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn flags_are_read_from_booleans_integers_and_strings() {
            for (v, expected) in [
                (json!(true), true),
                (json!(1), true),
                (json!(2), true),
                (json!("1"), true),
                (json!("true"), true),
                (json!("TRUE"), true),
                (json!(false), false),
                (json!(0), false),
                (json!("0"), false),
                (json!(null), false),
                (json!("no"), false),
                (json!([1]), false),
            ] {
                assert_eq!(truthy(&v), expected, "flag {v}");
            }
        }

        #[test]
        fn ids_are_read_from_numbers_or_numeric_strings() {
            assert_eq!(as_id(&json!(12)), Some(12));
            assert_eq!(as_id(&json!("12")), Some(12));
            assert_eq!(as_id(&json!(-1)), None);
            assert_eq!(as_id(&json!(1.5)), None);
            assert_eq!(as_id(&json!(null)), None);
        }
    }
}
