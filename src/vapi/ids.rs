//! Service and operation ids, as the official bindings send them (9.1.1.0).

/// vCenter sessions (`com/vmware/cis_client.py`).
pub const CIS_SESSION: &str = "com.vmware.cis.session";
/// Appliance sessions, API 9.0+ (`com/vmware/snapservice_client.py`).
pub const SNAPSERVICE_SESSIONS: &str = "com.vmware.snapservice.sessions";
/// Restore and the VM list (`com/vmware/snapservice/clusters_client.py`).
pub const VIRTUAL_MACHINES: &str = "com.vmware.snapservice.clusters.virtual_machines";
/// Snapshots of a protected VM (`com/vmware/snapservice/clusters/virtual_machines_client.py`).
pub const SNAPSHOTS: &str = "com.vmware.snapservice.clusters.virtual_machines.snapshots";
/// vCenter tasks; the bindings' restore `Task` helper polls this one.
pub const CIS_TASKS: &str = "com.vmware.cis.tasks";
/// Appliance tasks (`com/vmware/snapservice_client.py`).
pub const SNAPSERVICE_TASKS: &str = "com.vmware.snapservice.tasks";

pub const CREATE: &str = "create";
pub const GET: &str = "get";
pub const DELETE: &str = "delete";
pub const LIST: &str = "list";
/// The task form of restore (the bindings' `restore_task`).
pub const RESTORE_TASK: &str = "restore$task";
