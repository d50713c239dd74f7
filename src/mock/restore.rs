//! The restore operation:
//! `POST /api/snapservice/clusters/{cluster}/virtual-machines/{vm}?action=restore&vmw-task=true`.
//!
//! `decide` follows the mock's documented decision order step by step (numbered as in the
//! brief); each defect is a branch at the one step whose promise it breaks. The whole decision
//! runs under the state lock, and nothing changes before the request is accepted (REJ-1).

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::model::world::Cluster;
use crate::model::{ErrorType, LocalizableMessage, VapiError};

use super::defect::{Defect, Defects};
use super::error::{ApiError, json_response, render_fault, render_restore};
use super::placement::{placement_privileges, resolve_placement, typed_placement};
use super::sessions::session_id;
use super::side_effect::{self, Refused};
use super::spec::{self, Spec, SpecError};
use super::state::{AppState, FaultScope, Inner, Shared};
use super::tasks::{Outcome, Plan, Task};

/// Request bodies above this are refused (400, never 413: FMT-4).
pub(super) const BODY_LIMIT: usize = 1024 * 1024;

pub(super) const CLUSTER_PRIVILEGE: &str = "Host.Config.Storage";
pub(super) const FOLDER_PRIVILEGE: &str = "VirtualMachine.Inventory.Create";
pub(super) const POOL_PRIVILEGE: &str = "Resource.AssignVMToPool";

const MSG: &str = "com.vmware.snapservice.restore";

pub(super) fn invalid(what: &str, message: String, args: &[&str]) -> ApiError {
    ApiError::invalid(&format!("{MSG}.{what}"), message, args)
}

/// What the REST handler reads off the request.
pub(super) struct RestoreRequest<'a> {
    pub headers: &'a HeaderMap,
    /// `None` when the path parameters could not be decoded.
    pub target: Option<(&'a str, &'a str)>,
    pub query: Option<&'a str>,
    /// `None` when the body was larger than `BODY_LIMIT` or could not be read.
    pub body: Option<&'a [u8]>,
}

/// A restore request with its wire form taken off: what the decision core judges. Each face
/// (REST here, JSON-RPC in `jsonrpc/`) reads its own wire into this, so both faces share every
/// decision and every defect branch.
pub(super) struct Restore<'a> {
    /// Step 1: the caller's user, or the face's authentication error.
    pub caller: Result<String, ApiError>,
    /// Whether the caller presented a session id (the error-type-mismatch defect keys on it).
    pub presented_session: bool,
    /// The cluster and VM ids; `None` when the face could not read them.
    pub target: Option<(&'a str, &'a str)>,
    /// Step 2: whether the request selects the task form of restore (REST: `action=restore`
    /// with `vmw-task=true`; JSON-RPC: operation `restore$task`, which it always is by then).
    pub operation: Result<(), ApiError>,
    /// Step 6: the spec as the face read it.
    pub spec: Result<Spec, SpecError>,
}

pub(super) async fn handler(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Step 0: an armed delay holds the answer (a hung server); an injected fault answers
    // before anything else.
    if let Some(delay) = state.take_restore_delay() {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = state.take_fault(FaultScope::Restore) {
        return render_fault(status, state.defects);
    }
    let bytes = to_bytes(body, BODY_LIMIT).await.ok();
    let path = path.ok();
    let req = RestoreRequest {
        headers: &headers,
        target: path.as_ref().map(|Path((c, v))| (c.as_str(), v.as_str())),
        query: query.as_deref(),
        body: bytes.as_deref(),
    };
    let now = Instant::now();
    let result = {
        let mut inner = state.lock(now);
        let restore = read_rest(&mut inner, now, &req);
        decide(&state, &mut inner, now, restore)
    };
    match result {
        Ok(task) => {
            let status = if state.defects.has(Defect::Accepts200) {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            json_response(status, serde_json::to_vec(&task).unwrap_or_default())
        }
        Err(e) => render_restore(e, state.defects),
    }
}

fn query_param<'q>(query: Option<&'q str>, key: &str) -> Option<std::borrow::Cow<'q, str>> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The REST face: the session header, the path, the query's operation and the body. Runs under
/// the state lock (authentication touches the session).
pub(super) fn read_rest<'a>(
    inner: &mut Inner,
    now: Instant,
    req: &RestoreRequest<'a>,
) -> Restore<'a> {
    let operation = match req.target {
        None => Ok(()),
        Some((cluster_id, vm)) => {
            let path = format!("/api/snapservice/clusters/{cluster_id}/virtual-machines/{vm}");
            if query_param(req.query, "action").as_deref() != Some("restore") {
                Err(ApiError::no_operation("POST", &path))
            } else if query_param(req.query, "vmw-task").as_deref() != Some("true") {
                Err(ApiError::invalid(
                    "vapi.method.input.vmw_task",
                    "This operation is only available as a task: add vmw-task=true.".into(),
                    &[],
                ))
            } else {
                Ok(())
            }
        }
    };
    Restore {
        caller: inner.authenticate(req.headers, now),
        presented_session: session_id(req.headers).is_some(),
        target: req.target,
        operation,
        spec: req.body.map_or(Err(SpecError::TooLarge), spec::parse),
    }
}

/// Steps 1 to 14 of the decision order. `Ok` is the accepted task's id.
pub(super) fn decide(
    shared: &Shared,
    inner: &mut Inner,
    now: Instant,
    req: Restore<'_>,
) -> Result<String, ApiError> {
    let d = shared.defects;
    let ix = &shared.index;

    // 1. Authentication.
    let user = match req.caller {
        Ok(u) => u,
        Err(e) => {
            let unknown_cluster = req.target.is_some_and(|(c, _)| ix.cluster(c).is_none());
            if d.has(Defect::AuthAfterNotFound) && unknown_cluster {
                let c = req.target.map(|(c, _)| c).unwrap_or_default();
                return Err(cluster_not_found(c));
            }
            if d.has(Defect::ErrorTypeMismatch) && req.presented_session {
                let mut e = e;
                e.body.error_type = ErrorType::Unauthorized;
                return Err(e);
            }
            return Err(e);
        }
    };
    let Some((cluster_id, vm)) = req.target else {
        return Err(ApiError::bad_input("the cluster or vm path parameter"));
    };

    // 2. The operation: restore's task form.
    req.operation?;

    // 3. The cluster exists.
    let cluster = ix.cluster(cluster_id);
    if cluster.is_none() && !d.has(Defect::ClusterExistenceUnchecked) {
        return Err(cluster_not_found(cluster_id));
    }

    // 4. Host.Config.Storage on the cluster.
    let holds = |inner: &Inner, privilege: &str, object: &str| {
        inner.principals.holds(ix, d, &user, privilege, object)
    };
    if !d.has(Defect::AuthzClusterUnchecked) && !holds(inner, CLUSTER_PRIVILEGE, cluster_id) {
        return Err(ApiError::unauthorized(CLUSTER_PRIVILEGE, cluster_id));
    }
    if d.has(Defect::ExtraPrivilegeRequired) && !holds(inner, "System.Read", cluster_id) {
        return Err(ApiError::unauthorized("System.Read", cluster_id));
    }
    let Some(cluster) = cluster else {
        return Err(cluster_not_found(cluster_id));
    };

    // 5. The VM: a deleted VM protected on this cluster.
    let (current_name, live_target) = restorable_vm(inner, d, cluster, vm)?;

    // 6. The spec.
    let spec = match req.spec {
        Ok(s) => s,
        Err(SpecError::NotJson) if d.has(Defect::MalformedBodyAs500) => {
            return Err(ApiError::fault(500));
        }
        Err(e) => return Err(ApiError::bad_input(&e.detail())),
    };
    let snapshot_id = match (&spec.snapshot, d.has(Defect::MissingSnapshotAccepted)) {
        (Some(s), _) => s.clone(),
        (None, true) => match ix.snapshots_of(vm).last() {
            Some(s) => s.id.clone(),
            None => return Err(snapshot_required()),
        },
        (None, false) => return Err(snapshot_required()),
    };

    // 7. Placement ids name objects of the right type.
    let placement_given = spec.placement.is_some();
    let placement = typed_placement(shared, spec.placement.unwrap_or_default())?;

    // 8. Folder and pool privileges, before anything about the snapshot or name is revealed.
    if !d.has(Defect::AuthzAfterSpecChecks) {
        placement_privileges(inner, shared, &user, &placement)?;
    }

    // 9. The snapshot: of this VM, on this cluster.
    let (default_name, fails_later) = match ix.snapshot(&snapshot_id) {
        None if d.has(Defect::SnapshotExistenceUnchecked) => {
            (current_name.clone(), Some(snapshot_not_found(&snapshot_id)))
        }
        None => return Err(snapshot_not_found(&snapshot_id)),
        Some(s) => {
            let other_cluster = s.cluster != cluster.id;
            if other_cluster && !d.has(Defect::SnapshotClusterUnchecked) {
                return Err(invalid(
                    "snapshot.other_cluster",
                    format!(
                        "Snapshot {} does not belong to cluster {}.",
                        s.id, cluster.id
                    ),
                    &[&s.id, &cluster.id],
                ));
            }
            // A live target only gets here under live-vm-restorable, which restores it from
            // any snapshot of its cluster.
            if !other_cluster && s.vm != vm && !live_target {
                return Err(invalid(
                    "snapshot.other_vm",
                    format!(
                        "Snapshot {} is not a snapshot of virtual machine {vm}.",
                        s.id
                    ),
                    &[&s.id, vm],
                ));
            }
            (s.vm_name.clone(), None)
        }
    };

    // 10. The name, when given, is a valid VM name.
    if let Some(name) = &spec.name
        && let Some(problem) = spec::name_problem(name)
    {
        return Err(invalid(
            "name.invalid",
            format!("The name {name:?} is not a valid virtual machine name: it {problem}."),
            &[name],
        ));
    }

    // 11. The placement is consistent with the cluster.
    let default_folder = ix.default_folder(cluster).to_owned();
    let folder = placement
        .folder
        .clone()
        .unwrap_or_else(|| default_folder.clone());
    let name = spec.name.clone().unwrap_or_else(|| default_name.clone());
    let resolved = match resolve_placement(shared, cluster, &placement, placement_given) {
        Ok(r) => r,
        Err(e) => {
            let refused = Refused {
                cluster,
                vm,
                user: &user,
                folder: &folder,
                name: &name,
            };
            side_effect::on_placement_refusal(shared, inner, now, &refused);
            return Err(e);
        }
    };

    // 12. The name is free in the target folder (live VMs and restores in progress).
    // Names compare exactly. No document says whether a name differing only in case is
    // taken, so the harness accepts either answer there; the mock picks "free".
    let live = !d.has(Defect::NameTakenByLiveVmIgnored)
        && inner.inventory.name_taken(&folder, &name, false);
    let reserved =
        !d.has(Defect::RaceUnprotected) && inner.inventory.name_reserved(&folder, &name, false);
    if reserved && !live && d.has(Defect::RaceLoserAsInvalid) {
        return Err(invalid(
            "name.in_use",
            format!("The name {name:?} is in use by a restore in progress."),
            &[&name],
        ));
    }
    if live || reserved {
        let e = ApiError::new(
            ErrorType::AlreadyExists,
            &format!("{MSG}.name.already_exists"),
            format!("A virtual machine named {name:?} already exists in folder {folder}."),
            &[&name, &folder],
        );
        if d.has(Defect::Conflict409ForNameClash) && spec.name.is_some() {
            return Err(e.with_status(StatusCode::CONFLICT));
        }
        return Err(e);
    }
    if d.has(Defect::AuthzAfterSpecChecks) {
        placement_privileges(inner, shared, &user, &placement)?;
    }

    // 13. The cluster's limit of restores in progress.
    let limit = inner
        .settings
        .restore_limits
        .get(&cluster.id)
        .copied()
        .unwrap_or(ix.world.mock.restore_limit);
    let count = inner.counted_against_limit(&cluster.id, d);
    let over = if d.has(Defect::LimitOffByOne) {
        count > limit
    } else {
        count >= limit
    };
    if over {
        let limit_s = limit.to_string();
        let error_type = if d.has(Defect::LimitRefusedAsInvalid) {
            ErrorType::InvalidArgument
        } else {
            ErrorType::NotAllowedInCurrentState
        };
        let e = ApiError::new(
            error_type,
            &format!("{MSG}.limit.reached"),
            format!(
                "Cluster {} already runs {limit} restores, its maximum.",
                cluster.id
            ),
            &[&cluster.id, &limit_s],
        );
        if d.has(Defect::Limit429) {
            return Err(e.with_status(StatusCode::TOO_MANY_REQUESTS));
        }
        return Err(e);
    }

    // 14. Accept.
    let plan = Plan {
        name: if d.has(Defect::IgnoresName) {
            default_name.clone()
        } else if spec.name.is_none() && d.has(Defect::DefaultNameFromCurrentVm) {
            current_name.clone()
        } else {
            name.clone()
        },
        folder: if d.has(Defect::IgnoresFolder) {
            default_folder
        } else {
            folder.clone()
        },
        resource_pool: if d.has(Defect::IgnoresPool) {
            cluster.root_pool.clone()
        } else {
            resolved.resource_pool
        },
        host: if d.has(Defect::IgnoresHost) {
            ix.first_host(&cluster.id).unwrap_or_default().to_owned()
        } else {
            resolved.host
        },
        powered_on: d.has(Defect::VmLeftPoweredOn),
    };
    let outcome = if let Some(e) = fails_later {
        Outcome::Fail(e.body)
    } else if inner.task_failures > 0 {
        inner.task_failures -= 1;
        Outcome::Fail(VapiError::new(
            ErrorType::Error,
            LocalizableMessage::new(
                &format!("{MSG}.task.failed"),
                format!("The restore of virtual machine {vm} failed."),
                &[vm],
            ),
        ))
    } else {
        Outcome::Restore(plan)
    };
    inner.inventory.reserve(&folder, &name);
    let task = Task::new(
        &cluster.id,
        vm,
        &user,
        now,
        inner.settings.task_duration,
        outcome,
        Some((folder, name)),
    );
    inner.count_accepted(&cluster.id);
    Ok(inner.tasks.add(task))
}

fn cluster_not_found(cluster: &str) -> ApiError {
    ApiError::not_found(
        &format!("{MSG}.cluster.not_found"),
        format!("Cluster {cluster} was not found."),
        &[cluster],
    )
}

fn snapshot_required() -> ApiError {
    invalid(
        "snapshot.required",
        "The field snapshot is required.".into(),
        &["snapshot"],
    )
}

fn snapshot_not_found(snapshot: &str) -> ApiError {
    invalid(
        "snapshot.not_found",
        format!("Snapshot {snapshot} was not found."),
        &[snapshot],
    )
}

/// Step 5: the VM's current name when it is a deleted VM protected on `cluster`, and whether it
/// is in fact live (only under the live-vm-restorable defect).
fn restorable_vm(
    inner: &Inner,
    d: Defects,
    cluster: &Cluster,
    vm: &str,
) -> Result<(String, bool), ApiError> {
    let is_live = inner.inventory.vm(vm).is_some();
    let (name, home) = if let Some(live) = inner.inventory.vm(vm) {
        if !d.has(Defect::LiveVmRestorable) {
            return Err(invalid(
                "vm.not_deleted",
                format!(
                    "Virtual machine {vm} exists; only a deleted virtual machine can be restored."
                ),
                &[vm],
            ));
        }
        (live.name.clone(), live.cluster.clone())
    } else if let Some(del) = inner.inventory.deleted(vm) {
        (del.name.clone(), del.cluster.clone())
    } else if d.has(Defect::VmExistenceUnchecked) {
        return Ok((vm.to_owned(), false));
    } else {
        return Err(ApiError::not_found(
            &format!("{MSG}.vm.not_found"),
            format!("Virtual machine {vm} was not found."),
            &[vm],
        ));
    };
    if home != cluster.id {
        return Err(ApiError::not_found(
            &format!("{MSG}.vm.other_cluster"),
            format!(
                "Virtual machine {vm} is not protected on cluster {}.",
                cluster.id
            ),
            &[vm, &cluster.id],
        ));
    }
    Ok((name, is_live))
}
