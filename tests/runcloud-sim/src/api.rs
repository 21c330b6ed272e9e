//! The real API surface (`/api/v2/…`, `/api/v3/…`): routing, auth, and one handler per
//! endpoint of reference/runcloud-api.md §4–§6. Handlers are synchronous and run under the
//! simulator lock; they return a status and a JSON body.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::sim::Inner;
use crate::state::{AddError, NewDomain, REDIRECTIONS, SslMode, State, WebApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2,
    V3,
}

impl Version {
    pub fn name(self) -> &'static str {
        match self {
            Version::V2 => "v2",
            Version::V3 => "v3",
        }
    }
}

/// Splits `/api/v3/servers/1` into the version and the segments after it.
pub fn split_api_path(path: &str) -> Option<(Version, Vec<&str>)> {
    let (version, rest) = if let Some(rest) = path.strip_prefix("/api/v3/") {
        (Version::V3, rest)
    } else if let Some(rest) = path.strip_prefix("/api/v2/") {
        (Version::V2, rest)
    } else {
        return None;
    };
    Some((version, rest.split('/').collect()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Ping,
    ListServers,
    ShowServer(u64),
    ListApps(u64),
    ShowApp(u64, u64),
    ListDomains(u64, u64),
    CreateDomain(u64, u64),
    ShowDomain(u64, u64, u64),
    DeleteDomain(u64, u64, u64),
    DomainMeta(u64, u64, u64),
    DomainDns(u64, u64, u64),
    GetSsl(u64, u64),
    InstallSsl(u64, u64),
    UpdateSsl(u64, u64, u64),
    RedeploySsl(u64, u64, u64),
    DeleteSsl(u64, u64, u64),
    GetAdvanced(u64, u64),
    SetAdvanced(u64, u64),
    AdvancedRedeploy(u64, u64, u64),
    GetDomainSsl(u64, u64, u64),
    InstallDomainSsl(u64, u64, u64),
    UpdateDomainSsl(u64, u64, u64, u64),
    RedeployDomainSsl(u64, u64, u64, u64),
    DeleteDomainSsl(u64, u64, u64, u64),
}

fn id(seg: &str) -> Option<u64> {
    if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    seg.parse().ok()
}

/// `None` means the real API has no such route (wrong verb, trailing slash, non-numeric id…).
pub fn route(version: Version, method: &str, segs: &[&str]) -> Option<Route> {
    use Route::*;
    let r = match (method, segs) {
        ("GET", ["ping"]) => Ping,
        ("GET", ["servers"]) => ListServers,
        ("GET", ["servers", s]) => ShowServer(id(s)?),
        ("GET", ["servers", s, "webapps"]) => ListApps(id(s)?),
        ("GET", ["servers", s, "webapps", w]) => ShowApp(id(s)?, id(w)?),
        (m, ["servers", s, "webapps", w, rest @ ..]) => {
            let (s, w) = (id(s)?, id(w)?);
            match (m, rest) {
                ("GET", ["domains"]) => ListDomains(s, w),
                ("POST", ["domains"]) => CreateDomain(s, w),
                ("GET", ["domains", d]) => ShowDomain(s, w, id(d)?),
                ("DELETE", ["domains", d]) => DeleteDomain(s, w, id(d)?),
                ("PATCH", ["domains", d, "meta"]) => DomainMeta(s, w, id(d)?),
                ("GET", ["domains", d, "dns"]) => DomainDns(s, w, id(d)?),
                ("GET", ["domains", d, "ssl"]) => GetDomainSsl(s, w, id(d)?),
                ("POST", ["domains", d, "ssl"]) => InstallDomainSsl(s, w, id(d)?),
                ("PATCH", ["domains", d, "ssl", c]) => UpdateDomainSsl(s, w, id(d)?, id(c)?),
                ("PUT", ["domains", d, "ssl", c]) => RedeployDomainSsl(s, w, id(d)?, id(c)?),
                ("DELETE", ["domains", d, "ssl", c]) => DeleteDomainSsl(s, w, id(d)?, id(c)?),
                ("GET", ["ssl"]) => GetSsl(s, w),
                ("POST", ["ssl"]) => InstallSsl(s, w),
                ("GET", ["ssl", "advanced"]) => GetAdvanced(s, w),
                ("POST", ["ssl", "advanced"]) => SetAdvanced(s, w),
                // Only UMS's v3 client uses this route; no v2 source knows it.
                ("PATCH", ["ssl", "advanced", c, "redeploy"]) if version == Version::V3 => {
                    AdvancedRedeploy(s, w, id(c)?)
                }
                ("PATCH", ["ssl", c]) => UpdateSsl(s, w, id(c)?),
                ("PUT", ["ssl", c]) => RedeploySsl(s, w, id(c)?),
                ("DELETE", ["ssl", c]) => DeleteSsl(s, w, id(c)?),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(r)
}

// ---- auth ---------------------------------------------------------------------------------

pub enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
    Malformed,
}

pub fn parse_auth(header: Option<&str>) -> Auth {
    let Some(h) = header else { return Auth::None };
    let h = h.trim();
    if h.is_empty() {
        return Auth::None;
    }
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Auth::Bearer(rest.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic")
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(rest)
        && let Ok(text) = String::from_utf8(raw)
        && let Some((k, s)) = text.split_once(':')
    {
        return Auth::Basic(k.to_string(), s.to_string());
    }
    Auth::Malformed
}

impl Auth {
    /// The rate-limit key: one window per credential.
    pub fn key(&self) -> String {
        match self {
            Auth::None | Auth::Malformed => "anonymous".into(),
            Auth::Bearer(t) => format!("bearer:{t}"),
            Auth::Basic(k, _) => format!("basic:{k}"),
        }
    }

    /// `Ok(log label)` when the credential opens this API generation, else the 401 message.
    pub fn check(
        &self,
        version: Option<Version>,
        state: &State,
    ) -> Result<&'static str, &'static str> {
        let bearer_ok = |t: &str| state.tokens.iter().any(|x| x == t);
        let basic_ok = |k: &str, s: &str| state.basic.iter().any(|(a, b)| a == k && b == s);
        match (self, version) {
            (Auth::None, _) => Err("Missing API Token."),
            (Auth::Bearer(t), Some(Version::V3) | None) if bearer_ok(t) => Ok("bearer"),
            (Auth::Bearer(t), Some(Version::V2)) if state.v2_accepts_bearer && bearer_ok(t) => {
                Ok("bearer")
            }
            (Auth::Basic(k, s), Some(Version::V2) | None) if basic_ok(k, s) => Ok("basic"),
            // Sanctum-style: a v3 request without a Bearer token has no token at all.
            (Auth::Basic(..), Some(Version::V3)) => Err("Missing API Token."),
            _ => Err("Invalid credentials."),
        }
    }
}

// ---- responses ----------------------------------------------------------------------------

pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// A certificate order this call placed: `http` answers a synchronous issuance only when
    /// Let's Encrypt is done with it.
    pub order: Option<u64>,
}

pub fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body,
        order: None,
    }
}

pub fn message(status: u16, msg: &str) -> Reply {
    Reply {
        status,
        body: json!({ "message": msg }),
        order: None,
    }
}

/// An issuing call's answer, carrying the order it placed.
fn issuing(body: Value, order: u64) -> Reply {
    Reply {
        status: 200,
        body,
        order: Some(order),
    }
}

pub fn not_found_route(method: &str, path: &str) -> Reply {
    message(404, &format!("Route not found: {method} {path}"))
}

/// Laravel's validation envelope: the first message (plus a count) and every field's list.
fn invalid(errors: Vec<(&str, String)>) -> Reply {
    let mut map = Map::new();
    for (field, msg) in &errors {
        map.entry(field.to_string())
            .or_insert_with(|| Value::Array(vec![]))
            .as_array_mut()
            .unwrap()
            .push(Value::String(msg.clone()));
    }
    let mut msg = errors[0].1.clone();
    if errors.len() > 1 {
        let more = errors.len() - 1;
        msg.push_str(&format!(
            " (and {more} more error{})",
            if more == 1 { "" } else { "s" }
        ));
    }
    Reply {
        status: 422,
        body: json!({ "message": msg, "errors": map }),
        order: None,
    }
}

/// How list answers are shaped (`/_sim/config` and the `links_array` / `last_page` faults).
#[derive(Clone, Copy)]
pub struct ListStyle {
    pub links_array: bool,
    pub no_links: bool,
    pub last_page: bool,
}

pub struct Req<'a> {
    pub version: Version,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a Value,
    pub base_url: &'a str,
    pub style: ListStyle,
}

impl Req<'_> {
    fn param(&self, name: &str) -> Option<String> {
        let q = self.query?;
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| percent_decode(v))
        })
    }

    fn field(&self, name: &str) -> Option<&Value> {
        self.body.get(name).filter(|v| !v.is_null())
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The Fractal paginator envelope, or the `meta.lastPage` variant.
/// Only the requested page is rendered, so a page of a 10,000-domain app costs O(page).
fn paginate<T>(req: &Req, items: &[T], render: impl Fn(&T) -> Value) -> Reply {
    let total = items.len();
    let page = req
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let per_page_given = req.param("perPage");
    let per_page = per_page_given
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(20)
        .clamp(1, 40) as usize;
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page);
    let data: Vec<Value> = items
        .iter()
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    if req.style.last_page {
        return ok(json!({
            "data": data,
            "meta": { "currentPage": page, "lastPage": total_pages, "perPage": per_page, "total": total },
        }));
    }
    let link = |p: usize| {
        let mut url = format!("{}{}?page={p}", req.base_url, req.path);
        if per_page_given.is_some() {
            url.push_str(&format!("&perPage={per_page}"));
        }
        Value::String(url)
    };
    let mut links = Map::new();
    if page > 1 {
        links.insert("previous".into(), link((page - 1).min(total_pages)));
    }
    if page < total_pages {
        links.insert("next".into(), link(page + 1));
    }
    let links = if links.is_empty() && req.style.links_array {
        json!([])
    } else {
        Value::Object(links)
    };
    let count = data.len();
    let mut pagination = json!({
        "total": total,
        "count": count,
        "per_page": per_page,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    });
    if req.style.no_links {
        pagination.as_object_mut().unwrap().remove("links");
    }
    ok(json!({ "data": data, "meta": { "pagination": pagination } }))
}

fn search_filter(req: &Req, name: &str) -> bool {
    match req.param("search") {
        Some(s) if !s.is_empty() => name.to_ascii_lowercase().contains(&s.to_ascii_lowercase()),
        _ => true,
    }
}

/// Laravel's `boolean` rule, plus the `"true"`/`"false"` strings some shell clients send.
fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if n.as_i64() == Some(0) => Some(false),
        Value::Number(n) if n.as_i64() == Some(1) => Some(true),
        Value::String(s) => match s.as_str() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn bool_field(
    req: &Req,
    name: &str,
    errors: &mut Vec<(&'static str, String)>,
    field: &'static str,
) -> Option<bool> {
    let v = req.field(name)?;
    let b = as_bool(v);
    if b.is_none() {
        errors.push((field, format!("The {name} field must be true or false.")));
    }
    b
}

// ---- dispatch -----------------------------------------------------------------------------

const SERVER_NOT_FOUND: &str = "Server not found.";
const APP_NOT_FOUND: &str = "Web application not found.";
const DOMAIN_NOT_FOUND: &str = "Domain not found.";
const SSL_NOT_FOUND: &str = "SSL certificate not found.";

pub fn exec(inner: &mut Inner, route: Route, req: &Req) -> Reply {
    use Route::*;
    // Asynchronous issuances whose time has come are done before anyone looks.
    crate::issuance::finish_due(inner);
    let state = &mut inner.state;
    // Existence checks shared by every nested route.
    let (s, w) = match route {
        Ping | ListServers => (None, None),
        ShowServer(s) | ListApps(s) => (Some(s), None),
        ShowApp(s, w)
        | ListDomains(s, w)
        | CreateDomain(s, w)
        | GetSsl(s, w)
        | InstallSsl(s, w)
        | GetAdvanced(s, w)
        | SetAdvanced(s, w)
        | UpdateSsl(s, w, _)
        | RedeploySsl(s, w, _)
        | DeleteSsl(s, w, _)
        | AdvancedRedeploy(s, w, _)
        | ShowDomain(s, w, _)
        | DeleteDomain(s, w, _)
        | DomainMeta(s, w, _)
        | DomainDns(s, w, _)
        | GetDomainSsl(s, w, _)
        | InstallDomainSsl(s, w, _)
        | UpdateDomainSsl(s, w, _, _)
        | RedeployDomainSsl(s, w, _, _)
        | DeleteDomainSsl(s, w, _, _) => (Some(s), Some(w)),
    };
    if let Some(s) = s {
        let Some(server) = state.servers.get(&s) else {
            return message(404, SERVER_NOT_FOUND);
        };
        if let Some(w) = w
            && !server.webapps.contains_key(&w)
        {
            return message(404, APP_NOT_FOUND);
        }
    }
    let domain_of = |state: &State, s: u64, w: u64, d: u64| -> Option<usize> {
        state.app(s, w)?.domain_index(d)
    };
    match route {
        Ping => ok(json!({ "message": "pong" })),
        ListServers => {
            let items: Vec<_> = state
                .servers
                .values()
                .filter(|x| search_filter(req, &x.name))
                .collect();
            paginate(req, &items, |x| x.to_json())
        }
        ShowServer(s) => ok(state.servers[&s].to_json()),
        ListApps(s) => {
            let items: Vec<_> = state.servers[&s]
                .webapps
                .values()
                .filter(|a| search_filter(req, &a.name))
                .collect();
            paginate(req, &items, |a| a.to_json(s))
        }
        ShowApp(s, w) => ok(state.app(s, w).unwrap().to_json(s)),
        ListDomains(s, w) => {
            let app = state.app(s, w).unwrap();
            paginate(req, &app.domains, |d| d.to_json())
        }
        CreateDomain(s, w) => create_domain(state, s, w, req),
        ShowDomain(s, w, d) => match domain_of(state, s, w, d) {
            Some(i) => ok(state.app(s, w).unwrap().domains[i].to_json()),
            None => message(404, DOMAIN_NOT_FOUND),
        },
        DeleteDomain(s, w, d) => match domain_of(state, s, w, d) {
            None => message(404, DOMAIN_NOT_FOUND),
            Some(i) if state.app(s, w).unwrap().domains[i].kind == "primary" => {
                message(422, "The primary domain cannot be deleted.")
            }
            Some(_) => ok(state.remove_domain(s, w, d).unwrap().to_json()),
        },
        DomainMeta(s, w, d) => domain_meta(state, s, w, d, req),
        DomainDns(s, w, d) => match domain_of(state, s, w, d) {
            None => message(404, DOMAIN_NOT_FOUND),
            Some(i) => {
                let name = state.app(s, w).unwrap().domains[i].name.clone();
                let ip = state.servers[&s].ip_address.clone();
                ok(json!([
                    { "type": "A", "hostname": name, "content": ip },
                    { "type": "CNAME", "hostname": format!("www.{name}"), "content": name },
                ]))
            }
        },
        GetSsl(s, w) => match state.app(s, w).unwrap().basic_cert.as_ref() {
            Some(c) => ok(c.to_json()),
            None => no_certificate(&inner.config.no_ssl_answer),
        },
        InstallSsl(s, w) => {
            let app = state.app(s, w).unwrap();
            if app.ssl_mode == SslMode::Advanced {
                return message(
                    422,
                    "Basic SSL cannot be installed while Advanced SSL is enabled.",
                );
            }
            if app.basic_cert.is_some() {
                return message(422, "This web application already has an SSL certificate.");
            }
            let names = app.certificate_names();
            let cert = match install_body(state, req, names.len()) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let ssl_id = cert.id;
            let custom = cert.method == "custom";
            state.app_mut(s, w).unwrap().basic_cert = Some(cert);
            if custom {
                let app = state.app_mut(s, w).unwrap();
                let cert = app.basic_cert.as_mut().unwrap();
                cert.names = names;
                return ok(cert.to_json());
            }
            let order = crate::issuance::place(
                inner,
                req.version.name(),
                "POST /ssl",
                s,
                w,
                None,
                ssl_id,
                names,
            );
            let body = inner
                .state
                .app(s, w)
                .unwrap()
                .basic_cert
                .as_ref()
                .unwrap()
                .to_json();
            issuing(body, order)
        }
        UpdateSsl(s, w, c) => {
            let app = state.app_mut(s, w).unwrap();
            let Some(cert) = app.basic_cert.as_mut().filter(|x| x.id == c) else {
                return message(404, SSL_NOT_FOUND);
            };
            match update_cert(cert, req) {
                Ok(()) => ok(cert.to_json()),
                Err(r) => r,
            }
        }
        RedeploySsl(s, w, c) | AdvancedRedeploy(s, w, c) => {
            let app = state.app_mut(s, w).unwrap();
            let names = app.certificate_names();
            let Some(cert) = app.basic_cert.as_mut().filter(|x| x.id == c) else {
                return message(404, SSL_NOT_FOUND);
            };
            if cert.method != "letsencrypt" {
                return message(422, "Only Let's Encrypt certificates can be redeployed.");
            }
            if names.len() > 100 {
                return san_limit(names.len());
            }
            let label = if matches!(route, AdvancedRedeploy(..)) {
                "PATCH /ssl/advanced/{id}/redeploy"
            } else {
                "PUT /ssl/{id}"
            };
            let order =
                crate::issuance::place(inner, req.version.name(), label, s, w, None, c, names);
            let body = if matches!(route, AdvancedRedeploy(..)) {
                json!({ "message": "SSL certificate has been successfully redeployed." })
            } else {
                inner
                    .state
                    .app(s, w)
                    .unwrap()
                    .basic_cert
                    .as_ref()
                    .unwrap()
                    .to_json()
            };
            issuing(body, order)
        }
        DeleteSsl(s, w, c) => {
            let app = state.app_mut(s, w).unwrap();
            if app.basic_cert.as_ref().map(|x| x.id) != Some(c) {
                return message(404, SSL_NOT_FOUND);
            }
            ok(app.basic_cert.take().unwrap().to_json())
        }
        GetAdvanced(s, w) => ok(advanced_json(state.app(s, w).unwrap())),
        SetAdvanced(s, w) => {
            let mut errors = Vec::new();
            let advanced = bool_field(req, "advancedSSL", &mut errors, "advancedSSL");
            let auto = bool_field(req, "autoSSL", &mut errors, "autoSSL");
            if req.field("advancedSSL").is_none() {
                errors.push((
                    "advancedSSL",
                    "The advanced s s l field is required.".into(),
                ));
            }
            if !errors.is_empty() {
                return invalid(errors);
            }
            let app = state.app_mut(s, w).unwrap();
            app.ssl_mode = if advanced == Some(true) {
                SslMode::Advanced
            } else {
                SslMode::Basic
            };
            if let Some(a) = auto {
                app.auto_ssl = a;
            }
            ok(advanced_json(app))
        }
        GetDomainSsl(s, w, d)
        | InstallDomainSsl(s, w, d)
        | UpdateDomainSsl(s, w, d, _)
        | RedeployDomainSsl(s, w, d, _)
        | DeleteDomainSsl(s, w, d, _) => {
            let Some(i) = domain_of(state, s, w, d) else {
                return message(404, DOMAIN_NOT_FOUND);
            };
            if state.app(s, w).unwrap().ssl_mode != SslMode::Advanced {
                return message(422, "Advanced SSL is not enabled for this web application.");
            }
            domain_ssl(inner, route, s, w, i, req)
        }
    }
}

fn create_domain(state: &mut State, s: u64, w: u64, req: &Req) -> Reply {
    let mut errors = Vec::new();
    let name = match req.field("name") {
        None => {
            errors.push(("name", "The name field is required.".to_string()));
            None
        }
        Some(Value::String(n)) if n.trim().is_empty() => {
            errors.push(("name", "The name field is required.".to_string()));
            None
        }
        Some(Value::String(n)) => Some(n.trim().to_string()),
        Some(_) => {
            errors.push(("name", "The name must be a string.".to_string()));
            None
        }
    };
    let www = bool_field(req, "www", &mut errors, "www").unwrap_or(false);
    let wildcard = bool_field(req, "wildcard", &mut errors, "wildcard").unwrap_or(false);
    let redirection = enum_field(req, "redirection", &REDIRECTIONS, "none", &mut errors);
    let kind = enum_field(req, "type", &["alias"], "alias", &mut errors);
    if let Some(n) = &name {
        if !crate::state::valid_hostname(&n.to_ascii_lowercase()) {
            errors.insert(0, ("name", AddError::Invalid(n.clone()).message()));
        } else if state.servers[&s]
            .names
            .contains_key(&n.to_ascii_lowercase())
        {
            errors.insert(0, ("name", AddError::Duplicate(n.clone()).message()));
        }
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    let new = NewDomain {
        name: name.unwrap(),
        kind,
        www,
        redirection,
        wildcard,
    };
    match state.add_domain(s, w, new) {
        Ok(d) => ok(d.to_json()),
        Err(e) => invalid(vec![("name", e.message())]),
    }
}

fn enum_field(
    req: &Req,
    name: &'static str,
    allowed: &[&str],
    default: &str,
    errors: &mut Vec<(&'static str, String)>,
) -> String {
    match req.field(name) {
        None => default.to_string(),
        Some(Value::String(v)) if allowed.contains(&v.as_str()) => v.clone(),
        Some(_) => {
            errors.push((name, format!("The selected {name} is invalid.")));
            default.to_string()
        }
    }
}

fn domain_meta(state: &mut State, s: u64, w: u64, d: u64, req: &Req) -> Reply {
    let Some(i) = state.app(s, w).unwrap().domain_index(d) else {
        return message(404, DOMAIN_NOT_FOUND);
    };
    let current_kind = state.app(s, w).unwrap().domains[i].kind.clone();
    let mut errors = Vec::new();
    let www = bool_field(req, "www", &mut errors, "www");
    let redirection = req
        .field("redirection")
        .map(|_| enum_field(req, "redirection", &REDIRECTIONS, "none", &mut errors));
    // The type of a domain is fixed at creation; the docs' example re-sends the current one.
    if req.field("type").is_some() {
        enum_field(req, "type", &[current_kind.as_str()], "alias", &mut errors);
    }
    if !errors.is_empty() {
        return invalid(errors);
    }
    let domain = &mut state.app_mut(s, w).unwrap().domains[i];
    if let Some(www) = www {
        domain.www = www;
    }
    if let Some(r) = redirection {
        domain.redirection = r;
    }
    ok(json!({ "message": "Domain settings have been successfully updated." }))
}

fn san_limit(n: usize) -> Reply {
    message(
        422,
        &format!(
            "A Let's Encrypt certificate can cover at most 100 names; this web application has {n}."
        ),
    )
}

/// Validates an install body (§5.2) and builds the certificate.
fn install_body(state: &mut State, req: &Req, names: usize) -> Result<crate::state::Cert, Reply> {
    let mut errors = Vec::new();
    let provider = match req.field("provider") {
        Some(Value::String(p)) if p == "letsencrypt" || p == "custom" => p.clone(),
        Some(_) => {
            errors.push(("provider", "The selected provider is invalid.".to_string()));
            String::new()
        }
        None => {
            errors.push(("provider", "The provider field is required.".to_string()));
            String::new()
        }
    };
    let http = bool_field(req, "enableHttp", &mut errors, "enableHttp");
    let hsts = bool_field(req, "enableHsts", &mut errors, "enableHsts");
    let mut auth_method = None;
    let mut staging = false;
    let mut api_id = None;
    if provider == "letsencrypt" {
        auth_method = Some(required_enum(
            req,
            "authorizationMethod",
            &["http-01", "dns-01"],
            &mut errors,
        ));
        staging = required_enum(req, "environment", &["live", "staging"], &mut errors) == "staging";
        if auth_method.as_deref() == Some("dns-01") {
            match req
                .field("externalApi")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            {
                Some(id) => api_id = Some(id),
                None => errors.push((
                    "externalApi",
                    "The external api field is required when authorization method is dns-01."
                        .to_string(),
                )),
            }
        }
        if names > 100 {
            return Err(san_limit(names));
        }
    } else if provider == "custom" {
        for field in ["privateKey", "certificate"] {
            let pem = req.field(field).and_then(Value::as_str).unwrap_or("");
            if !pem.contains("-----BEGIN ") || !pem.contains("-----END ") {
                errors.push((
                    if field == "privateKey" {
                        "privateKey"
                    } else {
                        "certificate"
                    },
                    format!("The {field} field must be a PEM block."),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let mut cert = state.new_cert(&provider, auth_method.as_deref());
    cert.enable_http = http.unwrap_or(false);
    cert.enable_hsts = hsts.unwrap_or(false);
    cert.staging = staging;
    cert.api_id = api_id;
    Ok(cert)
}

fn required_enum(
    req: &Req,
    name: &'static str,
    allowed: &[&str],
    errors: &mut Vec<(&'static str, String)>,
) -> String {
    match req.field(name) {
        Some(Value::String(v)) if allowed.contains(&v.as_str()) => v.clone(),
        Some(_) => {
            errors.push((name, format!("The selected {name} is invalid.")));
            String::new()
        }
        None => {
            errors.push((name, format!("The {name} field is required.")));
            String::new()
        }
    }
}

fn update_cert(cert: &mut crate::state::Cert, req: &Req) -> Result<(), Reply> {
    let mut errors = Vec::new();
    let http = bool_field(req, "enableHttp", &mut errors, "enableHttp");
    let hsts = bool_field(req, "enableHsts", &mut errors, "enableHsts");
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    if let Some(h) = http {
        cert.enable_http = h;
    }
    if let Some(h) = hsts {
        cert.enable_hsts = h;
    }
    Ok(())
}

fn advanced_json(app: &WebApp) -> Value {
    json!({
        "advancedSSL": app.ssl_mode == SslMode::Advanced,
        "autoSSL": app.auto_ssl,
        "sslCertificate": app.basic_cert.as_ref().map(|c| c.to_json()),
    })
}

/// `GET /ssl` (and a domain's) when there is no certificate: 200 `{}`, or ansible's
/// reading of RunCloud, `{"message":"SSL not installed!"}` with a status we do not know.
fn no_certificate(style: &str) -> Reply {
    match style {
        "message_200" => message(200, "SSL not installed!"),
        "message_404" => message(404, "SSL not installed!"),
        "message_422" => message(422, "SSL not installed!"),
        _ => ok(json!({})),
    }
}

/// Advanced mode: one certificate per domain (§5.1).
fn domain_ssl(inner: &mut Inner, route: Route, s: u64, w: u64, i: usize, req: &Req) -> Reply {
    use Route::*;
    let state = &mut inner.state;
    let domain = &state.app(s, w).unwrap().domains[i];
    let d = domain.id;
    let mut names = vec![domain.name.clone()];
    if domain.www {
        names.push(format!("www.{}", domain.name));
    }
    match route {
        GetDomainSsl(..) => match domain.ssl.as_ref() {
            Some(c) => ok(c.to_json()),
            None => no_certificate(&inner.config.no_ssl_answer),
        },
        InstallDomainSsl(..) => {
            if domain.ssl.is_some() {
                return message(422, "This domain already has an SSL certificate.");
            }
            let cert = match install_body(state, req, names.len()) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let ssl_id = cert.id;
            let custom = cert.method == "custom";
            state.app_mut(s, w).unwrap().domains[i].ssl = Some(cert);
            if custom {
                state.app_mut(s, w).unwrap().domains[i]
                    .ssl
                    .as_mut()
                    .unwrap()
                    .names = names;
                return ok(json!({}));
            }
            let order = crate::issuance::place(
                inner,
                req.version.name(),
                "POST /domains/{d}/ssl",
                s,
                w,
                Some(d),
                ssl_id,
                names,
            );
            issuing(json!({}), order)
        }
        UpdateDomainSsl(_, _, _, c)
        | RedeployDomainSsl(_, _, _, c)
        | DeleteDomainSsl(_, _, _, c) => {
            let domain = &mut state.app_mut(s, w).unwrap().domains[i];
            let Some(cert) = domain.ssl.as_mut().filter(|x| x.id == c) else {
                return message(404, SSL_NOT_FOUND);
            };
            match route {
                UpdateDomainSsl(..) => match update_cert(cert, req) {
                    Ok(()) => ok(json!({})),
                    Err(r) => r,
                },
                RedeployDomainSsl(..) => {
                    if cert.method != "letsencrypt" {
                        return message(422, "Only Let's Encrypt certificates can be redeployed.");
                    }
                    let order = crate::issuance::place(
                        inner,
                        req.version.name(),
                        "PUT /domains/{d}/ssl/{id}",
                        s,
                        w,
                        Some(d),
                        c,
                        names,
                    );
                    issuing(json!({}), order)
                }
                _ => ok(domain.ssl.take().unwrap().to_json()),
            }
        }
        _ => unreachable!("only per-domain SSL routes come here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_exist_only_with_numeric_ids_the_right_verb_and_no_trailing_slash() {
        let r = |m, p: &str| route(Version::V3, m, &p.split('/').collect::<Vec<_>>());
        assert_eq!(
            r("GET", "servers/1/webapps/2/domains"),
            Some(Route::ListDomains(1, 2))
        );
        assert_eq!(r("GET", "servers/1/webapps/2/domains/"), None);
        assert_eq!(r("PUT", "servers/1/webapps/2/domains"), None);
        assert_eq!(r("GET", "servers/x/webapps/2/domains"), None);
        assert_eq!(
            r("PATCH", "servers/1/webapps/2/ssl/advanced/9/redeploy"),
            Some(Route::AdvancedRedeploy(1, 2, 9))
        );
        assert_eq!(
            route(
                Version::V2,
                "PATCH",
                &"servers/1/webapps/2/ssl/advanced/9/redeploy"
                    .split('/')
                    .collect::<Vec<_>>()
            ),
            None,
            "the advanced redeploy route is v3-only"
        );
    }

    #[test]
    fn percent_decoding_handles_escapes_plus_and_stray_percent_signs() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
