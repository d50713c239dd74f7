//! The JSON-RPC 2.0 envelope vAPI uses (`real-deployment.md` § 4): one method, `invoke`, whose
//! params name a service and an operation and carry the typed input and the execution context.
//!
//! Both directions are here: a server reads requests and writes responses, a client writes
//! requests and reads responses. Reading a response does not enforce the envelope rules (same
//! `id`, `"jsonrpc":"2.0"`): it keeps what was sent, so a harness can judge it.

use serde_json::{Map, Value as Json, json};

use super::types::TypeError;
use super::value::{Secret, Value};

pub const JSONRPC_VERSION: &str = "2.0";
/// The only method vAPI defines.
pub const INVOKE: &str = "invoke";

/// Security context schemes.
pub const USER_PASS: &str = "com.vmware.vapi.std.security.user_pass";
pub const SESSION_ID: &str = "com.vmware.vapi.std.security.session_id";
pub const SAML_BEARER_TOKEN: &str = "com.vmware.vapi.std.security.saml_bearer_token";

/// Headers the bindings send with each call, naming what the body names.
pub const SERVICE_HEADER: &str = "vapi-service";
pub const OPERATION_HEADER: &str = "vapi-operation";

/// JSON-RPC error codes, the standard ones and vAPI's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ParseError,
    InvalidRequest,
    MethodNotFound,
    InvalidParams,
    InternalError,
    /// vAPI: the `vapi-service`/`vapi-operation` headers name another operation than the body.
    InvalidOperation,
}

impl ErrorCode {
    pub fn code(self) -> i64 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::InternalError => -32603,
            ErrorCode::InvalidOperation => -31001,
        }
    }

    /// The runtime's message for the code.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::ParseError => "Parse error.",
            ErrorCode::InvalidRequest => "Invalid Request.",
            ErrorCode::MethodNotFound => "Method not found.",
            ErrorCode::InvalidParams => "Invalid params.",
            ErrorCode::InternalError => "Internal error.",
            ErrorCode::InvalidOperation => {
                "Mismatching operation identifier in HTTP header and payload"
            }
        }
    }

    /// Parse errors and invalid requests are answered with a null id (the id may not be
    /// known); the runtime's client insists on it.
    pub fn answers_null_id(self) -> bool {
        matches!(self, ErrorCode::ParseError | ErrorCode::InvalidRequest)
    }
}

/// A JSON-RPC protocol error (not a vAPI error: those travel inside `result`).
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    /// Free text; the runtime writes `data` as a string.
    pub data: Option<String>,
}

impl RpcError {
    pub fn new(code: ErrorCode, detail: &str) -> RpcError {
        RpcError {
            code: code.code(),
            message: code.message().to_owned(),
            data: Some(detail.to_owned()),
        }
    }

    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        if let Some(d) = &self.data {
            m.insert("data".into(), json!(d));
        }
        Json::Object(m)
    }
}

/// The credentials a call carries (`ctx.securityCtx`).
#[derive(Debug, Clone, PartialEq)]
pub enum SecurityContext {
    UserPass {
        user: String,
        password: Secret,
    },
    SessionId(Secret),
    /// The SAML assertion XML, as the bindings send it.
    SamlBearerToken(Secret),
    /// A scheme this crate does not speak (e.g. `saml_hok_token`).
    Other {
        scheme_id: String,
    },
}

impl SecurityContext {
    pub fn to_json(&self) -> Json {
        match self {
            SecurityContext::UserPass { user, password } => json!({
                "schemeId": USER_PASS, "userName": user, "password": password.expose()
            }),
            SecurityContext::SessionId(id) => {
                json!({"schemeId": SESSION_ID, "sessionId": id.expose()})
            }
            SecurityContext::SamlBearerToken(t) => {
                json!({"schemeId": SAML_BEARER_TOKEN, "samlToken": t.expose()})
            }
            SecurityContext::Other { scheme_id } => json!({ "schemeId": scheme_id }),
        }
    }

    /// Reads a security context object. A known scheme without its fields is an error; the
    /// caller decides what that means (a server answers Unauthenticated).
    pub fn from_json(j: &Json) -> Result<SecurityContext, String> {
        let field = |name: &str| {
            j.get(name)
                .and_then(Json::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("the security context has no string {name}"))
        };
        let scheme = field("schemeId")?;
        Ok(match scheme.as_str() {
            USER_PASS => SecurityContext::UserPass {
                user: field("userName")?,
                password: Secret::new(field("password")?),
            },
            SESSION_ID => SecurityContext::SessionId(Secret::new(field("sessionId")?)),
            SAML_BEARER_TOKEN => SecurityContext::SamlBearerToken(Secret::new(field("samlToken")?)),
            _ => SecurityContext::Other { scheme_id: scheme },
        })
    }
}

/// `params.ctx`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionContext {
    /// `appCtx`: free-form strings (`opId`, ...).
    pub app_ctx: Map<String, Json>,
    /// `None` when absent; `Some(Err)` when present but unusable.
    pub security_ctx: Option<Result<SecurityContext, String>>,
}

impl ExecutionContext {
    pub fn with_security(ctx: SecurityContext) -> ExecutionContext {
        ExecutionContext {
            app_ctx: Map::new(),
            security_ctx: Some(Ok(ctx)),
        }
    }

    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("appCtx".into(), Json::Object(self.app_ctx.clone()));
        if let Some(Ok(s)) = &self.security_ctx {
            m.insert("securityCtx".into(), s.to_json());
        }
        Json::Object(m)
    }
}

/// One `invoke` call.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// A string or a number (the bindings send strings).
    pub id: Json,
    pub service_id: String,
    pub operation_id: String,
    pub input: Value,
    pub ctx: ExecutionContext,
}

/// Why a request could not be read: the error to answer with, and the id to answer to
/// (`None` = null).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: Option<Json>,
    pub error: RpcError,
}

impl Request {
    pub fn to_json(&self) -> Json {
        json!({
            "jsonrpc": JSONRPC_VERSION,
            "method": INVOKE,
            "params": {
                "serviceId": self.service_id,
                "operationId": self.operation_id,
                "input": self.input.to_json(),
                "ctx": self.ctx.to_json(),
            },
            "id": self.id,
        })
    }

    /// Reads a request body as the runtime's server does: not JSON is a parse error; not a
    /// JSON-RPC 2.0 request object (batch, notification, bad id) an invalid request; another
    /// method than `invoke` method-not-found; params without service, operation, a typed input
    /// or a context invalid params.
    pub fn parse(body: &[u8]) -> Result<Request, Rejection> {
        let reject = |id: Option<&Json>, code: ErrorCode, detail: &str| Rejection {
            id: if code.answers_null_id() {
                None
            } else {
                id.cloned()
            },
            error: RpcError::new(code, detail),
        };
        let v: Json = serde_json::from_slice(body)
            .map_err(|e| reject(None, ErrorCode::ParseError, &e.to_string()))?;
        let Json::Object(obj) = v else {
            return Err(reject(
                None,
                ErrorCode::InvalidRequest,
                "the request is not a JSON object (vAPI takes no batches)",
            ));
        };
        if obj.get("jsonrpc").and_then(Json::as_str) != Some(JSONRPC_VERSION) {
            return Err(reject(
                None,
                ErrorCode::InvalidRequest,
                "jsonrpc must be \"2.0\"",
            ));
        }
        let id = match obj.get("id") {
            None => {
                return Err(reject(
                    None,
                    ErrorCode::InvalidRequest,
                    "a request without id is a notification, which vAPI does not take",
                ));
            }
            Some(id @ (Json::String(_) | Json::Number(_) | Json::Null)) => id.clone(),
            Some(_) => {
                return Err(reject(
                    None,
                    ErrorCode::InvalidRequest,
                    "id must be a string, a number or null",
                ));
            }
        };
        let Some(method) = obj.get("method").and_then(Json::as_str) else {
            return Err(reject(
                Some(&id),
                ErrorCode::InvalidRequest,
                "method must be a string",
            ));
        };
        if method != INVOKE {
            return Err(reject(
                Some(&id),
                ErrorCode::MethodNotFound,
                &format!("no method {method:?}: vAPI has only \"invoke\""),
            ));
        }
        let bad_params = |detail: &str| reject(Some(&id), ErrorCode::InvalidParams, detail);
        let Some(Json::Object(params)) = obj.get("params") else {
            return Err(bad_params("params must be an object"));
        };
        let text = |key: &str| {
            params
                .get(key)
                .and_then(Json::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad_params(&format!("params.{key} must be a string")))
        };
        let service_id = text("serviceId")?;
        let operation_id = text("operationId")?;
        let input = match params.get("input") {
            None => return Err(bad_params("params.input is missing")),
            Some(j) => Value::from_json(j)
                .map_err(|e: TypeError| bad_params(&format!("params.input: {e}")))?,
        };
        let Some(Json::Object(ctx)) = params.get("ctx") else {
            return Err(bad_params("params.ctx must be an object"));
        };
        let app_ctx = match ctx.get("appCtx") {
            None | Some(Json::Null) => Map::new(),
            Some(Json::Object(m)) => m.clone(),
            Some(_) => return Err(bad_params("params.ctx.appCtx must be an object")),
        };
        let security_ctx = match ctx.get("securityCtx") {
            None | Some(Json::Null) => None,
            Some(s) => Some(SecurityContext::from_json(s)),
        };
        Ok(Request {
            id,
            service_id,
            operation_id,
            input,
            ctx: ExecutionContext {
                app_ctx,
                security_ctx,
            },
        })
    }
}

/// The outcome of one invocation: its output, or a vAPI error (an `ERROR` value).
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResult {
    Output(Value),
    Error(Value),
}

/// What a response carries.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    Result(MethodResult),
    Protocol(RpcError),
}

/// A response as sent: its `jsonrpc` and `id` members kept as they were, for judging.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// `None` when the member is absent.
    pub jsonrpc: Option<Json>,
    /// `None` when the member is absent (null is `Some(Json::Null)`).
    pub id: Option<Json>,
    pub body: ResponseBody,
}

impl Response {
    /// A result answer to `id`.
    pub fn result(id: &Json, result: MethodResult) -> Json {
        let result = match result {
            MethodResult::Output(v) => json!({ "output": v.to_json() }),
            MethodResult::Error(e) => json!({ "error": e.to_json() }),
        };
        json!({"jsonrpc": JSONRPC_VERSION, "id": id, "result": result})
    }

    /// A protocol error answer (`id` `None` = null).
    pub fn error(id: Option<&Json>, error: &RpcError) -> Json {
        json!({"jsonrpc": JSONRPC_VERSION, "id": id.cloned().unwrap_or(Json::Null), "error": error.to_json()})
    }

    /// Reads a response body. Fails only when there is nothing to judge: not JSON, not an
    /// object, neither (or both) of `result` and `error`, or values that are not typed values.
    pub fn parse(body: &[u8]) -> Result<Response, String> {
        let v: Json =
            serde_json::from_slice(body).map_err(|e| format!("the response is not JSON: {e}"))?;
        let Json::Object(obj) = v else {
            return Err("the response is not a JSON object".into());
        };
        let body = match (obj.get("result"), obj.get("error")) {
            (Some(r), None) => {
                let Json::Object(r) = r else {
                    return Err("result is not an object".into());
                };
                match (r.get("output"), r.get("error")) {
                    (Some(o), None) => ResponseBody::Result(MethodResult::Output(
                        Value::from_json(o).map_err(|e| format!("result.output: {e}"))?,
                    )),
                    (None, Some(e)) => ResponseBody::Result(MethodResult::Error(
                        Value::from_json(e).map_err(|e| format!("result.error: {e}"))?,
                    )),
                    _ => return Err("result must hold exactly one of output and error".into()),
                }
            }
            (None, Some(e)) => ResponseBody::Protocol(RpcError {
                code: e
                    .get("code")
                    .and_then(Json::as_i64)
                    .ok_or("error.code is not an integer")?,
                message: e
                    .get("message")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                data: e.get("data").map(|d| match d {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                }),
            }),
            _ => return Err("a response holds exactly one of result and error".into()),
        };
        Ok(Response {
            jsonrpc: obj.get("jsonrpc").cloned(),
            id: obj.get("id").cloned(),
            body,
        })
    }
}

#[cfg(test)]
mod tests;
