//! Wire types of the vCenter inventory API (vSphere Automation API 8.0, `/api/vcenter/...`):
//! datacenters, folders, clusters, hosts and resource pools, as a client reads them to learn
//! the inventory tree. Field names are the API's (`Datacenter.Summary`, `Folder.Summary`,
//! `Cluster.Summary`, `Cluster.Info`, `Host.Summary`, `ResourcePool.Summary`,
//! `ResourcePool.Info`, `Datacenter.Info`). The mock serves them and `discover` reads them.
//!
//! Readers must accept what a real vCenter adds (newer API versions add optional fields such as
//! `host_uuid` on hosts), so none of these types denies unknown fields, and fields the harness
//! does not need are optional.

use serde::{Deserialize, Serialize};

/// `Folder.Type`: what a folder may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FolderType {
    Datacenter,
    Datastore,
    Host,
    Network,
    VirtualMachine,
}

impl FolderType {
    pub fn as_str(self) -> &'static str {
        match self {
            FolderType::Datacenter => "DATACENTER",
            FolderType::Datastore => "DATASTORE",
            FolderType::Host => "HOST",
            FolderType::Network => "NETWORK",
            FolderType::VirtualMachine => "VIRTUAL_MACHINE",
        }
    }

    pub fn parse(s: &str) -> Option<FolderType> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// One row of `GET /api/vcenter/datacenter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatacenterSummary {
    pub datacenter: String,
    pub name: String,
}

/// `GET /api/vcenter/datacenter/{datacenter}`. The API marks all five folders required; the
/// mock's world has no datastore or network folders, so those are optional here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatacenterInfo {
    pub name: String,
    pub vm_folder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore_folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_folder: Option<String>,
}

/// One row of `GET /api/vcenter/folder`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderSummary {
    pub folder: String,
    pub name: String,
    #[serde(rename = "type")]
    pub folder_type: FolderType,
}

/// One row of `GET /api/vcenter/cluster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub cluster: String,
    pub name: String,
    pub ha_enabled: bool,
    pub drs_enabled: bool,
}

/// `GET /api/vcenter/cluster/{cluster}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub name: String,
    /// The cluster's root resource pool.
    pub resource_pool: String,
}

/// One row of `GET /api/vcenter/host`. `connection_state` is `CONNECTED`, `DISCONNECTED` or
/// `NOT_RESPONDING`; `power_state` (`POWERED_ON`, `POWERED_OFF`, `STANDBY`) is only present for
/// connected hosts. Both stay strings: the harness only reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSummary {
    pub host: String,
    pub name: String,
    pub connection_state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
}

/// One row of `GET /api/vcenter/resource-pool`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePoolSummary {
    pub resource_pool: String,
    pub name: String,
}

/// `GET /api/vcenter/resource-pool/{resource_pool}` (the allocation sections, optional since
/// API 7.0, are not read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePoolInfo {
    pub name: String,
    /// The direct child pools.
    pub resource_pools: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_type_uses_the_api_names() {
        assert_eq!(
            serde_json::to_string(&FolderType::VirtualMachine).unwrap(),
            "\"VIRTUAL_MACHINE\""
        );
        assert_eq!(FolderType::parse("HOST"), Some(FolderType::Host));
        assert_eq!(FolderType::parse("host"), None);
        for t in [FolderType::Datacenter, FolderType::Network] {
            assert_eq!(FolderType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn newer_fields_are_accepted() {
        let h: HostSummary = serde_json::from_str(
            r#"{"host":"host-1","name":"h","connection_state":"DISCONNECTED","host_uuid":"x"}"#,
        )
        .unwrap();
        assert_eq!(h.power_state, None);
    }
}
