//! An OpenAPI 3.1 description of the restore operation and the endpoints a client needs around
//! it (sessions, tasks, discovery, the vCenter VM API), as `restore-api.md` states them. It is
//! what `snapservice-conformance openapi` prints, for people who want to generate a client or
//! read the contract the harness checks in a familiar form.
//!
//! Examples are built from the wire types in `model::wire`, so an example cannot drift from
//! the shapes the harness and the mock use. Message ids in error examples are illustrations:
//! the API does not publish its message ids.

use serde_json::{Map, Value, json};

use crate::model::wire::{ErrorType, LocalizableMessage, VapiError};

const SERVICE: &str = "com.vmware.snapservice.clusters.virtual_machines";
const TASK_ID: &str =
    "7c9e6679-7425-40de-944b-e07fc1f90ae7:com.vmware.snapservice.clusters.virtual_machines";

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "vSphere Snapservice restore (as checked by snapservice-conformance)",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Restore a deleted VM from a snapservice snapshot, and the endpoints \
                around it.",
            "description": "Written from the operation's reference page, the vAPI REST conventions \
                and the official bindings (vSphere API 8.0.3.0). Where no public \
                source settles a behaviour, the conformance harness accepts a set of \
                answers; see the clause catalog."
        },
        "servers": [{"url": "https://{host}", "variables": {"host": {"default": "vcenter.example.com"}}}],
        "security": [{"sessionId": []}, {"signToken": []}],
        "tags": [
            {"name": "restore"}, {"name": "session"}, {"name": "tasks"},
            {"name": "discovery"}, {"name": "vcenter-vm"}
        ],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "sessionId": {"type": "apiKey", "in": "header", "name": "vmware-api-session-id",
                    "description": "A session id from POST /api/session (vCenter) or POST \
                        /api/snapservice/sessions (appliance, API 9.0+)."},
                "basicAuth": {"type": "http", "scheme": "basic",
                    "description": "User name and password; only for creating a session."},
                "signToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`SIGN token=<base64 of the gzipped SAML assertion>` from the vCenter \
                        STS, sent with every request to a snapservice appliance instead of a \
                        session."}
            },
            "parameters": parameters(),
            "responses": responses(),
            "schemas": schemas()
        }
    })
}

fn error_example(t: ErrorType, id: &str, text: &str, args: &[&str]) -> Value {
    serde_json::to_value(VapiError::new(t, LocalizableMessage::new(id, text, args)))
        .expect("wire types serialize")
}

/// A documented error response: the vAPI error schema with one or more named examples.
fn error_response(description: &str, examples: &[(&str, Value)]) -> Value {
    let examples: Map<String, Value> = examples
        .iter()
        .map(|(name, v)| ((*name).to_owned(), json!({"value": v})))
        .collect();
    json!({
        "description": description,
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/VapiError"},
            "examples": examples
        }}
    })
}

fn ok_json(description: &str, schema: Value, example: Value) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": schema, "example": example}}})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn resp(name: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{name}")})
}

fn param(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

/// An optional array-of-strings query filter.
fn filter(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": {"type": "array", "items": {"type": "string"}},
           "style": "form", "explode": true})
}

fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn paths() -> Value {
    let mut p = Map::new();
    p.insert(
        "/api/snapservice/clusters/{cluster}/virtual-machines/{vm}".into(),
        restore_path(),
    );
    for (path, tag) in [
        ("/api/session", "vCenter"),
        ("/api/snapservice/sessions", "appliance (API 9.0+)"),
    ] {
        p.insert(path.into(), session_path(tag));
    }
    for (path, schema) in [
        ("/api/cis/tasks/{task}", "TaskInfo"),
        ("/api/snapservice/tasks/{task}", "SnapserviceTaskInfo"),
    ] {
        p.insert(
            path.into(),
            json!({"get": {
                "tags": ["tasks"], "summary": "Poll a task (clients poll; there is no push)",
                "operationId": if schema == "TaskInfo" { "getCisTask" } else { "getSnapserviceTask" },
                "parameters": [param("task")],
                "responses": {
                    "200": ok_json("The task's Info.", r(schema), task_example()),
                    "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound"),
                    "500": resp("Error"), "503": resp("ServiceUnavailable")
                }
            }}),
        );
    }
    p.extend(discovery_paths());
    p.extend(vcenter_vm_paths());
    Value::Object(p)
}

fn restore_path() -> Value {
    let already = error_example(
        ErrorType::AlreadyExists,
        "com.vmware.snapservice.restore.name.exists",
        "A virtual machine named web-01 already exists in folder group-v4.",
        &["web-01", "group-v4"],
    );
    let invalid = error_example(
        ErrorType::InvalidArgument,
        "com.vmware.snapservice.restore.snapshot.invalid",
        "Snapshot snap-77 does not belong to cluster domain-c8.",
        &["snap-77", "domain-c8"],
    );
    let busy = error_example(
        ErrorType::NotAllowedInCurrentState,
        "com.vmware.snapservice.restore.limit",
        "Too many restores are in progress on cluster domain-c8.",
        &["domain-c8"],
    );
    json!({"post": {
        "tags": ["restore"],
        "operationId": "restoreVirtualMachine",
        "summary": "Restore a deleted VM from a snapshot (task form)",
        "description": "Query `action=restore&vmw-task=true` selects this operation. Requires \
            Host.Config.Storage on the cluster, VirtualMachine.Inventory.Create on \
            placement.folder and Resource.AssignVMToPool on \
            placement.resource_pool. The body is a bare RestoreSpec; unset \
            optional fields are omitted or null.",
        "parameters": [
            param("cluster"), param("vm"),
            {"name": "action", "in": "query", "required": true, "schema": {"type": "string", "const": "restore"}},
            {"name": "vmw-task", "in": "query", "required": true, "schema": {"type": "string", "const": "true"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": r("RestoreSpec"),
            "example": {"snapshot": "snap-42-a", "name": "restored-web-01",
                        "placement": {"folder": "group-v4", "resource_pool": "resgroup-9", "host": "host-12"}}
        }}},
        "responses": {
            "202": ok_json("Accepted: the body is the task id, to poll at GET \
                /api/cis/tasks/{task}.", r("TaskId"), json!(TASK_ID)),
            "400": error_response("The spec is invalid, the name is taken, or too many restores run.",
                &[("invalidArgument", invalid), ("alreadyExists", already), ("notAllowedInCurrentState", busy)]),
            "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound"),
            "500": resp("Error"), "503": resp("ServiceUnavailable")
        }
    }})
}

fn session_path(which: &str) -> Value {
    json!({
        "post": {"tags": ["session"], "summary": format!("Create a session ({which})"),
            "security": [{"basicAuth": []}],
            "responses": {
                "201": ok_json("The session id, for the vmware-api-session-id header.", r("SessionId"),
                    json!("b00db39f948d13ea1e59b4d6fce56389")),
                "401": resp("Unauthenticated"), "503": resp("ServiceUnavailable")
            }},
        "get": {"tags": ["session"], "summary": format!("Describe the current session ({which})"),
            "responses": {
                "200": ok_json("The session.", r("SessionInfo"), json!({"user": "VSPHERE.LOCAL\\operator",
                    "created_time": "2026-11-28T01:50:00.000Z", "last_accessed_time": "2026-11-28T01:56:33.170Z"})),
                "401": resp("Unauthenticated")
            }},
        "delete": {"tags": ["session"], "summary": format!("End the current session ({which})"),
            "responses": {"204": {"description": "Ended; the id is unknown from now on."}, "401": resp("Unauthenticated")}}
    })
}

fn discovery_paths() -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("/api/snapservice/clusters/{cluster}/virtual-machines".into(), json!({"get": {
        "tags": ["discovery"], "summary": "List protected VMs of a cluster; in_cluster=false marks a deleted VM",
        "parameters": [param("cluster"), filter("vms", "VM ids"), filter("name_patterns", "Name patterns"),
            {"name": "local_protection_enabled", "in": "query", "required": false, "schema": {"type": "boolean"}}],
        "responses": {
            "200": ok_json("Protected VMs.", json!({"type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": r("ProtectedVmSummary")}}}),
                json!({"items": [{"vm": "vm-42", "info": {"name": "web-old-v2", "local_protection_enabled": true,
                    "protection_groups": ["pg-web"], "last_snapshot_time": "2026-11-27T11:00:00.000Z",
                    "oldest_snapshot_time": "2026-11-27T10:00:00.000Z", "snapshot_count": 2, "in_cluster": false}}]})),
            "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound")
        }}}));
    let snapshot_example = json!({"name": "hourly-2026-11-27T10", "snapshot_type": "SCHEDULED",
        "created_at": "2026-11-27T10:00:00.000Z", "expires_at": "2026-12-27T10:00:00.000Z", "vm": "vm-42",
        "pg": "pg-web", "disk_snapshots": []});
    p.insert("/api/snapservice/clusters/{cluster}/virtual-machines/{vm}/snapshots".into(), json!({"get": {
        "tags": ["discovery"], "summary": "List snapshots of a protected VM",
        "parameters": [param("cluster"), param("vm"), filter("snapshots", "Snapshot ids"), filter("names", "Snapshot names"),
            {"name": "created_after", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "created_before", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "expires_after", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "expires_before", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            filter("snapshot_type", "SCHEDULED, ONE_TIME, SYSTEM_CREATED or STAGED")],
        "responses": {
            "200": ok_json("Snapshots.", json!({"type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": r("SnapshotSummary")}}}),
                json!({"items": [{"snapshot": "snap-42-a", "info": snapshot_example}]})),
            "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound")
        }}}));
    p.insert(
        "/api/snapservice/clusters/{cluster}/virtual-machines/{vm}/snapshots/{snapshot}".into(),
        json!({"get": {
        "tags": ["discovery"], "summary": "Describe one snapshot",
        "parameters": [param("cluster"), param("vm"), param("snapshot")],
        "responses": {
            "200": ok_json("The snapshot.", r("SnapshotInfo"), snapshot_example),
            "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound")
        }}}),
    );
    p
}

fn vcenter_vm_paths() -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("/api/vcenter/vm".into(), json!({"get": {
        "tags": ["vcenter-vm"], "summary": "List VMs; the filters check placement and name uniqueness",
        "parameters": [filter("names", "VM names"), filter("folders", "Folder ids"), filter("hosts", "Host ids"),
            filter("resource_pools", "Resource pool ids"), filter("clusters", "Cluster ids")],
        "responses": {
            "200": ok_json("Matching VMs.", json!({"type": "array", "items": r("VmSummary")}),
                json!([{"vm": "vm-1000", "name": "restored-web-01", "power_state": "POWERED_OFF",
                        "cpu_count": 2, "memory_size_MiB": 4096}])),
            "401": resp("Unauthenticated")
        }}}));
    p.insert("/api/vcenter/vm/{vm}".into(), json!({
        "get": {"tags": ["vcenter-vm"], "summary": "Describe a VM",
            "parameters": [param("vm")],
            "responses": {
                "200": ok_json("The VM (hardware sections omitted here).", r("VmInfo"),
                    json!({"name": "restored-web-01", "power_state": "POWERED_OFF"})),
                "401": resp("Unauthenticated"), "404": resp("NotFound")
            }},
        "delete": {"tags": ["vcenter-vm"], "summary": "Delete a powered-off VM (cleanup after a run)",
            "parameters": [param("vm")],
            "responses": {
                "204": {"description": "Deleted."},
                "400": error_response("The VM is powered on.", &[("poweredOn", error_example(
                    ErrorType::NotAllowedInCurrentState, "com.vmware.api.vcenter.vm.powered_on",
                    "Virtual machine vm-1000 is powered on.", &["vm-1000"]))]),
                "401": resp("Unauthenticated"), "403": resp("Unauthorized"), "404": resp("NotFound")
            }}
    }));
    p.insert("/api/vcenter/vm/{vm}/power".into(), json!({"get": {
        "tags": ["vcenter-vm"], "summary": "Power state of a VM",
        "parameters": [param("vm")],
        "responses": {
            "200": ok_json("The power state.", r("PowerInfo"), json!({"state": "POWERED_OFF", "clean_power_off": true})),
            "401": resp("Unauthenticated"), "404": resp("NotFound")
        }}}));
    p
}

fn parameters() -> Value {
    let path = |name: &str, description: &str| json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}});
    json!({
        "cluster": path("cluster", "A ClusterComputeResource id, e.g. domain-c8."),
        "vm": path("vm", "A VirtualMachine id, e.g. vm-42."),
        "snapshot": path("snapshot", "An opaque com.vmware.snapservice.vm.snapshot id."),
        "task": path("task", "A task id as returned, `:` included.")
    })
}

fn responses() -> Value {
    json!({
        "Unauthenticated": error_response("No, unknown or ended session (checked before anything else).",
            &[("noSession", error_example(ErrorType::Unauthenticated, "vapi.method.authentication.required",
                "Authentication required.", &[]))]),
        "Unauthorized": error_response("A privilege is missing on the cluster, folder or resource pool.",
            &[("missingPrivilege", error_example(ErrorType::Unauthorized, "vapi.method.authz.denied",
                "Permission to perform this operation was denied.", &[]))]),
        "NotFound": error_response("The cluster or VM is unknown.",
            &[("noCluster", error_example(ErrorType::NotFound, "com.vmware.snapservice.cluster.not_found",
                "Cluster domain-c99 was not found.", &["domain-c99"]))]),
        "Error": error_response("An internal fault.",
            &[("internal", error_example(ErrorType::Error, "com.vmware.snapservice.internal",
                "An internal error occurred.", &[]))]),
        "ServiceUnavailable": error_response("The service is down.",
            &[("down", error_example(ErrorType::ServiceUnavailable, "com.vmware.snapservice.unavailable",
                "The service is not available.", &[]))])
    })
}

fn task_example() -> Value {
    json!({
        "description": {"id": "com.vmware.snapservice.restore", "default_message": "Restore virtual machine", "args": []},
        "service": SERVICE, "operation": "restore", "status": "SUCCEEDED", "cancelable": false,
        "progress": {"total": 100, "completed": 100,
                     "message": {"id": "com.vmware.snapservice.restore.done", "default_message": "Done", "args": []}},
        "result": "vm-1000",
        "start_time": "2026-11-28T01:56:33.170Z", "end_time": "2026-11-28T01:56:41.020Z",
        "user": "VSPHERE.LOCAL\\operator"
    })
}

fn schemas() -> Value {
    let ostr = || json!({"type": ["string", "null"]});
    let time = || json!({"type": "string", "format": "date-time"});
    json!({
        "RestoreSpec": {"type": "object", "required": ["snapshot"],
            "description": "Snapservice.Clusters.VirtualMachines.RestoreSpec, sent bare (not \
                wrapped in {\"spec\": ...}). Unknown fields: the harness accepts \
                ignoring or rejecting them.",
            "properties": {
                "snapshot": {"type": "string", "description": "A snapshot of a VM on the same cluster as the VM being restored."},
                "name": {"type": ["string", "null"], "description": "The new VM's name; unset = the VM's name when the snapshot was taken."},
                "placement": nullable(r("RestorePlacementSpec"))
            }},
        "RestorePlacementSpec": {"type": "object",
            "description": "Unset placement on a DRS cluster: the default VM folder and DRS' \
                choice; without DRS the operation fails. Conflicting or disjoint \
                fields fail.",
            "properties": {
                "folder": {"type": ["string", "null"], "description": "A Folder id; unset = the datacenter's default VM folder."},
                "resource_pool": {"type": ["string", "null"], "description": "A ResourcePool id; with host, it must belong to the host. Without host \
                    and without DRS: INVALID_ARGUMENT."},
                "host": {"type": ["string", "null"], "description": "A HostSystem id that is a member of the cluster; unset on a DRS \
                    cluster = DRS picks."}
            }},
        "TaskId": {"type": "string", "description": "Opaque; vAPI servers build it as `<uuid>:<service id>`.", "examples": [TASK_ID]},
        "ErrorType": {
            "type": "string",
            "enum": ErrorType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        },
        "LocalizableMessage": {"type": "object", "required": ["id", "default_message", "args"],
            "properties": {
                "id": {"type": "string", "description": "Stable message id."},
                "default_message": {"type": "string"},
                "args": {"type": "array", "items": {"type": "string"}},
                "params": {"type": ["object", "null"]},
                "localized": ostr()
            }},
        "VapiError": {"type": "object", "required": ["error_type", "messages"],
            "description": "The body of every /api error (Vapi.Std.Errors.*).",
            "properties": {
                "error_type": r("ErrorType"),
                "messages": {"type": "array", "items": r("LocalizableMessage")},
                "data": {"description": "Free-form; may be absent or null."},
                "challenge": {"type": "string", "description": "UNAUTHENTICATED and UNAUTHORIZED only."}
            }},
        "TaskStatus": {"type": "string", "enum": ["PENDING", "RUNNING", "BLOCKED", "SUCCEEDED", "FAILED"]},
        "TaskProgress": {"type": "object", "required": ["total", "completed", "message"],
            "properties": {"total": {"type": "integer"}, "completed": {"type": "integer"}, "message": r("LocalizableMessage")}},
        "TaskInfo": {"type": "object",
            "required": ["description", "service", "operation", "status", "cancelable"],
            "description": "Cis.Task.Info. PENDING has no progress, result, error, start_time or \
                end_time; RUNNING and BLOCKED have progress and start_time, no error \
                or end_time; SUCCEEDED has progress, start_time and end_time, no \
                error; FAILED has progress, start_time and end_time and may have \
                error. The restore result is a VirtualMachine id.",
            "properties": {
                "description": r("LocalizableMessage"),
                "service": {"type": "string"}, "operation": {"type": "string"},
                "status": r("TaskStatus"), "cancelable": {"type": "boolean"},
                "progress": r("TaskProgress"),
                "result": {"description": "For restore: the restored VM's id."},
                "error": r("VapiError"),
                "parent": {"type": "string"},
                "target": {"type": "object", "properties": {"type": {"type": "string"}, "id": {"type": "string"}}},
                "start_time": time(), "end_time": time(),
                "user": {"type": "string"}
            }},
        "SnapserviceTaskInfo": {"allOf": [r("TaskInfo"), {"type": "object", "properties": {"vc_task": {"type": "string"}}}]},
        "SessionId": {"type": "string"},
        "SessionInfo": {"type": "object", "required": ["user", "created_time", "last_accessed_time"],
            "properties": {"user": {"type": "string"}, "created_time": time(), "last_accessed_time": time()}},
        "ProtectedVmSummary": {"type": "object", "required": ["vm", "info"],
            "properties": {"vm": {"type": "string"}, "info": r("ProtectedVmInfo")}},
        "ProtectedVmInfo": {"type": "object",
            "required": ["name", "local_protection_enabled", "protection_groups", "snapshot_count", "in_cluster"],
            "properties": {
                "name": {"type": "string"}, "local_protection_enabled": {"type": "boolean"},
                "protection_groups": {"type": "array", "items": {"type": "string"}},
                "last_snapshot_time": time(), "oldest_snapshot_time": time(),
                "snapshot_count": {"type": "integer"},
                "in_cluster": {"type": "boolean", "description": "false: a deleted VM that restore can bring back."}
            }},
        "SnapshotSummary": {"type": "object", "required": ["snapshot", "info"],
            "properties": {"snapshot": {"type": "string"}, "info": r("SnapshotInfo")}},
        "SnapshotInfo": {"type": "object", "required": ["name", "snapshot_type", "created_at", "vm"],
            "properties": {
                "name": {"type": "string"},
                "snapshot_type": {"type": "string", "enum": ["SCHEDULED", "ONE_TIME", "SYSTEM_CREATED", "STAGED"]},
                "created_at": time(), "expires_at": time(), "vm": {"type": "string"},
                "pg": ostr(), "disk_snapshots": {"type": "array"}
            }},
        "PowerState": {"type": "string", "enum": ["POWERED_OFF", "POWERED_ON", "SUSPENDED"]},
        "VmSummary": {"type": "object", "required": ["vm", "name", "power_state"],
            "properties": {"vm": {"type": "string"}, "name": {"type": "string"}, "power_state": r("PowerState"),
                "cpu_count": {"type": "integer"}, "memory_size_MiB": {"type": "integer"}}},
        "VmInfo": {"type": "object", "required": ["name", "power_state"],
            "description": "Identity and hardware sections are left out of this description.",
            "properties": {"name": {"type": "string"}, "power_state": r("PowerState"), "identity": {"type": "object"}}},
        "PowerInfo": {"type": "object", "required": ["state"],
            "properties": {"state": r("PowerState"), "clean_power_off": {"type": "boolean"}}}
    })
}

#[cfg(test)]
mod tests;
