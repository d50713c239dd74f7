//! The mock's request handling: a short sequence of requests (arbitrary method, path, query,
//! headers, authentication and body, steered towards the routes and ids of the default world)
//! sent to a fresh mock app in-process, as the mock's unit tests do.
//!
//! Asserted: no handler panics, and every non-2xx answer (except to HEAD, which has no body by
//! HTTP's rules) is a vAPI error: `Content-Type: application/json`, a body that deserializes
//! as `VapiError`, and the status the vAPI REST layer maps its `error_type` to
//! (`src/mock/error.rs` promises this "on every path").
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri, header};
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use snapconf_fuzz::{JVal, pct, pick};
use snapservice_conformance::mock::{app, state};
use snapservice_conformance::model::{VapiError, World};
use snapservice_conformance::oracle::format::is_json_content_type;
use tower::ServiceExt;

struct Env {
    world: World,
    /// Every id of the default world.
    ids: Vec<String>,
    /// (name, password) of every principal with a password.
    principals: Vec<(String, String)>,
    rt: tokio::runtime::Runtime,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/default.toml"
        ));
        let world = World::load(path).unwrap_or_else(|e| panic!("{e}"));
        let ids = world.kinds.keys().cloned().collect();
        let principals = world
            .principals
            .values()
            .filter_map(|p| Some((p.name.clone(), p.password()?)))
            .collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Env {
            world,
            ids,
            principals,
            rt,
        }
    })
}

/// A path segment.
#[derive(Arbitrary, Debug)]
enum Seg {
    /// An id of the world.
    Id(u8),
    /// A string an earlier answer returned (session, task or VM id).
    Seen(u8),
    /// Any text, percent-encoded.
    Text(String),
    /// Any text, spliced in raw (may not even make a valid URI).
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum PathShape {
    Session,
    SnapSession,
    Vms(Seg),
    Vm(Seg, Seg),
    Snapshots(Seg, Seg),
    Snapshot(Seg, Seg, Seg),
    CisTask(Seg),
    SnapTask(Seg),
    VcVms,
    VcVm(Seg),
    VcPower(Seg),
    Control(u8),
    Raw(String),
}

const CONTROL: &[&str] = &[
    "/__mock/reset",
    "/__mock/state",
    "/__mock/principals",
    "/__mock/permissions",
    "/__mock/settings",
    "/__mock/tasks/hold",
    "/__mock/tasks/release",
    "/__mock/faults",
    "/__mock/faults/task",
    "/__mock",
    "/__mock/",
    "/api",
    "/api/",
    "/",
];

#[derive(Arbitrary, Debug)]
enum Query {
    None,
    Restore,
    RestoreNoTask,
    Pairs(Vec<(u8, Seg)>),
    Raw(String),
}

const QUERY_KEYS: &[&str] = &[
    "action",
    "vmw-task",
    "names",
    "folders",
    "vms",
    "hosts",
    "resource_pools",
    "clusters",
    "power_states",
    "in_cluster",
];

#[derive(Arbitrary, Debug)]
enum Auth {
    None,
    /// A real session of a fixture principal (logged in first).
    Principal(u8),
    /// A session of a fixture principal, logged out before the request.
    LoggedOut(u8),
    /// `Authorization: Basic` with a fixture user and any password, or any user.
    Basic(Option<u8>, String, String),
    SessionHeader(Vec<u8>),
    Authorization(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum BodyShape {
    Empty,
    Raw(Vec<u8>),
    Json(JVal),
    Spec {
        snapshot: Option<JVal>,
        name: Option<JVal>,
        placement: Option<Vec<(u8, JVal)>>,
    },
}

#[derive(Arbitrary, Debug)]
enum MethodChoice {
    Get,
    Post,
    Put,
    Delete,
    Head,
    Patch,
    Options,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Req {
    method: MethodChoice,
    path: PathShape,
    query: Query,
    auth: Auth,
    content_type: Option<Option<String>>,
    headers: Vec<(String, Vec<u8>)>,
    body: BodyShape,
}

#[derive(Arbitrary, Debug)]
struct Input {
    reqs: Vec<Req>,
}

struct Run<'a> {
    env: &'a Env,
    app: axum::Router,
    seen: Vec<String>,
    sessions: BTreeMap<usize, String>,
}

impl Run<'_> {
    fn seg(&self, s: &Seg) -> String {
        match s {
            Seg::Id(i) => pct(pick(&self.env.ids, *i)),
            Seg::Seen(i) => pct(pick(&self.seen, *i)),
            Seg::Text(t) => pct(t),
            Seg::Raw(t) => t.clone(),
        }
    }

    fn path(&self, p: &PathShape) -> String {
        let vms = "/api/snapservice/clusters";
        match p {
            PathShape::Session => "/api/session".into(),
            PathShape::SnapSession => "/api/snapservice/sessions".into(),
            PathShape::Vms(c) => format!("{vms}/{}/virtual-machines", self.seg(c)),
            PathShape::Vm(c, v) => {
                format!("{vms}/{}/virtual-machines/{}", self.seg(c), self.seg(v))
            }
            PathShape::Snapshots(c, v) => format!(
                "{vms}/{}/virtual-machines/{}/snapshots",
                self.seg(c),
                self.seg(v)
            ),
            PathShape::Snapshot(c, v, s) => format!(
                "{vms}/{}/virtual-machines/{}/snapshots/{}",
                self.seg(c),
                self.seg(v),
                self.seg(s)
            ),
            PathShape::CisTask(t) => format!("/api/cis/tasks/{}", self.seg(t)),
            PathShape::SnapTask(t) => format!("/api/snapservice/tasks/{}", self.seg(t)),
            PathShape::VcVms => "/api/vcenter/vm".into(),
            PathShape::VcVm(v) => format!("/api/vcenter/vm/{}", self.seg(v)),
            PathShape::VcPower(v) => format!("/api/vcenter/vm/{}/power", self.seg(v)),
            PathShape::Control(i) => CONTROL[*i as usize % CONTROL.len()].into(),
            PathShape::Raw(s) => s.clone(),
        }
    }

    fn query(&self, q: &Query) -> String {
        match q {
            Query::None => String::new(),
            Query::Restore => "?action=restore&vmw-task=true".into(),
            Query::RestoreNoTask => "?action=restore".into(),
            Query::Pairs(pairs) => {
                let parts: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}={}",
                            QUERY_KEYS[*k as usize % QUERY_KEYS.len()],
                            self.seg(v)
                        )
                    })
                    .collect();
                format!("?{}", parts.join("&"))
            }
            Query::Raw(s) => format!("?{s}"),
        }
    }

    fn body(&self, b: &BodyShape) -> Vec<u8> {
        let ids = &self.env.ids;
        match b {
            BodyShape::Empty => Vec::new(),
            BodyShape::Raw(bytes) => bytes.clone(),
            BodyShape::Json(v) => v.to_value(ids).to_string().into_bytes(),
            BodyShape::Spec {
                snapshot,
                name,
                placement,
            } => {
                let mut m = serde_json::Map::new();
                if let Some(s) = snapshot {
                    m.insert("snapshot".into(), s.to_value(ids));
                }
                if let Some(n) = name {
                    m.insert("name".into(), n.to_value(ids));
                }
                if let Some(p) = placement {
                    let keys = ["folder", "resource_pool", "host"];
                    let mut pm = serde_json::Map::new();
                    for (k, v) in p {
                        pm.insert(keys[*k as usize % 3].into(), v.to_value(ids));
                    }
                    m.insert("placement".into(), serde_json::Value::Object(pm));
                }
                serde_json::Value::Object(m).to_string().into_bytes()
            }
        }
    }

    fn basic(user: &str, password: &str) -> String {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {b}")
    }

    /// Sends one request, checks the answer, and returns its status and body.
    async fn send(&mut self, req: Request<Body>) -> (u16, Vec<u8>) {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = to_bytes(resp.into_body(), 64 << 20)
            .await
            .expect("the mock's body can be read")
            .to_vec();
        if !(200..300).contains(&status) && method != Method::HEAD {
            assert!(
                is_json_content_type(ct.as_deref()),
                "{method} {path}: {status} with Content-Type {ct:?}"
            );
            let e: VapiError = serde_json::from_slice(&body).unwrap_or_else(|err| {
                panic!(
                    "{method} {path}: {status} body is not a vAPI error ({err}): {}",
                    String::from_utf8_lossy(&body)
                )
            });
            assert_eq!(
                e.error_type.vapi_status(),
                status,
                "{method} {path}: error_type {} with status {status}",
                e.error_type
            );
        }
        if let Ok(serde_json::Value::String(s)) = serde_json::from_slice(&body) {
            self.seen.push(s);
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
            && let Some(r) = v.get("result").and_then(|r| r.as_str())
        {
            self.seen.push(r.to_owned());
        }
        (status, body)
    }

    async fn login(&mut self, i: u8) -> Option<String> {
        if self.env.principals.is_empty() {
            return None;
        }
        let i = i as usize % self.env.principals.len();
        if let Some(s) = self.sessions.get(&i) {
            return Some(s.clone());
        }
        let (user, password) = self.env.principals[i].clone();
        let req = Request::post("/api/session")
            .header(header::AUTHORIZATION, Self::basic(&user, &password))
            .body(Body::empty())
            .unwrap();
        let (status, body) = self.send(req).await;
        let s = match serde_json::from_slice(&body) {
            Ok(serde_json::Value::String(s)) if status == 201 => s,
            _ => return None,
        };
        self.sessions.insert(i, s.clone());
        Some(s)
    }

    async fn one(&mut self, r: &Req) {
        let uri = format!("{}{}", self.path(&r.path), self.query(&r.query));
        // A URI that does not parse never reaches a server: hyper refuses the request line.
        let Ok(uri) = uri.parse::<Uri>() else { return };
        if uri.path_and_query().is_none() {
            return;
        }
        let method = match &r.method {
            MethodChoice::Get => Method::GET,
            MethodChoice::Post => Method::POST,
            MethodChoice::Put => Method::PUT,
            MethodChoice::Delete => Method::DELETE,
            MethodChoice::Head => Method::HEAD,
            MethodChoice::Patch => Method::PATCH,
            MethodChoice::Options => Method::OPTIONS,
            MethodChoice::Raw(m) => match Method::from_bytes(m.as_bytes()) {
                Ok(m) => m,
                Err(_) => return,
            },
        };
        let mut b = Request::builder().method(method).uri(uri);
        match &r.auth {
            Auth::None => {}
            Auth::Principal(i) => {
                if let Some(s) = self.login(*i).await {
                    b = b.header("vmware-api-session-id", s);
                }
            }
            Auth::LoggedOut(i) => {
                if let Some(s) = self.login(*i).await {
                    let out = Request::delete("/api/session")
                        .header("vmware-api-session-id", &s)
                        .body(Body::empty())
                        .unwrap();
                    self.send(out).await;
                    self.sessions.retain(|_, v| *v != s);
                    b = b.header("vmware-api-session-id", s);
                }
            }
            Auth::Basic(user, other_user, password) => {
                let user = match user {
                    Some(i) if !self.env.principals.is_empty() => self.env.principals
                        [*i as usize % self.env.principals.len()]
                    .0
                    .clone(),
                    _ => other_user.clone(),
                };
                if let Ok(v) = HeaderValue::from_str(&Self::basic(&user, password)) {
                    b = b.header(header::AUTHORIZATION, v);
                }
            }
            Auth::SessionHeader(v) => {
                if let Ok(v) = HeaderValue::from_bytes(v) {
                    b = b.header("vmware-api-session-id", v);
                }
            }
            Auth::Authorization(v) => {
                if let Ok(v) = HeaderValue::from_bytes(v) {
                    b = b.header(header::AUTHORIZATION, v);
                }
            }
        }
        match &r.content_type {
            None => {}
            Some(None) => b = b.header(header::CONTENT_TYPE, "application/json"),
            Some(Some(ct)) => {
                if let Ok(v) = HeaderValue::from_str(ct) {
                    b = b.header(header::CONTENT_TYPE, v);
                }
            }
        }
        for (name, value) in r.headers.iter().take(4) {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value),
            ) {
                b = b.header(n, v);
            }
        }
        let Ok(req) = b.body(Body::from(self.body(&r.body))) else {
            return;
        };
        self.send(req).await;
    }
}

fuzz_target!(|input: Input| {
    let env = env();
    let mut run = Run {
        env,
        app: app(state(env.world.clone(), &[], false)),
        seen: Vec::new(),
        sessions: BTreeMap::new(),
    };
    env.rt.block_on(async {
        for r in input.reqs.iter().take(6) {
            run.one(r).await;
        }
    });
});
