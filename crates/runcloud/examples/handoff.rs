//! What the blocking client's thread hand-off cost, measured apart from everything else
//! (`make bench` runs it next to the per-call comparison; see bench/README.md): the transport
//! the extension used until issue 18 against the one it uses now.
//!
//!   handoff URL CA_FILE TOKEN CALLS blocking|inline
//!
//! The same GET on one kept-alive HTTPS connection, CALLS times after one untimed call, with
//! reqwest configured as the extension configures it, either through
//! `reqwest::blocking::Client` (what the extension used: each request is handed to the
//! client's runtime thread and the answer handed back) or through `reqwest::Client` on a
//! current-thread tokio runtime driven by the calling thread (no second thread: what the
//! extension uses now, `crates/runcloud/src/client.rs`). Only the
//! transport differs: both read the whole body and nothing else. Prints one JSON line: CPU
//! (user + system, every thread), wall time and context switches per call.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

fn usage() -> ! {
    eprintln!("usage: handoff URL CA_FILE TOKEN CALLS blocking|inline");
    std::process::exit(2)
}

fn headers(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).unwrap_or_else(|_| usage());
    auth.set_sensitive(true);
    h.insert(AUTHORIZATION, auth);
    h.insert(ACCEPT, HeaderValue::from_static("application/json"));
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h
}

/// `(user + system CPU µs, voluntary + involuntary context switches)` of the process.
fn usage_now() -> (f64, i64) {
    // SAFETY: getrusage only writes the struct we pass.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    (
        us(ru.ru_utime) + us(ru.ru_stime),
        ru.ru_nvcsw + ru.ru_nivcsw,
    )
}

fn measure(calls: u32, mut call: impl FnMut() -> usize) -> String {
    let first = call();
    let (cpu0, cs0) = usage_now();
    let t0 = Instant::now();
    let mut bytes = 0;
    for _ in 0..calls {
        bytes += call();
    }
    let wall = t0.elapsed().as_secs_f64() * 1e6;
    let (cpu1, cs1) = usage_now();
    let per = |x: f64| if calls > 0 { x / f64::from(calls) } else { 0.0 };
    format!(
        r#"{{"calls":{calls},"bytes_per_call":{},"cpu_us_per_call":{:.3},"wall_us_per_call":{:.3},"context_switches_per_call":{:.3}}}"#,
        if calls > 0 {
            bytes / calls as usize
        } else {
            first
        },
        per(cpu1 - cpu0),
        per(wall),
        per((cs1 - cs0) as f64)
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, ca_file, token, calls, mode] = args.as_slice() else {
        usage()
    };
    let calls: u32 = calls.parse().unwrap_or_else(|_| usage());
    let pem = std::fs::read(ca_file).unwrap_or_else(|_| usage());
    let certs = reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_else(|_| usage());
    let headers = headers(token);
    let timeout = Duration::from_secs(15);
    let line = match mode.as_str() {
        "blocking" => {
            let client = reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .retry(reqwest::retry::never())
                .no_proxy()
                .connect_timeout(Duration::from_secs(5))
                .pool_idle_timeout(Duration::from_secs(55))
                .tcp_keepalive(Duration::from_secs(30))
                .tls_certs_merge(certs)
                .build()
                .unwrap_or_else(|e| panic!("client: {e}"));
            measure(calls, || {
                let resp = client
                    .get(url)
                    .headers(headers.clone())
                    .timeout(timeout)
                    .send()
                    .unwrap_or_else(|e| panic!("request: {e}"));
                assert!(resp.status().is_success(), "status {}", resp.status());
                resp.bytes().unwrap_or_else(|e| panic!("body: {e}")).len()
            })
        }
        "inline" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}"));
            let client = rt.block_on(async {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .retry(reqwest::retry::never())
                    .no_proxy()
                    .connect_timeout(Duration::from_secs(5))
                    .pool_idle_timeout(Duration::from_secs(55))
                    .tcp_keepalive(Duration::from_secs(30))
                    .tls_certs_merge(certs)
                    .build()
                    .unwrap_or_else(|e| panic!("client: {e}"))
            });
            measure(calls, || {
                rt.block_on(async {
                    let resp = client
                        .get(url)
                        .headers(headers.clone())
                        .timeout(timeout)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("request: {e}"));
                    assert!(resp.status().is_success(), "status {}", resp.status());
                    resp.bytes()
                        .await
                        .unwrap_or_else(|e| panic!("body: {e}"))
                        .len()
                })
            })
        }
        _ => usage(),
    };
    println!(r#"{{"mode":"{mode}",{}"#, &line[1..]);
}
