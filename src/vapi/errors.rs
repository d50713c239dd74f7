//! Standard vAPI errors on the JSON-RPC wire: `{"ERROR":{"com.vmware.vapi.std.errors.<name>":
//! {"messages":[...],"data":{"OPTIONAL":...},"error_type":{"OPTIONAL":"<ERROR_TYPE>"}}}}`.
//!
//! The error's **name** is what a client dispatches on (the bindings pick the exception class
//! from it), as a REST client dispatches on the HTTP status; the `error_type` field is the same
//! in both forms. So the mapping between the two wires is: name <-> status (through the error
//! type the name stands for), `error_type` <-> `error_type`.

use serde_json::Value as Json;

use crate::model::ErrorType;

use super::defs::LOCALIZABLE_MESSAGE;
use super::types::{self, Type, TypeError};
use super::value::{StructValue, Value};

/// `messages`: a list of LocalizableMessages.
static MESSAGES: Type = Type::List(&MESSAGE);
static MESSAGE: Type = Type::Struct(&LOCALIZABLE_MESSAGE);

/// The namespace of the standard errors.
pub const PREFIX: &str = "com.vmware.vapi.std.errors.";

/// `com.vmware.vapi.std.errors.not_found` for `NOT_FOUND`.
pub fn error_name(t: ErrorType) -> String {
    format!("{PREFIX}{}", t.as_str().to_ascii_lowercase())
}

/// The error type a standard error name stands for; `None` for any other name (including
/// upper-case spellings, which no runtime sends).
pub fn error_type_of(name: &str) -> Option<ErrorType> {
    let short = name.strip_prefix(PREFIX)?;
    if short.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    ErrorType::parse(&short.to_ascii_uppercase())
}

/// The error type whose name stands for a REST answer of `status` carrying `error_type`: the
/// error type itself when its usual status is `status` (the normal case), otherwise the
/// representative error type of that status. This is how an answer whose status and error type
/// disagree keeps that disagreement on the JSON-RPC wire.
pub fn name_type_for(status: u16, error_type: ErrorType) -> ErrorType {
    if error_type.vapi_status() == status {
        return error_type;
    }
    match status {
        400 => ErrorType::InvalidArgument,
        401 => ErrorType::Unauthenticated,
        403 => ErrorType::Unauthorized,
        404 => ErrorType::NotFound,
        409 => ErrorType::ConcurrentChange,
        503 => ErrorType::ServiceUnavailable,
        504 => ErrorType::TimedOut,
        _ => ErrorType::Error,
    }
}

/// Whether errors of this type declare a `challenge` field (only these two do).
fn has_challenge(t: ErrorType) -> bool {
    matches!(t, ErrorType::Unauthenticated | ErrorType::Unauthorized)
}

/// An error value named after `name`, from the clean (REST) error body `body`
/// (`{"error_type", "messages", "data", "challenge"}`). Messages must be whole
/// LocalizableMessages; a missing `error_type` is left unset.
pub fn error_value(name: ErrorType, body: &Json) -> Result<Value, TypeError> {
    let obj = body
        .as_object()
        .ok_or_else(|| TypeError::new("an error body must be an object"))?;
    let messages = types::from_clean(
        obj.get("messages").unwrap_or(&Json::Array(Vec::new())),
        MESSAGES,
    )
    .map_err(|e| e.within("messages"))?;
    let optional_string = |key: &str| match obj.get(key) {
        Some(Json::String(s)) => Ok(Value::some(Value::string(s.clone()))),
        None | Some(Json::Null) => Ok(Value::none()),
        Some(_) => Err(TypeError::new("expected a string").within(key)),
    };
    let data = match obj.get("data") {
        None | Some(Json::Null) => Value::none(),
        Some(d) => {
            Value::some(types::from_clean(d, Type::DynamicStruct).map_err(|e| e.within("data"))?)
        }
    };
    let mut s = StructValue::new(&error_name(name))
        .with("messages", messages)
        .with("data", data)
        .with("error_type", optional_string("error_type")?);
    if has_challenge(name) {
        s.fields
            .insert("challenge".into(), optional_string("challenge")?);
    }
    Ok(Value::Error(s))
}

/// A typed error from a clean error body that names its own type (a task's `error`).
pub(super) fn error_from_clean(body: &Json) -> Result<Value, TypeError> {
    let t = body
        .get("error_type")
        .and_then(Json::as_str)
        .and_then(ErrorType::parse)
        .ok_or_else(|| {
            TypeError::new("an error needs a standard error_type").within("error_type")
        })?;
    error_value(t, body)
}

/// A standard error read off the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    /// The name as sent.
    pub name: String,
    /// The error type the name stands for, `None` when the name is not a standard error.
    pub name_type: Option<ErrorType>,
    /// The body in its clean (REST) form: `error_type`, `messages`, `data`, `challenge`.
    pub body: Json,
}

/// Reads an `ERROR` value. Its fields are checked like the bindings check them (messages are
/// LocalizableMessages, the rest optional); the body keeps what was sent for the caller to
/// judge, unset optionals dropped.
pub fn read_error(v: &Value) -> Result<WireError, TypeError> {
    let Value::Error(s) = v else {
        return Err(TypeError::new(&format!(
            "expected an ERROR, got {}",
            v.kind()
        )));
    };
    let messages = s
        .field("messages")
        .ok_or_else(|| TypeError::new("a required field is missing").within("messages"))?;
    types::to_clean(messages, MESSAGES).map_err(|e| e.within("messages"))?;
    for (field, ty) in [
        ("data", Type::Optional(&Type::DynamicStruct)),
        ("error_type", Type::Optional(&Type::String)),
        ("challenge", Type::Optional(&Type::String)),
    ] {
        if let Some(x) = s.field(field) {
            types::to_clean(x, ty).map_err(|e| e.within(field))?;
        }
    }
    Ok(WireError {
        name: s.name.clone(),
        name_type: error_type_of(&s.name),
        body: types::untyped_clean(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_map_to_error_types_and_back() {
        assert_eq!(
            error_name(ErrorType::NotFound),
            "com.vmware.vapi.std.errors.not_found"
        );
        assert_eq!(
            error_name(ErrorType::NotAllowedInCurrentState),
            "com.vmware.vapi.std.errors.not_allowed_in_current_state"
        );
        for t in [
            ErrorType::Error,
            ErrorType::AlreadyExists,
            ErrorType::InvalidArgument,
            ErrorType::Unauthenticated,
            ErrorType::Unauthorized,
            ErrorType::ServiceUnavailable,
            ErrorType::OperationNotFound,
        ] {
            assert_eq!(error_type_of(&error_name(t)), Some(t));
        }
        assert_eq!(error_type_of("com.vmware.vapi.std.errors.NOT_FOUND"), None);
        assert_eq!(error_type_of("com.example.errors.not_found"), None);
        assert_eq!(error_type_of("com.vmware.vapi.std.errors.nope"), None);
    }

    #[test]
    fn the_name_follows_the_status_when_they_disagree() {
        use ErrorType::*;
        assert_eq!(name_type_for(404, NotFound), NotFound);
        assert_eq!(name_type_for(400, AlreadyExists), AlreadyExists);
        assert_eq!(name_type_for(401, Unauthorized), Unauthenticated);
        assert_eq!(name_type_for(409, AlreadyExists), ConcurrentChange);
        assert_eq!(name_type_for(500, ServiceUnavailable), Error);
    }

    #[test]
    fn the_documented_wire_form() {
        // real-deployment.md § 4's not_found error.
        let body = json!({"error_type":"NOT_FOUND","messages":[{"id":"m","default_message":"d","args":[]}],"data":null});
        let v = error_value(ErrorType::NotFound, &body).unwrap();
        assert_eq!(
            v.to_json(),
            json!({"ERROR":{"com.vmware.vapi.std.errors.not_found":{
                "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{
                    "id":"m","default_message":"d","args":[],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],
                "data":{"OPTIONAL":null},"error_type":{"OPTIONAL":"NOT_FOUND"}}}})
        );
        let read = read_error(&v).unwrap();
        assert_eq!(read.name_type, Some(ErrorType::NotFound));
        assert_eq!(
            read.body,
            json!({"error_type":"NOT_FOUND","messages":[{"id":"m","default_message":"d","args":[]}]})
        );
    }

    #[test]
    fn only_unauthenticated_and_unauthorized_carry_a_challenge() {
        let body =
            json!({"error_type":"UNAUTHENTICATED","messages":[],"challenge":"Basic realm=\"x\""});
        let v = error_value(ErrorType::Unauthenticated, &body).unwrap();
        let Value::Error(s) = &v else { panic!() };
        assert_eq!(
            s.field("challenge"),
            Some(&Value::some(Value::string("Basic realm=\"x\"")))
        );
        let v = error_value(ErrorType::NotFound, &body).unwrap();
        let Value::Error(s) = &v else { panic!() };
        assert!(s.field("challenge").is_none());
    }

    #[test]
    fn malformed_errors_are_refused() {
        // Messages without ids (as the error-without-message-ids defect sends them).
        let bad = Value::from_json(&json!({"ERROR":{"com.vmware.vapi.std.errors.error":{
            "messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"default_message":"d"}}}]}}}))
        .unwrap();
        assert_eq!(read_error(&bad).unwrap_err().path, "messages[0].id");
        assert!(read_error(&Value::string("x")).is_err());
        assert!(
            error_value(
                ErrorType::Error,
                &json!({"messages":[{"default_message":"d"}]})
            )
            .is_err()
        );
    }
}
