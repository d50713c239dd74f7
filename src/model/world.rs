//! The validated world: the fixture's objects indexed by id, with every reference checked.
//!
//! This holds data and navigation only (what is where, who is whose parent). Decisions — who
//! may do what, which request is valid — live separately in the mock and in the oracle, so that
//! the two are written independently (`design.md`, principle 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::fixture::{FixtureFile, MockSettings, TargetSettings};
use super::wire::PowerState;

/// A fixture mistake, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct FixtureError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Datacenter,
    Folder,
    Cluster,
    Host,
    ResourcePool,
    Vm,
    DeletedVm,
    Snapshot,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Datacenter => "Datacenter",
            Kind::Folder => "Folder",
            Kind::Cluster => "ClusterComputeResource",
            Kind::Host => "HostSystem",
            Kind::ResourcePool => "ResourcePool",
            Kind::Vm => "VirtualMachine",
            Kind::DeletedVm => "VirtualMachine (deleted)",
            Kind::Snapshot => "com.vmware.snapservice.vm.snapshot",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datacenter {
    pub id: String,
    pub name: String,
    pub vm_folder: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub id: String,
    pub name: String,
    /// The datacenter this folder lives in, if any.
    pub datacenter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub datacenter: String,
    pub drs: bool,
    pub restore_limit: u32,
    /// Whether the fixture states the limit for this cluster (else `restore_limit` is the
    /// mock's default, which says nothing about a real target).
    pub restore_limit_stated: bool,
    pub root_pool: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub id: String,
    pub name: String,
    pub cluster: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePool {
    pub id: String,
    pub name: String,
    pub cluster: String,
    /// `None` = belongs to every host of its cluster.
    pub host: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub host: String,
    pub resource_pool: String,
    pub cluster: String,
    pub power_state: PowerState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedVm {
    pub id: String,
    pub name: String,
    pub cluster: String,
    pub protection_groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: String,
    pub vm: String,
    /// The cluster of the snapshot's VM.
    pub cluster: String,
    pub name: String,
    pub vm_name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub snapshot_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    /// `"*"` = every privilege.
    pub privileges: Vec<String>,
}

/// Where a principal's credential comes from. Secrets are resolved at use, never stored in
/// reports; `Debug` does not print them.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Password(String),
    PasswordEnv(String),
    SessionEnv(String),
    AuthorizationEnv(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Password(_) => f.write_str("Password(<redacted>)"),
            Credential::PasswordEnv(v) => write!(f, "PasswordEnv({v})"),
            Credential::SessionEnv(v) => write!(f, "SessionEnv({v})"),
            Credential::AuthorizationEnv(v) => write!(f, "AuthorizationEnv({v})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub credential: Credential,
    pub description: Option<String>,
}

impl Principal {
    /// The password, if this principal logs in with one (resolving `password_env`).
    pub fn password(&self) -> Option<String> {
        match &self.credential {
            Credential::Password(p) => Some(p.clone()),
            Credential::PasswordEnv(var) => std::env::var(var).ok(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub principal: String,
    pub role: String,
    pub object: String,
    pub propagate: bool,
}

/// The validated world. Maps are ordered so that iteration (and so generation) is deterministic.
#[derive(Debug, Clone)]
pub struct World {
    pub source: PathBuf,
    pub mock: MockSettings,
    pub target: TargetSettings,
    /// The endpoints and their authentication, validated from `target`.
    pub deployment: super::deployment::Deployment,
    /// Clusters whose restore limit the fixture states (on the cluster, or through `[mock]`).
    pub limits_stated: std::collections::BTreeSet<String>,
    pub datacenters: BTreeMap<String, Datacenter>,
    pub folders: BTreeMap<String, Folder>,
    pub clusters: BTreeMap<String, Cluster>,
    pub hosts: BTreeMap<String, Host>,
    pub resource_pools: BTreeMap<String, ResourcePool>,
    pub vms: BTreeMap<String, Vm>,
    pub deleted_vms: BTreeMap<String, DeletedVm>,
    pub snapshots: BTreeMap<String, Snapshot>,
    pub roles: BTreeMap<String, Role>,
    pub principals: BTreeMap<String, Principal>,
    pub permissions: Vec<Permission>,
    /// Inventory parent of every object that has one (folders, datacenters, clusters, hosts,
    /// pools, live VMs: the VM's folder). Privileges propagate along these edges.
    pub parents: BTreeMap<String, String>,
    /// Kind of every id.
    pub kinds: BTreeMap<String, Kind>,
    /// The principal for valid cases, reads and cleanup (see `TargetSettings::admin`).
    pub admin: Option<String>,
}

impl World {
    /// Reads and validates a fixture file.
    pub fn load(path: &Path) -> Result<World, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|e| FixtureError {
            file: path.display().to_string(),
            line: 0,
            field: "-".into(),
            message: format!("cannot read fixture: {e}"),
        })?;
        World::parse(&text, path)
    }

    /// Parses and validates fixture text; `path` is only used to name the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<World, FixtureError> {
        let file_name = path.display().to_string();
        let raw: FixtureFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| super::validate::line_of(text, s.start))
                .unwrap_or(0);
            let field = e
                .span()
                .map(|s| {
                    text[s.start..s.end.min(text.len())]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "-".into());
            FixtureError {
                file: file_name.clone(),
                line,
                field,
                message: e.message().trim().to_owned(),
            }
        })?;
        super::validate::Builder::new(text, &file_name, World::empty(path, &raw)).build(raw)
    }

    pub(super) fn empty(path: &Path, raw: &FixtureFile) -> World {
        World {
            source: path.to_owned(),
            mock: raw.mock.clone().unwrap_or_default(),
            target: raw.target.clone(),
            deployment: super::deployment::Deployment::default(),
            limits_stated: std::collections::BTreeSet::new(),
            datacenters: BTreeMap::new(),
            folders: BTreeMap::new(),
            clusters: BTreeMap::new(),
            hosts: BTreeMap::new(),
            resource_pools: BTreeMap::new(),
            vms: BTreeMap::new(),
            deleted_vms: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            roles: BTreeMap::new(),
            principals: BTreeMap::new(),
            permissions: Vec::new(),
            parents: BTreeMap::new(),
            kinds: BTreeMap::new(),
            admin: None,
        }
    }

    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        self.kinds.get(id).copied()
    }

    /// The object itself, then its parent, grandparent, ... up to the root.
    pub fn self_and_ancestors<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        std::iter::successors(Some(id), move |cur| {
            self.parents.get(*cur).map(String::as_str)
        })
    }

    /// The restore limit of `cluster` when the fixture states it; `None` when it is unknown
    /// (a lab fixture that leaves `restore_limit` out).
    pub fn stated_restore_limit(&self, cluster: &str) -> Option<u32> {
        self.limits_stated
            .contains(cluster)
            .then(|| self.clusters.get(cluster).map(|c| c.restore_limit))
            .flatten()
    }

    /// Hosts of a cluster, in id order.
    pub fn hosts_of<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = &'a Host> + 'a {
        self.hosts.values().filter(move |h| h.cluster == cluster)
    }

    /// Resource pools of a cluster (the root pool included), in id order.
    pub fn pools_of<'a>(&'a self, cluster: &'a str) -> impl Iterator<Item = &'a ResourcePool> + 'a {
        self.resource_pools
            .values()
            .filter(move |p| p.cluster == cluster)
    }

    /// VM folders of a datacenter (its default VM folder and every folder below it), in id order.
    pub fn vm_folders_of<'a>(
        &'a self,
        datacenter: &'a str,
    ) -> impl Iterator<Item = &'a Folder> + 'a {
        let root = self
            .datacenters
            .get(datacenter)
            .map(|d| d.vm_folder.clone());
        self.folders.values().filter(move |f| {
            root.as_deref()
                .is_some_and(|r| self.self_and_ancestors(&f.id).any(|a| a == r))
        })
    }

    /// Snapshots of a VM, in id order.
    pub fn snapshots_of<'a>(&'a self, vm: &'a str) -> impl Iterator<Item = &'a Snapshot> + 'a {
        self.snapshots.values().filter(move |s| s.vm == vm)
    }

    /// Every secret the fixture can resolve (passwords, session ids, header values), for
    /// redaction and for the tests that search artifacts for leaks.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.principals.values() {
            let v = match &p.credential {
                Credential::Password(s) => Some(s.clone()),
                Credential::PasswordEnv(v)
                | Credential::SessionEnv(v)
                | Credential::AuthorizationEnv(v) => std::env::var(v).ok(),
            };
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                out.push(v);
            }
        }
        out
    }
}
