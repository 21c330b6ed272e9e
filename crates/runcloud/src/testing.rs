//! Loopback stand-ins for the client's own tests and the fuzz targets (feature `testing`,
//! never in the extension): a scripted HTTP/1.1 server that answers the real client
//! (reqwest, keep-alive) with given statuses and bodies in order, and a listener that only
//! counts who connects to it. The behaviour tests of the client against a faithful RunCloud
//! use the simulator (tests/runcloud-sim) through PHP.

// Test support: a broken fake should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// Sent with `Transfer-Encoding: chunked` instead of a `Content-Length`.
    pub chunked: bool,
}

impl Answer {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            body: body.into(),
            chunked: false,
        }
    }

    pub fn chunked(self) -> Answer {
        Answer {
            chunked: true,
            ..self
        }
    }
}

#[derive(Default)]
struct Script {
    answers: Vec<Answer>,
    served: usize,
}

/// Answers requests with the scripted answers in order, then with 404 once the script is
/// used up, so every operation ends quickly.
pub struct FakeRunCloud {
    pub url: String,
    script: Arc<Mutex<Script>>,
    connections: Arc<AtomicUsize>,
}

impl FakeRunCloud {
    pub fn start() -> FakeRunCloud {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (shared, count) = (script.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let script = shared.clone();
                std::thread::spawn(move || serve(stream, &script));
            }
        });
        FakeRunCloud {
            url,
            script,
            connections,
        }
    }

    /// The answers for the next operation, in order.
    pub fn script(&self, answers: Vec<Answer>) {
        let mut s = self.script.lock().unwrap();
        s.answers = answers;
        s.served = 0;
    }

    /// Requests answered since the last [`FakeRunCloud::script`].
    pub fn served(&self) -> usize {
        self.script.lock().unwrap().served
    }

    /// TCP connections accepted since start.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, script: &Mutex<Script>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut out = stream;
    let _ = out.set_nodelay(true);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if !first
                && let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
            first = false;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = {
            let mut s = script.lock().unwrap();
            let a = s.answers.get(s.served).cloned();
            s.served += 1;
            a.unwrap_or_else(|| Answer::new(404, &br#"{"message":"the script is used up"}"#[..]))
        };
        let framing = if answer.chunked {
            "Transfer-Encoding: chunked".to_string()
        } else {
            format!("Content-Length: {}", answer.body.len())
        };
        let head = format!(
            "HTTP/1.1 {} Fake\r\nContent-Type: application/json\r\n{framing}\r\nX-RateLimit-Limit: 60\r\nX-RateLimit-Remaining: 59\r\n\r\n",
            answer.status
        );
        let mut response = head.into_bytes();
        if answer.chunked {
            for chunk in answer.body.chunks(64 << 10) {
                response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                response.extend_from_slice(chunk);
                response.extend_from_slice(b"\r\n");
            }
            response.extend_from_slice(b"0\r\n\r\n");
        } else {
            response.extend_from_slice(&answer.body);
        }
        if out.write_all(&response).is_err() {
            return;
        }
    }
}

/// A loopback port that accepts connections, counts them and closes them: a stand-in for a
/// proxy or any server that must never be reached.
pub struct Recorder {
    /// `127.0.0.1:port`
    pub addr: String,
    connections: Arc<AtomicUsize>,
}

impl Recorder {
    pub fn start() -> Recorder {
        Recorder::start_with(b"")
    }

    /// Like [`Recorder::start`], writing `greeting` to each connection before closing it
    /// (e.g. a plain HTTP answer to a client expecting TLS).
    pub fn start_with(greeting: &'static [u8]) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap().to_string();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(greeting);
                // Give the client time to read the greeting before the close.
                std::thread::sleep(std::time::Duration::from_millis(50));
                drop(stream);
            }
        });
        Recorder { addr, connections }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
