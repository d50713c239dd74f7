//! The checks on a readable `RestoreSpec` (steps 7 to 12 of the decision order): placement ids
//! and their privileges, the snapshot, the name, placement consistency, name collisions.

use super::body::{Placement, Spec, abbreviate, name_problem};
use super::decide::{Analysis, Fault, step};
use super::outcome::o;
use crate::clause::ClauseId;
use crate::model::Kind;
use crate::model::privilege::{FOLDER_CREATE, POOL_ASSIGN};
use crate::model::world::Cluster;

impl Analysis<'_> {
    pub(super) fn check_spec(
        &mut self,
        cluster: Option<&Cluster>,
        anchor: Option<&str>,
        spec: &Spec<'_>,
    ) {
        let world = self.world;
        let placement = spec.placement.unwrap_or(Placement {
            folder: None,
            pool: None,
            host: None,
        });

        // Step 7: every placement id must name an object of the right type.
        let folder = placement.folder.and_then(|f| {
            self.typed(f, Kind::Folder, "placement.folder", "folder")
                .then_some(f)
        });
        let pool = placement.pool.and_then(|p| {
            self.typed(
                p,
                Kind::ResourcePool,
                "placement.resource_pool",
                "resource pool",
            )
            .then_some(p)
        });
        let host = placement.host.and_then(|h| {
            self.typed(h, Kind::Host, "placement.host", "host")
                .then_some(h)
        });
        if let (Some(f), Some(c)) = (folder, cluster) {
            let dc = &world.folders[f].datacenter;
            let is_vm_folder = world.vm_folders_of(&c.datacenter).any(|x| x.id == f);
            if dc.as_deref() != Some(c.datacenter.as_str()) {
                self.push(Fault::exact(
                    step::PLACEMENT,
                    ClauseId::INV_5,
                    &[o::INVALID],
                    format!("folder `{f}` is not in datacenter `{}`", c.datacenter),
                ));
            } else if !is_vm_folder {
                // A folder of the right datacenter that holds no VMs (the host folder): a wrong
                // type for a real inventory, which this fixture model cannot tell for sure.
                let mut f = Fault::exact(
                    step::PLACEMENT_IDS,
                    ClauseId::INV_9,
                    &[o::INVALID, o::NOT_FOUND],
                    format!("folder `{f}` is not a VM folder"),
                )
                .optional();
                f.blameworthy = true;
                self.push(f);
            }
        }

        // Step 8: privileges on the objects the placement names (or, allowed but not
        // required, on the default ones).
        if let Some(f) = folder {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                ClauseId::AUTHZ_2,
                FOLDER_CREATE,
                f,
                true,
            );
        } else if placement.folder.is_none()
            && let Some(c) = cluster
            && let Some(d) = world.datacenters.get(&c.datacenter)
        {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                ClauseId::AUTHZ_2,
                FOLDER_CREATE,
                &d.vm_folder,
                false,
            );
        }
        if let Some(p) = pool {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                ClauseId::AUTHZ_3,
                POOL_ASSIGN,
                p,
                true,
            );
        } else if placement.pool.is_none()
            && let Some(c) = cluster
        {
            self.check_privilege(
                step::PLACEMENT_PRIVILEGE,
                ClauseId::AUTHZ_3,
                POOL_ASSIGN,
                &c.root_pool,
                false,
            );
        }

        // Step 9: the snapshot.
        let snapshot = if world.kind_of(spec.snapshot) == Some(Kind::Snapshot) {
            let s = &world.snapshots[spec.snapshot];
            if let Some(c) = cluster
                && s.cluster != c.id
            {
                self.push(
                    Fault::exact(
                        step::SNAPSHOT,
                        ClauseId::INV_3,
                        &[o::INVALID],
                        format!("snapshot `{}` is of a VM on `{}`", s.id, s.cluster),
                    )
                    .spec(),
                );
            } else if let Some(vm) = anchor
                && s.vm != vm
            {
                self.push(
                    Fault::exact(
                        step::SNAPSHOT,
                        ClauseId::INV_4,
                        &[o::INVALID],
                        format!("snapshot `{}` is of `{}`, not `{vm}`", s.id, s.vm),
                    )
                    .spec()
                    .optional(),
                );
            }
            Some(s)
        } else {
            self.push(
                Fault::exact(
                    step::SNAPSHOT,
                    ClauseId::INV_2,
                    &[o::INVALID, o::NOT_FOUND],
                    format!("no snapshot `{}`", abbreviate(spec.snapshot)),
                )
                .spec(),
            );
            None
        };

        // Step 10: the name.
        let name_valid = match spec.name {
            Some(n) => match name_problem(n) {
                None => true,
                Some(why) => {
                    self.push(
                        Fault::exact(
                            step::NAME,
                            ClauseId::INV_11,
                            &[o::INVALID],
                            format!("name {why}"),
                        )
                        .spec()
                        .optional(),
                    );
                    false
                }
            },
            None => true,
        };

        // Step 11: the placement must be consistent with the cluster and itself.
        if let Some(c) = cluster {
            self.check_placement(c, spec.placement.is_some(), placement, host, pool);
        }

        // Step 12: the name must be free in the target folder.
        let target = match placement.folder {
            Some(_) => folder,
            None => cluster
                .and_then(|c| world.datacenters.get(&c.datacenter))
                .map(|d| d.vm_folder.as_str()),
        };
        let (name, clause) = match spec.name {
            Some(n) => (Some(n), ClauseId::DUP_1),
            None => (snapshot.map(|s| s.vm_name.as_str()), ClauseId::DUP_2),
        };
        if let (Some(n), Some(t), true) = (name, target, name_valid)
            && world.vms.values().any(|v| v.folder == t && v.name == n)
        {
            self.push(
                Fault::exact(
                    step::COLLISION,
                    clause,
                    &[o::EXISTS],
                    format!("a VM named {n:?} exists in `{t}`"),
                )
                .spec(),
            );
        }
    }

    /// Checks a placement id's type (step 7); records INV-9 and returns false when wrong.
    fn typed(&mut self, id: &str, kind: Kind, field: &str, what: &str) -> bool {
        if self.world.kind_of(id) == Some(kind) {
            return true;
        }
        self.push(Fault::exact(
            step::PLACEMENT_IDS,
            ClauseId::INV_9,
            &[o::INVALID, o::NOT_FOUND],
            format!("{field} `{}` names no {what}", abbreviate(id)),
        ));
        false
    }

    fn check_placement(
        &mut self,
        c: &Cluster,
        placement_given: bool,
        placement: Placement<'_>,
        host: Option<&str>,
        pool: Option<&str>,
    ) {
        let world = self.world;
        let host_in = host.filter(|h| world.hosts[*h].cluster == c.id);
        let pool_in = pool.filter(|p| world.resource_pools[*p].cluster == c.id);
        if let Some(h) = host
            && host_in.is_none()
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_5,
                &[o::INVALID],
                format!("host `{h}` is not in cluster `{}`", c.id),
            ));
        }
        if let Some(p) = pool
            && pool_in.is_none()
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_5,
                &[o::INVALID],
                format!("resource pool `{p}` is not in cluster `{}`", c.id),
            ));
        }
        if let (Some(h), Some(p)) = (host_in, pool_in)
            && let Some(bound) = &world.resource_pools[p].host
            && bound != h
        {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_6,
                &[o::INVALID],
                format!("resource pool `{p}` belongs to `{bound}`, not `{h}`"),
            ));
        }
        if c.drs || placement.host.is_some() {
            return;
        }
        if !placement_given {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_8,
                &[o::INVALID, o::NOT_ALLOWED],
                format!("no placement on `{}`, which has no DRS", c.id),
            ));
        } else if placement.pool.is_some() {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_7,
                &[o::INVALID],
                format!(
                    "a resource pool without a host on `{}`, which has no DRS",
                    c.id
                ),
            ));
        } else {
            self.push(Fault::exact(
                step::PLACEMENT,
                ClauseId::INV_8,
                &[o::INVALID, o::NOT_ALLOWED],
                format!(
                    "a placement without host or pool on `{}`, which has no DRS",
                    c.id
                ),
            ));
        }
    }
}
