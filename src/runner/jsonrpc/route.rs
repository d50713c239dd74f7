//! Which vAPI operation a `RequestSpec` is: the vAPI REST binding's routes read backwards. The
//! suite builds every request in REST form; on the JSON-RPC wire each request whose route is
//! an operation of the JSON-RPC API becomes an `invoke` of that operation, and everything else
//! stays REST.
//!
//! What stays REST, and why: vCenter's VM API (`/api/vcenter/vm...`, read for the
//! post-conditions and used for cleanup) is not an operation of the snapservice bindings — the
//! official clients read and delete VMs through vCenter's REST API too; the STS and the mock's
//! control plane are not vAPI at all.

use super::encode::{restore_input, typed_filter};
use crate::runner::RequestSpec;
use crate::vapi::defs::{self, OPERATION_INPUT};
use crate::vapi::ids;
use crate::vapi::types::StructDef;
use crate::vapi::value::{StructValue, Value};

/// How a successful answer of the operation reads in REST form.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// `restore$task`: the task id, REST's 202 with a JSON string.
    TaskId,
    /// Session create: the session id (a `SECRET`), REST's 201 with a JSON string.
    SessionId,
    /// A structure of this definition, REST's 200 with its clean form.
    Struct(&'static StructDef),
    /// No output (session delete): REST's 204 without a body.
    Void,
}

impl PartialEq for Answer {
    fn eq(&self, other: &Answer) -> bool {
        match (self, other) {
            (Answer::Struct(a), Answer::Struct(b)) => a.name == b.name,
            (a, b) => a.status() == b.status(),
        }
    }
}

impl Answer {
    /// The REST status of a successful answer.
    pub fn status(self) -> u16 {
        match self {
            Answer::TaskId => 202,
            Answer::SessionId => 201,
            Answer::Struct(_) => 200,
            Answer::Void => 204,
        }
    }
}

/// One `invoke`: service, operation, typed input, and how its output reads in REST form.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: &'static str,
    pub operation: String,
    pub input: Value,
    pub answer: Answer,
}

impl Call {
    fn new(service: &'static str, operation: &str, input: StructValue, answer: Answer) -> Call {
        Call {
            service,
            operation: operation.to_owned(),
            input: Value::Structure(input),
            answer,
        }
    }
}

/// The operation-input structure with the given string fields.
fn input(fields: &[(&str, &str)]) -> StructValue {
    fields
        .iter()
        .fold(StructValue::new(OPERATION_INPUT), |s, (k, v)| {
            s.with(k, Value::string(*v))
        })
}

/// The `invoke` a REST request stands for, or `None` when it stays REST.
pub fn route(spec: &RequestSpec) -> Option<Call> {
    let (path, query) = spec
        .path
        .split_once('?')
        .map_or((spec.path.as_str(), ""), |(p, q)| (p, q));
    let segments: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = spec.method.as_str();
    match (method, seg.as_slice()) {
        (
            "POST",
            [
                "api",
                "snapservice",
                "clusters",
                cluster,
                "virtual-machines",
                vm,
            ],
        ) => Some(restore(cluster, vm, &query, spec.body.as_deref())),
        (
            "GET",
            [
                "api",
                "snapservice",
                "clusters",
                cluster,
                "virtual-machines",
            ],
        ) => {
            let filter = typed_filter(&query, &defs::VM_FILTER_SPEC)?;
            Some(Call::new(
                ids::VIRTUAL_MACHINES,
                ids::LIST,
                input(&[("cluster", cluster)]).with("filter", filter),
                Answer::Struct(&defs::VM_LIST_RESULT),
            ))
        }
        (
            "GET",
            [
                "api",
                "snapservice",
                "clusters",
                cluster,
                "virtual-machines",
                vm,
            ],
        ) if query.is_empty() => Some(Call::new(
            ids::VIRTUAL_MACHINES,
            ids::GET,
            input(&[("cluster", cluster), ("vm", vm)]),
            Answer::Struct(&defs::VM_INFO),
        )),
        (
            "GET",
            [
                "api",
                "snapservice",
                "clusters",
                cluster,
                "virtual-machines",
                vm,
                "snapshots",
            ],
        ) => {
            let filter = typed_filter(&query, &defs::SNAPSHOT_FILTER_SPEC)?;
            Some(Call::new(
                ids::SNAPSHOTS,
                ids::LIST,
                input(&[("cluster", cluster), ("vm", vm)]).with("filter", filter),
                Answer::Struct(&defs::SNAPSHOT_LIST_RESULT),
            ))
        }
        (
            "GET",
            [
                "api",
                "snapservice",
                "clusters",
                cluster,
                "virtual-machines",
                vm,
                "snapshots",
                s,
            ],
        ) if query.is_empty() => Some(Call::new(
            ids::SNAPSHOTS,
            ids::GET,
            input(&[("cluster", cluster), ("vm", vm), ("snapshot", s)]),
            Answer::Struct(&defs::SNAPSHOT_INFO),
        )),
        // `com.vmware.cis.tasks` `get` takes an optional GetSpec; the bindings send it unset.
        ("GET", ["api", "cis", "tasks", task]) if query.is_empty() => Some(Call::new(
            ids::CIS_TASKS,
            ids::GET,
            input(&[("task", task)]).with("spec", Value::none()),
            Answer::Struct(&defs::CIS_TASK_INFO),
        )),
        ("GET", ["api", "snapservice", "tasks", task]) if query.is_empty() => Some(Call::new(
            ids::SNAPSERVICE_TASKS,
            ids::GET,
            input(&[("task", task)]),
            Answer::Struct(&defs::SNAPSERVICE_TASK_INFO),
        )),
        (_, ["api", "session"]) => session(ids::CIS_SESSION, method, &query),
        (_, ["api", "snapservice", "sessions"]) => {
            session(ids::SNAPSERVICE_SESSIONS, method, &query)
        }
        _ => None,
    }
}

/// The session operations at a session path: `POST` create, `GET` (or `POST ?~action=get`)
/// get, `DELETE` delete.
fn session(service: &'static str, method: &str, query: &[(String, String)]) -> Option<Call> {
    let action = query
        .iter()
        .find(|(k, _)| k == "~action")
        .map(|(_, v)| v.as_str());
    let (operation, answer) = match (method, action) {
        ("POST", None) => (ids::CREATE, Answer::SessionId),
        ("GET", None) | ("POST", Some("get")) => (
            ids::GET,
            Answer::Struct(if service == ids::CIS_SESSION {
                &defs::CIS_SESSION_INFO
            } else {
                &defs::SNAPSERVICE_SESSION_INFO
            }),
        ),
        ("DELETE", None) => (ids::DELETE, Answer::Void),
        _ => return None,
    };
    Some(Call::new(service, operation, input(&[]), answer))
}

/// `POST .../virtual-machines/{vm}?action=A&vmw-task=T`: operation `A$task` when `vmw-task`
/// is `true` (the task form), plain `A` otherwise (the synchronous form, which the restore
/// operation does not offer). The body becomes the typed `spec` (`encode::restore_input`).
fn restore(cluster: &str, vm: &str, query: &[(String, String)], body: Option<&str>) -> Call {
    let get = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let action = get("action").unwrap_or_default();
    let operation = if get("vmw-task") == Some("true") {
        format!("{action}$task")
    } else {
        action.to_owned()
    };
    Call {
        service: ids::VIRTUAL_MACHINES,
        operation,
        input: restore_input(cluster, vm, body.unwrap_or_default()),
        answer: Answer::TaskId,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Auth;
    use serde_json::json;

    fn get(path: &str) -> Option<Call> {
        route(&RequestSpec::get(path, Auth::NoHeader))
    }

    #[test]
    fn the_restore_request_is_restore_task() {
        let spec = RequestSpec::post_json(
            "/api/snapservice/clusters/domain-c8/virtual-machines/vm-42?action=restore&vmw-task=true",
            Auth::NoHeader,
            r#"{"snapshot":"snap-1","name":"restored","placement":{"folder":"group-v4"}}"#,
        );
        let call = route(&spec).unwrap();
        assert_eq!(call.service, ids::VIRTUAL_MACHINES);
        assert_eq!(call.operation, "restore$task");
        assert_eq!(call.answer, Answer::TaskId);
        // The input of the captured request in real-deployment.md § 4.
        assert_eq!(
            call.input.to_json(),
            json!({"STRUCTURE":{"operation-input":{"cluster":"domain-c8","vm":"vm-42","spec":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_spec":{"snapshot":"snap-1","name":{"OPTIONAL":"restored"},"placement":{"OPTIONAL":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.restore_placement_spec":{"folder":{"OPTIONAL":"group-v4"},"resource_pool":{"OPTIONAL":null},"host":{"OPTIONAL":null}}}}}}}}}}})
        );
    }

    #[test]
    fn path_components_are_decoded_and_the_action_names_the_operation() {
        let spec = RequestSpec::post_json(
            "/api/snapservice/clusters/domain%2Dc8/virtual-machines/vm%2042?action=bogus&vmw-task=true",
            Auth::NoHeader,
            "{}",
        );
        let call = route(&spec).unwrap();
        assert_eq!(call.operation, "bogus$task");
        let Value::Structure(s) = &call.input else {
            panic!()
        };
        assert_eq!(s.field("cluster"), Some(&Value::string("domain-c8")));
        assert_eq!(s.field("vm"), Some(&Value::string("vm 42")));
        let spec = RequestSpec::post_json(
            "/api/snapservice/clusters/c/virtual-machines/v?action=restore&vmw-task=false",
            Auth::NoHeader,
            "{}",
        );
        assert_eq!(route(&spec).unwrap().operation, "restore");
    }

    #[test]
    fn reads_become_their_operations() {
        let t = get("/api/cis/tasks/t-1").unwrap();
        assert_eq!((t.service, t.operation.as_str()), (ids::CIS_TASKS, "get"));
        assert_eq!(t.answer, Answer::Struct(&defs::CIS_TASK_INFO));
        let t = get("/api/snapservice/tasks/t-1").unwrap();
        assert_eq!(t.service, ids::SNAPSERVICE_TASKS);
        let l = get("/api/snapservice/clusters/domain-c8/virtual-machines?vms=vm-42").unwrap();
        assert_eq!(
            (l.service, l.operation.as_str()),
            (ids::VIRTUAL_MACHINES, "list")
        );
        assert_eq!(
            l.input.to_json()["STRUCTURE"]["operation-input"]["filter"],
            json!({"OPTIONAL":{"STRUCTURE":{"com.vmware.snapservice.clusters.virtual_machines.filter_spec":{
                "vms":{"OPTIONAL":["vm-42"]},"name_patterns":{"OPTIONAL":null},
                "local_protection_enabled":{"OPTIONAL":null},"tag_rules":{"OPTIONAL":null}}}}})
        );
        let s = get("/api/snapservice/clusters/c/virtual-machines/v/snapshots/s-1").unwrap();
        assert_eq!((s.service, s.operation.as_str()), (ids::SNAPSHOTS, "get"));
        let s = get("/api/snapservice/clusters/c/virtual-machines/v/snapshots").unwrap();
        assert_eq!((s.service, s.operation.as_str()), (ids::SNAPSHOTS, "list"));
        let v = get("/api/snapservice/clusters/c/virtual-machines/v").unwrap();
        assert_eq!(
            (v.service, v.operation.as_str()),
            (ids::VIRTUAL_MACHINES, "get")
        );
    }

    #[test]
    fn sessions_map_to_create_get_delete() {
        let op = |m: &str, p: &str| {
            let mut s = RequestSpec::get(p, Auth::NoHeader);
            s.method = m.into();
            route(&s).map(|c| (c.service, c.operation, c.answer.status()))
        };
        assert_eq!(
            op("POST", "/api/session"),
            Some((ids::CIS_SESSION, "create".into(), 201))
        );
        assert_eq!(
            op("POST", "/api/session?~action=get"),
            Some((ids::CIS_SESSION, "get".into(), 200))
        );
        assert_eq!(
            op("DELETE", "/api/snapservice/sessions"),
            Some((ids::SNAPSERVICE_SESSIONS, "delete".into(), 204))
        );
    }

    #[test]
    fn the_vm_api_and_the_control_plane_stay_rest() {
        for p in [
            "/api/vcenter/vm/vm-1",
            "/api/vcenter/vm?names=x",
            "/api/vcenter/vm/vm-1/power",
            "/__mock/faults",
            "/sts/STSService/vsphere.local",
            // A filter the filter spec has no field for: sent as REST, never changed.
            "/api/snapservice/clusters/c/virtual-machines?bogus=1",
        ] {
            assert_eq!(get(p), None, "{p}");
        }
        let mut del = RequestSpec::delete("/api/vcenter/vm/vm-1", Auth::NoHeader);
        assert_eq!(route(&del), None);
        del.path = "/api/cis/tasks/t-1".into();
        assert_eq!(route(&del), None);
    }
}
