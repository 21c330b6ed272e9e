//! RunCloud's list envelope and domain objects, read straight from the bytes: any input never
//! panics; a next page is always the following one and never beyond the hard stop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runcloud::api::domains::Domain;
use runcloud::api::pagination::{MAX_PAGES, parse_page};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let page = u32::from(data[0]) * 20 + 1; // 1..=5101: around the 5000-page hard stop too
    let per_page = u32::from(data[1] % 41).max(1);
    let body = &data[2..];
    match parse_page::<serde_json::Value>(body, page, per_page) {
        Ok(p) => {
            if let Some(next) = p.next {
                assert_eq!(
                    next,
                    page + 1,
                    "the next page after {page} must be {}",
                    page + 1
                );
                assert!(
                    next <= MAX_PAGES,
                    "paging past the {MAX_PAGES}-page hard stop"
                );
                assert!(!p.items.is_empty(), "an empty page must end the listing");
            }
            for item in p.items {
                if let Ok(d) = serde_json::from_value::<Domain>(item) {
                    let _ = d.normalized_name();
                    let _ = (d.kind(), d.redirection(), d.is_primary());
                }
            }
            // The typed read the client does: the same page, or one error naming the item.
            if let Err(e) = parse_page::<Domain>(body, page, per_page) {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("item "),
                    "unexpected typed-page error {msg:?}"
                );
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
