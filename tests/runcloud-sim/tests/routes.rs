//! Servers, web apps, 404 shapes and routes the real API does not have.

mod common;

use common::*;
use reqwest::Method;

#[test]
fn servers_and_web_apps_list_and_show_with_the_documented_ids() {
    let sim = Sim::start();
    let (status, servers) = json(sim.v3(Method::GET, "/servers").send().unwrap());
    assert_eq!(status, 200);
    let ids: Vec<u64> = servers["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![SERVER, OTHER_SERVER]);
    assert_eq!(servers["meta"]["pagination"]["total"], 2);
    let (_, server) = json(
        sim.v2(Method::GET, &format!("/servers/{SERVER}"))
            .send()
            .unwrap(),
    );
    assert_eq!(server["ipAddress"], "127.0.0.1");
    assert_eq!(server["name"], "web-01");
    let (_, apps) = json(
        sim.v3(Method::GET, &format!("/servers/{SERVER}/webapps"))
            .send()
            .unwrap(),
    );
    assert_eq!(apps["data"][0]["id"], APP);
    assert_eq!(apps["data"][0]["name"], "network");
    let (_, app) = json(
        sim.v3(Method::GET, &format!("/servers/{SERVER}/webapps/{APP}"))
            .send()
            .unwrap(),
    );
    assert_eq!(app["id"], APP);
    let (_, found) = json(
        sim.v3(Method::GET, "/servers?search=WEB-02")
            .send()
            .unwrap(),
    );
    assert_eq!(
        found["data"].as_array().unwrap().len(),
        1,
        "search filters servers by name: {found}"
    );
}

#[test]
fn unknown_server_and_app_on_another_server_are_404_with_a_message() {
    let sim = Sim::start();
    let (status, body) = json(
        sim.v3(Method::GET, "/servers/1/webapps/940288/domains")
            .send()
            .unwrap(),
    );
    assert_eq!(status, 404);
    assert!(
        body["message"].as_str().unwrap().contains("Server"),
        "message names what is missing: {body}"
    );
    let (status, body) = json(
        sim.v3(
            Method::GET,
            &format!("/servers/{SERVER}/webapps/{OTHER_APP}/domains"),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(
        status, 404,
        "app 940300 lives on server 11668, not 11667: {body}"
    );
    assert!(body["message"].is_string());
    let (status, _) = json(
        sim.v3(
            Method::GET,
            &format!("/servers/{OTHER_SERVER}/webapps/{OTHER_APP}"),
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, 200);
}

#[test]
fn routes_the_real_api_does_not_have_are_404_naming_the_route() {
    let sim = Sim::start();
    for (method, path) in [
        (Method::GET, "/api/v3/nope"),
        (Method::GET, "/api/v3/servers/11667/webapps/940288/domains/"),
        (Method::PUT, "/api/v3/servers/11667/webapps/940288/domains"),
        (Method::GET, "/api/v4/ping"),
        (
            Method::PATCH,
            "/api/v2/servers/11667/webapps/940288/ssl/advanced/1/redeploy",
        ),
    ] {
        let resp = sim
            .client
            .request(method.clone(), format!("{}{path}", sim.url))
            .bearer_auth("sim-token")
            .send()
            .unwrap();
        let (status, body) = json(resp);
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(body["message"], format!("Route not found: {method} {path}"));
    }
}

#[test]
fn unknown_control_routes_are_404_naming_the_route() {
    let sim = Sim::start();
    let resp = sim
        .client
        .get(format!("{}/_sim/nothing", sim.url))
        .send()
        .unwrap();
    let (status, body) = json(resp);
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("GET /_sim/nothing"),
        "{body}"
    );
}

#[test]
fn missing_accept_json_redirects_to_login_when_required() {
    let sim = Sim::start();
    let plain = || {
        sim.client
            .get(format!("{}/api/v3/ping", sim.url))
            .bearer_auth("sim-token")
            .send()
            .unwrap()
    };
    assert_eq!(plain().status().as_u16(), 200, "not required by default");
    sim.post("/config", serde_json::json!({"require_accept_json": true}));
    let resp = plain();
    assert_eq!(resp.status().as_u16(), 302);
    assert_eq!(
        resp.headers()["location"],
        "https://manage.runcloud.io/login"
    );
    assert_eq!(
        json(sim.v3(Method::GET, "/ping").send().unwrap()).0,
        200,
        "with Accept: application/json it answers"
    );
}
