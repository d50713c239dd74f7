//! Helpers for the mock's tests: the default world, and requests sent to the app directly.

use std::path::Path;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use base64::Engine;
use serde_json::Value;
use tower::ServiceExt;

use crate::model::World;

use super::defect::Defect;
use super::{app, state};

pub(super) const ADMIN: (&str, &str) = ("administrator@vsphere.local", "Adm1n!mock-only");
pub(super) const READONLY: (&str, &str) = ("readonly@vsphere.local", "Read0nly!mock-only");
pub(super) const OPERATOR: (&str, &str) = ("operator@vsphere.local", "0perator!mock-only");
pub(super) const NO_STORAGE: (&str, &str) = ("no-storage@vsphere.local", "N0storage!mock-only");
pub(super) const NO_FOLDER: (&str, &str) = ("no-folder@vsphere.local", "N0folder!mock-only");
pub(super) const NO_POOL: (&str, &str) = ("no-pool@vsphere.local", "N0pool!mock-only");
pub(super) const APPS_FOLDER: (&str, &str) = ("apps-folder@vsphere.local", "Apps!mock-only");
pub(super) const SHARED_POOL: (&str, &str) = ("shared-pool@vsphere.local", "Shared!mock-only");
pub(super) const NO_PROPAGATE: (&str, &str) = ("no-propagate@vsphere.local", "N0prop!mock-only");

pub(super) fn default_world() -> World {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/default.toml"
    ));
    World::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// A response, read whole.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub(super) fn error_type(&self) -> String {
        self.json()["error_type"].as_str().unwrap_or("").to_owned()
    }

    pub(super) fn message_id(&self) -> String {
        self.json()["messages"][0]["id"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Asserts a vAPI error of this status and type, with a JSON content type.
    pub(super) fn assert_error(&self, status: u16, error_type: &str) {
        assert_eq!(
            (self.status, self.error_type().as_str()),
            (status, error_type),
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
        let v = self.json();
        let m = &v["messages"][0];
        assert!(
            m["id"].is_string() && m["default_message"].is_string() && m["args"].is_array(),
            "{v}"
        );
    }
}

/// The app over the default world, with defects.
pub(super) struct Mock {
    pub app: Router,
}

impl Mock {
    pub(super) fn new() -> Mock {
        Mock::with(&[])
    }

    pub(super) fn with(defects: &[Defect]) -> Mock {
        Mock {
            app: app(state(default_world(), defects, false)),
        }
    }

    pub(super) async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let body = to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            content_type,
            body,
        }
    }

    pub(super) async fn call(
        &self,
        method: &str,
        uri: &str,
        session: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(s) = session {
            b = b.header("vmware-api-session-id", s);
        }
        let body = match body {
            Some(text) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(text.to_owned())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    pub(super) async fn login(&self, who: (&str, &str)) -> String {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", who.0, who.1));
        let r = self
            .send(
                Request::post("/api/session")
                    .header(header::AUTHORIZATION, format!("Basic {basic}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, 201, "login of {}", who.0);
        r.json().as_str().unwrap().to_owned()
    }

    pub(super) async fn restore(
        &self,
        session: &str,
        cluster: &str,
        vm: &str,
        body: &str,
    ) -> Reply {
        self.call(
            "POST",
            &format!("/api/snapservice/clusters/{cluster}/virtual-machines/{vm}?action=restore&vmw-task=true"),
            Some(session),
            Some(body),
        )
        .await
    }

    pub(super) async fn control(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        self.call(method, path, None, body).await
    }

    pub(super) async fn state(&self) -> Value {
        self.control("GET", "/__mock/state", None).await.json()
    }

    /// Polls a task until it is terminal (or 2 s pass); the last Info.
    pub(super) async fn wait_task(&self, session: &str, task: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            let r = self
                .call(
                    "GET",
                    &format!("/api/cis/tasks/{task}"),
                    Some(session),
                    None,
                )
                .await;
            assert_eq!(r.status, 200);
            let v = r.json();
            let s = v["status"].as_str().unwrap_or("");
            if s == "SUCCEEDED" || s == "FAILED" || std::time::Instant::now() > deadline {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Live VMs named `name` in `folder`.
    pub(super) async fn vms_named(&self, session: &str, name: &str, folder: &str) -> Vec<Value> {
        let r = self
            .call(
                "GET",
                &format!("/api/vcenter/vm?names={}&folders={folder}", urlenc(name)),
                Some(session),
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        r.json().as_array().unwrap().clone()
    }
}

pub(super) fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
