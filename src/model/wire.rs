//! Wire types of the restore operation and the endpoints around it, with the API's own names
//! (`restore-api.md`). Both the mock and the harness use these; neither owns them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Snapservice.Clusters.VirtualMachines.RestoreSpec`: the bare body of a restore request.
///
/// Unset optional fields are omitted on the wire; a client may also send `null`, which means the
/// same. `Option<Option<_>>` is deliberately avoided: the API gives `null` and absent one meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RestoreSpec {
    pub snapshot: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<RestorePlacementSpec>,
}

/// `Snapservice.Clusters.VirtualMachines.RestorePlacementSpec`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RestorePlacementSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_pool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// Declares `ErrorType` from one table of `Variant = "WIRE_NAME" => http_status,` rows: the
/// enum (serde uses the wire name), `ALL`, `as_str`, `parse` and `vapi_status`.
macro_rules! error_types {
    ($($variant:ident = $wire:literal => $status:literal,)+) => {
        /// `Vapi.Std.Errors.*` `error_type` values. The harness must accept every standard value
        /// (a server may answer with one the restore page does not document), so this is
        /// exhaustive over the vAPI list, not just the documented subset.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ErrorType {
            $(#[serde(rename = $wire)] $variant,)+
        }

        impl ErrorType {
            /// Every standard value, in the table's order.
            pub const ALL: &'static [ErrorType] = &[$(ErrorType::$variant),+];

            /// The wire spelling, e.g. `INVALID_ARGUMENT`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorType::$variant => $wire,)+
                }
            }

            /// The HTTP status the vAPI REST layer maps this error type to (`restore-api.md`
            /// section 4).
            pub fn vapi_status(self) -> u16 {
                match self {
                    $(ErrorType::$variant => $status,)+
                }
            }
        }
    };
}

// `restore-api.md` section 4. CANCELED follows the REST layer (500), not the programming guide
// (400).
error_types! {
    Error = "ERROR" => 500,
    AlreadyExists = "ALREADY_EXISTS" => 400,
    AlreadyInDesiredState = "ALREADY_IN_DESIRED_STATE" => 400,
    Canceled = "CANCELED" => 500,
    ConcurrentChange = "CONCURRENT_CHANGE" => 409,
    FeatureInUse = "FEATURE_IN_USE" => 400,
    InternalServerError = "INTERNAL_SERVER_ERROR" => 500,
    InvalidArgument = "INVALID_ARGUMENT" => 400,
    InvalidElementConfiguration = "INVALID_ELEMENT_CONFIGURATION" => 400,
    InvalidElementType = "INVALID_ELEMENT_TYPE" => 400,
    InvalidRequest = "INVALID_REQUEST" => 400,
    NotAllowedInCurrentState = "NOT_ALLOWED_IN_CURRENT_STATE" => 400,
    NotFound = "NOT_FOUND" => 404,
    OperationNotFound = "OPERATION_NOT_FOUND" => 404,
    ResourceBusy = "RESOURCE_BUSY" => 400,
    ResourceInUse = "RESOURCE_IN_USE" => 400,
    ResourceInaccessible = "RESOURCE_INACCESSIBLE" => 400,
    ServiceUnavailable = "SERVICE_UNAVAILABLE" => 503,
    TimedOut = "TIMED_OUT" => 504,
    UnableToAllocateResource = "UNABLE_TO_ALLOCATE_RESOURCE" => 400,
    Unauthenticated = "UNAUTHENTICATED" => 401,
    Unauthorized = "UNAUTHORIZED" => 403,
    UnexpectedInput = "UNEXPECTED_INPUT" => 500,
    Unsupported = "UNSUPPORTED" => 400,
    UnverifiedPeer = "UNVERIFIED_PEER" => 500,
}

impl ErrorType {
    /// Parses the wire spelling; `None` for anything that is not a standard value.
    pub fn parse(s: &str) -> Option<ErrorType> {
        ErrorType::ALL.iter().copied().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Vapi.Std.LocalizableMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalizableMessage {
    pub id: String,
    pub default_message: String,
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized: Option<String>,
}

impl LocalizableMessage {
    pub fn new(id: &str, default_message: impl Into<String>, args: &[&str]) -> Self {
        LocalizableMessage {
            id: id.to_owned(),
            default_message: default_message.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            params: None,
            localized: None,
        }
    }
}

/// The body of every `/api` error (`Vapi.Std.Errors.*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VapiError {
    pub error_type: ErrorType,
    pub messages: Vec<LocalizableMessage>,
    #[serde(default)]
    pub data: Option<Value>,
    /// Unauthenticated and Unauthorized may carry a challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
}

impl VapiError {
    pub fn new(error_type: ErrorType, message: LocalizableMessage) -> Self {
        VapiError {
            error_type,
            messages: vec![message],
            data: None,
            challenge: None,
        }
    }
}

/// `Cis.Task.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Pending,
    Running,
    Blocked,
    Succeeded,
    Failed,
}

impl TaskStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Succeeded | TaskStatus::Failed)
    }

    /// Forward order of the status machine; RUNNING and BLOCKED share a rank because a task
    /// may move between them (TASK-1 only forbids going back to PENDING or leaving a terminal).
    pub fn rank(self) -> u8 {
        match self {
            TaskStatus::Pending => 0,
            TaskStatus::Running | TaskStatus::Blocked => 1,
            TaskStatus::Succeeded | TaskStatus::Failed => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "PENDING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Blocked => "BLOCKED",
            TaskStatus::Succeeded => "SUCCEEDED",
            TaskStatus::Failed => "FAILED",
        }
    }
}

/// `Cis.Task.Progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskProgress {
    pub total: i64,
    pub completed: i64,
    pub message: LocalizableMessage,
}

/// `Cis.Task.Info` as served by `GET /api/cis/tasks/{task}`. Optional fields are omitted when
/// unset, as the status table in `restore-api.md` section 6 requires. The harness does not parse
/// task bodies into this type (a non-conforming Info must still be judged field by field), it is
/// what the mock serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub description: LocalizableMessage,
    pub service: String,
    pub operation: String,
    pub status: TaskStatus,
    pub cancelable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<TaskProgress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<VapiError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Value>,
}

/// `Vcenter.VM.PowerState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PowerState {
    #[default]
    PoweredOff,
    PoweredOn,
    Suspended,
}

/// One row of `GET /api/vcenter/vm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VmSummary {
    pub vm: String,
    pub name: String,
    pub power_state: PowerState,
    #[serde(default)]
    pub cpu_count: Option<i64>,
    #[serde(default, rename = "memory_size_MiB")]
    pub memory_size_mib: Option<i64>,
}

/// `GET /api/vcenter/vm/{vm}/power`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerInfo {
    pub state: PowerState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clean_power_off: Option<bool>,
}

/// `GET /api/session` on a live session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: String,
    pub created_time: String,
    pub last_accessed_time: String,
}

/// Discovery: one item of `GET /api/snapservice/clusters/{cluster}/virtual-machines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectedVmSummary {
    pub vm: String,
    pub info: ProtectedVmInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectedVmInfo {
    pub name: String,
    pub local_protection_enabled: bool,
    pub protection_groups: Vec<String>,
    #[serde(default)]
    pub last_snapshot_time: Option<String>,
    #[serde(default)]
    pub oldest_snapshot_time: Option<String>,
    pub snapshot_count: i64,
    pub in_cluster: bool,
}

/// Discovery: one item of `GET .../virtual-machines/{vm}/snapshots`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSummary {
    pub snapshot: String,
    pub info: SnapshotInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub name: String,
    pub snapshot_type: String,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    pub vm: String,
    #[serde(default)]
    pub pg: Option<String>,
    #[serde(default)]
    pub disk_snapshots: Vec<Value>,
}

/// `{"items": [...]}` list wrapper used by the snapservice discovery endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_type_round_trips_and_maps_status() {
        assert_eq!(
            ErrorType::parse("NOT_ALLOWED_IN_CURRENT_STATE"),
            Some(ErrorType::NotAllowedInCurrentState)
        );
        assert_eq!(ErrorType::parse("not_found"), None);
        assert_eq!(ErrorType::AlreadyExists.vapi_status(), 400);
        assert_eq!(ErrorType::Unauthenticated.vapi_status(), 401);
        assert_eq!(ErrorType::ServiceUnavailable.vapi_status(), 503);
        assert_eq!(
            serde_json::to_string(&ErrorType::InvalidArgument).unwrap(),
            "\"INVALID_ARGUMENT\""
        );
    }

    #[test]
    fn restore_spec_null_and_absent_are_both_unset() {
        let a: RestoreSpec =
            serde_json::from_str(r#"{"snapshot":"s","name":null,"placement":null}"#).unwrap();
        let b: RestoreSpec = serde_json::from_str(r#"{"snapshot":"s"}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"snapshot":"s"}"#);
    }
}
