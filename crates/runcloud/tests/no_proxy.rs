//! Proxy variables in the environment never see a request: the credentials go only to the
//! configured base URL. Its own test binary (its own process): the variables are set before
//! any client exists and nothing else runs meanwhile.

use runcloud::config::{Config, Defaults};
use runcloud::operations;
use runcloud::testing::{Answer, FakeRunCloud, Recorder};
use runcloud::value::Value;

#[test]
fn environment_proxies_are_never_used_even_for_a_plain_http_loopback_base_url() {
    let proxy = Recorder::start();
    let runcloud = FakeRunCloud::start();
    let proxy_url = format!("http://{}", proxy.addr);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY: the only test of this binary, before any thread that reads the environment.
        unsafe { std::env::set_var(var, &proxy_url) };
    }
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let config = Config::from_value(
        &Value::map(vec![
            ("api_token", Value::str("tok-never-to-a-proxy")),
            ("server_id", Value::Int(1)),
            ("app_id", Value::Int(2)),
            ("base_url", Value::str(&runcloud.url)),
            ("retries", Value::Int(0)),
        ]),
        Defaults::BUILT_IN,
    )
    .unwrap();
    runcloud.script(vec![Answer::new(
        200,
        r#"{"data": [{"id": 1, "name": "a.test"}], "meta": {"pagination": {"total_pages": 1}}}"#,
    )]);

    let listed = operations::list_domains(&config);

    assert_eq!(
        proxy.connections(),
        0,
        "the client connected to the proxy named by HTTP_PROXY/ALL_PROXY"
    );
    let listed = listed.expect("the list, read from the base URL itself");
    assert_eq!(listed.len(), 1);
    assert_eq!(runcloud.served(), 1, "RunCloud itself was asked");
}
