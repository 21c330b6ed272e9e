//! Both API generations and their front doors (reference §2, §11.1).

mod common;

use common::*;
use reqwest::Method;

#[test]
fn v3_ping_answers_pong_with_the_default_bearer_token() {
    let sim = Sim::start();
    let (status, body) = json(sim.v3(Method::GET, "/ping").send().unwrap());
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"message": "pong"}))
    );
}

#[test]
fn v3_without_a_token_is_401_missing_api_token() {
    let sim = Sim::start();
    let resp = sim
        .client
        .get(format!("{}/api/v3/ping", sim.url))
        .header("Accept", "application/json")
        .send()
        .unwrap();
    assert_eq!(
        json(resp),
        (401, serde_json::json!({"message": "Missing API Token."}))
    );
}

#[test]
fn v3_with_a_wrong_token_is_401_invalid_credentials() {
    let sim = Sim::start();
    let resp = sim
        .client
        .get(format!("{}/api/v3/ping", sim.url))
        .bearer_auth("nope")
        .send()
        .unwrap();
    assert_eq!(
        json(resp),
        (401, serde_json::json!({"message": "Invalid credentials."}))
    );
}

#[test]
fn v3_refuses_basic_credentials_even_when_they_are_valid_for_v2() {
    let sim = Sim::start();
    let resp = sim
        .client
        .get(format!("{}/api/v3/ping", sim.url))
        .basic_auth("sim-key", Some("sim-secret"))
        .send()
        .unwrap();
    let (status, body) = json(resp);
    assert_eq!(status, 401, "v3 is Bearer-only, got {body}");
}

#[test]
fn v2_accepts_basic_key_and_secret_and_rejects_a_wrong_secret() {
    let sim = Sim::start();
    assert_eq!(json(sim.v2(Method::GET, "/ping").send().unwrap()).0, 200);
    let resp = sim
        .client
        .get(format!("{}/api/v2/ping", sim.url))
        .basic_auth("sim-key", Some("wrong"))
        .send()
        .unwrap();
    assert_eq!(
        json(resp),
        (401, serde_json::json!({"message": "Invalid credentials."}))
    );
}

#[test]
fn v2_accepts_a_bearer_token_until_the_config_turns_that_off() {
    let sim = Sim::start();
    let bearer_v2 = || {
        sim.client
            .get(format!("{}/api/v2/ping", sim.url))
            .bearer_auth("sim-token")
            .send()
            .unwrap()
    };
    assert_eq!(
        json(bearer_v2()).0,
        200,
        "v2 accepts the workspace token by default"
    );
    sim.post("/config", serde_json::json!({"v2_accepts_bearer": false}));
    assert_eq!(
        json(bearer_v2()).0,
        401,
        "v2 must refuse Bearer once v2_accepts_bearer is false"
    );
}

#[test]
fn credentials_come_from_the_state_given_to_reset() {
    let sim = Sim::start();
    sim.post(
        "/reset",
        serde_json::json!({"tokens": ["other-token"], "basic": [{"key": "k2", "secret": "s2"}]}),
    );
    assert_eq!(
        json(sim.v3(Method::GET, "/ping").send().unwrap()).0,
        401,
        "the default token is gone after reset"
    );
    let ok = sim
        .client
        .get(format!("{}/api/v3/ping", sim.url))
        .bearer_auth("other-token")
        .send()
        .unwrap();
    assert_eq!(json(ok).0, 200);
    let ok2 = sim
        .client
        .get(format!("{}/api/v2/ping", sim.url))
        .basic_auth("k2", Some("s2"))
        .send()
        .unwrap();
    assert_eq!(json(ok2).0, 200);
}

#[test]
fn the_request_log_labels_each_auth_scheme_and_keeps_method_path_query_headers_and_body() {
    let sim = Sim::start();
    sim.v3(
        Method::GET,
        &format!("{}?page=2&perPage=5", sim.domains_path()),
    )
    .send()
    .unwrap();
    sim.v2(Method::POST, &sim.domains_path())
        .json(&serde_json::json!({"name": "logged.example.com"}))
        .send()
        .unwrap();
    sim.client
        .get(format!("{}/api/v3/ping", sim.url))
        .send()
        .unwrap();
    sim.client
        .get(format!("{}/api/v3/ping", sim.url))
        .bearer_auth("bad")
        .send()
        .unwrap();
    let log = sim.requests();
    assert_eq!(
        log.len(),
        4,
        "four API requests should be logged, control calls not: {log:#?}"
    );
    assert_eq!(log[0]["auth"], "bearer");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], format!("/api/v3{}", sim.domains_path()));
    assert_eq!(log[0]["query"], "page=2&perPage=5");
    assert_eq!(log[0]["accept"], "application/json");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["auth"], "basic");
    assert_eq!(log[1]["method"], "POST");
    assert_eq!(log[1]["content_type"], "application/json");
    assert_eq!(
        log[1]["body"],
        serde_json::json!({"name": "logged.example.com"})
    );
    assert_eq!(log[2]["auth"], "none");
    assert_eq!(log[2]["status"], 401);
    assert_eq!(log[3]["auth"], "invalid");
    let dump = serde_json::to_string(&log).unwrap();
    for secret in ["sim-token", "sim-secret", "c2ltLWtleTpzaW0tc2VjcmV0"] {
        assert!(
            !dump.contains(secret),
            "the request log must not contain the credential {secret}"
        );
    }
    let since = log[1]["seq"].as_u64().unwrap();
    let later = sim.get(&format!("/requests?since={since}"));
    assert_eq!(
        later.as_array().unwrap().len(),
        2,
        "?since returns only later entries"
    );
    sim.control(Method::DELETE, "/requests", None);
    assert!(
        sim.requests().is_empty(),
        "DELETE /_sim/requests clears the log"
    );
}

#[test]
fn keep_alive_requests_share_one_counted_connection() {
    let sim = Sim::start();
    for _ in 0..5 {
        sim.v3(Method::GET, "/ping").send().unwrap().text().unwrap();
    }
    let counters = sim.get("/counters");
    assert_eq!(counters["requests"], 5);
    assert_eq!(
        counters["connections"], 1,
        "one keep-alive client should use one connection: {counters}"
    );
    let log = sim.requests();
    assert!(
        log.iter().all(|e| e["connection"] == log[0]["connection"]),
        "all entries on one connection id"
    );
    // A fresh client opens a second connection.
    let other = reqwest::blocking::Client::new();
    other
        .get(format!("{}/api/v3/ping", sim.url))
        .bearer_auth("sim-token")
        .send()
        .unwrap();
    assert_eq!(sim.get("/counters")["connections"], 2);
}
