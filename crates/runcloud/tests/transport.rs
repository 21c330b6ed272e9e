//! The transport against loopback stand-ins (`runcloud::testing`): answers are read up to a
//! cap, failures are classified by their type, and messages that reach a successful result
//! are redacted like errors.

use std::net::TcpListener;

use runcloud::api::ssl::SslAction;
use runcloud::client::MAX_BODY;
use runcloud::config::{Config, Defaults};
use runcloud::error::ErrorKind;
use runcloud::operations::{self, AddOptions, SyncOptions};
use runcloud::testing::{Answer, FakeRunCloud, Recorder};
use runcloud::value::Value;

const TOKEN: &str = "tok-7f3a9c1e5b2d8f40-secret";

fn config(base_url: &str, retries: i64) -> Config {
    Config::from_value(
        &Value::map(vec![
            ("api_token", Value::str(TOKEN)),
            ("server_id", Value::Int(11)),
            ("app_id", Value::Int(22)),
            ("base_url", Value::str(base_url)),
            ("retries", Value::Int(retries)),
            ("timeout", Value::Int(10)),
            ("connect_timeout", Value::Int(2)),
        ]),
        Defaults::BUILT_IN,
    )
    .unwrap()
}

fn list_page(extra: &str) -> String {
    format!(r#"{{"data": [], "meta": {{"pagination": {{"total_pages": 1}}}}{extra}}}"#)
}

#[test]
fn an_answer_over_8_mib_is_refused_with_an_error_naming_the_cap() {
    let fake = FakeRunCloud::start();
    let config = config(&fake.url, 2);
    let huge = list_page(&format!(r#", "pad": "{}""#, "x".repeat(MAX_BODY)));
    for answer in [
        Answer::new(200, huge.clone()),
        Answer::new(200, huge).chunked(),
    ] {
        let chunked = answer.chunked;
        fake.script(vec![answer]);
        let err = operations::list_domains(&config).unwrap_err();
        let m = err.to_string();
        assert_eq!(err.kind(), ErrorKind::Transport, "{m}");
        assert!(
            m.contains("larger than the 8 MiB") && m.contains("listing the domains"),
            "chunked {chunked}: {m}"
        );
        assert_eq!(
            fake.served(),
            1,
            "an oversized answer is not asked for again"
        );
    }
}

#[test]
fn an_answer_of_exactly_8_mib_is_read() {
    let fake = FakeRunCloud::start();
    let empty = list_page(r#", "pad": """#);
    let padded = list_page(&format!(
        r#", "pad": "{}""#,
        "x".repeat(MAX_BODY - empty.len())
    ));
    assert_eq!(padded.len(), MAX_BODY);
    fake.script(vec![Answer::new(200, padded).chunked()]);
    assert_eq!(
        operations::list_domains(&config(&fake.url, 0)).unwrap(),
        vec![]
    );
}

#[test]
fn a_refused_connection_is_retried_even_when_the_url_reads_tls_certificate_handshake() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/tls-certificate-handshake");
    let err = operations::list_domains(&config(&url, 2)).unwrap_err();
    let m = err.to_string();
    assert!(
        m.contains("could not connect to RunCloud") && m.contains("after 2 retries"),
        "a connect failure is retried whatever words the URL holds: {m}"
    );
}

#[test]
fn a_failed_tls_handshake_is_not_retried_and_says_tls() {
    let plain = Recorder::start_with(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let err = operations::list_domains(&config(&format!("https://{}", plain.addr), 3)).unwrap_err();
    let m = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Transport, "{m}");
    assert!(
        m.contains("trusted TLS connection") && !m.contains("retr"),
        "a TLS failure is final: {m}"
    );
    assert_eq!(plain.connections(), 1, "no second handshake: {m}");
}

/// RunCloud's words quoting the token, as a misbehaving proxy or API might.
fn echo(status: u16) -> Answer {
    Answer::new(
        status,
        format!(
            r#"{{"message": "invalid value Bearer {TOKEN}", "errors": {{"name": ["{TOKEN}"]}}}}"#
        ),
    )
}

#[test]
fn messages_inside_a_sync_result_are_redacted_like_errors() {
    let fake = FakeRunCloud::start();
    fake.script(vec![
        Answer::new(200, list_page("")),
        echo(422),                       // POST the domain
        Answer::new(200, list_page("")), // the 422 is checked against the list
        Answer::new(200, r#"{"advancedSSL": false, "sslCertificate": null}"#),
        Answer::new(200, r#"{"id": 5}"#), // GET /ssl
    ]);
    let synced = operations::sync(
        &config(&fake.url, 0),
        &["shop.example.com".to_string()],
        &SyncOptions::from_value(None).unwrap(),
    )
    .unwrap();
    let (name, message) = &synced.failed[0];
    assert_eq!(name, "shop.example.com");
    assert!(
        !message.contains(TOKEN) && message.contains("[redacted]"),
        "{message}"
    );
}

#[test]
fn the_ssl_message_of_an_add_is_redacted_like_errors() {
    let fake = FakeRunCloud::start();
    fake.script(vec![
        Answer::new(201, r#"{"id": 7, "name": "shop.example.com"}"#),
        Answer::new(
            200,
            r#"{"advancedSSL": false, "sslCertificate": {"id": 5}}"#,
        ),
        echo(422), // PATCH /ssl/advanced/5/redeploy
    ]);
    let added = operations::add_domain(
        &config(&fake.url, 0),
        "shop.example.com",
        &AddOptions::from_value(None).unwrap(),
    )
    .unwrap();
    assert_eq!(added.ssl.action, SslAction::Failed);
    assert!(
        !added.ssl.message.contains(TOKEN) && added.ssl.message.contains("[redacted]"),
        "{}",
        added.ssl.message
    );
}

#[test]
fn a_page_is_read_straight_into_domains_and_each_kind_of_bad_page_is_worded_as_before() {
    let fake = FakeRunCloud::start();
    let config = config(&fake.url, 0);
    let good = r#"{"data": [{"id": 1, "name": "network.test", "type": "primary", "www": 0, "wildcard": "1",
        "redirection": null, "created_at": "2026-01-01 00:00:00", "status": null}], "meta": {"pagination": {"total_pages": 1}}}"#;
    fake.script(vec![Answer::new(200, good)]);
    let list = operations::list_domains(&config).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0].id,
            list[0].name.as_str(),
            list[0].kind(),
            list[0].www,
            list[0].wildcard,
            list[0].redirection()
        ),
        (1, "network.test", "primary", false, true, "none")
    );

    for (body, words) in [
        (
            r#"{"data": [{"id": 1, "name": "a.test"},
               {"name": "b.test"}]}"#,
            "unexpected answer while listing the domains of web application 22 on server 11 (GET /servers/11/webapps/22/domains): item 2 of the page: missing field `id`",
        ),
        (
            r#"{"data": {"id": 1}}"#,
            "the list answer's `data` is an object instead of an array",
        ),
        (
            r#"{"data": [{"id": 1, "name": "a.test"}, {"id": "#,
            "could not be decoded as JSON",
        ),
        (
            r#"{"data": [{"name": 5}, {"id": "#,
            "could not be decoded as JSON",
        ),
        ("<html>", "could not be decoded as JSON"),
    ] {
        fake.script(vec![Answer::new(200, body)]);
        let err = operations::list_domains(&config).unwrap_err();
        let m = err.to_string();
        assert_eq!(err.kind(), ErrorKind::Transport, "{m}");
        assert!(m.contains(words), "{body}: {m}");
        if !m.contains("could not be decoded") {
            assert!(
                !m.contains(" at line "),
                "no serde position in a shape error: {m}"
            );
        }
    }
}
