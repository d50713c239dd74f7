//! Reading, per cluster, the VMs snapservice protects and their snapshots through the
//! discovery endpoints (`restore-api.md` section 7).

use crate::model::{Items, ProtectedVmSummary, SnapshotSummary};

use super::found::{DiscoveredWorld, ProtectedVm, Snapshot};
use super::reader::{ReadError, Reader, Role, seg};

/// Reads the protected VMs of every discovered cluster, and the snapshots of each, into `d`.
/// A cluster the appliance does not know (404) has nothing protected; it is noted, not an
/// error, since not every cluster of a vCenter need be under snapservice.
pub(super) async fn snapservice(r: &Reader, d: &mut DiscoveredWorld) -> Result<(), ReadError> {
    let clusters: Vec<String> = d.clusters.keys().cloned().collect();
    for cluster in &clusters {
        let base = format!(
            "/api/snapservice/clusters/{}/virtual-machines",
            seg(cluster)
        );
        let listed: Items<ProtectedVmSummary> = match r.get(Role::Snapservice, &base).await {
            Ok(l) => l,
            Err(e) if e.status() == Some(404) => {
                d.notes.push(format!(
                    "cluster {cluster}: snapservice does not know it (404)"
                ));
                continue;
            }
            Err(e) => return Err(e),
        };
        for item in listed.items {
            let path = format!("{base}/{}/snapshots", seg(&item.vm));
            let snaps: Items<SnapshotSummary> = r.get(Role::Snapservice, &path).await?;
            for s in snaps.items {
                let prev = d.snapshots.insert(
                    s.snapshot.clone(),
                    Snapshot {
                        vm: item.vm.clone(),
                        cluster: cluster.clone(),
                        name: s.info.name,
                        snapshot_type: s.info.snapshot_type,
                        created_at: s.info.created_at,
                        expires_at: s.info.expires_at,
                        info_vm: s.info.vm,
                    },
                );
                if let Some(p) = prev {
                    d.notes.push(format!(
                        "snapshot {} is listed for {} on {} and for {} on {}; the last listing is kept",
                        s.snapshot, p.vm, p.cluster, item.vm, cluster
                    ));
                }
            }
            d.protected.insert(
                (cluster.clone(), item.vm.clone()),
                ProtectedVm {
                    vm: item.vm,
                    cluster: cluster.clone(),
                    name: item.info.name,
                    in_cluster: item.info.in_cluster,
                    protection_groups: item.info.protection_groups,
                },
            );
        }
    }
    Ok(())
}
