//! Whether a domain can go live: where its DNS points (`check_dns`) and which certificate its
//! HTTPS port really serves (`check_https`).
//!
//! Resolution is hickory-resolver's stub resolver (A and AAAA, CNAME chains, UDP with TCP
//! fallback), against `dns_servers` when given, else the system's `/etc/resolv.conf`; the
//! hosts file is not read (a name in it would say nothing about the world's DNS) and nothing
//! is cached: a check asks again. Each check runs on its own current-thread runtime, so no
//! thread of it outlives the call or is inherited by a forked php-fpm worker.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::{Resolver, TokioResolver};
use once_cell::sync::Lazy;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use crate::api::servers;
use crate::client::Session;
use crate::config::Config;
use crate::domain_name;
use crate::error::Error;

/// How long one resolver may take to answer one question.
const DNS_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the server's addresses are kept by a worker before RunCloud is asked again.
const EXPECTED_TTL: Duration = Duration::from_secs(600);

/// Where a domain points, as `wu_runcloud_check_dns` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsCheck {
    pub domain: String,
    /// `points_here`, `elsewhere`, `proxied` or `unresolved`.
    pub status: &'static str,
    /// What the name resolves to (A and AAAA, after CNAMEs).
    pub addresses: Vec<IpAddr>,
    /// The server's addresses: its `ipAddress`, plus RunCloud's DNS hint for the domain.
    pub expected: Vec<IpAddr>,
    /// Why, in a sentence: the resolver's answer for `unresolved`, the odd address out for
    /// `elsewhere`.
    pub reason: String,
}

/// What the HTTPS port serves, as `wu_runcloud_check_https` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpsCheck {
    pub domain: String,
    /// `valid`, `name_mismatch`, `expired`, `untrusted` or `unreachable`.
    pub status: &'static str,
    /// The served certificate's notAfter, `YYYY-MM-DD HH:MM:SS` UTC.
    pub not_after: Option<String>,
    /// The common name of its issuer.
    pub issuer: Option<String>,
    /// The address connected to.
    pub address: Option<SocketAddr>,
    pub reason: String,
}

/// Cloudflare's published ranges (cloudflare.com/ips-v4 and ips-v6): a name resolving only
/// there is proxied, and HTTP-01 still reaches the origin through the proxy.
const CLOUDFLARE_V4: [(u32, u8); 15] = [
    (0xADF5_3000, 20), // 173.245.48.0/20
    (0x6715_F400, 22), // 103.21.244.0/22
    (0x6716_C800, 22), // 103.22.200.0/22
    (0x671F_0400, 22), // 103.31.4.0/22
    (0x8D65_4000, 18), // 141.101.64.0/18
    (0x6CA2_C000, 18), // 108.162.192.0/18
    (0xBE5D_F000, 20), // 190.93.240.0/20
    (0xBC72_6000, 20), // 188.114.96.0/20
    (0xC5EA_F000, 22), // 197.234.240.0/22
    (0xC629_8000, 17), // 198.41.128.0/17
    (0xA29E_0000, 15), // 162.158.0.0/15
    (0x6810_0000, 13), // 104.16.0.0/13
    (0x6818_0000, 14), // 104.24.0.0/14
    (0xAC40_0000, 13), // 172.64.0.0/13
    (0x8300_4800, 22), // 131.0.72.0/22
];
const CLOUDFLARE_V6: [(u128, u8); 7] = [
    (0x2400_cb00 << 96, 32),
    (0x2606_4700 << 96, 32),
    (0x2803_f800 << 96, 32),
    (0x2405_b500 << 96, 32),
    (0x2405_8100 << 96, 32),
    (0x2a06_98c0 << 96, 29),
    (0x2c0f_f248 << 96, 32),
];

pub fn is_cdn(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let n = u32::from(v4);
            CLOUDFLARE_V4
                .iter()
                .any(|(net, bits)| n >> (32 - bits) == net >> (32 - bits))
        }
        IpAddr::V6(v6) => {
            let n = u128::from(v6);
            CLOUDFLARE_V6
                .iter()
                .any(|(net, bits)| n >> (128 - bits) == net >> (128 - bits))
        }
    }
}

/// The server's addresses per credential and server, kept by this worker for a while.
type Expected = HashMap<u64, (Instant, Vec<IpAddr>)>;

static EXPECTED: Lazy<Mutex<Expected>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn expected_key(config: &Config) -> u64 {
    let mut h = DefaultHasher::new();
    config.base_url.hash(&mut h);
    config.auth.hash(&mut h);
    config.server_id.hash(&mut h);
    h.finish()
}

fn parse_ips(list: Vec<String>) -> Vec<IpAddr> {
    list.iter()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect()
}

/// The server's `ipAddress` (cached per worker), plus RunCloud's DNS hint for the domain
/// when its id is known.
fn expected(config: &Config, domain_id: Option<u64>, name: &str) -> Result<Vec<IpAddr>, Error> {
    let key = expected_key(config);
    let cached = EXPECTED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .filter(|(at, _)| at.elapsed() < EXPECTED_TTL)
        .map(|(_, v)| v.clone());
    let mut session = None;
    let mut out = match cached {
        Some(v) => v,
        None => {
            let s = Session::new(config)?;
            let v = parse_ips(servers::server_address(&s)?.into_iter().collect());
            EXPECTED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, (Instant::now(), v.clone()));
            session = Some(s);
            v
        }
    };
    if let Some(id) = domain_id {
        let s = match session {
            Some(s) => s,
            None => Session::new(config)?,
        };
        match servers::dns_hint(&s, id, name) {
            Ok(hint) => {
                for ip in parse_ips(hint) {
                    if !out.contains(&ip) {
                        out.push(ip);
                    }
                }
            }
            // The hint is v3's and optional: a missing route or domain changes nothing.
            Err(e) if matches!(e.status(), Some(404 | 405)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Why a name did not resolve, in words an operator can act on.
fn dns_failure(e: &NetError, name: &str, servers: &str) -> String {
    if e.is_nx_domain() {
        return format!("{name} does not exist in DNS (NXDOMAIN from {servers})");
    }
    if e.is_no_records_found() {
        return format!("{name} has no A or AAAA record (asked {servers})");
    }
    match e {
        NetError::Timeout => format!(
            "no answer from {servers} within {} s",
            DNS_TIMEOUT.as_secs()
        ),
        NetError::Dns(DnsError::ResponseCode(code)) => {
            format!("{servers} answered {code} for {name}")
        }
        NetError::Io(io) => format!("{servers} could not be reached: {io}"),
        NetError::NoConnections => format!("{servers} could not be reached"),
        other => format!("the lookup of {name} at {servers} failed: {other}"),
    }
}

/// Resolves `name` (an FQDN: no search domains) to its addresses, or says why not.
fn resolve(config: &Config, name: &str) -> Result<Vec<IpAddr>, String> {
    let servers = if config.dns_servers.is_empty() {
        "the system resolver".to_string()
    } else {
        config
            .dns_servers
            .iter()
            .map(SocketAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the resolver: {e}"))?;
    runtime.block_on(async {
        let mut builder = if config.dns_servers.is_empty() {
            TokioResolver::builder_tokio()
                .map_err(|e| format!("the system resolver configuration could not be read: {e}"))?
        } else {
            let mut c = ResolverConfig::from_parts(None, vec![], vec![]);
            for addr in &config.dns_servers {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for conn in &mut ns.connections {
                    conn.port = addr.port();
                }
                c.add_name_server(ns);
            }
            Resolver::builder_with_config(c, TokioRuntimeProvider::default())
        };
        let opts = builder.options_mut();
        opts.timeout = DNS_TIMEOUT;
        opts.attempts = 1;
        opts.cache_size = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        let resolver = builder
            .build()
            .map_err(|e| format!("could not set up the resolver: {e}"))?;
        let whole = DNS_TIMEOUT * (config.dns_servers.len().max(1) as u32 + 1);
        match tokio::time::timeout(whole, resolver.lookup_ip(format!("{name}."))).await {
            Err(_) => Err(format!(
                "no answer from {servers} within {} s",
                whole.as_secs()
            )),
            Ok(Err(e)) => Err(dns_failure(&e, name, &servers)),
            Ok(Ok(lookup)) => {
                let mut out: Vec<IpAddr> = Vec::new();
                for ip in lookup.iter() {
                    if !out.contains(&ip) {
                        out.push(ip);
                    }
                }
                Ok(out)
            }
        }
    })
}

/// `wu_runcloud_check_dns`: where `domain` points compared with where it must.
pub fn check_dns(config: &Config, domain: &str, domain_id: Option<u64>) -> Result<DnsCheck, Error> {
    let name = domain_name::normalize(domain)?;
    if let Some(id) = domain_id
        && id == 0
    {
        return Err(Error::InvalidArgument(
            "invalid domain id 0: RunCloud ids are positive integers".into(),
        ));
    }
    let expected = expected(config, domain_id, &name)?;
    let (status, addresses, reason) = match resolve(config, &name) {
        Err(reason) => ("unresolved", Vec::new(), reason),
        Ok(addrs) if addrs.is_empty() => (
            "unresolved",
            addrs,
            format!("{name} has no A or AAAA record"),
        ),
        Ok(addrs) => {
            // `*.localhost` names resolve to 127.0.0.1 and ::1 without asking anyone (RFC
            // 6761): for a server on loopback (a local stack) every loopback address is it.
            let here = |a: &IpAddr| {
                expected.contains(a)
                    || (a.is_loopback() && expected.iter().any(IpAddr::is_loopback))
            };
            if addrs.iter().all(here) {
                ("points_here", addrs, String::new())
            } else if addrs.iter().all(|a| is_cdn(*a)) {
                (
                    "proxied",
                    addrs,
                    format!(
                        "{name} resolves to Cloudflare's proxy; its origin cannot be seen from DNS"
                    ),
                )
            } else {
                let odd = addrs
                    .iter()
                    .find(|a| !here(a))
                    .map(IpAddr::to_string)
                    .unwrap_or_default();
                let want = if expected.is_empty() {
                    "RunCloud gave no address for the server".to_string()
                } else {
                    format!(
                        "the server is {}",
                        expected
                            .iter()
                            .map(IpAddr::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                (
                    "elsewhere",
                    addrs,
                    format!("{name} resolves to {odd}, which is not this server ({want})"),
                )
            }
        }
    };
    Ok(DnsCheck {
        domain: name,
        status,
        addresses,
        expected,
        reason,
    })
}

type Seen = (Vec<u8>, Result<(), rustls::Error>);

/// Hands every check to the platform verifier but lets the handshake finish, keeping its
/// verdict and the certificate: a certificate that fails is exactly what is to be reported.
#[derive(Debug)]
struct Verdict {
    inner: rustls_platform_verifier::Verifier,
    /// The served certificate (DER) and the verifier's verdict on it.
    seen: Mutex<Option<Seen>>,
}

impl ServerCertVerifier for Verdict {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ());
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((end_entity.as_ref().to_vec(), verdict));
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn unreachable(name: &str, address: Option<SocketAddr>, reason: String) -> HttpsCheck {
    HttpsCheck {
        domain: name.to_string(),
        status: "unreachable",
        not_after: None,
        issuer: None,
        address,
        reason,
    }
}

/// `wu_runcloud_check_https`: connects to the name's address on `https_port` with SNI and
/// reports the certificate served there.
pub fn check_https(config: &Config, domain: &str) -> Result<HttpsCheck, Error> {
    let name = domain_name::normalize(domain)?;
    let server_name = ServerName::try_from(name.clone())
        .map_err(|e| Error::InvalidArgument(format!("{name} cannot be a TLS server name: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut extra = Vec::new();
    if let Some(path) = &config.ca_file {
        let shown = format!("{} {}", config.name("ca_file"), path.display());
        for cert in CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::InvalidArgument(format!("{shown} cannot be read: {e}")))?
        {
            extra.push(cert.map_err(|e| {
                Error::InvalidArgument(format!("{shown} is not a PEM bundle: {e}"))
            })?);
        }
    }
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()).map_err(
            |e| Error::client_setup(&format!("the TLS verifier could not load its roots: {e}")),
        )?;
    let verdict = Arc::new(Verdict {
        inner: verifier,
        seen: Mutex::new(None),
    });

    let addrs = match resolve(config, &name) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            return Ok(unreachable(
                &name,
                None,
                format!("{name} has no A or AAAA record"),
            ));
        }
        Err(reason) => return Ok(unreachable(&name, None, reason)),
    };
    // IPv4 first: what most of RunCloud's servers have.
    let mut ordered = addrs.clone();
    ordered.sort_by_key(|a| a.is_ipv6());
    let addr = SocketAddr::new(ordered[0], config.https_port);
    let mut sock = match TcpStream::connect_timeout(&addr, config.connect_timeout) {
        Ok(s) => s,
        Err(e) => {
            return Ok(unreachable(
                &name,
                Some(addr),
                format!("could not connect to {addr}: {e}"),
            ));
        }
    };
    let _ = sock.set_read_timeout(Some(config.timeout));
    let _ = sock.set_write_timeout(Some(config.timeout));
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::client_setup(&e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verdict.clone())
        .with_no_client_auth();
    let mut conn = rustls::ClientConnection::new(Arc::new(tls), server_name)
        .map_err(|e| Error::client_setup(&e.to_string()))?;
    let handshake = (|| {
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)?;
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
        Ok::<(), std::io::Error>(())
    })();
    let seen = verdict
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let Some((der, result)) = seen else {
        let why = handshake
            .err()
            .map_or("no certificate".to_string(), |e| e.to_string());
        return Ok(unreachable(
            &name,
            Some(addr),
            format!("the TLS handshake with {addr} failed: {why}"),
        ));
    };
    let (not_after, issuer) = der::validity_and_issuer(&der);
    let (status, reason) = match result {
        Ok(()) => ("valid", String::new()),
        Err(rustls::Error::InvalidCertificate(e)) => match e {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                "expired",
                format!("the certificate served for {name} has expired"),
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                (
                    "name_mismatch",
                    format!("the certificate served at {addr} does not cover {name}"),
                )
            }
            other => (
                "untrusted",
                format!("the certificate served for {name} is not trusted: {other:?}"),
            ),
        },
        Err(other) => (
            "untrusted",
            format!("the certificate served for {name} could not be verified: {other}"),
        ),
    };
    // Nothing is read from or sent to the site beyond the handshake.
    let _ = (sock.flush(), sock.read(&mut [0u8; 0]));
    Ok(HttpsCheck {
        domain: name,
        status,
        not_after,
        issuer,
        address: Some(addr),
        reason,
    })
}

/// The two things read from a certificate: its notAfter and its issuer's common name. A
/// small DER walk (RFC 5280 §4.1) instead of a parser crate.
mod der {
    /// `(tag, content, rest)` of the DER element at the start of `b`.
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *b.first()?;
        let first = *b.get(1)? as usize;
        let (len, head) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | *b.get(2 + i)? as usize;
            }
            (len, 2 + n)
        };
        let content = b.get(head..head + len)?;
        Some((tag, content, &b[head + len..]))
    }

    /// `UTCTime` / `GeneralizedTime` as `YYYY-MM-DD HH:MM:SS`.
    fn time(tag: u8, v: &[u8]) -> Option<String> {
        let s = std::str::from_utf8(v).ok()?;
        let full = match tag {
            0x17 => {
                let yy: u32 = s.get(0..2)?.parse().ok()?;
                format!("{}{s}", if yy >= 50 { "19" } else { "20" })
            }
            0x18 => s.to_string(),
            _ => return None,
        };
        Some(format!(
            "{}-{}-{} {}:{}:{}",
            full.get(0..4)?,
            full.get(4..6)?,
            full.get(6..8)?,
            full.get(8..10)?,
            full.get(10..12)?,
            full.get(12..14)?
        ))
    }

    /// The value of the first commonName (2.5.4.3) in a Name.
    fn common_name(name: &[u8]) -> Option<String> {
        let oid: &[u8] = &[0x55, 0x04, 0x03];
        let mut sets = name;
        while let Some((_, set, rest)) = tlv(sets) {
            sets = rest;
            let Some((_, attr, _)) = tlv(set) else {
                continue;
            };
            let Some((0x06, id, value)) = tlv(attr) else {
                continue;
            };
            if id == oid {
                let (_, v, _) = tlv(value)?;
                return Some(String::from_utf8_lossy(v).into_owned());
            }
        }
        None
    }

    pub fn validity_and_issuer(cert: &[u8]) -> (Option<String>, Option<String>) {
        let parse = || -> Option<(Option<String>, Option<String>)> {
            let (_, certificate, _) = tlv(cert)?;
            let (_, tbs, _) = tlv(certificate)?;
            let mut rest = tbs;
            // version [0] is optional
            if rest.first() == Some(&0xa0) {
                rest = tlv(rest)?.2;
            }
            let (_, _serial, rest) = tlv(rest)?;
            let (_, _algorithm, rest) = tlv(rest)?;
            let (_, issuer, rest) = tlv(rest)?;
            let (_, validity, _) = tlv(rest)?;
            let (_, _, after) = tlv(validity)?;
            let (tag, not_after, _) = tlv(after)?;
            Some((time(tag, not_after), common_name(issuer)))
        };
        parse().unwrap_or((None, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_ranges_cover_their_edges_and_nothing_next_to_them() {
        for ip in [
            "104.16.0.1",
            "104.23.255.255",
            "172.67.1.1",
            "2606:4700::1",
            "2a06:98c7::1",
        ] {
            assert!(is_cdn(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "104.15.255.255",
            "104.32.0.0",
            "127.0.0.1",
            "2a06:98d0::1",
            "::1",
        ] {
            assert!(!is_cdn(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn der_times_read_both_encodings() {
        assert_eq!(
            der::validity_and_issuer(&[]),
            (None, None),
            "garbage reads as nothing, never a panic"
        );
    }
}
