//! Every operation of the client against a scripted RunCloud (`runcloud::testing`) that
//! answers with fuzzed statuses and bodies: the domain, server, SSL (basic, advanced,
//! per-domain) and pagination decoders and the error mapping never panic, and every failure
//! is an `Error` with a message.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use runcloud::config::{Config, Defaults};
use runcloud::operations::{self, AddOptions, SyncOptions};
use runcloud::testing::{Answer, FakeRunCloud};
use runcloud::value::Value;

static FAKE: LazyLock<FakeRunCloud> = LazyLock::new(FakeRunCloud::start);

const STATUSES: [u16; 12] = [200, 200, 200, 200, 200, 201, 404, 422, 500, 401, 429, 302];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Answers are separated by 0xFF (never part of valid UTF-8 JSON); each one's first byte
    // picks its status.
    let answers: Vec<Answer> = rest
        .split(|b| *b == 0xFF)
        .take(8)
        .map(|a| match a.split_first() {
            Some((s, body)) => Answer::new(STATUSES[usize::from(*s) % STATUSES.len()], body),
            None => Answer::new(200, Vec::new()),
        })
        .collect();
    FAKE.script(answers);

    let mut map = vec![
        ("server_id".to_string(), Value::Int(11667)),
        ("app_id".to_string(), Value::Int(940288)),
        ("base_url".to_string(), Value::Str(FAKE.url.clone())),
    ];
    if selector & 0x80 == 0 {
        map.push(("api_token".into(), Value::Str("fuzz-token".into())));
    } else {
        map.push(("api_key".into(), Value::Str("fuzz-key".into())));
        map.push(("api_secret".into(), Value::Str("fuzz-secret".into())));
    }
    let defaults = Defaults {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retries: 0,
        ssl_timeout: Duration::from_secs(5),
    };
    let config =
        Config::from_value(&Value::Map(map), defaults).expect("a valid fuzz configuration");

    // The messages each result carries (they are redacted like errors).
    let result: Result<Vec<String>, _> = match selector & 0x07 {
        0 => operations::test_connection(&config).map(|_| vec![]),
        1 => operations::list_domains(&config).map(|_| vec![]),
        2 => operations::find_domain(&config, "shop.example.com").map(|_| vec![]),
        3 => operations::add_domain(
            &config,
            "shop.example.com",
            &AddOptions::from_value(None).unwrap(),
        )
        .map(|a| vec![a.ssl.message]),
        4 => operations::remove_domain(&config, "shop.example.com", None).map(|_| vec![]),
        5 => operations::remove_domain(&config, "shop.example.com", Some(42)).map(|_| vec![]),
        6 => operations::redeploy_ssl(&config, &[]).map(|o| vec![o.message]),
        _ => operations::sync(
            &config,
            &["a.example.com".into(), "b.example.com".into()],
            &SyncOptions::from_value(None).unwrap(),
        )
        .map(|s| {
            let mut m: Vec<String> = s.failed.into_iter().map(|(_, m)| m).collect();
            m.push(s.ssl.message);
            m
        }),
    };
    let messages = match result {
        Ok(messages) => messages,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty(), "an error without a message: {e:?}");
            vec![msg]
        }
    };
    for msg in messages {
        assert!(
            !msg.contains("fuzz-token") && !msg.contains("fuzz-secret"),
            "a secret in {msg:?}"
        );
    }
});
