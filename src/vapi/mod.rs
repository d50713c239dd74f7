//! vAPI JSON-RPC 2.0, the wire form of VMware's official bindings (`real-deployment.md` § 4):
//! typed values (`value`), types and the clean (REST) form (`types`), the structure
//! definitions of the snapservice operations (`defs`), standard errors and their mapping to
//! the REST error types (`errors`), the envelope (`envelope`) and the ids (`ids`).
//!
//! Protocol code only: the mock's JSON-RPC face and the harness both build on it; no decision
//! of the mock lives here.

pub mod defs;
pub mod envelope;
pub mod errors;
pub mod ids;
pub mod types;
pub mod value;

pub use envelope::{
    ErrorCode, ExecutionContext, MethodResult, Rejection, Request, Response, ResponseBody,
    RpcError, SecurityContext,
};
pub use errors::{WireError, error_name, error_type_of, name_type_for, read_error};
pub use types::{StructDef, Type, TypeError, from_clean, to_clean, untyped_clean};
pub use value::{Secret, StructValue, Value};

use crate::model::RestoreSpec;

/// The `operation-input` of `restore$task`, for a client: `cluster`, `vm` and the typed spec.
pub fn restore_input(cluster: &str, vm: &str, spec: &RestoreSpec) -> Result<Value, TypeError> {
    let clean = serde_json::to_value(spec).map_err(|e| TypeError::new(&e.to_string()))?;
    let spec =
        from_clean(&clean, Type::Struct(&defs::RESTORE_SPEC)).map_err(|e| e.within("spec"))?;
    Ok(Value::Structure(
        StructValue::new(defs::OPERATION_INPUT)
            .with("cluster", Value::string(cluster))
            .with("vm", Value::string(vm))
            .with("spec", spec),
    ))
}

/// An `operation-input` without fields (session create, get and delete).
pub fn empty_input() -> Value {
    Value::Structure(StructValue::new(defs::OPERATION_INPUT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RestorePlacementSpec;
    use serde_json::json;

    #[test]
    fn restore_input_matches_the_capture() {
        let spec = RestoreSpec {
            snapshot: "snap-1".into(),
            name: Some("restored".into()),
            placement: Some(RestorePlacementSpec {
                folder: Some("group-v4".into()),
                ..Default::default()
            }),
        };
        let v = restore_input("domain-c8", "vm-42", &spec).unwrap();
        // The input of the captured request in real-deployment.md § 4.
        assert_eq!(
            v.to_json(),
            json!({"STRUCTURE":{"operation-input":{"cluster":"domain-c8","vm":"vm-42","spec":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_spec":{"snapshot":"snap-1","name":{"OPTIONAL":"restored"},"placement":{"OPTIONAL":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec":{"folder":{"OPTIONAL":"group-v4"},"resource_pool":{"OPTIONAL":null},"host":{"OPTIONAL":null}}}}}}}}}}})
        );
    }
}
