//! RunCloud's list envelope (League/Fractal): `{"data": [...], "meta": {"pagination": {...}}}`.
//! <https://runcloud.io/docs/api/v3/api-8617112> (list domains).
//!
//! Variants we accept: `meta.pagination.total_pages` (documented), `meta.lastPage` /
//! `meta.last_page` (reported by users of v3), `links.next` only, `links` as `{}` or `[]`,
//! and, when nothing else is there, "a full page means there may be another".

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};

/// RunCloud's documented maximum page size.
pub const PER_PAGE: u32 = 40;
/// Hard stop against a server that never says "last page" (200,000 items at 40 per page).
pub const MAX_PAGES: u32 = 5000;

#[derive(Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The page to read next, if any.
    pub next: Option<u32>,
    /// How many items the whole list holds, when the answer says.
    pub total: Option<u64>,
}

/// Parses the answer to `?page={page}&perPage={per_page}` straight from its bytes, decoding
/// each item as `T` (no `serde_json::Value` of the page is ever built). A shape RunCloud
/// never sends is a `Data` error whose text says what was wrong; a body that is not JSON at
/// all is a syntax error. An empty body is read as `null`.
pub fn parse_page<T: DeserializeOwned>(
    body: &[u8],
    page: u32,
    per_page: u32,
) -> Result<Page<T>, serde_json::Error> {
    let raw: Raw<T> = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_slice(b"null")?
    } else {
        serde_json::from_slice(body)?
    };
    let items = match raw.data {
        Some(Data::Items(items)) => items,
        Some(Data::Other(kind)) => {
            return Err(de::Error::custom(format!(
                "the list answer's `data` is {kind} instead of an array"
            )));
        }
        None => return Err(de::Error::custom("the list answer has no `data` array")),
    };
    let meta = raw.meta.unwrap_or_default();
    let pagination = meta.pagination.unwrap_or_default();
    // Each figure comes from the first place that has the key at all (even with a value
    // that is not a number): the variants are never mixed.
    let last = pagination
        .total_pages
        .or(pagination.last_page)
        .or(meta.last_page_camel)
        .or(meta.last_page)
        .flatten()
        .map(|n| n.min(u64::from(u32::MAX)) as u32);
    let count = pagination.total.or(meta.total).flatten();
    // With one item per page, the last page's number is the count.
    let total = count.or_else(|| (per_page == 1).then(|| last.map(u64::from)).flatten());
    // `links` is `{}` or `[]` on the last page; `{"next": url}` before it.
    let links_next = pagination.links.or(raw.links);
    let next = if items.is_empty() || page >= MAX_PAGES {
        None
    } else if let Some(last) = last {
        (page < last).then_some(page + 1)
    } else if let Some(has_next) = links_next {
        has_next.then_some(page + 1)
    } else {
        (items.len() as u32 >= per_page).then_some(page + 1)
    };
    Ok(Page { items, next, total })
}

/// The parts of a list answer the client reads. `None` is "no such key"; the inner
/// `Option` of a figure is "present but not a number".
struct Raw<T> {
    data: Option<Data<T>>,
    meta: Option<Meta>,
    links: Option<bool>,
}

enum Data<T> {
    Items(Vec<T>),
    /// `data` of another JSON type, named for the message.
    Other(&'static str),
}

#[derive(Default)]
struct Meta {
    pagination: Option<Pagination>,
    last_page_camel: Option<Option<u64>>,
    last_page: Option<Option<u64>>,
    total: Option<Option<u64>>,
}

#[derive(Default)]
struct Pagination {
    total_pages: Option<Option<u64>>,
    last_page: Option<Option<u64>>,
    total: Option<Option<u64>>,
    links: Option<bool>,
}

/// The JSON type of a value that is not what was expected, as messages name it.
fn kind(unexpected: de::Unexpected<'_>) -> &'static str {
    use de::Unexpected::*;
    match unexpected {
        Unit | Option => "null",
        Bool(_) => "a boolean",
        Unsigned(_) | Signed(_) | Float(_) => "a number",
        Str(_) | Char(_) | Bytes(_) => "a string",
        Seq => "an array",
        _ => "an object",
    }
}

impl<'de, T: DeserializeOwned> de::Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Raw<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list answer")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<T>, A::Error> {
                let mut raw = Raw {
                    data: None,
                    meta: None,
                    links: None,
                };
                // A repeated key counts once, the last one, as in any JSON object.
                while let Some(key) = map.next_key::<Key>()? {
                    match key.0 {
                        "data" => raw.data = Some(map.next_value_seed(DataSeed(PhantomData))?),
                        "meta" => raw.meta = Some(map.next_value::<Meta>()?),
                        "links" => raw.links = Some(map.next_value::<Links>()?.0),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(raw)
            }
            /// A bare array is the list itself.
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Raw<T>, A::Error> {
                Ok(Raw {
                    data: Some(Data::Items(items(seq)?)),
                    meta: None,
                    links: None,
                })
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Raw<T>, E> {
                Ok(Raw::empty())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T> Raw<T> {
    fn empty() -> Raw<T> {
        Raw {
            data: None,
            meta: None,
            links: None,
        }
    }
}

/// An object key: one of the names read here, or `""` for any other (never allocated).
struct Key(&'static str);

const KEYS: [&str; 9] = [
    "data",
    "meta",
    "links",
    "pagination",
    "lastPage",
    "last_page",
    "total",
    "total_pages",
    "next",
];

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(Key(KEYS.iter().find(|k| **k == s).copied().unwrap_or("")))
            }
        }
        d.deserialize_str(V)
    }
}

/// The items of the page, each decoded as `T`; a bad one is named by its position.
fn items<'de, T: DeserializeOwned, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(PER_PAGE as usize));
    loop {
        match seq.next_element::<T>() {
            Ok(Some(item)) => items.push(item),
            Ok(None) => return Ok(items),
            Err(e) => {
                return Err(de::Error::custom(format!(
                    "item {} of the page: {}",
                    items.len() + 1,
                    crate::error::without_position(&e.to_string())
                )));
            }
        }
    }
}

struct DataSeed<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for DataSeed<T> {
    type Value = Data<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Data<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data<T>, A::Error> {
                Ok(Data::Items(items(seq)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data<T>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Data::Other(kind(de::Unexpected::Map)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Bool(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Signed(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Unsigned(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Float(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Str(v))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Data<T>, E> {
                Ok(Data::Other(kind(de::Unexpected::Unit)))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The `visit_*` methods of a visitor for which any JSON value but an object holds nothing
/// the client reads (as `Value::get` on a non-object finds nothing).
macro_rules! anything_else_is_default {
    ($t:ty) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$t, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(<$t>::default())
        }
    };
}

impl<'de> de::Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Meta;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("meta")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Meta, A::Error> {
                let mut meta = Meta::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key.0 {
                        "pagination" => meta.pagination = Some(map.next_value()?),
                        "lastPage" => meta.last_page_camel = Some(map.next_value::<Num>()?.0),
                        "last_page" => meta.last_page = Some(map.next_value::<Num>()?.0),
                        "total" => meta.total = Some(map.next_value::<Num>()?.0),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(meta)
            }
            anything_else_is_default!(Meta);
        }
        d.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for Pagination {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pagination;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("pagination")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pagination, A::Error> {
                let mut p = Pagination::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key.0 {
                        "total_pages" => p.total_pages = Some(map.next_value::<Num>()?.0),
                        "last_page" => p.last_page = Some(map.next_value::<Num>()?.0),
                        "total" => p.total = Some(map.next_value::<Num>()?.0),
                        "links" => p.links = Some(map.next_value::<Links>()?.0),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(p)
            }
            anything_else_is_default!(Pagination);
        }
        d.deserialize_any(V)
    }
}

/// A count or a page number: a non-negative integer, or a string holding one.
#[derive(Default)]
struct Num(Option<u64>);

impl<'de> de::Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(u64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
                Ok(Num(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Num(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Num(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Whether `links` names a next page: an object whose `next` is a non-empty string.
#[derive(Default)]
struct Links(bool);

impl<'de> de::Deserialize<'de> for Links {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Links;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("links")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Links, A::Error> {
                let mut next = false;
                while let Some(key) = map.next_key::<Key>()? {
                    if key.0 == "next" {
                        next = map.next_value::<NextUrl>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Links(next))
            }
            anything_else_is_default!(Links);
        }
        d.deserialize_any(V)
    }
}

/// `true` for a non-empty string.
#[derive(Default)]
struct NextUrl(bool);

impl<'de> de::Deserialize<'de> for NextUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NextUrl;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a URL")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NextUrl, E> {
                Ok(NextUrl(!v.is_empty()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<NextUrl, E> {
                Ok(NextUrl(false))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<NextUrl, E> {
                Ok(NextUrl(false))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<NextUrl, E> {
                Ok(NextUrl(false))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<NextUrl, E> {
                Ok(NextUrl(false))
            }
            fn visit_unit<E: de::Error>(self) -> Result<NextUrl, E> {
                Ok(NextUrl(false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NextUrl, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(NextUrl(false))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NextUrl, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(NextUrl(false))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    fn parse(body: &Json, page: u32, per_page: u32) -> Result<Page<Json>, String> {
        parse_as(body, page, per_page)
    }

    fn parse_as<T: DeserializeOwned>(
        body: &Json,
        page: u32,
        per_page: u32,
    ) -> Result<Page<T>, String> {
        parse_page(&serde_json::to_vec(body).unwrap(), page, per_page)
            .map_err(|e| crate::error::without_position(&e.to_string()).to_string())
    }

    fn items(n: usize) -> Vec<Json> {
        (0..n).map(|i| json!({"id": i})).collect()
    }

    #[test]
    fn standard_pagination_reads_total_pages() {
        let body = json!({"data": items(40), "meta": {"pagination": {"total": 100, "count": 40, "per_page": 40,
            "current_page": 1, "total_pages": 3, "links": {"next": "https://x/?page=2"}}}});
        assert_eq!(parse(&body, 1, 40).unwrap().next, Some(2));
        let last = json!({"data": items(20), "meta": {"pagination": {"total_pages": 3, "current_page": 3, "links": {"previous": "x"}}}});
        assert_eq!(parse(&last, 3, 40).unwrap().next, None);
    }

    #[test]
    fn empty_links_as_object_or_array_mean_last_page() {
        for links in [json!({}), json!([])] {
            let body = json!({"data": items(40), "meta": {"pagination": {"total": 40, "count": 40, "per_page": 40,
                "current_page": 1, "links": links}}});
            assert_eq!(
                parse(&body, 1, 40).unwrap().next,
                None,
                "links {links} on a page without total_pages"
            );
        }
        let body =
            json!({"data": items(3), "meta": {"pagination": {"total_pages": 1, "links": []}}});
        assert_eq!(parse(&body, 1, 40).unwrap().next, None);
    }

    #[test]
    fn links_next_alone_means_there_is_another_page() {
        let body = json!({"data": items(40), "meta": {"pagination": {"links": {"next": "https://x/?page=2"}}}});
        assert_eq!(parse(&body, 1, 40).unwrap().next, Some(2));
        let body = json!({"data": items(40), "meta": {"pagination": {"links": {"next": null}}}});
        assert_eq!(parse(&body, 1, 40).unwrap().next, None);
    }

    #[test]
    fn the_last_page_variant_is_understood() {
        let body = json!({"data": items(40), "meta": {"current_page": 2, "lastPage": 5}});
        assert_eq!(parse(&body, 2, 40).unwrap().next, Some(3));
        let body = json!({"data": items(10), "meta": {"current_page": 5, "lastPage": 5}});
        assert_eq!(parse(&body, 5, 40).unwrap().next, None);
        let body = json!({"data": items(10), "meta": {"last_page": "7"}});
        assert_eq!(parse(&body, 1, 40).unwrap().next, Some(2));
    }

    #[test]
    fn without_any_meta_a_full_page_means_maybe_more() {
        assert_eq!(
            parse(&json!({"data": items(40)}), 1, 40).unwrap().next,
            Some(2)
        );
        assert_eq!(
            parse(&json!({"data": items(39)}), 1, 40).unwrap().next,
            None
        );
        assert_eq!(
            parse(&json!({"data": []}), 4, 40).unwrap().next,
            None,
            "an empty page ends the list"
        );
    }

    #[test]
    fn an_empty_page_ends_the_list_even_if_total_pages_says_more() {
        let body = json!({"data": [], "meta": {"pagination": {"total_pages": 9}}});
        assert_eq!(parse(&body, 2, 40).unwrap().next, None);
    }

    #[test]
    fn a_body_without_data_is_an_error_that_says_so() {
        let e = parse(&json!({"message": "x"}), 1, 40).unwrap_err();
        assert!(e.contains("no `data`"), "{e}");
        let e = parse(&json!({"data": {"a": 1}}), 1, 40).unwrap_err();
        assert!(e.contains("an object"), "{e}");
    }

    #[test]
    fn paging_stops_at_the_safety_limit() {
        let body = json!({"data": items(40), "meta": {"pagination": {"total_pages": 999999}}});
        assert_eq!(parse(&body, MAX_PAGES, 40).unwrap().next, None);
    }

    #[test]
    fn the_total_is_read_from_every_variant_here_and_nowhere_else() {
        let standard =
            json!({"data": items(1), "meta": {"pagination": {"total": 4001, "total_pages": 4001}}});
        assert_eq!(parse(&standard, 1, 1).unwrap().total, Some(4001));
        let flat = json!({"data": items(1), "meta": {"total": "12"}});
        assert_eq!(parse(&flat, 1, 1).unwrap().total, Some(12));
        let last_page = json!({"data": items(1), "meta": {"current_page": 1, "lastPage": 7}});
        assert_eq!(
            parse(&last_page, 1, 1).unwrap().total,
            Some(7),
            "one item per page: the last page's number is the count"
        );
        assert_eq!(
            parse(&last_page, 1, 40).unwrap().total,
            None,
            "with 40 per page the last page's number is not a count"
        );
        assert_eq!(parse(&json!({"data": items(3)}), 1, 1).unwrap().total, None);
    }

    #[test]
    fn items_are_decoded_as_the_caller_asks_and_a_bad_one_is_named() {
        let page: Page<Item> = parse_as(&json!({"data": [{"id": 1}, {"id": 2}]}), 1, 40).unwrap();
        assert_eq!(page.items, vec![Item { id: 1 }, Item { id: 2 }]);
        let e = parse_as::<Item>(&json!({"data": [{"id": 1}, {"name": "x"}]}), 1, 40).unwrap_err();
        assert!(e.contains("item 2") && e.contains("id"), "{e}");
    }

    /// The reading this parser replaced: the body as a `serde_json::Value`, walked. Kept as
    /// the oracle the streaming parser must agree with, field by field.
    fn value_reading(mut body: Json, page: u32, per_page: u32) -> Result<Page<Json>, String> {
        fn as_u64(v: &Json) -> Option<u64> {
            match v {
                Json::Number(n) => n.as_u64(),
                Json::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        }
        fn kind(v: &Json) -> &'static str {
            match v {
                Json::Null => "null",
                Json::Bool(_) => "a boolean",
                Json::Number(_) => "a number",
                Json::String(_) => "a string",
                Json::Array(_) => "an array",
                Json::Object(_) => "an object",
            }
        }
        let meta = body.get("meta");
        let pagination = meta.and_then(|m| m.get("pagination"));
        let last = pagination
            .and_then(|p| p.get("total_pages").or_else(|| p.get("last_page")))
            .or_else(|| meta.and_then(|m| m.get("lastPage").or_else(|| m.get("last_page"))))
            .and_then(as_u64)
            .map(|n| n.min(u64::from(u32::MAX)) as u32);
        let count = pagination
            .and_then(|p| p.get("total"))
            .or_else(|| meta.and_then(|m| m.get("total")))
            .and_then(as_u64);
        let total = count.or_else(|| (per_page == 1).then(|| last.map(u64::from)).flatten());
        let links_next = pagination
            .and_then(|p| p.get("links"))
            .or_else(|| body.get("links"))
            .map(|links| {
                links
                    .get("next")
                    .is_some_and(|n| n.as_str().is_some_and(|s| !s.is_empty()))
            });
        let items = match body.get_mut("data").map(Json::take) {
            Some(Json::Array(items)) => items,
            Some(other) => {
                return Err(format!(
                    "the list answer's `data` is {} instead of an array",
                    kind(&other)
                ));
            }
            None => match body {
                Json::Array(items) => items,
                _ => return Err("the list answer has no `data` array".into()),
            },
        };
        let next = if items.is_empty() || page >= MAX_PAGES {
            None
        } else if let Some(last) = last {
            (page < last).then_some(page + 1)
        } else if let Some(has_next) = links_next {
            has_next.then_some(page + 1)
        } else {
            (items.len() as u32 >= per_page).then_some(page + 1)
        };
        Ok(Page { items, next, total })
    }

    #[test]
    fn the_streaming_parser_reads_every_variant_as_the_value_reading_did() {
        let figures = [
            json!(3),
            json!("3"),
            json!(" 7 "),
            json!(null),
            json!(-1),
            json!(2.5),
            json!(99999999999u64),
            json!("x"),
            json!([]),
            json!({}),
            json!(true),
        ];
        let links = [
            json!({}),
            json!([]),
            json!({"next": "https://x/?page=2"}),
            json!({"next": ""}),
            json!({"next": null}),
            json!({"next": 1}),
            json!({"previous": "p"}),
            json!("next"),
            json!(null),
        ];
        let mut bodies = vec![
            json!(null),
            json!(true),
            json!(12),
            json!("data"),
            json!([]),
            json!(items(3)),
            json!(items(40)),
            json!({}),
            json!({"message": "x"}),
            json!({"data": null}),
            json!({"data": true}),
            json!({"data": 1.5}),
            json!({"data": "s"}),
            json!({"data": {"a": 1}}),
            json!({"data": items(40), "meta": null}),
            json!({"data": items(40), "meta": []}),
            json!({"data": items(40), "meta": {"pagination": []}}),
            json!({"data": items(40), "meta": {"pagination": "x"}}),
            json!({"data": [], "meta": {"pagination": {"total_pages": 9}}}),
        ];
        for f in &figures {
            for items_n in [0, 1, 39, 40] {
                let data = json!(items(items_n));
                bodies.push(json!({"data": data, "meta": {"pagination": {"total_pages": f, "last_page": 2, "total": f}}}));
                bodies.push(json!({"data": data, "meta": {"pagination": {"last_page": f}, "lastPage": 9, "total": f}}));
                bodies.push(json!({"data": data, "meta": {"lastPage": f, "last_page": 4}}));
                bodies.push(json!({"data": data, "meta": {"last_page": f, "total": f}}));
                bodies
                    .push(json!({"data": data, "meta": {"pagination": {"total": f}, "total": 5}}));
            }
        }
        for l in &links {
            for items_n in [0, 39, 40] {
                let data = json!(items(items_n));
                bodies.push(json!({"data": data, "meta": {"pagination": {"links": l}}, "links": {"next": "n"}}));
                bodies
                    .push(json!({"data": data, "meta": {"pagination": {"count": 1}}, "links": l}));
                bodies.push(json!({"data": data, "links": l}));
            }
        }
        let mut compared = 0;
        for body in &bodies {
            for (page, per_page) in [(1, 40), (2, 40), (3, 1), (1, 1), (MAX_PAGES, 40)] {
                let expected = value_reading(body.clone(), page, per_page);
                let got = parse(body, page, per_page);
                assert_eq!(got, expected, "page {page} of {per_page} of {body}");
                compared += 1;
            }
        }
        assert!(compared > 900, "{compared}");
    }

    #[test]
    fn a_body_that_is_not_json_is_told_from_json_of_the_wrong_shape() {
        use crate::client::{DecodeFailure, decode_failure};
        for body in [
            &b"{\"data\": [{\"id\": 1}, {\"id\": 2"[..],
            b"<html>",
            b"{\"data\": []} trailing",
            b"{\"data\": [{\"name\": 1}, {\"id\": ",
        ] {
            let e = parse_page::<Item>(body, 1, 40).unwrap_err();
            let failure = decode_failure(body, &e);
            assert!(
                matches!(&failure, DecodeFailure::NotJson(_)),
                "{} gave {failure:?}",
                String::from_utf8_lossy(body)
            );
        }
        for (body, detail) in [
            (
                &b"{\"data\": 5}"[..],
                "the list answer's `data` is a number instead of an array",
            ),
            (b"{}", "the list answer has no `data` array"),
            (b"  ", "the list answer has no `data` array"),
            (
                b"[{\"id\": 1},\n {\"id\": \"x\"}]",
                "item 2 of the page: invalid type: string \"x\", expected u64",
            ),
        ] {
            let e = parse_page::<Item>(body, 1, 40).unwrap_err();
            match decode_failure(body, &e) {
                DecodeFailure::Shape(d) => assert_eq!(d, detail),
                other => panic!("{} gave {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Item {
        id: u64,
    }
}
