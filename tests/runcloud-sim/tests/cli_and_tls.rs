//! The command line contract (first line, loopback only, SIGTERM) and `--tls` with the written CA.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn the_first_line_is_json_with_url_null_ca_file_and_pid() {
    let sim = Sim::start();
    assert!(sim.url.starts_with("http://127.0.0.1:"), "{}", sim.url);
    assert!(sim.ca_file.is_none());
    let port: u16 = sim.url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "the real bound port is printed, not 0");
}

#[test]
fn non_loopback_listen_addresses_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_runcloud-sim"))
        .args(["--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "exit code 2 for a bad argument");
    assert!(
        out.stdout.is_empty(),
        "no first line when refusing to start"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn sigterm_stops_the_simulator_promptly_with_status_zero() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runcloud-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let t = Instant::now();
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert_eq!(code.code(), Some(0), "graceful exit");
            break;
        }
        if t.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("runcloud-sim did not exit within 5 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn tls_serves_https_trusted_through_the_written_ca_file_only() {
    let sim = Sim::start_with(&["--tls"]);
    assert!(sim.url.starts_with("https://127.0.0.1:"), "{}", sim.url);
    let ca_path = sim.ca_file.clone().expect("--tls prints the CA path");
    let pem =
        std::fs::read(&ca_path).unwrap_or_else(|e| panic!("CA file {ca_path} should exist: {e}"));
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE"));
    let ca = reqwest::Certificate::from_pem(&pem).unwrap();
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = sim.url.replace("127.0.0.1", host);
        let resp = client
            .get(format!("{url}/api/v3/ping"))
            .bearer_auth("sim-token")
            .send()
            .unwrap_or_else(|e| panic!("HTTPS to {host} with the written CA should work: {e:?}"));
        assert_eq!(json(resp), (200, serde_json::json!({"message": "pong"})));
    }
    let untrusting = reqwest::blocking::Client::new();
    let err = untrusting
        .get(format!("{}/api/v3/ping", sim.url))
        .send()
        .expect_err("without the CA the certificate is not trusted");
    assert!(
        err.is_connect(),
        "expected a TLS/connect error, got {err:?}"
    );
    // Control API and counters work over TLS too.
    let c: serde_json::Value = client
        .get(format!("{}/_sim/counters", sim.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(c["requests"], 2);
}

#[test]
fn ca_out_writes_the_ca_where_asked() {
    let path = std::env::temp_dir().join(format!("runcloud-sim-ca-{}.pem", std::process::id()));
    let sim = Sim::start_with(&["--tls", "--ca-out", path.to_str().unwrap()]);
    assert_eq!(sim.ca_file.as_deref(), path.to_str());
    assert!(path.exists());
    drop(sim);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn bad_arguments_and_bad_state_files_are_refused_with_a_message() {
    for args in [
        vec!["--rate-limit", "lots"],
        vec!["--state", "/nonexistent/seed.json"],
        vec!["--frobnicate"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_runcloud-sim"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} should exit 2");
        assert!(!out.stderr.is_empty(), "{args:?} should say why");
    }
}
