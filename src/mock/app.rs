//! The axum application: every route, and the answers for everything else. Callable without a
//! socket (tests send requests to it directly), so it never depends on how it is served.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::model::World;

use super::defect::Defect;
use super::error::{ApiError, render_fault};
use super::state::{AppState, FaultScope, Shared, SsoSettings};
use super::{
    control, discovery, jsonrpc, restore, sessions, sts, task_list, tasks, vcenter,
    vcenter_inventory,
};

/// The shared state for a world and a set of defects.
pub fn state(world: World, defects: &[Defect], allow_remote_control: bool) -> AppState {
    Arc::new(Shared::new(world, defects, allow_remote_control))
}

/// The shared state, with how the mock plays single sign-on (token lifetime, split roles).
pub fn state_with_sso(
    world: World,
    defects: &[Defect],
    allow_remote_control: bool,
    sso: SsoSettings,
) -> AppState {
    Arc::new(Shared::with_sso(world, defects, allow_remote_control, sso))
}

/// The mock as a router over `state`.
pub fn app(state: AppState) -> Router {
    let vms = "/api/snapservice/clusters/{cluster}/virtual-machines";
    Router::new()
        .route(
            "/api/session",
            post(sessions::create)
                .get(sessions::get)
                .delete(sessions::delete),
        )
        .route(
            "/api/snapservice/sessions",
            post(sessions::create_snapservice)
                .get(sessions::get)
                .delete(sessions::delete),
        )
        .route(vms, get(discovery::list_vms))
        .route(
            &format!("{vms}/{{vm}}"),
            post(restore::handler).get(discovery::get_vm),
        )
        .route(
            &format!("{vms}/{{vm}}/snapshots"),
            get(discovery::list_snapshots),
        )
        .route(
            &format!("{vms}/{{vm}}/snapshots/{{snapshot}}"),
            get(discovery::get_snapshot),
        )
        .route(sts::PATH, post(sts::issue))
        .route("/api/cis/tasks", post(task_list::list))
        .route("/api/cis/tasks/{task}", get(tasks::get))
        .route("/api/snapservice/tasks/{task}", get(tasks::get))
        .route("/api/vcenter/vm", get(vcenter::list))
        .route(
            "/api/vcenter/vm/{vm}",
            get(vcenter::get).delete(vcenter::delete),
        )
        .route(
            "/api/vcenter/vm/{vm}/power",
            get(vcenter::power).post(vcenter::power_action),
        )
        .merge(vcenter_inventory::routes())
        // The JSON-RPC endpoints of the official bindings (8.0U3 and 9.0+).
        .route("/api", any(jsonrpc::handler))
        .route("/snapservice", any(jsonrpc::handler))
        .route("/__mock/reset", post(control::reset))
        .route("/__mock/state", get(control::get_state))
        .route("/__mock/principals", post(control::add_principal))
        .route("/__mock/permissions", post(control::add_permission))
        .route(
            "/__mock/settings",
            axum::routing::put(control::put_settings),
        )
        .route("/__mock/tasks/hold", post(control::hold))
        .route("/__mock/tasks/release", post(control::release))
        .route(
            "/__mock/faults",
            post(control::add_fault).delete(control::clear_faults),
        )
        .route("/__mock/faults/task", post(control::add_task_fault))
        .fallback(no_resource)
        .method_not_allowed_fallback(no_operation)
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

async fn no_resource(req: Request) -> Response {
    ApiError::no_resource(req.uri().path()).into_response()
}

async fn no_operation(req: Request) -> Response {
    ApiError::no_operation(req.method().as_str(), req.uri().path()).into_response()
}

/// Whether the peer may use the control plane. Without connection info (a request handed to
/// the router directly, as tests do) the caller is in-process, so it counts as loopback.
fn control_allowed(state: &Shared, req: &Request) -> bool {
    state.allow_remote_control
        || req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none_or(|ConnectInfo(peer)| peer.ip().is_loopback())
}

/// Request headers (names and values, summed) the mock reads at most. Real clients send a few
/// hundred bytes; anything far beyond is refused with a vAPI body rather than processed. (Far
/// larger header blocks never reach here: hyper's own buffer limit closes the connection.)
pub(super) const HEADER_LIMIT: usize = 64 * 1024;

/// Runs before every route: the header size limit, the control plane's peer check, and
/// `/api`-wide injected faults (the JSON-RPC endpoints take theirs themselves, to answer them
/// in their own form).
async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if header_bytes > HEADER_LIMIT {
        let (size, limit) = (header_bytes.to_string(), HEADER_LIMIT.to_string());
        return ApiError::invalid(
            "com.vmware.mock.headers.too_large",
            format!("The request headers ({size} bytes) exceed {limit} bytes."),
            &[&size, &limit],
        )
        .into_response();
    }
    let path = req.uri().path();
    if path.starts_with("/__mock/") || path == "/__mock" {
        if !control_allowed(&state, &req) {
            return ApiError::new(
                crate::model::ErrorType::Unauthorized,
                "com.vmware.mock.control.remote",
                "The control plane only answers loopback clients.".into(),
                &[],
            )
            .into_response();
        }
    } else if path.starts_with("/api/")
        && let Some(status) = state.take_fault(FaultScope::Api)
    {
        return render_fault(status, state.defects);
    }
    next.run(req).await
}
