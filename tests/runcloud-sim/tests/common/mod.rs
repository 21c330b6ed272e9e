//! Starts the real `runcloud-sim` binary on a free loopback port and talks to it over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const SERVER: u64 = 11667;
pub const APP: u64 = 940288;
pub const OTHER_SERVER: u64 = 11668;
pub const OTHER_APP: u64 = 940300;

/// The simulator process; killed by pid when dropped, so a failing test never leaks it.
pub struct Sim {
    pub url: String,
    pub ca_file: Option<String>,
    pub pid: u32,
    /// The DNS server (`ip:port`, UDP and TCP).
    pub dns: String,
    pub https_port: u16,
    pub sites_ca_file: String,
    child: Child,
    pub client: Client,
}

impl Sim {
    pub fn start() -> Sim {
        Sim::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runcloud-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("runcloud-sim binary should start");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("runcloud-sim should print its first line");
        let first: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("first line should be JSON, got {line:?}: {e}"));
        let url = first["url"]
            .as_str()
            .expect("first line has a url")
            .to_string();
        let ca_file = first["ca_file"].as_str().map(str::to_string);
        let pid = first["pid"].as_u64().expect("first line has a pid") as u32;
        let dns = first["dns"]
            .as_str()
            .expect("first line has dns")
            .to_string();
        let https_port = first["https_port"]
            .as_u64()
            .expect("first line has https_port") as u16;
        let sites_ca_file = first["sites_ca_file"]
            .as_str()
            .expect("first line has sites_ca_file")
            .to_string();
        assert_eq!(
            pid,
            child.id(),
            "first line pid should be the process we started"
        );
        let client = Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Sim {
            url,
            ca_file,
            pid,
            dns,
            https_port,
            sites_ca_file,
            child,
            client,
        }
    }

    /// A v3 request with the default token and JSON headers, like the extension sends.
    pub fn v3(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/api/v3{path}", self.url))
            .bearer_auth("sim-token")
            .header("Accept", "application/json")
    }

    /// A v2 request with the default key:secret (HTTP Basic).
    pub fn v2(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/api/v2{path}", self.url))
            .basic_auth("sim-key", Some("sim-secret"))
            .header("Accept", "application/json")
    }

    pub fn domains_path(&self) -> String {
        format!("/servers/{SERVER}/webapps/{APP}/domains")
    }

    pub fn control(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self
            .client
            .request(method.clone(), format!("{}/_sim{path}", self.url));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb
            .send()
            .unwrap_or_else(|e| panic!("control {method} {path} failed: {e}"));
        let status = resp.status();
        let text = resp.text().unwrap();
        assert!(
            status.is_success(),
            "control {method} {path} should succeed, got {status}: {text}"
        );
        serde_json::from_str(&text).unwrap()
    }

    pub fn get(&self, path: &str) -> Value {
        self.control(Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.control(Method::POST, path, Some(body))
    }

    /// Adds `n` domains `site{k}.bulk.test` to the default app through the control API.
    pub fn bulk_add(&self, n: u64) {
        if n > 0 {
            let added = self.post(
                &format!("/servers/{SERVER}/webapps/{APP}/domains"),
                serde_json::json!({"count": n, "pattern": "site{n}.bulk.test"}),
            );
            assert_eq!(added["added"], n);
        }
    }

    pub fn requests(&self) -> Vec<Value> {
        self.get("/requests").as_array().unwrap().clone()
    }
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

impl Drop for Sim {
    /// SIGTERM first so the simulator removes its temporary CA directory, SIGKILL if it lingers.
    fn drop(&mut self) {
        // SAFETY: plain kill(2) on the pid of the child we spawned and have not reaped yet.
        unsafe { kill(self.pid as i32, 15) };
        let t = std::time::Instant::now();
        while t.elapsed() < Duration::from_secs(2) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Status plus parsed JSON body, with the raw text in the panic message when it is not JSON.
pub fn json(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().unwrap();
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("expected a JSON body (status {status}), got {text:?}: {e}"));
    (status, v)
}
