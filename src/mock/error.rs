//! vAPI error responses (`restore-api.md` section 4): every error the mock gives, on every path,
//! is a JSON `Vapi.Std.Errors.*` body with `Content-Type: application/json`, its status the one
//! the vAPI REST layer maps the error type to.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::model::{ErrorType, LocalizableMessage, VapiError};

use super::defect::{Defect, Defects};

pub(super) const JSON: &str = "application/json";

/// An error answer: the vAPI body and the status it goes with.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: VapiError,
}

impl ApiError {
    /// An error of `error_type` with one message; the status follows the vAPI mapping.
    pub fn new(error_type: ErrorType, id: &str, default_message: String, args: &[&str]) -> Self {
        ApiError {
            status: StatusCode::from_u16(error_type.vapi_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: VapiError::new(
                error_type,
                LocalizableMessage::new(id, default_message, args),
            ),
        }
    }

    pub fn invalid(id: &str, default_message: String, args: &[&str]) -> Self {
        ApiError::new(ErrorType::InvalidArgument, id, default_message, args)
    }

    pub fn not_found(id: &str, default_message: String, args: &[&str]) -> Self {
        ApiError::new(ErrorType::NotFound, id, default_message, args)
    }

    pub fn unauthenticated() -> Self {
        let mut e = ApiError::new(
            ErrorType::Unauthenticated,
            "vapi.security.authentication.invalid",
            "Unable to authenticate user".into(),
            &[],
        );
        e.body.challenge = Some("Basic realm=\"VAPI endpoint\"".into());
        e
    }

    pub fn unauthorized(privilege: &str, object: &str) -> Self {
        ApiError::new(
            ErrorType::Unauthorized,
            "vapi.security.authorization.invalid",
            format!("Permission denied: privilege {privilege} is not held on {object}."),
            &[privilege, object],
        )
    }

    /// A request body or parameter that cannot be read (INV-10, bad query values).
    pub fn bad_input(detail: &str) -> Self {
        ApiError::invalid(
            "vapi.method.input.invalid",
            format!("Invalid input: {detail}"),
            &[detail],
        )
    }

    /// A path this server does not serve.
    pub fn no_resource(path: &str) -> Self {
        ApiError::not_found(
            "vapi.resource.not_found",
            format!("No resource at {path}."),
            &[path],
        )
    }

    /// A known path with a method or action it does not support.
    pub fn no_operation(method: &str, path: &str) -> Self {
        ApiError::new(
            ErrorType::OperationNotFound,
            "vapi.method.not_found",
            format!("No operation {method} {path}."),
            &[method, path],
        )
    }

    /// An injected fault (control plane): 500 ERROR or 503 SERVICE_UNAVAILABLE.
    pub fn fault(status: u16) -> Self {
        if status == 503 {
            ApiError::new(
                ErrorType::ServiceUnavailable,
                "com.vmware.snapservice.service.unavailable",
                "The service is temporarily unavailable.".into(),
                &[],
            )
        } else {
            ApiError::new(
                ErrorType::Error,
                "com.vmware.snapservice.internal.error",
                "An internal error occurred.".into(),
                &[],
            )
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The body as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).unwrap_or_else(|_| b"{}".to_vec())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.to_json();
        json_response(self.status, body)
    }
}

/// A response with a JSON body.
pub(super) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    r
}

/// Renders an error of the restore operation, where the error-format defects apply.
pub(super) fn render_restore(err: ApiError, defects: Defects) -> Response {
    let body = if defects.has(Defect::ErrorMessagesEmpty) {
        serde_json::to_vec(&serde_json::json!({
            "error_type": err.body.error_type,
            "messages": [],
            "data": null,
        }))
        .unwrap_or_default()
    } else if defects.has(Defect::ErrorWithoutMessageIds) {
        let messages: Vec<_> = err
            .body
            .messages
            .iter()
            .map(|m| serde_json::json!({ "default_message": m.default_message }))
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "error_type": err.body.error_type,
            "messages": messages,
        }))
        .unwrap_or_default()
    } else {
        err.to_json()
    };
    let mut r = json_response(err.status, body);
    if defects.has(Defect::TextPlainErrors) {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    r
}

/// Renders an injected fault, where the fault defects apply.
pub(super) fn render_fault(status: u16, defects: Defects) -> Response {
    if status == 503 && defects.has(Defect::UnavailableAs500) {
        return ApiError::fault(500).into_response();
    }
    if status != 503 && defects.has(Defect::Fault500AsHtml) {
        let mut r = (
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        )
            .into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    ApiError::fault(status).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_vapi_mapping() {
        assert_eq!(ApiError::unauthenticated().status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            ApiError::unauthorized("p", "o").status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            ApiError::no_operation("GET", "/x").status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(ApiError::bad_input("x").status, StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::fault(503).status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            ApiError::fault(500).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn body_has_type_messages_and_data() {
        let v: serde_json::Value =
            serde_json::from_slice(&ApiError::unauthorized("P", "o-1").to_json()).unwrap();
        assert_eq!(v["error_type"], "UNAUTHORIZED");
        assert_eq!(
            v["messages"][0]["id"],
            "vapi.security.authorization.invalid"
        );
        assert_eq!(v["messages"][0]["args"], serde_json::json!(["P", "o-1"]));
        assert!(v["data"].is_null());
    }

    #[test]
    fn restore_rendering_defects_change_only_what_they_claim() {
        let e = ApiError::bad_input("x");
        let plain = render_restore(e.clone(), Defects::default());
        assert_eq!(plain.headers()[header::CONTENT_TYPE], JSON);
        let text = render_restore(e.clone(), Defects::of(&[Defect::TextPlainErrors]));
        assert!(
            text.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let empty = render_restore(e.clone(), Defects::of(&[Defect::ErrorMessagesEmpty]));
        assert_eq!(empty.headers()[header::CONTENT_TYPE], JSON);
        let html = render_fault(500, Defects::of(&[Defect::Fault500AsHtml]));
        assert!(
            html.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let unav = render_fault(503, Defects::of(&[Defect::UnavailableAs500]));
        assert_eq!(unav.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            render_fault(503, Defects::default()).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
