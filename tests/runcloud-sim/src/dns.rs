//! The simulator's DNS: one table (`/_sim/dns`) that answers both the DNS server on loopback
//! (UDP and TCP, what the extension's resolver asks) and the simulator's own Let's Encrypt
//! validation, so what the plugin sees and whether issuance succeeds never disagree.
//!
//! The wire format is the small part of RFC 1035 a stub resolver needs: one question, A /
//! AAAA / CNAME answers, NOERROR / NXDOMAIN / SERVFAIL, no compression in what we write.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use crate::sim::{Inner, Sim};

/// How a name fails to resolve, when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsFail {
    Nxdomain,
    Servfail,
    /// The server never answers (the resolver times out).
    Timeout,
}

/// One name of the table: its addresses, or a CNAME, or a failure.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aaaa: Vec<Ipv6Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<DnsFail>,
}

pub type DnsTable = BTreeMap<String, DnsRecord>;

/// What a name resolves to: the CNAME chain walked, then the final name's addresses.
#[derive(Debug, Default, PartialEq)]
pub struct Resolved {
    pub chain: Vec<(String, String)>,
    pub a: Vec<Ipv4Addr>,
    pub aaaa: Vec<Ipv6Addr>,
}

impl Resolved {
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.a
            .iter()
            .map(|a| IpAddr::V4(*a))
            .chain(self.aaaa.iter().map(|a| IpAddr::V6(*a)))
            .collect()
    }
}

/// Resolves `name` through the table. A name not in it answers by `dns_default`: `server`
/// (the address of the server whose app has the domain, else the first server's), or
/// `nxdomain`.
pub fn resolve(inner: &Inner, name: &str) -> Result<Resolved, DnsFail> {
    let mut out = Resolved::default();
    let mut current = name.trim_end_matches('.').to_ascii_lowercase();
    for _ in 0..8 {
        match inner.dns.get(&current) {
            Some(rec) => {
                if let Some(fail) = rec.fail {
                    return Err(fail);
                }
                if let Some(target) = &rec.cname {
                    let target = target.trim_end_matches('.').to_ascii_lowercase();
                    out.chain.push((current.clone(), target.clone()));
                    current = target;
                    continue;
                }
                out.a = rec.a.clone();
                out.aaaa = rec.aaaa.clone();
                return Ok(out);
            }
            None if inner.config.dns_default == "nxdomain" => return Err(DnsFail::Nxdomain),
            None => {
                let ip = inner
                    .state
                    .serving(&current)
                    .map(|(server, _, _)| server.ip_address.clone())
                    .or_else(|| {
                        inner
                            .state
                            .servers
                            .values()
                            .next()
                            .map(|s| s.ip_address.clone())
                    });
                match ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
                    Some(IpAddr::V4(v4)) => out.a.push(v4),
                    Some(IpAddr::V6(v6)) => out.aaaa.push(v6),
                    None => return Err(DnsFail::Nxdomain),
                }
                return Ok(out);
            }
        }
    }
    // A CNAME loop: what a resolver reports as a server failure.
    Err(DnsFail::Servfail)
}

const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const TYPE_AAAA: u16 = 28;

/// The question of a query: `(name, qtype, end of the question section)`.
fn parse_question(msg: &[u8]) -> Option<(String, u16, usize)> {
    if msg.len() < 12 || u16::from_be_bytes([msg[4], msg[5]]) != 1 {
        return None;
    }
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = *msg.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        let label = msg.get(pos..pos + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*msg.get(pos)?, *msg.get(pos + 1)?]);
    Some((labels.join("."), qtype, pos + 4))
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len().min(63) as u8);
        out.extend_from_slice(&label.as_bytes()[..label.len().min(63)]);
    }
    out.push(0);
}

fn record(out: &mut Vec<u8>, owner: &str, rtype: u16, rdata: &[u8]) {
    encode_name(out, owner);
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // IN
    out.extend_from_slice(&60u32.to_be_bytes()); // TTL
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

/// The answer to one query, or `None` when the name is set to time out (or the query is
/// not one we read).
pub fn answer(sim: &Sim, query: &[u8]) -> Option<Vec<u8>> {
    let (name, qtype, question_end) = parse_question(query)?;
    let result = {
        let mut inner = sim.lock();
        inner.counters.dns_queries += 1;
        resolve(&inner, &name)
    };
    let (rcode, answers) = match result {
        Err(DnsFail::Timeout) => return None,
        Err(DnsFail::Nxdomain) => (3u8, Vec::new()),
        Err(DnsFail::Servfail) => (2u8, Vec::new()),
        Ok(r) => {
            let mut answers = Vec::new();
            for (owner, target) in &r.chain {
                let mut rdata = Vec::new();
                encode_name(&mut rdata, target);
                answers.push((owner.clone(), TYPE_CNAME, rdata));
            }
            let last = r.chain.last().map_or(name.clone(), |(_, t)| t.clone());
            if qtype == TYPE_A {
                for a in &r.a {
                    answers.push((last.clone(), TYPE_A, a.octets().to_vec()));
                }
            }
            if qtype == TYPE_AAAA {
                for a in &r.aaaa {
                    answers.push((last.clone(), TYPE_AAAA, a.octets().to_vec()));
                }
            }
            (0u8, answers)
        }
    };
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&query[0..2]);
    // QR, opcode 0, AA, RD copied from the query; RA; rcode.
    out.push(0x84 | (query[2] & 0x01));
    out.push(0x80 | rcode);
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&query[12..question_end]);
    for (owner, rtype, rdata) in answers {
        record(&mut out, &owner, rtype, &rdata);
    }
    Some(out)
}

/// Binds UDP and TCP on the same loopback port and serves both until the process ends.
pub async fn serve(sim: Arc<Sim>, ip: IpAddr) -> std::io::Result<SocketAddr> {
    let mut last_err = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let addr = udp.local_addr()?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => {
                tokio::spawn(serve_udp(sim.clone(), udp));
                tokio::spawn(serve_tcp(sim, tcp));
                return Ok(addr);
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no free port for DNS")))
}

async fn serve_udp(sim: Arc<Sim>, udp: UdpSocket) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
            continue;
        };
        if let Some(reply) = answer(&sim, &buf[..n]) {
            let _ = udp.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(sim: Arc<Sim>, tcp: TcpListener) {
    loop {
        let Ok((mut stream, _)) = tcp.accept().await else {
            continue;
        };
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                let mut len = [0u8; 2];
                if stream.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
                if stream.read_exact(&mut msg).await.is_err() {
                    return;
                }
                let Some(reply) = answer(&sim, &msg) else {
                    // A timing-out name: hold the connection, answer nothing.
                    continue;
                };
                let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&reply);
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        encode_name(&mut q, name);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        q
    }

    #[test]
    fn questions_are_read_back_as_written() {
        let q = query("Shop.Example.com", TYPE_AAAA);
        let (name, qtype, end) = parse_question(&q).unwrap();
        assert_eq!(
            (name.as_str(), qtype, end),
            ("shop.example.com", TYPE_AAAA, q.len())
        );
        assert!(parse_question(&q[..10]).is_none());
    }
}
