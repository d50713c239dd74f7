//! The two roles of a real deployment (`real-deployment.md` section 1), for `mock --split`:
//! the snapservice appliance (restore, discovery, snapservice tasks and sessions, the JSON-RPC
//! endpoints, and the mock's control plane) and vCenter (cis sessions, the VM API, cis tasks,
//! the STS). Each listener answers 404, with a vAPI body, for the other role's paths.
//!
//! A listener also only sees the credentials its role issues, as two separate services would:
//! the snapservice one knows SIGN tokens and its own sessions, never Basic or a vCenter
//! session id; vCenter knows Basic and its own sessions, never SIGN tokens or snapservice
//! sessions. The others are removed from the request before any handler runs, so every
//! handler keeps its decision order (authentication first) and simply finds no credential.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use super::app::app;
use super::error::ApiError;
use super::sessions::{Realm, SESSION_HEADER, session_id};
use super::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Snapservice,
    Vcenter,
}

impl Role {
    fn realm(self) -> Realm {
        match self {
            Role::Snapservice => Realm::Snapservice,
            Role::Vcenter => Realm::Vcenter,
        }
    }
}

/// The role that serves `path`; `None` for paths no role serves (they 404 anywhere).
pub fn role_of(path: &str) -> Option<Role> {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/api/snapservice") || under("/__mock") || path == "/api" || path == "/snapservice" {
        Some(Role::Snapservice)
    } else if under("/api/session") || under("/api/vcenter") || under("/api/cis") || under("/sts") {
        Some(Role::Vcenter)
    } else {
        None
    }
}

/// The mock as one role's listener over the shared `state`.
pub fn role_app(state: AppState, role: Role) -> Router {
    app(state.clone()).layer(middleware::from_fn_with_state((state, role), gate))
}

async fn gate(
    State((state, role)): State<(AppState, Role)>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if role_of(path).is_some_and(|r| r != role) {
        return ApiError::no_resource(path).into_response();
    }
    let headers = req.headers_mut();
    if let Some(id) = session_id(headers) {
        let realm = state.lock(std::time::Instant::now()).sessions.realm_of(id);
        if realm.is_some_and(|r| r != role.realm()) {
            headers.remove(SESSION_HEADER);
        }
    }
    let sign = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(crate::sso::is_sign);
    if sign.is_some_and(|sign| sign != (role == Role::Snapservice)) {
        headers.remove(header::AUTHORIZATION);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_their_role() {
        for p in [
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42",
            "/api/snapservice/tasks/t:1",
            "/api/snapservice/sessions",
            "/api",
            "/snapservice",
            "/__mock/state",
        ] {
            assert_eq!(role_of(p), Some(Role::Snapservice), "{p}");
        }
        for p in [
            "/api/session",
            "/api/vcenter/vm/vm-42",
            "/api/cis/tasks/t:1",
            "/sts/STSService/vsphere.local",
        ] {
            assert_eq!(role_of(p), Some(Role::Vcenter), "{p}");
        }
        for p in ["/", "/api/sessions", "/api/snapservicex", "/nope"] {
            assert_eq!(role_of(p), None, "{p}");
        }
    }
}
