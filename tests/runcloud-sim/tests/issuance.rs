//! Certificate orders, the DNS server and the HTTPS port: issuance as RunCloud and Let's
//! Encrypt do it, one DNS table deciding both what a resolver sees and whether an order passes.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::{APP, SERVER, Sim, json};
use reqwest::Method;
use serde_json::{Value, json};

fn app_path(sub: &str) -> String {
    format!("/servers/{SERVER}/webapps/{APP}{sub}")
}

fn call(sim: &Sim, method: Method, sub: &str, body: Option<Value>) -> (u16, Value) {
    let mut rb = sim.v3(method, &app_path(sub));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    json(rb.send().unwrap())
}

fn add(sim: &Sim, name: &str) -> u64 {
    let (status, d) = call(sim, Method::POST, "/domains", Some(json!({"name": name})));
    assert_eq!(status, 200, "{d}");
    d["id"].as_u64().unwrap()
}

fn basic_id(sim: &Sim) -> u64 {
    call(sim, Method::GET, "/ssl", None).1["id"]
        .as_u64()
        .unwrap()
}

fn orders(sim: &Sim) -> Vec<Value> {
    sim.get("/orders").as_array().unwrap().clone()
}

/// A DNS query for `name` (type A = 1, AAAA = 28) over UDP; `None` when nothing answers.
fn udp_query(server: &str, name: &str, qtype: u16) -> Option<Vec<u8>> {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut q = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, (qtype >> 8) as u8, qtype as u8, 0, 1]);
    sock.send_to(&q, server).unwrap();
    let mut buf = [0u8; 1500];
    let n = sock.recv(&mut buf).ok()?;
    Some(buf[..n].to_vec())
}

fn rcode(reply: &[u8]) -> u8 {
    reply[3] & 0x0f
}

fn answers(reply: &[u8]) -> u16 {
    u16::from_be_bytes([reply[6], reply[7]])
}

#[test]
fn a_synchronous_issuance_answers_when_done_and_an_abandoned_call_still_places_exactly_one_order() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.post("/config", json!({"issuance_ms": 1500}));
    let id = basic_id(&sim);
    let t = Instant::now();
    let (status, cert) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(status, 200, "{cert}");
    assert!(
        t.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(cert["status"], "issued");

    // A caller that gives up after 200 ms: RunCloud goes on, the order is finished anyway.
    let impatient = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = impatient
        .put(format!(
            "{}/api/v3{}",
            sim.url,
            app_path(&format!("/ssl/{id}"))
        ))
        .bearer_auth("sim-token")
        .json(&json!({}))
        .send();
    assert!(err.is_err(), "the call should time out on the client side");
    let (_, during) = call(&sim, Method::GET, "/ssl", None);
    assert_eq!(during["status"], "pending", "{during}");
    std::thread::sleep(Duration::from_millis(1600));
    let all = orders(&sim);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["status"], "issued");
    assert_eq!(
        all[1]["duplicate"], true,
        "same names, already issued: {all:?}"
    );
    assert_eq!(call(&sim, Method::GET, "/ssl", None).1["status"], "issued");
}

#[test]
fn basic_ssl_fails_the_whole_order_naming_the_unpointed_names_and_keeps_serving_the_old_certificate()
 {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    add(&sim, "good.example.com");
    add(&sim, "shop.example.com");
    add(&sim, "moved.example.com");
    sim.post(
        "/dns",
        json!([
            {"name": "shop.example.com", "fail": "nxdomain"},
            {"name": "moved.example.com", "a": ["198.51.100.7"]},
        ]),
    );
    let id = basic_id(&sim);
    let (status, body) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(status, 422, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.contains("shop.example.com: DNS problem: NXDOMAIN")
            && msg.contains("moved.example.com: 198.51.100.7: Invalid response")
            && !msg.contains("good.example.com"),
        "{msg}"
    );
    let order = &orders(&sim)[0];
    assert_eq!(order["status"], "failed");
    assert_eq!(
        order["failing"],
        json!(["shop.example.com", "moved.example.com"])
    );
    let (_, cert) = call(&sim, Method::GET, "/ssl", None);
    assert_eq!(cert["status"], "failed");
    assert!(cert["statusMessage"].as_str().unwrap().contains("NXDOMAIN"));
    assert_eq!(
        sim.get("/redeploys").as_array().unwrap().len(),
        0,
        "nothing was issued"
    );
    // Fixing the DNS lets the next order through, covering every name.
    sim.control(Method::DELETE, "/dns", None);
    let (status, cert) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!((status, cert["status"].as_str()), (200, Some("issued")));
    let names = sim.get("/redeploys")[0]["names"].clone();
    assert_eq!(
        names,
        json!([
            "network.test",
            "good.example.com",
            "shop.example.com",
            "moved.example.com"
        ])
    );
}

#[test]
fn advanced_ssl_fails_only_the_certificate_of_the_unpointed_domain() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    call(
        &sim,
        Method::POST,
        "/ssl/advanced",
        Some(json!({"advancedSSL": true, "autoSSL": false})),
    );
    let good = add(&sim, "good.example.com");
    let bad = add(&sim, "bad.example.com");
    sim.post(
        "/dns",
        json!({"name": "bad.example.com", "fail": "servfail"}),
    );
    let body = json!({"provider": "letsencrypt", "enableHttp": true, "enableHsts": false, "authorizationMethod": "http-01", "environment": "live"});
    let (s1, _) = call(
        &sim,
        Method::POST,
        &format!("/domains/{good}/ssl"),
        Some(body.clone()),
    );
    let (s2, b2) = call(
        &sim,
        Method::POST,
        &format!("/domains/{bad}/ssl"),
        Some(body),
    );
    assert_eq!(s1, 200);
    assert_eq!(s2, 422);
    assert!(b2["message"].as_str().unwrap().contains("SERVFAIL"), "{b2}");
    let (_, c1) = call(&sim, Method::GET, &format!("/domains/{good}/ssl"), None);
    let (_, c2) = call(&sim, Method::GET, &format!("/domains/{bad}/ssl"), None);
    assert_eq!(
        (c1["status"].as_str(), c2["status"].as_str()),
        (Some("issued"), Some("failed"))
    );
}

#[test]
fn an_asynchronous_issuance_is_pending_until_the_clock_passes_it() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.post(
        "/config",
        json!({"issuance_mode": "async", "issuance_ms": 90_000}),
    );
    let id = basic_id(&sim);
    let t = Instant::now();
    let (status, cert) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!((status, cert["status"].as_str()), (200, Some("pending")));
    assert_eq!(call(&sim, Method::GET, "/ssl", None).1["status"], "pending");
    sim.post("/clock", json!({"advance": 91}));
    assert_eq!(call(&sim, Method::GET, "/ssl", None).1["status"], "issued");
    assert_eq!(orders(&sim)[0]["status"], "issued");
}

#[test]
fn lets_encrypt_refuses_a_sixth_duplicate_in_a_week_saying_when_to_retry_and_forgets_after_seven_days()
 {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.post("/config", json!({"le_limits": true}));
    let id = basic_id(&sim);
    for n in 1..=5 {
        let (status, _) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
        assert_eq!(status, 200, "duplicate {n} of 5 is allowed");
    }
    let (status, body) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(status, 422);
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.contains("too many certificates (5) already issued for this exact set")
            && msg.contains("retry after 20"),
        "{msg}"
    );
    sim.post("/clock", json!({"advance": 7 * 86_400 + 1}));
    let (status, _) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(status, 200, "the week is over");
    // Settable status for how RunCloud relays it.
    sim.post(
        "/config",
        json!({"le_duplicate_limit": 1, "le_error_status": 400}),
    );
    let (status, _) = call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(status, 400);
}

#[test]
fn lets_encrypt_refuses_the_51st_certificate_of_a_registered_domain_in_a_week_naming_it() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.post("/config", json!({"le_limits": true}));
    call(
        &sim,
        Method::POST,
        "/ssl/advanced",
        Some(json!({"advancedSSL": true, "autoSSL": false})),
    );
    let body = json!({"provider": "letsencrypt", "enableHttp": true, "enableHsts": false, "authorizationMethod": "http-01", "environment": "live"});
    // 50 different names (no duplicates) under one registered domain pass.
    for n in 1..=50 {
        let d = add(&sim, &format!("shop{n}.example.org"));
        let (status, b) = call(
            &sim,
            Method::POST,
            &format!("/domains/{d}/ssl"),
            Some(body.clone()),
        );
        assert_eq!(status, 200, "certificate {n} of 50: {b}");
    }
    let d = add(&sim, "shop51.example.org");
    let (status, b) = call(
        &sim,
        Method::POST,
        &format!("/domains/{d}/ssl"),
        Some(body.clone()),
    );
    assert_eq!(status, 422, "{b}");
    let msg = b["message"].as_str().unwrap();
    assert!(
        msg.contains("too many certificates (50) already issued for \"example.org\"")
            && msg.contains("retry after 20"),
        "{msg}"
    );
    // Another registered domain is not held back by it.
    let other = add(&sim, "shop.example.net");
    let (status, b) = call(
        &sim,
        Method::POST,
        &format!("/domains/{other}/ssl"),
        Some(body.clone()),
    );
    assert_eq!(status, 200, "{b}");
    sim.post("/clock", json!({"advance": 7 * 86_400 + 1}));
    // The refused certificate may or may not exist as a failed one: redeploy it or install it.
    let (_, cert) = call(&sim, Method::GET, &format!("/domains/{d}/ssl"), None);
    let (status, b) = match cert["id"].as_u64() {
        Some(id) => call(
            &sim,
            Method::PUT,
            &format!("/domains/{d}/ssl/{id}"),
            Some(json!({})),
        ),
        None => call(&sim, Method::POST, &format!("/domains/{d}/ssl"), Some(body)),
    };
    assert_eq!(status, 200, "the week is over: {b}");
}

#[test]
fn get_ssl_without_a_certificate_answers_in_each_known_shape_on_both_versions() {
    let sim = Sim::start();
    let id = basic_id(&sim);
    call(&sim, Method::DELETE, &format!("/ssl/{id}"), None);
    assert_eq!(call(&sim, Method::GET, "/ssl", None), (200, json!({})));
    for (style, status) in [
        ("message_200", 200),
        ("message_404", 404),
        ("message_422", 422),
    ] {
        sim.post("/config", json!({"no_ssl_answer": style}));
        let v3 = call(&sim, Method::GET, "/ssl", None);
        let v2 = json(sim.v2(Method::GET, &app_path("/ssl")).send().unwrap());
        for got in [v3, v2] {
            assert_eq!(
                got,
                (status, json!({"message": "SSL not installed!"})),
                "{style}"
            );
        }
    }
    let (status, adv) = json(
        sim.v2(Method::GET, &app_path("/ssl/advanced"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "GET ssl/advanced exists on v2");
    assert_eq!(adv["advancedSSL"], false);
}

#[test]
fn a_plan_without_api_access_is_a_403_and_cloudflare_answers_with_its_own_html() {
    let sim = Sim::start();
    sim.post(
        "/faults",
        json!({"path": "/api/**", "kind": "no_api_access", "times": 1}),
    );
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().unwrap().contains("plan does not have access"));
    sim.post(
        "/faults",
        json!({"path": "/api/**", "kind": "cloudflare", "status": 524, "times": 1}),
    );
    let resp = sim.v3(Method::GET, "/ping").send().unwrap();
    assert_eq!(resp.status().as_u16(), 524);
    assert_eq!(resp.headers()["server"], "cloudflare");
    assert!(resp.text().unwrap().contains("A timeout occurred"));
    let refused = sim
        .client
        .post(format!("{}/_sim/faults", sim.url))
        .json(&json!({"path": "/api/**", "kind": "cloudflare", "status": 503}))
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
}

#[test]
fn a_fault_after_the_order_loses_the_answer_but_the_order_is_placed_and_issued() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.post("/config", json!({"issuance_ms": 300}));
    let id = basic_id(&sim);
    let path = format!("/api/v3{}", app_path(&format!("/ssl/{id}")));
    for (fault, answered) in [
        (json!({"kind": "status", "status": 500}), Some(500)),
        (json!({"kind": "cloudflare", "status": 524}), Some(524)),
        (json!({"kind": "reset"}), None),
    ] {
        let before = orders(&sim).len();
        let mut f = fault.clone();
        f["method"] = json!("PUT");
        f["path"] = json!(path);
        f["times"] = json!(1);
        f["after_order"] = json!(true);
        sim.post("/faults", f);
        let got = sim
            .v3(Method::PUT, &app_path(&format!("/ssl/{id}")))
            .json(&json!({}))
            .send()
            .map(|r| r.status().as_u16());
        assert_eq!(got.ok(), answered, "{fault}");
        let placed = orders(&sim);
        assert_eq!(
            placed.len(),
            before + 1,
            "the order reached Let's Encrypt: {fault}"
        );
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(orders(&sim)[before]["status"], "issued", "{fault}");
    }
    let refused = sim
        .client
        .post(format!("{}/_sim/faults", sim.url))
        .json(&json!({"path": "/api/**", "kind": "hang", "after_order": true}))
        .send()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
}

#[test]
fn the_dns_server_answers_from_the_table_over_udp_and_tcp() {
    let sim = Sim::start();
    sim.post(
        "/dns",
        json!([
            {"name": "shop.example.com", "cname": "edge.example.net"},
            {"name": "edge.example.net", "a": ["127.0.0.7"], "aaaa": ["::1"]},
            {"name": "gone.example.com", "fail": "nxdomain"},
            {"name": "broken.example.com", "fail": "servfail"},
            {"name": "slow.example.com", "fail": "timeout"},
        ]),
    );
    let r = udp_query(&sim.dns, "shop.example.com", 1).unwrap();
    assert_eq!((rcode(&r), answers(&r)), (0, 2), "CNAME then A");
    assert!(r.windows(4).any(|w| w == [127, 0, 0, 7]));
    let r = udp_query(&sim.dns, "shop.example.com", 28).unwrap();
    assert_eq!((rcode(&r), answers(&r)), (0, 2), "CNAME then AAAA");
    assert_eq!(
        rcode(&udp_query(&sim.dns, "gone.example.com", 1).unwrap()),
        3
    );
    assert_eq!(
        rcode(&udp_query(&sim.dns, "broken.example.com", 1).unwrap()),
        2
    );
    assert!(
        udp_query(&sim.dns, "slow.example.com", 1).is_none(),
        "no answer at all"
    );
    // Not in the table: the default server's address.
    let r = udp_query(&sim.dns, "network.test", 1).unwrap();
    assert_eq!((rcode(&r), answers(&r)), (0, 1));

    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(&sim.dns).unwrap();
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in "gone.example.com".split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    tcp.write_all(&framed).unwrap();
    let mut len = [0u8; 2];
    tcp.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u16::from_be_bytes(len) as usize];
    tcp.read_exact(&mut reply).unwrap();
    assert_eq!((&reply[0..2], rcode(&reply)), (&[0x12, 0x34][..], 3));

    let bad = sim
        .client
        .post(format!("{}/_sim/dns", sim.url))
        .json(&json!({"name": "x.example.com", "a": ["127.0.0.1"], "fail": "nxdomain"}))
        .send()
        .unwrap();
    assert_eq!(
        bad.status().as_u16(),
        400,
        "addresses and a failure at once"
    );
}

fn https_get(sim: &Sim, name: &str) -> Result<u16, String> {
    let ca = std::fs::read(&sim.sites_ca_file).unwrap();
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&ca).unwrap())
        .resolve(
            name,
            format!("127.0.0.1:{}", sim.https_port).parse().unwrap(),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client
        .get(format!("https://{name}:{}/", sim.https_port))
        .send()
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

#[test]
fn the_https_port_serves_exactly_the_names_of_the_last_successful_issuance() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    assert_eq!(
        https_get(&sim, "network.test"),
        Ok(200),
        "the seeded certificate"
    );
    add(&sim, "new.example.com");
    assert!(
        https_get(&sim, "new.example.com").is_err(),
        "added but not yet issued: not covered"
    );
    let id = basic_id(&sim);
    call(&sim, Method::PUT, &format!("/ssl/{id}"), Some(json!({})));
    assert_eq!(https_get(&sim, "new.example.com"), Ok(200));
    sim.post(
        "/tls",
        json!({"name": "new.example.com", "serve": "expired"}),
    );
    let e = https_get(&sim, "new.example.com").unwrap_err();
    assert!(e.contains("Expired"), "{e}");
    sim.post(
        "/tls",
        json!({"name": "new.example.com", "serve": "untrusted"}),
    );
    assert!(https_get(&sim, "new.example.com").is_err());
    sim.post(
        "/tls",
        json!({"name": "new.example.com", "serve": "normal"}),
    );
    assert_eq!(https_get(&sim, "new.example.com"), Ok(200));
    assert!(sim.get("/counters")["https_handshakes"].as_u64().unwrap() >= 5);
}
