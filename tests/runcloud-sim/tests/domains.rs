//! Domain CRUD, the pagination envelope and validation (reference §3, §4, §11.2–3).

mod common;

use std::time::Instant;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Makes the default app hold exactly `n` domains (the seeded primary counts as one).
fn with_domains(sim: &Sim, n: u64) {
    if n == 0 {
        sim.control(
            Method::DELETE,
            &format!("/servers/{SERVER}/webapps/{APP}/domains/network.test"),
            None,
        );
    } else {
        sim.bulk_add(n - 1);
    }
}

fn page(sim: &Sim, query: &str) -> Value {
    let (status, body) = json(
        sim.v3(Method::GET, &format!("{}{query}", sim.domains_path()))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "list {query} should be 200: {body}");
    body
}

#[test]
fn pagination_envelope_is_right_at_every_edge() {
    // (domains, perPage asked, expected per_page, expected total_pages)
    let cases: [(u64, Option<&str>, u64, u64); 10] = [
        (0, None, 20, 1),
        (1, None, 20, 1),
        (20, None, 20, 1),
        (21, None, 20, 2),
        (40, None, 20, 2),
        (41, None, 20, 3),
        (40, Some("40"), 40, 1),
        (41, Some("40"), 40, 2),
        (41, Some("41"), 40, 2),
        (10_000, None, 20, 500),
    ];
    for (n, per_page, want_per_page, want_pages) in cases {
        let sim = Sim::start();
        with_domains(&sim, n);
        let pp = per_page
            .map(|p| format!("&perPage={p}"))
            .unwrap_or_default();
        let first = page(&sim, &format!("?page=1{pp}"));
        let p = &first["meta"]["pagination"];
        let ctx = format!("{n} domains, perPage {per_page:?}: {p}");
        assert_eq!(p["total"], n, "{ctx}");
        assert_eq!(p["per_page"], want_per_page, "{ctx}");
        assert_eq!(p["total_pages"], want_pages, "{ctx}");
        assert_eq!(p["current_page"], 1, "{ctx}");
        assert_eq!(p["count"], n.min(want_per_page), "{ctx}");
        assert_eq!(
            first["data"].as_array().unwrap().len() as u64,
            n.min(want_per_page),
            "{ctx}"
        );
        assert!(
            p["links"].is_object(),
            "links is an object by default: {ctx}"
        );
        assert!(
            p["links"].get("previous").is_none(),
            "no previous on page 1: {ctx}"
        );
        assert_eq!(
            p["links"].get("next").is_some(),
            want_pages > 1,
            "next only when there is a page 2: {ctx}"
        );
        if want_pages > 1 {
            let last = page(&sim, &format!("?page={want_pages}{pp}"));
            let lp = &last["meta"]["pagination"];
            let expect_count = n - (want_pages - 1) * want_per_page;
            assert_eq!(lp["count"], expect_count, "last page count, {ctx}");
            assert!(
                lp["links"].get("next").is_none(),
                "no next on the last page: {lp}"
            );
            let prev = lp["links"]["previous"].as_str().unwrap();
            assert!(
                prev.starts_with(&sim.url) && prev.contains(&format!("page={}", want_pages - 1)),
                "previous link: {prev}"
            );
            let beyond = page(&sim, &format!("?page={}{pp}", want_pages + 1));
            assert_eq!(
                beyond["data"],
                json!([]),
                "a page past the end is empty, {ctx}"
            );
        }
    }
}

#[test]
fn walking_ten_thousand_domains_by_next_links_sees_each_once_in_id_order() {
    // 250 pages would trip the default 60/min limit.
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    let t = Instant::now();
    sim.bulk_add(9_999);
    let bulk = t.elapsed();
    assert!(
        bulk.as_millis() < 1_000,
        "bulk-adding 9,999 domains took {bulk:?}, should be well under a second"
    );
    let mut url = format!("{}/api/v3{}?perPage=40", sim.url, sim.domains_path());
    let mut ids = Vec::new();
    let mut pages = 0;
    let t = Instant::now();
    loop {
        let (status, body) = json(
            sim.client
                .get(&url)
                .bearer_auth("sim-token")
                .send()
                .unwrap(),
        );
        assert_eq!(status, 200);
        pages += 1;
        ids.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_u64().unwrap()),
        );
        match body["meta"]["pagination"]["links"].get("next") {
            Some(next) => url = next.as_str().unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 250, "10,000 domains at 40 per page is 250 pages");
    assert_eq!(ids.len(), 10_000);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids strictly ascending across pages"
    );
    eprintln!("walked 250 pages of 40 in {:?}", t.elapsed());
}

#[test]
fn per_page_is_clamped_to_one_through_forty_and_bad_page_numbers_mean_page_one() {
    let sim = Sim::start();
    with_domains(&sim, 50);
    assert_eq!(
        page(&sim, "?perPage=0")["meta"]["pagination"]["per_page"],
        1
    );
    assert_eq!(
        page(&sim, "?perPage=1000")["meta"]["pagination"]["per_page"],
        40
    );
    assert_eq!(
        page(&sim, "?perPage=abc")["meta"]["pagination"]["per_page"],
        20
    );
    assert_eq!(
        page(&sim, "?page=0")["meta"]["pagination"]["current_page"],
        1
    );
    assert_eq!(
        page(&sim, "?page=x")["meta"]["pagination"]["current_page"],
        1
    );
}

#[test]
fn create_answers_200_with_the_bare_object_and_www_as_an_integer() {
    let sim = Sim::start();
    let resp = sim.v3(Method::POST, &sim.domains_path())
        .json(&json!({"name": "Shop.Example.COM", "www": true, "redirection": "non-www", "type": "alias"}))
        .send()
        .unwrap();
    let (status, d) = json(resp);
    assert_eq!(status, 200, "{d}");
    assert!(
        d.get("data").is_none(),
        "create is not wrapped in data: {d}"
    );
    assert_eq!(
        d["name"], "shop.example.com",
        "names are stored lower-cased"
    );
    assert_eq!(d["www"], 1);
    assert_eq!(d["wildcard"], 0);
    assert_eq!(d["redirection"], "non-www");
    assert_eq!(d["type"], "alias");
    let created = d["created_at"].as_str().unwrap();
    assert_eq!(
        created.len(),
        19,
        "created_at is YYYY-MM-DD HH:MM:SS: {created}"
    );
    let (_, shown) = json(
        sim.v3(Method::GET, &format!("{}/{}", sim.domains_path(), d["id"]))
            .send()
            .unwrap(),
    );
    assert_eq!(shown, d, "show returns the same object");
    let (_, minimal) = json(
        sim.v2(Method::POST, &sim.domains_path())
            .json(&json!({"name": "min.example.com"}))
            .send()
            .unwrap(),
    );
    assert_eq!(
        (
            minimal["www"].clone(),
            minimal["redirection"].clone(),
            minimal["type"].clone()
        ),
        (json!(0), json!("none"), json!("alias")),
        "defaults"
    );
    assert!(
        minimal["id"].as_u64() > d["id"].as_u64(),
        "ids auto-increment"
    );
}

#[test]
fn a_form_encoded_v2_create_works_like_the_old_clients() {
    let sim = Sim::start();
    let resp = sim
        .v2(Method::POST, &sim.domains_path())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=form.example.com&www=1")
        .send()
        .unwrap();
    let (status, d) = json(resp);
    assert_eq!(
        (status, d["name"].clone(), d["www"].clone()),
        (200, json!("form.example.com"), json!(1))
    );
}

fn create(sim: &Sim, server: u64, app: u64, body: Value) -> (u16, Value) {
    json(
        sim.v3(
            Method::POST,
            &format!("/servers/{server}/webapps/{app}/domains"),
        )
        .json(&body)
        .send()
        .unwrap(),
    )
}

fn assert_422_on(field: &str, (status, body): (u16, Value)) {
    assert_eq!(
        status, 422,
        "expected 422 for {field}, got {status}: {body}"
    );
    assert!(body["message"].is_string(), "422 carries a message: {body}");
    let errs = body["errors"][field]
        .as_array()
        .unwrap_or_else(|| panic!("errors.{field} should be a list: {body}"));
    assert!(
        !errs.is_empty() && errs.iter().all(Value::is_string),
        "{body}"
    );
}

#[test]
fn duplicates_on_the_same_server_are_422_case_insensitively_even_across_apps() {
    let sim = Sim::start();
    sim.post("/reset", json!({"servers": [
        {"id": 1, "webapps": [{"id": 10, "primary_domain": "one.test"}, {"id": 11, "primary_domain": "two.test"}]},
        {"id": 2, "webapps": [{"id": 20, "primary_domain": "three.test"}]}
    ]}));
    assert_eq!(
        create(&sim, 1, 10, json!({"name": "dup.example.com"})).0,
        200
    );
    assert_422_on(
        "name",
        create(&sim, 1, 10, json!({"name": "DUP.example.com"})),
    );
    assert_422_on(
        "name",
        create(&sim, 1, 11, json!({"name": "dup.example.com"})),
    );
    assert_422_on("name", create(&sim, 1, 11, json!({"name": "one.test"})));
    assert_eq!(
        create(&sim, 2, 20, json!({"name": "dup.example.com"})).0,
        200,
        "another server may hold the same name"
    );
}

#[test]
fn invalid_names_missing_names_and_bad_enums_are_422_with_field_errors() {
    let sim = Sim::start();
    for bad in [
        "not a domain",
        "https://x.example.com",
        "x.example.com/path",
        "localhost",
        "-x.example.com",
        "*.example.com",
    ] {
        assert_422_on("name", create(&sim, SERVER, APP, json!({"name": bad})));
    }
    assert_422_on("name", create(&sim, SERVER, APP, json!({})));
    assert_422_on("name", create(&sim, SERVER, APP, json!({"name": 42})));
    assert_422_on(
        "redirection",
        create(
            &sim,
            SERVER,
            APP,
            json!({"name": "ok.example.com", "redirection": "sideways"}),
        ),
    );
    assert_422_on(
        "type",
        create(
            &sim,
            SERVER,
            APP,
            json!({"name": "ok.example.com", "type": "primary"}),
        ),
    );
    assert_422_on(
        "www",
        create(
            &sim,
            SERVER,
            APP,
            json!({"name": "ok.example.com", "www": "maybe"}),
        ),
    );
    assert_eq!(
        sim.get(&format!("/servers/{SERVER}/webapps/{APP}/domains"))
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was added"
    );
}

#[test]
fn delete_answers_the_deleted_object_then_404_and_the_primary_cannot_be_deleted() {
    let sim = Sim::start();
    let (_, d) = create(&sim, SERVER, APP, json!({"name": "gone.example.com"}));
    let path = format!("{}/{}", sim.domains_path(), d["id"]);
    let (status, deleted) = json(sim.v3(Method::DELETE, &path).send().unwrap());
    assert_eq!((status, deleted), (200, d));
    let (status, body) = json(sim.v3(Method::DELETE, &path).send().unwrap());
    assert_eq!(status, 404, "{body}");
    assert!(body["message"].is_string());
    let (status, body) = json(sim.v3(Method::GET, &path).send().unwrap());
    assert_eq!(status, 404, "show after delete: {body}");
    let primary = sim.get(&format!("/servers/{SERVER}/webapps/{APP}/domains"))[0]["id"].clone();
    let (status, body) = json(
        sim.v3(Method::DELETE, &format!("{}/{primary}", sim.domains_path()))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 422, "the primary domain stays: {body}");
    assert_eq!(
        create(&sim, SERVER, APP, json!({"name": "gone.example.com"})).0,
        200,
        "a deleted name can be added again"
    );
}

#[test]
fn patch_meta_updates_settings_and_dns_lists_a_and_cname_records() {
    let sim = Sim::start();
    let (_, d) = create(&sim, SERVER, APP, json!({"name": "meta.example.com"}));
    let path = format!("{}/{}", sim.domains_path(), d["id"]);
    let (status, body) = json(
        sim.v3(Method::PATCH, &format!("{path}/meta"))
            .json(&json!({"type": "alias", "redirection": "non-www", "www": true}))
            .send()
            .unwrap(),
    );
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "Domain settings have been successfully updated."})
        )
    );
    let (_, shown) = json(sim.v3(Method::GET, &path).send().unwrap());
    assert_eq!(
        (shown["www"].clone(), shown["redirection"].clone()),
        (json!(1), json!("non-www"))
    );
    assert_422_on(
        "redirection",
        json(
            sim.v3(Method::PATCH, &format!("{path}/meta"))
                .json(&json!({"redirection": "up"}))
                .send()
                .unwrap(),
        ),
    );
    let (status, dns) = json(sim.v3(Method::GET, &format!("{path}/dns")).send().unwrap());
    assert_eq!(status, 200);
    assert_eq!(
        dns,
        json!([
            {"type": "A", "hostname": "meta.example.com", "content": "127.0.0.1"},
            {"type": "CNAME", "hostname": "www.meta.example.com", "content": "meta.example.com"},
        ])
    );
}

#[test]
fn a_state_file_seeds_custom_servers_apps_and_generated_domains() {
    let dir = std::env::temp_dir().join(format!("runcloud-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("seed.json");
    std::fs::write(&file, json!({
        "servers": [{"id": 5, "name": "s5", "webapps": [{"id": 50, "primary_domain": "p.test", "ssl": "none",
            "domains": ["a.example.com", {"name": "b.example.com", "www": true, "redirection": "non-www"}],
            "generate": {"count": 10000, "pattern": "site{n}.bulk.test"}}]}]
    }).to_string()).unwrap();
    let t = Instant::now();
    let sim = Sim::start_with(&["--state", file.to_str().unwrap()]);
    let started = t.elapsed();
    std::fs::remove_dir_all(&dir).unwrap();
    let (_, list) = json(
        sim.v3(Method::GET, "/servers/5/webapps/50/domains?perPage=3")
            .send()
            .unwrap(),
    );
    assert_eq!(list["meta"]["pagination"]["total"], 10_003);
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p.test", "a.example.com", "b.example.com"]);
    assert_eq!(list["data"][2]["www"], 1);
    let (_, ssl) = json(
        sim.v3(Method::GET, "/servers/5/webapps/50/ssl")
            .send()
            .unwrap(),
    );
    assert_eq!(ssl, json!({}), "ssl none means GET /ssl is empty");
    assert!(
        started.as_secs() < 5,
        "starting with 10,000 seeded domains took {started:?}"
    );
}
