//! How fast the simulator answers keep-alive list pages on loopback, so it is never the
//! bottleneck of a benchmark. Prints the figure; fails only if it is absurdly slow.
//! The README's "Throughput" section quotes `cargo test --release -p runcloud-sim --test throughput -- --nocapture`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// Sends `GET path` on a keep-alive connection and returns the status after reading the body.
fn get(reader: &mut BufReader<TcpStream>, host: &str, path: &str) -> u16 {
    write!(
        reader.get_mut(),
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer sim-token\r\nAccept: application/json\r\n\r\n"
    )
    .unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut len = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    status
}

#[test]
fn the_simulator_answers_over_five_hundred_keep_alive_list_pages_per_second_even_in_debug() {
    let sim = Sim::start_with(&["--rate-limit", "off"]);
    sim.bulk_add(9_999);
    let host = sim.url.trim_start_matches("http://").to_string();
    let duration = Duration::from_secs(3);
    for connections in [1usize, 4] {
        let threads: Vec<_> = (0..connections)
            .map(|c| {
                let host = host.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(TcpStream::connect(&host).unwrap());
                    reader.get_ref().set_nodelay(true).unwrap();
                    let t = Instant::now();
                    let mut n = 0u64;
                    while t.elapsed() < duration {
                        let page = (n as usize * 7 + c) % 500 + 1;
                        let path =
                            format!("/api/v3/servers/{SERVER}/webapps/{APP}/domains?page={page}");
                        assert_eq!(get(&mut reader, &host, &path), 200);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        let rate = total as f64 / duration.as_secs_f64();
        eprintln!(
            "runcloud-sim throughput: {rate:.0} req/s with {connections} keep-alive connection(s), GET domains page of 20 out of 10,000 ({} build)",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
        assert!(
            rate > 500.0,
            "{rate:.0} req/s is far too slow for a benchmark stand-in"
        );
    }
    let c = sim.get("/counters");
    assert_eq!(c["connections"], 5, "one connection per client thread: {c}");

    // A new TCP connection for every request (what a client without keep-alive costs).
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_secs(2) {
        let mut reader = BufReader::new(TcpStream::connect(&host).unwrap());
        assert_eq!(
            get(
                &mut reader,
                &host,
                &format!("/api/v3/servers/{SERVER}/webapps/{APP}/domains")
            ),
            200
        );
        n += 1;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    eprintln!("runcloud-sim throughput: {rate:.0} req/s with a new TCP connection per request");
    assert!(
        rate > 200.0,
        "{rate:.0} req/s with fresh connections is far too slow"
    );
}

#[test]
fn over_tls_a_keep_alive_reqwest_client_is_still_far_from_the_bottleneck() {
    let sim = Sim::start_with(&["--rate-limit", "off", "--tls"]);
    let ca = reqwest::Certificate::from_pem(&std::fs::read(sim.ca_file.as_ref().unwrap()).unwrap())
        .unwrap();
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let url = format!(
        "{}/api/v3/servers/{SERVER}/webapps/{APP}/domains?page=1",
        sim.url
    );
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_secs(2) {
        let resp = client
            .get(&url)
            .bearer_auth("sim-token")
            .header("Accept", "application/json")
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.bytes().unwrap();
        n += 1;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    eprintln!(
        "runcloud-sim throughput: {rate:.0} req/s over TLS, one keep-alive reqwest blocking client ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let counters: serde_json::Value = client
        .get(format!("{}/_sim/counters", sim.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        counters["connections"], 1,
        "reqwest keeps one TLS connection alive: {counters}"
    );
    assert!(rate > 200.0, "{rate:.0} req/s over TLS is far too slow");
}
