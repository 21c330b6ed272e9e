//! Error bodies (RunCloud's `{"message","errors"}`, or a proxy's HTML): never panics; what
//! ends up in a message is one bounded line, and non-JSON bodies are described, not copied.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runcloud::error::{NON_JSON, describe_body};

fuzz_target!(|data: &[u8]| {
    let (ctype, body) = match data.first() {
        Some(b) if b % 3 == 0 => (Some("application/json"), &data[1..]),
        Some(b) if b % 3 == 1 => (Some("text/html; charset=UTF-8"), &data[1..]),
        _ => (None, data),
    };
    let (message, errors) = describe_body(body, ctype);
    if let Some(m) = &message {
        assert!(
            !m.chars().any(char::is_control),
            "control character in {m:?}"
        );
        assert!(
            m.chars().count() <= 301,
            "message of {} characters",
            m.chars().count()
        );
        if serde_json::from_slice::<serde_json::Value>(body).is_err() {
            assert!(m.starts_with(NON_JSON), "a non-JSON body was quoted: {m:?}");
        }
    }
    for (field, msgs) in &errors {
        assert!(
            field.chars().count() <= 101 && !field.chars().any(char::is_control),
            "field {field:?}"
        );
        for m in msgs {
            assert!(
                m.chars().count() <= 301 && !m.chars().any(char::is_control),
                "field message {m:?}"
            );
        }
    }
});
