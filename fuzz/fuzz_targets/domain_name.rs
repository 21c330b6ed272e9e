//! The domain-name normaliser: never panics; what it accepts is a plain ASCII host name
//! within DNS limits and is a fixed point; what it refuses is one bounded, escaped line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runcloud::domain_name::normalize;

fuzz_target!(|input: &str| {
    match normalize(input) {
        Ok(name) => {
            assert!(name.is_ascii(), "accepted {input:?} as non-ASCII {name:?}");
            assert!(
                name.len() <= 253,
                "accepted {input:?} as a {}-byte name",
                name.len()
            );
            assert!(name.contains('.'), "accepted single-label {name:?}");
            for label in name.split('.') {
                assert!(
                    (1..=63).contains(&label.len()),
                    "accepted {input:?} with label {label:?}"
                );
                assert!(
                    !label.starts_with('-') && !label.ends_with('-'),
                    "hyphen at a label's edge in {name:?}"
                );
                assert!(
                    label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "accepted {input:?} as {name:?}, which has a character outside [a-z0-9-]"
                );
            }
            assert_eq!(
                normalize(&name).ok().as_deref(),
                Some(name.as_str()),
                "normalising {name:?} again changed it"
            );
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("invalid domain name \""),
                "unexpected message {msg:?}"
            );
            assert!(
                !msg.chars().any(char::is_control),
                "a control character reached the message {msg:?}"
            );
            // quote() keeps 80 input characters; escaping (\u{1e}) can make each up to 10, and
            // a message may quote the input and one label: bounded, if not short.
            assert!(
                msg.chars().count() < 2000,
                "a {}-character message for a bad name",
                msg.chars().count()
            );
        }
    }
});
