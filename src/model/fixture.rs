//! The fixture file: one TOML document that describes a world (`design.md`, "One fixture format
//! describes a world"). The mock loads it as its state; against a real target it describes the lab.
//!
//! Parsing is strict (`deny_unknown_fields`) and every reference carries its span, so that
//! `World::load` can name file, line and field for any mistake. The raw types here are only the
//! file's shape; `world.rs` turns them into the validated, indexed `World`.

use serde::Deserialize;
use serde_spanned::Spanned;

/// A string value with its position in the file.
pub type Sp = Spanned<String>;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// Settings only the embedded mock reads. A fixture with this table is a mock fixture: its
    /// `restore_limit` is the limit of every cluster that does not state its own.
    #[serde(default)]
    pub mock: Option<MockSettings>,
    /// How the harness talks to a target described by this fixture.
    #[serde(default)]
    pub target: TargetSettings,
    #[serde(default, rename = "datacenter")]
    pub datacenters: Vec<DatacenterDef>,
    #[serde(default, rename = "folder")]
    pub folders: Vec<FolderDef>,
    #[serde(default, rename = "cluster")]
    pub clusters: Vec<ClusterDef>,
    #[serde(default, rename = "host")]
    pub hosts: Vec<HostDef>,
    #[serde(default, rename = "resource_pool")]
    pub resource_pools: Vec<ResourcePoolDef>,
    #[serde(default, rename = "vm")]
    pub vms: Vec<VmDef>,
    #[serde(default, rename = "deleted_vm")]
    pub deleted_vms: Vec<DeletedVmDef>,
    #[serde(default, rename = "snapshot")]
    pub snapshots: Vec<SnapshotDef>,
    #[serde(default, rename = "role")]
    pub roles: Vec<RoleDef>,
    #[serde(default, rename = "principal")]
    pub principals: Vec<PrincipalDef>,
    #[serde(default, rename = "permission")]
    pub permissions: Vec<PermissionDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockSettings {
    /// How long an accepted restore task takes from PENDING to SUCCEEDED.
    #[serde(default = "default_task_duration_ms")]
    pub task_duration_ms: u64,
    /// Sessions unused for this long are forgotten.
    #[serde(default = "default_session_idle_timeout_s")]
    pub session_idle_timeout_s: u64,
    /// Finished tasks kept for polling; the oldest are evicted beyond this (bounded memory).
    #[serde(default = "default_max_finished_tasks")]
    pub max_finished_tasks: usize,
    /// Restore limit for clusters that do not set their own.
    #[serde(default = "default_restore_limit")]
    pub restore_limit: u32,
}

impl Default for MockSettings {
    fn default() -> Self {
        MockSettings {
            task_duration_ms: default_task_duration_ms(),
            session_idle_timeout_s: default_session_idle_timeout_s(),
            max_finished_tasks: default_max_finished_tasks(),
            restore_limit: default_restore_limit(),
        }
    }
}

fn default_task_duration_ms() -> u64 {
    20
}
fn default_session_idle_timeout_s() -> u64 {
    1800
}
fn default_max_finished_tasks() -> usize {
    10_000
}
fn default_restore_limit() -> u32 {
    4
}

/// `[target]`: how the harness reaches the deployment this fixture describes.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TargetSettings {
    /// Where password logins go on every `basic-session` endpoint (`/api/session` when
    /// absent); `[target.<endpoint>] session_path` overrides it per endpoint.
    #[serde(default)]
    pub session_path: Option<Sp>,
    /// Where tasks are polled: `/api/cis/tasks` (vCenter) or `/api/snapservice/tasks`. When
    /// absent: the snapservice one when the two endpoints differ, vCenter's otherwise.
    #[serde(default)]
    pub task_path: Option<Sp>,
    /// The principal the harness uses for valid cases, reads and cleanup. When absent: the
    /// first principal granted a `"*"` role, with propagation, on an object that has no parent.
    #[serde(default)]
    pub admin: Option<Sp>,
    /// The snapservice appliance: restore, discovery, its tasks and sessions.
    #[serde(default)]
    pub snapservice: Option<EndpointDef>,
    /// vCenter: sessions, the STS, the VM API and cis tasks.
    #[serde(default)]
    pub vcenter: Option<EndpointDef>,
    /// The wire form: `rest` (default) or `jsonrpc` (vAPI JSON-RPC, the official bindings'
    /// form). `--wire` and `SNAPCONF_WIRE` override it.
    #[serde(default)]
    pub wire: Option<crate::runner::Wire>,
    /// The JSON-RPC endpoint's path: `/api` (8.0U3, the default) or `/snapservice` (9.0).
    #[serde(default)]
    pub jsonrpc_path: Option<String>,
}

/// `[target.snapservice]` or `[target.vcenter]`: one endpoint and how principals
/// authenticate there. Every field is optional.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EndpointDef {
    /// The base URL (`https://vc.lab`); `certify --target/--snapservice/--vcenter` override it.
    #[serde(default)]
    pub url: Option<Sp>,
    /// `basic-session` (default), `sso` or `snapservice-session` (snapservice only).
    #[serde(default)]
    pub auth: Option<Sp>,
    /// Where sessions are created (session flows).
    #[serde(default)]
    pub session_path: Option<Sp>,
    /// The SSO domain of the vCenter STS (`vsphere.local` by default).
    #[serde(default)]
    pub sso_domain: Option<Sp>,
    /// The token lifetime asked of the STS, e.g. `30m` (the default).
    #[serde(default)]
    pub token_lifetime: Option<Sp>,
    /// A PEM bundle (one or several certificates) this endpoint's TLS certificate chains to,
    /// relative to the fixture's directory.
    #[serde(default)]
    pub ca_cert: Option<Sp>,
}

/// A datacenter. `vm_folder` is its default VM folder (where a restore without
/// `placement.folder` puts the VM).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatacenterDef {
    pub id: Sp,
    pub name: String,
    pub vm_folder: Sp,
    /// Optional parent folder (the root folder `group-d1` in a real inventory).
    #[serde(default)]
    pub parent: Option<Sp>,
}

/// A folder; `parent` is a datacenter or another folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderDef {
    pub id: Sp,
    pub name: String,
    #[serde(default)]
    pub parent: Option<Sp>,
}

/// A cluster; `parent` is its datacenter or a host folder inside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDef {
    pub id: Sp,
    pub name: String,
    pub parent: Sp,
    pub drs: bool,
    /// Maximum restores in progress at once on this cluster (BUSY-*); `[mock] restore_limit`
    /// when absent. Absent from a fixture without `[mock]` (a lab's), the limit is unknown and
    /// the limit clauses are not judged against a remote target.
    #[serde(default)]
    pub restore_limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDef {
    pub id: Sp,
    pub name: String,
    pub cluster: Sp,
}

/// A resource pool; `parent` is its cluster (for the cluster's one root pool) or another pool.
/// A pool with `host` belongs to that host only; a pool without one belongs to every host of
/// its cluster (INV-6).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcePoolDef {
    pub id: Sp,
    pub name: String,
    pub parent: Sp,
    #[serde(default)]
    pub host: Option<Sp>,
}

/// A live VM in the inventory (names taken now, DUP-*; live ids for INV-13).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmDef {
    pub id: Sp,
    pub name: String,
    pub folder: Sp,
    pub host: Sp,
    pub resource_pool: Sp,
    #[serde(default)]
    pub power_state: super::wire::PowerState,
}

/// A deleted VM that snapservice still protects on `cluster`: restore brings it back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeletedVmDef {
    pub id: Sp,
    /// The name snapservice lists for it (its last name).
    pub name: String,
    pub cluster: Sp,
    #[serde(default)]
    pub protection_groups: Vec<String>,
}

/// A snapshot of a VM (deleted or live) on that VM's cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotDef {
    pub id: Sp,
    pub vm: Sp,
    pub name: String,
    /// The VM's name when the snapshot was taken: the default name of a restore (POST-3).
    pub vm_name: String,
    pub created_at: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default = "default_snapshot_type")]
    pub snapshot_type: String,
}

fn default_snapshot_type() -> String {
    "SCHEDULED".to_owned()
}

/// A role: a named set of privileges. `"*"` stands for every privilege (the Administrator role).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub name: Sp,
    pub privileges: Vec<Sp>,
}

/// A principal and how the harness authenticates as it. Exactly one credential source:
/// `password` (mock fixtures only: it is a secret in a file), `password_env` (the name of an
/// environment variable holding the password), `session_env` (a session id the user obtained),
/// or `authorization_env` (a raw `Authorization` header value, e.g. a SAML `SIGN token=...`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalDef {
    pub name: Sp,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub session_env: Option<String>,
    #[serde(default)]
    pub authorization_env: Option<String>,
    /// What this principal is for, in words (shown in reports).
    #[serde(default)]
    pub description: Option<String>,
}

/// A permission: `principal` holds `role` on `object`, and on its descendants when `propagate`.
/// Permissions of one principal add up (union); the model does not implement vSphere's
/// "a permission on a child overrides the inherited one" rule, so fixtures should not rely on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionDef {
    pub principal: Sp,
    pub role: Sp,
    pub object: Sp,
    #[serde(default = "default_true")]
    pub propagate: bool,
}

fn default_true() -> bool {
    true
}
