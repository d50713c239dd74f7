//! The mock's JSON-RPC face: `POST /api` (8.0U3) and `POST /snapservice` (9.0+), the wire form of
//! VMware's official bindings (`real-deployment.md` § 4).
//!
//! The envelope and the typed values are `crate::vapi`'s; the decisions are the REST face's own
//! (`restore::decide`, `tasks::read_info`, `discovery::*`, the session store), so both faces
//! share one state and one set of decisions. This module only reads the wire into them and
//! writes their answers back:
//! - protocol problems (not JSON, not a JSON-RPC 2.0 request, another method than `invoke`,
//!   params that are not a service, an operation, a typed input and a context, headers naming
//!   another operation) are JSON-RPC errors;
//! - everything else, unknown services and operations included, is HTTP 200 with `result`:
//!   the output, or a standard vAPI error (`errors.rs`). The runtime's own server answers
//!   unknown services and operations with `operation_not_found` in `result`
//!   (`vmware/vapi/provider/local.py`), and so does this face.

mod auth;
mod errors;
mod ops;

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;

use crate::vapi::envelope::{OPERATION_HEADER, SERVICE_HEADER};
use crate::vapi::{ErrorCode, Request, Response as RpcResponse, RpcError, ids};

use super::defect::Defect;
use super::error::{ApiError, json_response};
use super::restore::BODY_LIMIT;
use super::state::{AppState, FaultScope};

/// Defects whose broken promise exists only on the REST wire (a status code, a content type,
/// a body that is not JSON): the JSON-RPC face does not show them. Every other defect shows on
/// both faces.
pub const REST_ONLY: &[Defect] = &[
    Defect::Accepts200,
    Defect::TextPlainErrors,
    Defect::MalformedBodyAs500,
];

/// `POST /api`, `POST /snapservice`. Other methods on these paths are the REST face's 404.
pub(super) async fn handler(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        return ApiError::no_resource(uri.path()).into_response();
    }
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return reply(&RpcResponse::error(
            None,
            &RpcError::new(
                ErrorCode::InvalidRequest,
                "the request is larger than 1 MiB",
            ),
        ));
    };
    let req = match Request::parse(&bytes) {
        Ok(r) => r,
        Err(rejection) => {
            return reply(&RpcResponse::error(rejection.id.as_ref(), &rejection.error));
        }
    };
    if let Some(e) = header_mismatch(&headers, &req) {
        return reply(&RpcResponse::error(Some(&req.id), &e));
    }
    // An injected fault answers before any decision, as on the REST face.
    let is_restore =
        req.service_id == ids::VIRTUAL_MACHINES && req.operation_id == ids::RESTORE_TASK;
    let scope = if is_restore {
        FaultScope::Restore
    } else {
        FaultScope::Api
    };
    if let Some(status) = state.take_fault(scope) {
        return fault(&state, &req.id, status);
    }
    let now = Instant::now();
    match ops::invoke(&state, &req, now) {
        Ok(result) => reply(&RpcResponse::result(&req.id, result)),
        // The mock failed to encode its own answer: a bug, answered as the runtime answers an
        // unexpected server failure rather than with a panic.
        Err(e) => reply(&RpcResponse::error(
            Some(&req.id),
            &RpcError::new(ErrorCode::InternalError, &e.to_string()),
        )),
    }
}

/// The runtime's check: when the bindings' `vapi-service`/`vapi-operation` headers are sent,
/// they must name the operation the body names.
fn header_mismatch(headers: &HeaderMap, req: &Request) -> Option<RpcError> {
    let get = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    let (service, operation) = (get(SERVICE_HEADER), get(OPERATION_HEADER));
    if service.is_none() && operation.is_none() {
        return None;
    }
    (service != Some(req.service_id.as_str()) || operation != Some(req.operation_id.as_str())).then(
        || {
            RpcError::new(
                ErrorCode::InvalidOperation,
                "the vapi-service and vapi-operation headers name another operation than the body",
            )
        },
    )
}

/// An injected fault on this face: a `service_unavailable` or `error` vAPI error, unless a
/// fault defect changes it.
fn fault(state: &AppState, id: &Json, status: u16) -> Response {
    let d = state.defects;
    if status != 503 && d.has(Defect::Fault500AsHtml) {
        return super::error::render_fault(status, d);
    }
    let e = if status == 503 && d.has(Defect::UnavailableAs500) {
        ApiError::fault(500)
    } else {
        ApiError::fault(status)
    };
    match errors::error_value(&e, false, d) {
        Ok(v) => reply(&RpcResponse::result(
            id,
            crate::vapi::MethodResult::Error(v),
        )),
        Err(e) => reply(&RpcResponse::error(
            Some(id),
            &RpcError::new(ErrorCode::InternalError, &e.to_string()),
        )),
    }
}

/// Every JSON-RPC answer is HTTP 200 with a JSON body.
fn reply(body: &Json) -> Response {
    json_response(StatusCode::OK, serde_json::to_vec(body).unwrap_or_default())
}
