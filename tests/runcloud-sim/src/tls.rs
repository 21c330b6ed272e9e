//! Certificates the simulator makes at start: one CA (written to `--ca-out` or a temp dir)
//! that signs both the API's leaf (`--tls`: 127.0.0.1, ::1, localhost; `--tls-expired`: one
//! that expired in 2020) and the certificates the web apps' HTTPS port serves, as Let's
//! Encrypt would have issued them: for exactly the names of each certificate's last
//! successful issuance, valid from then for 90 days. `/_sim/tls` makes one name's
//! certificate expired, for another name, or signed by a CA nobody trusts.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

use crate::sim::Sim;
use crate::state::SslMode;
use crate::time::now_secs;

fn err(e: rcgen::Error) -> String {
    format!("certificate generation failed: {e}")
}

pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pub pem: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ca")
    }
}

impl Ca {
    pub fn new(common_name: &str) -> Result<Ca, String> {
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(err)?;
        Ok(Ca {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(path, &self.pem).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// A leaf for `names` (DNS names or IP addresses), valid between the two Unix times.
    fn leaf(
        &self,
        names: &[String],
        not_before: i64,
        not_after: i64,
    ) -> Result<CertifiedKey, String> {
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        for n in names {
            let san = match n.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(n.clone().try_into().map_err(err)?),
            };
            params.subject_alt_names.push(san);
        }
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().map_or("", String::as_str));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let ts = |t: i64| time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| e.to_string());
        params.not_before = ts(not_before)?;
        params.not_after = ts(not_after)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(err)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = aws_lc_rs::sign::any_supported_type(&der).map_err(|e| e.to_string())?;
        Ok(CertifiedKey::new(
            vec![cert.der().clone(), self.der.clone()],
            signing,
        ))
    }
}

fn server_config(resolver: Arc<dyn ResolvesServerCert>) -> Result<TlsAcceptor, String> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The API's acceptor: one leaf for the loopback names.
pub fn api_acceptor(ca: &Ca, expired: bool) -> Result<TlsAcceptor, String> {
    let now = now_secs() as i64;
    let (from, to) = if expired {
        (1_546_300_800, 1_577_836_800) // 2019-01-01 .. 2020-01-01
    } else {
        (now - 86_400, now + 365 * 86_400)
    };
    let names = [
        "localhost".to_string(),
        Ipv4Addr::LOCALHOST.to_string(),
        Ipv6Addr::LOCALHOST.to_string(),
    ];
    let leaf = Arc::new(ca.leaf(&names, from, to)?);
    #[derive(Debug)]
    struct One(Arc<CertifiedKey>);
    impl ResolvesServerCert for One {
        fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            Some(self.0.clone())
        }
    }
    server_config(Arc::new(One(leaf)))
}

/// What one handshake gets: names, validity and whether the trusted CA signs it.
type LeafKey = (Vec<String>, i64, i64, bool);

struct Sites {
    sim: Arc<Sim>,
    ca: Arc<Ca>,
    stranger: Ca,
    cache: Mutex<HashMap<LeafKey, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Sites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sites")
    }
}

impl Sites {
    /// The certificate RunCloud's nginx would serve for `sni` right now.
    fn choose(&self, sni: &str) -> LeafKey {
        let mut inner = self.sim.lock();
        inner.counters.https_handshakes += 1;
        let now = now_secs() as i64;
        let cert = inner.state.serving(sni).and_then(|(_, app, i)| {
            if app.ssl_mode == SslMode::Advanced {
                app.domains[i].ssl.as_ref()
            } else {
                app.basic_cert.as_ref()
            }
        });
        let mut key = match cert {
            // Let's Encrypt backdates notBefore by an hour (Boulder), which also keeps a
            // certificate issued on an advanced simulator clock valid for a wall-clock client.
            Some(c) if !c.names.is_empty() => (
                c.names.clone(),
                c.created_at as i64 - 3600,
                c.valid_until as i64,
                true,
            ),
            // nginx's default server: a certificate for no name of the app.
            _ => (
                vec!["default.runcloud.invalid".to_string()],
                now - 86_400,
                now + 90 * 86_400,
                true,
            ),
        };
        match inner.tls_overrides.get(sni).map(String::as_str) {
            Some("expired") => {
                key.1 = now - 91 * 86_400;
                key.2 = now - 86_400;
            }
            Some("mismatch") => key.0 = vec!["mismatch.runcloud.invalid".to_string()],
            Some("untrusted") => key.3 = false,
            _ => {}
        }
        key
    }
}

impl ResolvesServerCert for Sites {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let sni = hello.server_name().unwrap_or("").to_ascii_lowercase();
        let key = self.choose(&sni);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(hit) = cache.get(&key) {
            return Some(hit.clone());
        }
        let ca = if key.3 { &*self.ca } else { &self.stranger };
        let leaf = Arc::new(ca.leaf(&key.0, key.1, key.2).ok()?);
        cache.insert(key, leaf.clone());
        Some(leaf)
    }
}

/// The web apps' HTTPS port.
pub fn sites_acceptor(sim: Arc<Sim>, ca: Arc<Ca>) -> Result<TlsAcceptor, String> {
    let sites = Sites {
        sim,
        ca,
        stranger: Ca::new("Untrusted Stranger CA")?,
        cache: Mutex::new(HashMap::new()),
    };
    server_config(Arc::new(sites))
}
