//! RunCloud's list envelope (League/Fractal): `{"data": [...], "meta": {"pagination": {...}}}`.
//! <https://runcloud.io/docs/api/v3/api-8617112> (list domains).
//!
//! Variants we accept: `meta.pagination.total_pages` (documented), `meta.lastPage` /
//! `meta.last_page` (reported by users of v3), `links.next` only, `links` as `{}` or `[]`,
//! and, when nothing else is there, "a full page means there may be another".

use serde_json::Value as Json;

/// RunCloud's documented maximum page size.
pub const PER_PAGE: u32 = 40;
/// Hard stop against a server that never says "last page" (200,000 items at 40 per page).
pub const MAX_PAGES: u32 = 5000;

#[derive(Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Json>,
    /// The page to read next, if any.
    pub next: Option<u32>,
}

/// Parses the answer to `?page={page}&perPage={per_page}`.
pub fn parse_page(body: &Json, page: u32, per_page: u32) -> Result<Page, String> {
    let items = match body.get("data") {
        Some(Json::Array(items)) => items.clone(),
        Some(other) => {
            return Err(format!(
                "the list answer's `data` is {} instead of an array",
                kind(other)
            ));
        }
        None if body.is_array() => body.as_array().cloned().unwrap_or_default(),
        None => return Err("the list answer has no `data` array".into()),
    };
    let meta = body.get("meta");
    let pagination = meta.and_then(|m| m.get("pagination"));
    let last = pagination
        .and_then(|p| p.get("total_pages").or_else(|| p.get("last_page")))
        .or_else(|| meta.and_then(|m| m.get("lastPage").or_else(|| m.get("last_page"))))
        .and_then(as_u32);
    let next = if items.is_empty() || page >= MAX_PAGES {
        None
    } else if let Some(last) = last {
        (page < last).then_some(page + 1)
    } else if let Some(links) = pagination
        .and_then(|p| p.get("links"))
        .or_else(|| body.get("links"))
    {
        // `links` is `{}` or `[]` on the last page; `{"next": url}` before it.
        let has_next = links
            .get("next")
            .is_some_and(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        has_next.then_some(page + 1)
    } else {
        (items.len() as u32 >= per_page).then_some(page + 1)
    };
    Ok(Page { items, next })
}

fn as_u32(v: &Json) -> Option<u32> {
    match v {
        Json::Number(n) => n.as_u64().map(|n| n.min(u64::from(u32::MAX)) as u32),
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

    fn items(n: usize) -> Vec<Json> {
        (0..n).map(|i| json!({"id": i})).collect()
    }

    #[test]
    fn standard_pagination_reads_total_pages() {
        let body = json!({"data": items(40), "meta": {"pagination": {"total": 100, "count": 40, "per_page": 40,
            "current_page": 1, "total_pages": 3, "links": {"next": "https://x/?page=2"}}}});
        assert_eq!(parse_page(&body, 1, 40).unwrap().next, Some(2));
        let last = json!({"data": items(20), "meta": {"pagination": {"total_pages": 3, "current_page": 3, "links": {"previous": "x"}}}});
        assert_eq!(parse_page(&last, 3, 40).unwrap().next, None);
    }

    #[test]
    fn empty_links_as_object_or_array_mean_last_page() {
        for links in [json!({}), json!([])] {
            let body = json!({"data": items(40), "meta": {"pagination": {"total": 40, "count": 40, "per_page": 40,
                "current_page": 1, "links": links}}});
            assert_eq!(
                parse_page(&body, 1, 40).unwrap().next,
                None,
                "links {links} on a page without total_pages"
            );
        }
        let body =
            json!({"data": items(3), "meta": {"pagination": {"total_pages": 1, "links": []}}});
        assert_eq!(parse_page(&body, 1, 40).unwrap().next, None);
    }

    #[test]
    fn links_next_alone_means_there_is_another_page() {
        let body = json!({"data": items(40), "meta": {"pagination": {"links": {"next": "https://x/?page=2"}}}});
        assert_eq!(parse_page(&body, 1, 40).unwrap().next, Some(2));
        let body = json!({"data": items(40), "meta": {"pagination": {"links": {"next": null}}}});
        assert_eq!(parse_page(&body, 1, 40).unwrap().next, None);
    }

    #[test]
    fn the_last_page_variant_is_understood() {
        let body = json!({"data": items(40), "meta": {"current_page": 2, "lastPage": 5}});
        assert_eq!(parse_page(&body, 2, 40).unwrap().next, Some(3));
        let body = json!({"data": items(10), "meta": {"current_page": 5, "lastPage": 5}});
        assert_eq!(parse_page(&body, 5, 40).unwrap().next, None);
        let body = json!({"data": items(10), "meta": {"last_page": "7"}});
        assert_eq!(parse_page(&body, 1, 40).unwrap().next, Some(2));
    }

    #[test]
    fn without_any_meta_a_full_page_means_maybe_more() {
        assert_eq!(
            parse_page(&json!({"data": items(40)}), 1, 40).unwrap().next,
            Some(2)
        );
        assert_eq!(
            parse_page(&json!({"data": items(39)}), 1, 40).unwrap().next,
            None
        );
        assert_eq!(
            parse_page(&json!({"data": []}), 4, 40).unwrap().next,
            None,
            "an empty page ends the list"
        );
    }

    #[test]
    fn an_empty_page_ends_the_list_even_if_total_pages_says_more() {
        let body = json!({"data": [], "meta": {"pagination": {"total_pages": 9}}});
        assert_eq!(parse_page(&body, 2, 40).unwrap().next, None);
    }

    #[test]
    fn a_body_without_data_is_an_error_that_says_so() {
        let e = parse_page(&json!({"message": "x"}), 1, 40).unwrap_err();
        assert!(e.contains("no `data`"), "{e}");
        let e = parse_page(&json!({"data": {"a": 1}}), 1, 40).unwrap_err();
        assert!(e.contains("an object"), "{e}");
    }

    #[test]
    fn paging_stops_at_the_safety_limit() {
        let body = json!({"data": items(40), "meta": {"pagination": {"total_pages": 999999}}});
        assert_eq!(parse_page(&body, MAX_PAGES, 40).unwrap().next, None);
    }
}
