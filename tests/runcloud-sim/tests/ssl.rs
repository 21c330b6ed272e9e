//! SSL in basic and advanced mode, and the redeploy log (reference §5, §11.4).

mod common;

use common::*;
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

#[test]
fn get_ssl_shows_the_seeded_lets_encrypt_certificate_and_put_redeploys_it_covering_every_name() {
    let sim = Sim::start();
    let (status, cert) = call(&sim, Method::GET, "/ssl", None);
    assert_eq!(status, 200);
    for field in [
        "id",
        "method",
        "enableHttp",
        "enableHsts",
        "validUntil",
        "renewalDate",
        "authorizationMethod",
        "staging",
        "created_at",
    ] {
        assert!(cert.get(field).is_some(), "GET /ssl lacks {field}: {cert}");
    }
    assert_eq!(cert["method"], "letsencrypt");
    call(
        &sim,
        Method::POST,
        "/domains",
        Some(json!({"name": "shop.example.com", "www": true})),
    );
    let id = cert["id"].as_u64().unwrap();
    let (status, body) = call(&sim, Method::PUT, &format!("/ssl/{id}"), None);
    assert_eq!(status, 200, "{body}");
    let redeploys = sim.get("/redeploys");
    assert_eq!(redeploys.as_array().unwrap().len(), 1);
    let r = &redeploys[0];
    assert_eq!(r["route"], "PUT /ssl/{id}");
    assert_eq!(
        (
            r["server_id"].clone(),
            r["webapp_id"].clone(),
            r["ssl_id"].clone()
        ),
        (json!(SERVER), json!(APP), json!(id))
    );
    assert_eq!(
        r["names"],
        json!(["network.test", "shop.example.com", "www.shop.example.com"])
    );
    assert!(
        r["time"].as_f64().unwrap() > 1.6e9,
        "time is unix seconds: {r}"
    );
    assert_eq!(sim.get("/counters")["redeploys"], 1);
    let (status, _) = call(&sim, Method::PUT, &format!("/ssl/{}", id + 1000), None);
    assert_eq!(status, 404, "redeploying an unknown certificate id is 404");
}

#[test]
fn patch_updates_settings_delete_removes_and_get_then_answers_an_empty_object() {
    let sim = Sim::start();
    let (_, cert) = call(&sim, Method::GET, "/ssl", None);
    let id = cert["id"].as_u64().unwrap();
    let (status, updated) = call(
        &sim,
        Method::PATCH,
        &format!("/ssl/{id}"),
        Some(json!({"enableHsts": true, "enableHttp": "true"})),
    );
    assert_eq!(
        (
            status,
            updated["enableHsts"].clone(),
            updated["enableHttp"].clone()
        ),
        (200, json!(true), json!(true))
    );
    let (status, body) = call(
        &sim,
        Method::PATCH,
        &format!("/ssl/{id}"),
        Some(json!({"enableHsts": "perhaps"})),
    );
    assert_eq!(status, 422, "{body}");
    let (status, deleted) = call(&sim, Method::DELETE, &format!("/ssl/{id}"), None);
    assert_eq!((status, deleted["id"].clone()), (200, json!(id)));
    assert_eq!(call(&sim, Method::GET, "/ssl", None), (200, json!({})));
    assert_eq!(
        call(&sim, Method::DELETE, &format!("/ssl/{id}"), None).0,
        404
    );
}

#[test]
fn post_ssl_validates_the_install_body_and_records_the_issuance() {
    let sim = Sim::start();
    let other = |sub: &str| format!("/servers/{OTHER_SERVER}/webapps/{OTHER_APP}{sub}");
    let post = |body: Value| {
        json(
            sim.v3(Method::POST, &other("/ssl"))
                .json(&body)
                .send()
                .unwrap(),
        )
    };
    for (body, field) in [
        (json!({}), "provider"),
        (json!({"provider": "acme"}), "provider"),
        (
            json!({"provider": "letsencrypt", "environment": "live"}),
            "authorizationMethod",
        ),
        (
            json!({"provider": "letsencrypt", "authorizationMethod": "http-01", "environment": "prod"}),
            "environment",
        ),
        (
            json!({"provider": "letsencrypt", "authorizationMethod": "dns-01", "environment": "live"}),
            "externalApi",
        ),
        (
            json!({"provider": "custom", "certificate": "x"}),
            "privateKey",
        ),
    ] {
        let (status, resp) = post(body.clone());
        assert_eq!(status, 422, "{body} should be refused: {resp}");
        assert!(
            resp["errors"][field].is_array(),
            "{body} should name {field}: {resp}"
        );
    }
    let (status, cert) = post(
        json!({"provider": "letsencrypt", "authorizationMethod": "http-01", "environment": "staging", "enableHttp": false, "enableHsts": true}),
    );
    assert_eq!(status, 200, "{cert}");
    assert_eq!(
        (cert["staging"].clone(), cert["enableHsts"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        json(sim.v3(Method::GET, &other("/ssl")).send().unwrap()).1["id"],
        cert["id"]
    );
    let (status, again) = post(
        json!({"provider": "letsencrypt", "authorizationMethod": "http-01", "environment": "live"}),
    );
    assert_eq!(
        status, 422,
        "a second basic certificate is refused: {again}"
    );
    let r = sim.get("/redeploys");
    assert_eq!(
        (r[0]["route"].clone(), r[0]["names"].clone()),
        (json!("POST /ssl"), json!(["other.test"]))
    );
}

#[test]
fn advanced_endpoints_report_the_mode_and_the_v3_redeploy_route_redeploys_the_basic_certificate() {
    let sim = Sim::start();
    let (status, adv) = call(&sim, Method::GET, "/ssl/advanced", None);
    assert_eq!(status, 200);
    assert_eq!(
        (adv["advancedSSL"].clone(), adv["autoSSL"].clone()),
        (json!(false), json!(false))
    );
    let id = adv["sslCertificate"]["id"]
        .as_u64()
        .expect("sslCertificate.id, as UMS reads it");
    let (status, body) = call(
        &sim,
        Method::PATCH,
        &format!("/ssl/advanced/{id}/redeploy"),
        Some(json!({})),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["message"].is_string());
    assert_eq!(
        sim.get("/redeploys")[0]["route"],
        "PATCH /ssl/advanced/{id}/redeploy"
    );
    assert_eq!(
        call(
            &sim,
            Method::PATCH,
            &format!("/ssl/advanced/{}/redeploy", id + 1),
            Some(json!({}))
        )
        .0,
        404
    );
    let (_, none) = json(
        sim.v3(
            Method::GET,
            &format!("/servers/{OTHER_SERVER}/webapps/{OTHER_APP}/ssl/advanced"),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(
        none["sslCertificate"],
        Value::Null,
        "an app without SSL has sslCertificate null"
    );
    let (status, switched) = call(
        &sim,
        Method::POST,
        "/ssl/advanced",
        Some(json!({"advancedSSL": true, "autoSSL": true})),
    );
    assert_eq!(
        (
            status,
            switched["advancedSSL"].clone(),
            switched["autoSSL"].clone()
        ),
        (200, json!(true), json!(true))
    );
    assert_eq!(
        call(&sim, Method::POST, "/ssl/advanced", Some(json!({}))).0,
        422,
        "advancedSSL is required"
    );
}

#[test]
fn per_domain_certificates_need_advanced_mode_and_their_redeploys_are_recorded() {
    let sim = Sim::start();
    let (_, d) = call(
        &sim,
        Method::POST,
        "/domains",
        Some(json!({"name": "adv.example.com", "www": true})),
    );
    let dom = format!("/domains/{}/ssl", d["id"]);
    let le =
        json!({"provider": "letsencrypt", "authorizationMethod": "http-01", "environment": "live"});
    let (status, body) = call(&sim, Method::POST, &dom, Some(le.clone()));
    assert_eq!(
        status, 422,
        "basic mode refuses per-domain certificates: {body}"
    );
    call(
        &sim,
        Method::POST,
        "/ssl/advanced",
        Some(json!({"advancedSSL": true})),
    );
    assert_eq!(
        call(&sim, Method::GET, &dom, None),
        (200, json!({})),
        "no certificate yet"
    );
    assert_eq!(call(&sim, Method::POST, &dom, Some(le)), (200, json!({})));
    let (_, cert) = call(&sim, Method::GET, &dom, None);
    let id = cert["id"].as_u64().unwrap();
    assert_eq!(
        call(&sim, Method::PUT, &format!("{dom}/{id}"), None),
        (200, json!({}))
    );
    assert_eq!(
        call(
            &sim,
            Method::PATCH,
            &format!("{dom}/{id}"),
            Some(json!({"enableHsts": true}))
        )
        .0,
        200
    );
    assert_eq!(call(&sim, Method::GET, &dom, None).1["enableHsts"], true);
    assert_eq!(
        call(&sim, Method::PUT, &format!("{dom}/{}", id + 1), None).0,
        404
    );
    let r = sim.get("/redeploys");
    let routes: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["route"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        ["POST /domains/{d}/ssl", "PUT /domains/{d}/ssl/{id}"]
    );
    assert_eq!(
        r[1]["names"],
        json!(["adv.example.com", "www.adv.example.com"])
    );
    assert_eq!(r[1]["domain_id"], d["id"]);
    assert_eq!(
        call(&sim, Method::DELETE, &format!("{dom}/{id}"), None).0,
        200
    );
    assert_eq!(call(&sim, Method::GET, &dom, None), (200, json!({})));
}

#[test]
fn a_basic_redeploy_over_one_hundred_names_is_refused_with_the_san_limit() {
    let sim = Sim::start();
    sim.bulk_add(100); // 101 names with the primary
    let (_, cert) = call(&sim, Method::GET, "/ssl", None);
    let (status, body) = call(&sim, Method::PUT, &format!("/ssl/{}", cert["id"]), None);
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("100"),
        "message names the limit: {body}"
    );
    assert!(
        sim.get("/redeploys").as_array().unwrap().is_empty(),
        "a refused redeploy is not recorded"
    );
}
