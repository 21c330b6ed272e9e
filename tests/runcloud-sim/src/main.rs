//! `runcloud-sim`: an in-memory RunCloud API (v2 + v3) on loopback, for tests and benchmarks.
//! See README.md for the command line, the default state and the control API.

mod api;
mod control;
mod dns;
mod http;
mod issuance;
mod sim;
mod state;
mod time;
mod tls;

use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::http::Conn;
use crate::sim::{Config, Sim};
use crate::state::State;

const USAGE: &str = "usage: runcloud-sim --listen 127.0.0.1:0 [--tls] [--tls-expired] [--ca-out PATH] [--rate-limit N|off] [--state seed.json] [--latency-ms N]";

struct Args {
    listen: SocketAddr,
    tls: bool,
    tls_expired: bool,
    ca_out: Option<PathBuf>,
    rate_limit: Option<u32>,
    state: Option<PathBuf>,
    latency_ms: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: false,
        tls_expired: false,
        ca_out: None,
        rate_limit: Some(60),
        state: None,
        latency_ms: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                args.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--tls" => args.tls = true,
            "--tls-expired" => {
                args.tls = true;
                args.tls_expired = true;
            }
            "--ca-out" => args.ca_out = Some(PathBuf::from(value()?)),
            "--rate-limit" => {
                let v = value()?;
                args.rate_limit =
                    match v.as_str() {
                        "off" | "0" => None,
                        n => Some(n.parse().map_err(|_| {
                            format!("--rate-limit takes a number or off, not {n:?}")
                        })?),
                    };
            }
            "--state" => args.state = Some(PathBuf::from(value()?)),
            "--latency-ms" => {
                let v = value()?;
                args.latency_ms = v
                    .parse()
                    .map_err(|_| format!("--latency-ms takes milliseconds, not {v:?}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !args.listen.ip().is_loopback() {
        return Err(format!(
            "--listen {}: only loopback addresses are allowed",
            args.listen
        ));
    }
    Ok(args)
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("runcloud-sim: {e}\n{USAGE}");
        std::process::exit(2);
    });
    let state = match &args.state {
        Some(path) => std::fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|raw| State::from_json(&raw)),
        None => State::from_json(b""),
    }
    .unwrap_or_else(|e| {
        eprintln!("runcloud-sim: {e}");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(serve(args, state));
}

async fn serve(args: Args, state: State) {
    let listener = TcpListener::bind(args.listen).await.unwrap_or_else(|e| {
        eprintln!("runcloud-sim: cannot listen on {}: {e}", args.listen);
        std::process::exit(1);
    });
    let addr = listener.local_addr().unwrap();
    let mut temp_dir = None;
    let ca_path = args.ca_out.clone().unwrap_or_else(|| {
        let dir = std::env::temp_dir().join(format!(
            "runcloud-sim-{}-{}",
            std::process::id(),
            addr.port()
        ));
        temp_dir = Some(dir.clone());
        dir.join("ca.pem")
    });
    let fail = |e: String| -> ! {
        eprintln!("runcloud-sim: {e}");
        std::process::exit(1);
    };
    let ca = std::sync::Arc::new(
        tls::Ca::new("runcloud-sim test CA (Let's Encrypt stand-in)").unwrap_or_else(|e| fail(e)),
    );
    ca.write(&ca_path).unwrap_or_else(|e| fail(e));
    let acceptor = if args.tls {
        Some(tls::api_acceptor(&ca, args.tls_expired).unwrap_or_else(|e| fail(e)))
    } else {
        None
    };
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{addr}");
    let sim = Arc::new(Sim::new(
        state,
        Config::new(args.rate_limit, args.latency_ms),
        url.clone(),
    ));
    let dns_addr = dns::serve(sim.clone(), addr.ip())
        .await
        .unwrap_or_else(|e| fail(format!("cannot start the DNS server: {e}")));
    let sites = TcpListener::bind((addr.ip(), 0))
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen for HTTPS: {e}")));
    let https_port = sites.local_addr().unwrap().port();
    let sites_acceptor = tls::sites_acceptor(sim.clone(), ca.clone()).unwrap_or_else(|e| fail(e));
    tokio::spawn(serve_sites(sites, sites_acceptor));
    let first_line = serde_json::json!({
        "url": url,
        "ca_file": acceptor.as_ref().map(|_| ca_path.display().to_string()),
        "pid": std::process::id(),
        "dns": dns_addr.to_string(),
        "https_port": https_port,
        "sites_ca_file": ca_path.display().to_string(),
    });
    let _ = sim.info.set(first_line.clone());
    // Handlers first: whoever reads the first line may signal us at once, and a signal that
    // arrived before them would kill the process instead of stopping it gracefully.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{first_line}");
        let _ = out.flush();
    }

    let mut next_conn = 0u64;
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("runcloud-sim: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = term.recv() => break,
            _ = int.recv() => break,
        };
        next_conn += 1;
        sim.lock().counters.tcp_accepted += 1;
        let _ = stream.set_nodelay(true);
        let conn = Arc::new(Conn {
            id: next_conn,
            fd: stream.as_raw_fd(),
            counted_epoch: AtomicU64::new(u64::MAX),
        });
        let sim = sim.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| http::handle(sim.clone(), conn.clone(), req));
            let builder = http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                    }
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::process::exit(0);
}

/// The web apps' HTTPS port: the TLS handshake is the point (which certificate is served);
/// whatever is asked over it gets a short page.
async fn serve_sites(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(2), tls.read(&mut buf)).await;
            let _ = tls
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 21\r\nconnection: close\r\n\r\nserved by RunCloud.\r\n")
                .await;
            let _ = tls.shutdown().await;
        });
    }
}
