//! Validation of a parsed fixture into a `World`: every id declared once, every reference
//! resolved to an object of the right kind, with file, line and field for each mistake.

use super::fixture::{FixtureFile, Sp};
use super::world::*;

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

pub(super) struct Builder<'a> {
    text: &'a str,
    file: &'a str,
    world: World,
}

impl<'a> Builder<'a> {
    pub(super) fn new(text: &'a str, file: &'a str, world: World) -> Self {
        Builder { text, file, world }
    }

    fn err(&self, at: &Sp, field: &str, message: impl Into<String>) -> FixtureError {
        FixtureError {
            file: self.file.to_owned(),
            line: line_of(self.text, at.span().start),
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn declare(&mut self, id: &Sp, kind: Kind, table: &str) -> Result<String, FixtureError> {
        let v = id.get_ref().clone();
        if v.trim().is_empty() {
            return Err(self.err(id, &format!("{table}.id"), "an id must not be empty"));
        }
        if let Some(prev) = self.world.kinds.insert(v.clone(), kind) {
            return Err(self.err(
                id,
                &format!("{table}.id"),
                format!("duplicate id `{v}` (already a {})", prev.name()),
            ));
        }
        Ok(v)
    }

    /// Resolves a reference to an object of one of `kinds`.
    fn refer(&self, r: &Sp, field: &str, kinds: &[Kind]) -> Result<String, FixtureError> {
        let v = r.get_ref();
        match self.world.kinds.get(v) {
            None => Err(self.err(r, field, format!("`{v}` names no object in this fixture"))),
            Some(k) if !kinds.contains(k) => Err(self.err(
                r,
                field,
                format!(
                    "`{v}` is a {}, expected {}",
                    k.name(),
                    kinds
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            Some(_) => Ok(v.clone()),
        }
    }

    pub(super) fn build(mut self, raw: FixtureFile) -> Result<World, FixtureError> {
        // Pass 1: every id, so references may point forward.
        for d in &raw.datacenters {
            self.declare(&d.id, Kind::Datacenter, "datacenter")?;
        }
        for f in &raw.folders {
            self.declare(&f.id, Kind::Folder, "folder")?;
        }
        for c in &raw.clusters {
            self.declare(&c.id, Kind::Cluster, "cluster")?;
        }
        for h in &raw.hosts {
            self.declare(&h.id, Kind::Host, "host")?;
        }
        for p in &raw.resource_pools {
            self.declare(&p.id, Kind::ResourcePool, "resource_pool")?;
        }
        for v in &raw.vms {
            self.declare(&v.id, Kind::Vm, "vm")?;
        }
        for v in &raw.deleted_vms {
            self.declare(&v.id, Kind::DeletedVm, "deleted_vm")?;
        }
        for s in &raw.snapshots {
            self.declare(&s.id, Kind::Snapshot, "snapshot")?;
        }

        // Pass 2: the tree.
        for f in &raw.folders {
            if let Some(p) = &f.parent {
                let p = self.refer(p, "folder.parent", &[Kind::Datacenter, Kind::Folder])?;
                self.world.parents.insert(f.id.get_ref().clone(), p);
            }
        }
        for d in &raw.datacenters {
            if let Some(p) = &d.parent {
                let p = self.refer(p, "datacenter.parent", &[Kind::Folder])?;
                self.world.parents.insert(d.id.get_ref().clone(), p);
            }
        }
        for c in &raw.clusters {
            let p = self.refer(
                &c.parent,
                "cluster.parent",
                &[Kind::Datacenter, Kind::Folder],
            )?;
            self.world.parents.insert(c.id.get_ref().clone(), p);
        }
        for h in &raw.hosts {
            let c = self.refer(&h.cluster, "host.cluster", &[Kind::Cluster])?;
            self.world.parents.insert(h.id.get_ref().clone(), c);
        }
        for p in &raw.resource_pools {
            let parent = self.refer(
                &p.parent,
                "resource_pool.parent",
                &[Kind::Cluster, Kind::ResourcePool],
            )?;
            self.world.parents.insert(p.id.get_ref().clone(), parent);
        }
        for v in &raw.vms {
            let f = self.refer(&v.folder, "vm.folder", &[Kind::Folder])?;
            self.world.parents.insert(v.id.get_ref().clone(), f);
        }
        // A cycle would make ancestor walks endless; refuse it here, once.
        for id in self.world.parents.keys() {
            let mut seen = std::collections::BTreeSet::new();
            for a in self.world.self_and_ancestors(id) {
                if !seen.insert(a) {
                    return Err(FixtureError {
                        file: self.file.to_owned(),
                        line: 0,
                        field: "parent".into(),
                        message: format!("parent chain of `{id}` loops back on itself"),
                    });
                }
            }
        }
        let datacenter_of = |w: &World, id: &str| -> Option<String> {
            w.self_and_ancestors(id)
                .find(|a| w.kinds.get(*a) == Some(&Kind::Datacenter))
                .map(str::to_owned)
        };

        for d in &raw.datacenters {
            let f = self.refer(&d.vm_folder, "datacenter.vm_folder", &[Kind::Folder])?;
            let id = d.id.get_ref().clone();
            if datacenter_of(&self.world, &f).as_deref() != Some(id.as_str()) {
                return Err(self.err(
                    &d.vm_folder,
                    "datacenter.vm_folder",
                    format!("folder `{f}` is not inside datacenter `{id}`"),
                ));
            }
            self.world.datacenters.insert(
                id.clone(),
                Datacenter {
                    id,
                    name: d.name.clone(),
                    vm_folder: f,
                },
            );
        }
        for f in &raw.folders {
            let id = f.id.get_ref().clone();
            let dc = datacenter_of(&self.world, &id);
            self.world.folders.insert(
                id.clone(),
                Folder {
                    id,
                    name: f.name.clone(),
                    datacenter: dc,
                },
            );
        }
        for c in &raw.clusters {
            let id = c.id.get_ref().clone();
            let Some(dc) = datacenter_of(&self.world, &id) else {
                return Err(self.err(
                    &c.parent,
                    "cluster.parent",
                    format!("cluster `{id}` is in no datacenter"),
                ));
            };
            let roots: Vec<&str> = raw
                .resource_pools
                .iter()
                .filter(|p| p.parent.get_ref() == &id)
                .map(|p| p.id.get_ref().as_str())
                .collect();
            if roots.len() != 1 {
                return Err(self.err(
                    &c.id,
                    "cluster.id",
                    format!("cluster `{id}` needs exactly one root resource pool (a resource_pool whose parent is the cluster), found {}", roots.len()),
                ));
            }
            // The mock always has a limit (its own default); the harness only knows one the
            // fixture states.
            let mock_limit = raw.mock.as_ref().map(|m| m.restore_limit);
            let stated = c.restore_limit.or(mock_limit);
            if stated.is_some() {
                self.world.limits_stated.insert(id.clone());
            }
            let limit = stated.unwrap_or(self.world.mock.restore_limit);
            self.world.clusters.insert(
                id.clone(),
                Cluster {
                    id,
                    name: c.name.clone(),
                    datacenter: dc,
                    drs: c.drs,
                    restore_limit: limit,
                    restore_limit_stated: c.restore_limit.is_some(),
                    root_pool: roots[0].to_owned(),
                },
            );
        }
        for h in &raw.hosts {
            let id = h.id.get_ref().clone();
            self.world.hosts.insert(
                id.clone(),
                Host {
                    id,
                    name: h.name.clone(),
                    cluster: h.cluster.get_ref().clone(),
                },
            );
        }
        for p in &raw.resource_pools {
            let id = p.id.get_ref().clone();
            let cluster = self
                .world
                .self_and_ancestors(&id)
                .find(|a| self.world.kinds.get(*a) == Some(&Kind::Cluster))
                .map(str::to_owned)
                .expect("pool parents are clusters or pools, and chains end");
            let host = match &p.host {
                None => None,
                Some(h) => {
                    let h = self.refer(h, "resource_pool.host", &[Kind::Host])?;
                    if self.world.hosts[&h].cluster != cluster {
                        return Err(self.err(
                            p.host.as_ref().unwrap(),
                            "resource_pool.host",
                            format!("host `{h}` is not in cluster `{cluster}` of this pool"),
                        ));
                    }
                    Some(h)
                }
            };
            self.world.resource_pools.insert(
                id.clone(),
                ResourcePool {
                    id,
                    name: p.name.clone(),
                    cluster,
                    host,
                },
            );
        }
        for v in &raw.vms {
            let id = v.id.get_ref().clone();
            let host = self.refer(&v.host, "vm.host", &[Kind::Host])?;
            let pool = self.refer(&v.resource_pool, "vm.resource_pool", &[Kind::ResourcePool])?;
            let cluster = self.world.hosts[&host].cluster.clone();
            if self.world.resource_pools[&pool].cluster != cluster {
                return Err(self.err(
                    &v.resource_pool,
                    "vm.resource_pool",
                    format!("pool `{pool}` is not in cluster `{cluster}` of host `{host}`"),
                ));
            }
            self.world.vms.insert(
                id.clone(),
                Vm {
                    id,
                    name: v.name.clone(),
                    folder: v.folder.get_ref().clone(),
                    host,
                    resource_pool: pool,
                    cluster,
                    power_state: v.power_state,
                },
            );
        }
        for v in &raw.deleted_vms {
            let id = v.id.get_ref().clone();
            let cluster = self.refer(&v.cluster, "deleted_vm.cluster", &[Kind::Cluster])?;
            self.world.deleted_vms.insert(
                id.clone(),
                DeletedVm {
                    id,
                    name: v.name.clone(),
                    cluster,
                    protection_groups: v.protection_groups.clone(),
                },
            );
        }
        for s in &raw.snapshots {
            let id = s.id.get_ref().clone();
            let vm = self.refer(&s.vm, "snapshot.vm", &[Kind::DeletedVm, Kind::Vm])?;
            let cluster = match self.world.deleted_vms.get(&vm) {
                Some(d) => d.cluster.clone(),
                None => self.world.vms[&vm].cluster.clone(),
            };
            self.world.snapshots.insert(
                id.clone(),
                Snapshot {
                    id,
                    vm,
                    cluster,
                    name: s.name.clone(),
                    vm_name: s.vm_name.clone(),
                    created_at: s.created_at.clone(),
                    expires_at: s.expires_at.clone(),
                    snapshot_type: s.snapshot_type.clone(),
                },
            );
        }
        for r in &raw.roles {
            let name = r.name.get_ref().clone();
            if self.world.roles.contains_key(&name) {
                return Err(self.err(&r.name, "role.name", format!("duplicate role `{name}`")));
            }
            let mut privileges = Vec::new();
            for p in &r.privileges {
                if p.get_ref().trim().is_empty() {
                    return Err(self.err(p, "role.privileges", "a privilege must not be empty"));
                }
                privileges.push(p.get_ref().clone());
            }
            self.world
                .roles
                .insert(name.clone(), Role { name, privileges });
        }
        for p in &raw.principals {
            let name = p.name.get_ref().clone();
            if self.world.principals.contains_key(&name) {
                return Err(self.err(
                    &p.name,
                    "principal.name",
                    format!("duplicate principal `{name}`"),
                ));
            }
            let sources = [
                p.password.clone().map(Credential::Password),
                p.password_env.clone().map(Credential::PasswordEnv),
                p.session_env.clone().map(Credential::SessionEnv),
                p.authorization_env
                    .clone()
                    .map(Credential::AuthorizationEnv),
            ];
            let mut given: Vec<Credential> = sources.into_iter().flatten().collect();
            if given.len() != 1 {
                return Err(self.err(
                    &p.name,
                    "principal.password",
                    format!("principal `{name}` needs exactly one of password, password_env, session_env, authorization_env (has {})", given.len()),
                ));
            }
            self.world.principals.insert(
                name.clone(),
                Principal {
                    name,
                    credential: given.remove(0),
                    description: p.description.clone(),
                },
            );
        }
        for p in &raw.permissions {
            let principal = p.principal.get_ref().clone();
            if !self.world.principals.contains_key(&principal) {
                return Err(self.err(
                    &p.principal,
                    "permission.principal",
                    format!("`{principal}` names no principal"),
                ));
            }
            let role = p.role.get_ref().clone();
            if !self.world.roles.contains_key(&role) {
                return Err(self.err(
                    &p.role,
                    "permission.role",
                    format!("`{role}` names no role"),
                ));
            }
            let object = self.refer(
                &p.object,
                "permission.object",
                &[
                    Kind::Datacenter,
                    Kind::Folder,
                    Kind::Cluster,
                    Kind::Host,
                    Kind::ResourcePool,
                    Kind::Vm,
                ],
            )?;
            self.world.permissions.push(Permission {
                principal,
                role,
                object,
                propagate: p.propagate,
            });
        }
        self.world.deployment = target::deployment(self.text, self.file, &raw.target)?;
        self.world.admin = match &raw.target.admin {
            Some(a) => {
                if !self.world.principals.contains_key(a.get_ref()) {
                    return Err(self.err(
                        a,
                        "target.admin",
                        format!("`{}` names no principal", a.get_ref()),
                    ));
                }
                Some(a.get_ref().clone())
            }
            None => self.world.permissions.iter().find_map(|p| {
                let all = self.world.roles[&p.role]
                    .privileges
                    .iter()
                    .any(|x| x == "*");
                let root = !self.world.parents.contains_key(&p.object);
                (all && root && p.propagate).then(|| p.principal.clone())
            }),
        };
        Ok(self.world)
    }
}

mod target;
#[cfg(test)]
mod tests;
