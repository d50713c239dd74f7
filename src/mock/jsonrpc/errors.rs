//! The mock's errors as vAPI `ERROR` values.
//!
//! The name stands for the REST answer's status and the `error_type` field is the REST body's
//! (`vapi::errors::name_type_for`), so an answer whose status and error type disagree on the
//! REST face (the error-type-mismatch and 409 defects) disagrees the same way here.

use crate::vapi::types::TypeError;
use crate::vapi::value::{StructValue, Value};
use crate::vapi::{defs, error_name, errors, name_type_for};

use super::super::defect::{Defect, Defects};
use super::super::error::ApiError;

/// The `ERROR` value of `e`. `restore` applies the restore operation's error-format defects, as
/// `render_restore` does on the REST face.
pub(super) fn error_value(e: &ApiError, restore: bool, d: Defects) -> Result<Value, TypeError> {
    let name = name_type_for(e.status.as_u16(), e.body.error_type);
    if restore && d.has(Defect::ErrorWithoutMessageIds) {
        // Messages with only their text: what the REST face sends under this defect, typed.
        let messages = e
            .body
            .messages
            .iter()
            .map(|m| {
                Value::Structure(
                    StructValue::new(defs::LOCALIZABLE_MESSAGE.name)
                        .with("default_message", Value::string(m.default_message.clone())),
                )
            })
            .collect();
        return Ok(Value::Error(
            StructValue::new(&error_name(name))
                .with("messages", Value::List(messages))
                .with(
                    "error_type",
                    Value::some(Value::string(e.body.error_type.as_str())),
                ),
        ));
    }
    let mut body = serde_json::to_value(&e.body).map_err(|x| TypeError::new(&x.to_string()))?;
    if restore && d.has(Defect::ErrorMessagesEmpty) {
        // No message at all, as the REST face sends under this defect.
        body["messages"] = serde_json::json!([]);
    }
    errors::error_value(name, &body)
}
