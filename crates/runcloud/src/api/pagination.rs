//! RunCloud's list envelope (League/Fractal): `{"data": [...], "meta": {"pagination": {...}}}`.
//! <https://runcloud.io/docs/api/v3/api-8617112> (list domains).
//!
//! Variants we accept: `meta.pagination.total_pages` (documented), `meta.lastPage` /
//! `meta.last_page` (reported by users of v3), `links.next` only, `links` as `{}` or `[]`,
//! and, when nothing else is there, "a full page means there may be another".

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

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

/// Parses the answer to `?page={page}&perPage={per_page}`, decoding each item as `T`.
pub fn parse_page<T: DeserializeOwned>(
    mut body: Json,
    page: u32,
    per_page: u32,
) -> Result<Page<T>, String> {
    let meta = body.get("meta");
    let pagination = meta.and_then(|m| m.get("pagination"));
    let last = pagination
        .and_then(|p| p.get("total_pages").or_else(|| p.get("last_page")))
        .or_else(|| meta.and_then(|m| m.get("lastPage").or_else(|| m.get("last_page"))))
        .and_then(as_u32);
    let count = pagination
        .and_then(|p| p.get("total"))
        .or_else(|| meta.and_then(|m| m.get("total")))
        .and_then(as_u64);
    // With one item per page, the last page's number is the count.
    let total = count.or_else(|| (per_page == 1).then(|| last.map(u64::from)).flatten());
    // `links` is `{}` or `[]` on the last page; `{"next": url}` before it.
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
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item).map_err(|e| format!("item {} of the page: {e}", i + 1))
        })
        .collect::<Result<Vec<T>, String>>()?;
    Ok(Page { items, next, total })
}

fn as_u32(v: &Json) -> Option<u32> {
    as_u64(v).map(|n| n.min(u64::from(u32::MAX)) as u32)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: &Json, page: u32, per_page: u32) -> Result<Page<Json>, String> {
        parse_page(body.clone(), page, per_page)
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
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Item {
            id: u64,
        }
        let page: Page<Item> = parse_page(json!({"data": [{"id": 1}, {"id": 2}]}), 1, 40).unwrap();
        assert_eq!(page.items, vec![Item { id: 1 }, Item { id: 2 }]);
        let e = parse_page::<Item>(json!({"data": [{"id": 1}, {"name": "x"}]}), 1, 40).unwrap_err();
        assert!(e.contains("item 2") && e.contains("id"), "{e}");
    }
}
