//! Validation and normalisation of the domain names we send to RunCloud.
//!
//! A name is trimmed, lower-cased, stripped of one trailing dot and converted to its
//! ASCII (punycode) form with UTS #46 (the `idna` crate). Anything that is not a plain
//! multi-label host name is rejected *before* a request is made, with a message that names
//! the problem and quotes the (escaped) input.

use crate::error::Error;

/// Longest name in DNS presentation form (RFC 1035 §2.3.4).
const MAX_NAME: usize = 253;
/// Longest label (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// Returns the normalised ASCII form of `input`, or `Error::InvalidArgument` naming why it is
/// not an acceptable domain name.
pub fn normalize(input: &str) -> Result<String, Error> {
    let reject = |why: &str| {
        Err(Error::InvalidArgument(format!(
            "invalid domain name {}: {why}",
            quote(input)
        )))
    };

    let name = input.trim();
    if name.is_empty() {
        return reject("it is empty");
    }
    if name.contains("://") {
        return reject("it contains a URL scheme; pass the host name only, like example.com");
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return reject(&format!(
            "it contains the control character U+{:04X}",
            c as u32
        ));
    }
    if name.chars().any(char::is_whitespace) {
        return reject("it contains whitespace");
    }
    if name.contains('*') {
        return reject("wildcards (*) are not supported");
    }
    if name.contains('/') || name.contains('\\') {
        return reject("it contains a path or a slash; pass the host name only");
    }
    if name.contains('?') || name.contains('#') {
        return reject("it contains a query string or a fragment");
    }
    if name.contains('@') {
        return reject("it contains user information (@)");
    }
    if name.contains(':') || name.starts_with('[') {
        return reject("it contains a port or an IPv6 address; pass the host name only");
    }
    if name.contains('%') {
        return reject("it contains a percent-encoded character (%)");
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.starts_with('.') || name.contains("..") || name.ends_with('.') {
        return reject(
            "it has an empty label (a leading dot, two dots in a row or two trailing dots)",
        );
    }

    let lower = name.to_lowercase();
    let ascii = if plain_host_name(&lower) {
        lower
    } else {
        match idna::domain_to_ascii_strict(&lower) {
            Ok(a) => a,
            Err(_) => {
                // Tell the common cases apart before the generic IDNA answer.
                if let Some(label) = lower
                    .split('.')
                    .find(|l| l.starts_with('-') || l.ends_with('-'))
                {
                    return reject(&format!(
                        "the label {} starts or ends with a hyphen",
                        quote(label)
                    ));
                }
                if let Some(c) = lower.chars().find(|c| {
                    c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
                }) {
                    return reject(&format!(
                        "the character {} is not allowed in a host name",
                        quote(&c.to_string())
                    ));
                }
                if let Some(label) = lower.split('.').find(|l| l.len() > MAX_LABEL) {
                    return reject(&format!(
                        "the label {} is longer than {MAX_LABEL} characters",
                        quote(label)
                    ));
                }
                if lower.len() > MAX_NAME {
                    return reject(&format!("it is longer than {MAX_NAME} characters"));
                }
                return reject("it is not a valid internationalised domain name (UTS #46)");
            }
        }
    };

    if let Some(label) = ascii.split('.').find(|l| l.len() > MAX_LABEL) {
        return reject(&format!(
            "the label {} is longer than {MAX_LABEL} characters",
            quote(label)
        ));
    }
    if ascii.len() > MAX_NAME {
        return reject(&format!(
            "it is {} characters long in ASCII form; the limit is {MAX_NAME}",
            ascii.len()
        ));
    }
    if !ascii.contains('.') {
        return reject(
            "single-label names are not accepted; use a fully qualified name like example.com",
        );
    }
    if ascii
        .split('.')
        .all(|l| l.chars().all(|c| c.is_ascii_digit()))
    {
        return reject("it looks like an IP address; RunCloud domains must be host names");
    }
    if ascii
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return reject("the top-level label is all digits");
    }
    Ok(ascii)
}

/// Whether `lower` is already what strict UTS #46 would make of it, so it need not run: labels
/// of 1 to 63 lower-case ASCII letters, digits and inner hyphens, none with hyphens in its
/// 3rd and 4th places (that is how `xn--` labels and other reserved forms start), 253
/// characters at most. Anything else goes through `idna`.
fn plain_host_name(lower: &str) -> bool {
    if lower.len() > MAX_NAME {
        return false;
    }
    lower.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.len() <= MAX_LABEL
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
            && !(b.len() >= 4 && b[2] == b'-' && b[3] == b'-')
    })
}

/// Quotes untrusted input for a message: escapes control and non-ASCII characters and
/// caps the length so a log line stays one short line.
pub fn quote(input: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::from("\"");
    for (i, c) in input.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ok(input: &str, expected: &str) {
        match normalize(input) {
            Ok(got) => assert_eq!(
                got, expected,
                "normalize({input:?}) should give {expected:?}"
            ),
            Err(e) => panic!("normalize({input:?}) should give {expected:?} but was rejected: {e}"),
        }
    }

    fn rejected(input: &str, reason_fragment: &str) {
        match normalize(input) {
            Ok(got) => panic!(
                "normalize({input:?}) should be rejected ({reason_fragment}) but gave {got:?}"
            ),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(reason_fragment),
                    "rejecting {input:?} should say {reason_fragment:?}; the message was {msg:?}"
                );
                assert!(
                    msg.starts_with("invalid domain name \""),
                    "message should quote the input: {msg:?}"
                );
            }
        }
    }

    #[test]
    fn valid_names_are_trimmed_lowercased_and_lose_one_trailing_dot() {
        for (input, expected) in [
            ("example.com", "example.com"),
            ("  Example.COM  ", "example.com"),
            ("shop.example.com.", "shop.example.com"),
            ("a-b.c-d.example", "a-b.c-d.example"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("123.example.com", "123.example.com"),
            ("\tsite.test\n", "site.test"),
        ] {
            ok(input, expected);
        }
    }

    #[test]
    fn internationalised_names_become_punycode() {
        for (input, expected) in [
            ("bücher.example", "xn--bcher-kva.example"),
            ("BÜCHER.Example", "xn--bcher-kva.example"),
            ("münchen.de", "xn--mnchen-3ya.de"),
            ("例え.jp", "xn--r8jz45g.jp"),
            ("faß.de", "xn--fa-hia.de"),
            // UTS #46 maps ignorable characters (here a zero-width space) away, as browsers do.
            ("a\u{200b}b.example", "ab.example"),
        ] {
            ok(input, expected);
        }
    }

    #[test]
    fn urls_paths_ports_and_queries_are_rejected_with_the_reason() {
        for (input, reason) in [
            ("https://example.com", "URL scheme"),
            ("http://example.com/", "URL scheme"),
            ("example.com/path", "path"),
            ("example.com\\x", "slash"),
            ("example.com:8080", "port"),
            ("[::1]", "IPv6"),
            ("example.com?x=1", "query"),
            ("example.com#top", "fragment"),
            ("user@example.com", "user information"),
            ("exa%6dple.com", "percent"),
        ] {
            rejected(input, reason);
        }
    }

    #[test]
    fn malformed_names_are_rejected_with_the_reason() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        for (input, reason) in [
            ("", "empty"),
            ("   ", "empty"),
            ("exa mple.com", "whitespace"),
            ("*.example.com", "wildcard"),
            ("exa\u{7}mple.com", "control character"),
            ("example..com", "empty label"),
            (".example.com", "empty label"),
            ("example.com..", "empty label"),
            (".", "empty label"),
            ("localhost", "single-label"),
            ("-bad.example.com", "hyphen"),
            ("bad-.example.com", "hyphen"),
            ("under_score.example.com", "not allowed"),
            ("ex!ample.com", "not allowed"),
            (long_label.as_str(), "longer than 63"),
            (long_name.as_str(), "253"),
            ("192.168.1.10", "IP address"),
            ("example.123", "top-level label is all digits"),
            ("xn--a.example", "UTS #46"),
        ] {
            rejected(input, reason);
        }
    }

    #[test]
    fn a_label_of_exactly_63_characters_and_a_name_of_253_are_accepted() {
        let label = "a".repeat(63);
        ok(&format!("{label}.com"), &format!("{label}.com"));
        // 4 labels of 63 + 3 dots = 255 > 253; 3 × 63 + 61 + 3 dots = 253.
        let name = format!("{l}.{l}.{l}.{}", "b".repeat(61), l = label);
        assert_eq!(name.len(), 253);
        ok(&name, &name);
    }

    #[test]
    fn messages_escape_control_characters_and_quotes_in_the_input() {
        let err = normalize("bad\u{1b}[31m\".com").unwrap_err().to_string();
        assert!(
            !err.contains('\u{1b}'),
            "the raw escape character must not reach the message: {err:?}"
        );
        assert!(
            err.contains("\\u{1b}"),
            "the escape should be shown escaped: {err:?}"
        );
    }

    #[test]
    fn quote_caps_very_long_input() {
        let q = quote(&"x".repeat(500));
        assert!(
            q.chars().count() < 90,
            "quote should cap the length, got {} chars",
            q.chars().count()
        );
    }

    /// Names made of the characters where the shortcut and UTS #46 could disagree: every
    /// label shape of up to 5 characters over `a z 0 9 -`, plus long and reserved labels.
    pub(crate) fn tricky_names() -> Vec<String> {
        let alphabet = ['a', 'z', '0', '9', '-'];
        let mut labels: Vec<String> = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..5 {
            labels = labels
                .iter()
                .flat_map(|l| alphabet.iter().map(move |c| format!("{l}{c}")))
                .collect();
            all.extend(labels.iter().cloned());
        }
        for extra in [
            "a".repeat(63),
            "a".repeat(64),
            "xn--bcher-kva".to_string(),
            "xn--abc".to_string(),
            "ab--cd".to_string(),
            "a--b".to_string(),
            "r9".to_string(),
        ] {
            all.push(extra);
        }
        let mut names = Vec::new();
        for (i, l) in all.iter().enumerate() {
            names.push(format!("{l}.test"));
            names.push(format!("shop.{l}"));
            names.push(format!("{l}.{}.example", all[(i * 7919) % all.len()]));
        }
        names.push(format!("{}.test", vec!["a".repeat(63); 4].join(".")));
        names
    }

    #[test]
    fn the_shortcut_for_plain_names_gives_what_uts_46_gives() {
        let mut plain = 0;
        for name in tricky_names() {
            if plain_host_name(&name) {
                plain += 1;
                assert_eq!(
                    idna::domain_to_ascii_strict(&name).ok().as_deref(),
                    Some(name.as_str()),
                    "{name}"
                );
            }
        }
        assert!(
            plain > 5_000,
            "the corpus should exercise the shortcut: {plain}"
        );
    }
}
