//! Rate limiting (§7) and every fault kind of the README, switched at run time.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::json;

fn header(resp: &reqwest::blocking::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[test]
fn every_api_response_carries_rate_limit_headers_and_the_sixth_of_five_is_429_with_retry_after() {
    let sim = Sim::start_with(&["--rate-limit", "5"]);
    for i in 1..=5u32 {
        let resp = sim.v3(Method::GET, "/ping").send().unwrap();
        assert_eq!(
            resp.status().as_u16(),
            200,
            "request {i} is within the limit"
        );
        assert_eq!(header(&resp, "x-ratelimit-limit").as_deref(), Some("5"));
        assert_eq!(
            header(&resp, "x-ratelimit-remaining"),
            Some((5 - i).to_string()),
            "remaining after request {i}"
        );
    }
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(header(&resp, "x-ratelimit-remaining").as_deref(), Some("0"));
    let retry: u64 = header(&resp, "retry-after")
        .expect("429 carries Retry-After")
        .parse()
        .unwrap();
    assert!(
        (1..=60).contains(&retry),
        "Retry-After is the seconds left in the 60 s window, got {retry}"
    );
    assert_eq!(json(resp).1, json!({"message": "Too Many Attempts."}));
    assert_eq!(sim.get("/counters")["rate_limited"], 1);
    // Windows are per credential: the v2 key still has its whole budget.
    let v2 = sim.v2(Method::GET, "/ping").send().unwrap();
    assert_eq!(
        (v2.status().as_u16(), header(&v2, "x-ratelimit-remaining")),
        (200, Some("4".into()))
    );
}

#[test]
fn retry_after_can_be_switched_off_and_the_limit_changed_or_disabled_at_run_time() {
    let sim = Sim::start_with(&["--rate-limit", "1"]);
    sim.post("/config", json!({"retry_after": false}));
    sim.v3(Method::GET, "/ping").send().unwrap();
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(
        header(&resp, "retry-after"),
        None,
        "retry_after:false omits the header"
    );
    sim.post("/config", json!({"rate_limit": null}));
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "rate_limit null disables limiting"
    );
    assert_eq!(
        header(&resp, "x-ratelimit-limit"),
        None,
        "no limit, no headers"
    );
    sim.post("/config", json!({"rate_limit": 100}));
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(
        header(&resp, "x-ratelimit-remaining").as_deref(),
        Some("99")
    );
}

#[test]
fn control_calls_are_never_rate_limited_or_logged() {
    let sim = Sim::start_with(&["--rate-limit", "1"]);
    for _ in 0..10 {
        sim.get("/counters");
    }
    assert_eq!(sim.get("/counters")["requests"], 0);
    assert!(sim.requests().is_empty());
}

fn fault(sim: &Sim, f: serde_json::Value) {
    let id = sim.post("/faults", f);
    assert!(
        id["id"].as_u64().is_some(),
        "adding a fault answers its id: {id}"
    );
}

#[test]
fn a_status_fault_answers_html_for_its_times_then_disappears() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"method": "POST", "path": "/api/*/servers/*/webapps/*/domains", "kind": "status", "status": 502, "times": 2}),
    );
    let post = || {
        sim.v3(Method::POST, &sim.domains_path())
            .json(&json!({"name": "f.example.com"}))
            .send()
            .unwrap()
    };
    for _ in 0..2 {
        let resp = post();
        assert_eq!(resp.status().as_u16(), 502);
        assert!(
            header(&resp, "content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(resp.text().unwrap().contains("502 Bad Gateway"));
    }
    assert_eq!(
        sim.v3(Method::GET, &sim.domains_path())
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200,
        "GET does not match a POST fault"
    );
    assert_eq!(
        post().status().as_u16(),
        200,
        "the fault is gone after its 2 times"
    );
    assert_eq!(sim.get("/faults"), json!([]));
    assert_eq!(sim.get("/counters")["faults_fired"], 2);
}

#[test]
fn a_rate_limit_fault_answers_429_with_the_given_retry_after() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"path": "/api/v3/ping", "kind": "rate_limit", "retry_after": 7, "times": 1}),
    );
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(header(&resp, "retry-after").as_deref(), Some("7"));
    assert_eq!(json(resp).1["message"], "Too Many Attempts.");
}

#[test]
fn malformed_truncated_and_wrong_content_type_faults_break_the_body_in_their_own_way() {
    let sim = Sim::start();
    let get = || sim.v3(Method::GET, &sim.domains_path()).send().unwrap();
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "malformed_json", "times": 1}),
    );
    let resp = get();
    assert_eq!(
        (
            resp.status().as_u16(),
            header(&resp, "content-type").as_deref()
        ),
        (200, Some("application/json"))
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&resp.text().unwrap()).is_err(),
        "malformed_json is not JSON"
    );

    fault(
        &sim,
        json!({"path": "/api/**", "kind": "truncated_json", "times": 1}),
    );
    let cut = get().text().unwrap();
    let full = get().text().unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&cut).is_err(),
        "truncated body is not JSON: {cut}"
    );
    assert!(
        full.starts_with(&cut) && cut.len() == full.len() / 2,
        "truncated body {cut:?} is the first half of {full:?}"
    );

    fault(
        &sim,
        json!({"path": "/api/**", "kind": "wrong_content_type", "times": 1}),
    );
    let resp = get();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        header(&resp, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[test]
fn a_latency_fault_delays_the_answer_and_latency_ms_delays_every_api_request() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"path": "/api/v3/ping", "kind": "latency", "ms": 300, "times": 1}),
    );
    let t = Instant::now();
    assert_eq!(
        sim.v3(Method::GET, "/ping")
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "answered after {:?}, expected ≥ 300 ms",
        t.elapsed()
    );
    sim.post("/config", json!({"latency_ms": 150}));
    let t = Instant::now();
    sim.v3(Method::GET, "/ping").send().unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "global latency: answered after {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    sim.get("/counters");
    assert!(
        t.elapsed() < Duration::from_millis(150),
        "control calls are not delayed"
    );
}

fn raw_get(sim: &Sim, path: &str) -> TcpStream {
    let addr = sim.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer sim-token\r\nAccept: application/json\r\n\r\n").unwrap();
    s
}

#[test]
fn a_reset_fault_closes_the_connection_without_any_response() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"path": "/api/v3/ping", "kind": "reset", "times": 1}),
    );
    let mut s = raw_get(&sim, "/api/v3/ping");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let r = s.read_to_end(&mut buf);
    assert!(
        buf.is_empty(),
        "no byte of a response may arrive, got {:?}",
        String::from_utf8_lossy(&buf)
    );
    match r {
        Ok(0) => {}
        Err(e) => assert_eq!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset,
            "expected a reset, got {e}"
        ),
        Ok(n) => panic!("read {n} bytes"),
    }
    let err = {
        fault(
            &sim,
            json!({"path": "/api/v3/ping", "kind": "reset", "times": 1}),
        );
        sim.v3(Method::GET, "/ping")
            .send()
            .expect_err("reqwest must see a transport error")
    };
    assert!(!err.is_status(), "{err}");
}

#[test]
fn a_hang_fault_accepts_but_never_answers_so_the_client_times_out() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"path": "/api/v3/ping", "kind": "hang", "ms": 5000, "times": 1}),
    );
    let t = Instant::now();
    let err = sim
        .v3(Method::GET, "/ping")
        .timeout(Duration::from_millis(400))
        .send()
        .expect_err("should time out");
    assert!(err.is_timeout(), "expected a timeout, got {err}");
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(
        sim.v3(Method::GET, "/ping")
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200,
        "other requests are served meanwhile"
    );
}

#[test]
fn a_redirect_fault_answers_302_to_the_login_page() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"method": "GET", "path": "/api/v3/servers/*", "kind": "redirect", "times": 1}),
    );
    let resp = sim
        .v3(Method::GET, &format!("/servers/{SERVER}"))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert_eq!(
        header(&resp, "location").as_deref(),
        Some("https://manage.runcloud.io/login")
    );
}

#[test]
fn links_array_and_last_page_faults_and_configs_change_the_list_envelope() {
    let sim = Sim::start();
    let list = || json(sim.v3(Method::GET, &sim.domains_path()).send().unwrap()).1;
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "links_array", "times": 1}),
    );
    assert_eq!(
        list()["meta"]["pagination"]["links"],
        json!([]),
        "empty links as a PHP array"
    );
    assert_eq!(
        list()["meta"]["pagination"]["links"],
        json!({}),
        "back to {{}} once the fault is used up"
    );
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "last_page", "times": 1}),
    );
    let v = list();
    assert!(
        v["meta"].get("pagination").is_none(),
        "lastPage variant has no meta.pagination: {v}"
    );
    assert_eq!(v["meta"]["lastPage"], 1);
    sim.post(
        "/config",
        json!({"pagination": "lastPage", "empty_links": "array"}),
    );
    assert_eq!(list()["meta"]["lastPage"], 1);
    sim.post("/config", json!({"pagination": "standard"}));
    assert_eq!(list()["meta"]["pagination"]["links"], json!([]));
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "no_links", "times": 1}),
    );
    let v = list();
    assert!(
        v["meta"]["pagination"].get("links").is_none(),
        "no_links drops the key: {v}"
    );
    assert_eq!(
        v["meta"]["pagination"]["total_pages"], 1,
        "the rest of the envelope stays"
    );
}

#[test]
fn trailing_slashes_are_404_by_default_and_a_301_when_configured() {
    let sim = Sim::start();
    let path = format!("{}/", sim.domains_path());
    assert_eq!(
        sim.v3(Method::GET, &path).send().unwrap().status().as_u16(),
        404
    );
    sim.post("/config", json!({"trailing_slash": "redirect"}));
    let resp = sim
        .v3(Method::GET, &format!("{path}?page=2"))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 301);
    assert_eq!(
        header(&resp, "location"),
        Some(format!("{}/api/v3{}?page=2", sim.url, sim.domains_path()))
    );
}

#[test]
fn reset_clears_faults_log_counters_redeploys_and_rate_windows_and_restores_startup_config() {
    let sim = Sim::start_with(&["--rate-limit", "2"]);
    fault(&sim, json!({"path": "/api/**", "kind": "status"}));
    sim.post("/config", json!({"latency_ms": 50}));
    sim.v3(Method::GET, "/ping").send().unwrap();
    sim.v3(Method::GET, "/ping").send().unwrap();
    sim.post("/reset", json!(null));
    assert_eq!(sim.get("/faults"), json!([]));
    assert!(sim.requests().is_empty());
    assert_eq!(sim.get("/config")["latency_ms"], 0);
    assert_eq!(sim.get("/config")["rate_limit"], 2);
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            header(&resp, "x-ratelimit-remaining")
        ),
        (200, Some("1".into()))
    );
    let c = sim.get("/counters");
    assert_eq!(
        (
            c["requests"].clone(),
            c["connections"].clone(),
            c["faults_fired"].clone()
        ),
        (json!(1), json!(1), json!(0))
    );
}

#[test]
fn bad_fault_and_config_bodies_are_refused_with_a_reason() {
    let sim = Sim::start();
    for (path, body) in [
        ("/faults", json!({"path": "/api/**", "kind": "explode"})),
        (
            "/faults",
            json!({"path": "/api/**", "kind": "status", "times": 0}),
        ),
        ("/faults", json!({"path": "/api/**", "kind": "message"})),
        (
            "/faults",
            json!({"path": "/api/**", "kind": "status", "message": "x"}),
        ),
        ("/config", json!({"pagination": "sideways"})),
        ("/config", json!({"no_such_setting": 1})),
    ] {
        let resp = sim
            .client
            .post(format!("{}/_sim{path}", sim.url))
            .json(&body)
            .send()
            .unwrap();
        let (status, v) = json(resp);
        assert_eq!(status, 400, "{body} should be refused");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    let resp = sim
        .client
        .post(format!("{}/_sim/faults", sim.url))
        .json(&json!({"path": "/api/**", "kind": "explode"}))
        .send()
        .unwrap();
    let m = json(resp).1["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        m.contains("unknown fault kind \"explode\"")
            && m.contains("truncated_json, wrong_content_type"),
        "an unknown kind is named, with the known ones: {m}"
    );
}

#[test]
fn a_message_fault_answers_json_with_the_words_the_test_gives() {
    let sim = Sim::start();
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "message", "message": "echoed: abc", "times": 1}),
    );
    let (status, v) = json(sim.v3(Method::GET, &sim.domains_path()).send().unwrap());
    assert_eq!((status, v), (422, json!({"message": "echoed: abc"})));
    fault(
        &sim,
        json!({"path": "/api/**", "kind": "message", "status": 400, "message": "no", "times": 1}),
    );
    let (status, _) = json(sim.v3(Method::GET, &sim.domains_path()).send().unwrap());
    assert_eq!(status, 400);
    let (status, _) = json(sim.v3(Method::GET, &sim.domains_path()).send().unwrap());
    assert_eq!(status, 200, "the fault is used up");
}
