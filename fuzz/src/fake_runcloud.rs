//! A scripted HTTP/1.1 server on 127.0.0.1 for the `responses` target: it answers the
//! extension's real client (reqwest, keep-alive) with the fuzzer's statuses and bodies in
//! order, then with 404 once the script is used up, so every operation ends quickly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Script {
    answers: Vec<(u16, Vec<u8>)>,
    served: usize,
}

pub struct FakeRunCloud {
    pub url: String,
    script: Arc<Mutex<Script>>,
}

impl FakeRunCloud {
    pub fn start() -> FakeRunCloud {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = script.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let script = shared.clone();
                std::thread::spawn(move || serve(stream, &script));
            }
        });
        FakeRunCloud { url, script }
    }

    /// The answers for the next operation, in order.
    pub fn script(&self, answers: Vec<(u16, Vec<u8>)>) {
        let mut s = self.script.lock().unwrap();
        s.answers = answers;
        s.served = 0;
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
            if !first {
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            first = false;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, answer) = {
            let mut s = script.lock().unwrap();
            let a = s.answers.get(s.served).cloned();
            s.served += 1;
            a.unwrap_or((404, br#"{"message":"the fuzz script is used up"}"#.to_vec()))
        };
        let head = format!(
            "HTTP/1.1 {status} Fuzz\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-RateLimit-Limit: 60\r\nX-RateLimit-Remaining: 59\r\n\r\n",
            answer.len()
        );
        let mut response = head.into_bytes();
        response.extend_from_slice(&answer);
        if out.write_all(&response).is_err() {
            return;
        }
    }
}
