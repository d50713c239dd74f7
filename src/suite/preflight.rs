//! Before a run against a real target, the fixture is proven against it:
//!
//! 1. every credential environment variable is set (checked before any request);
//! 2. the administrator obtains a credential at each endpoint with that endpoint's flow, and an
//!    authenticated read there is not refused (else the target is unusable, exit 2); every
//!    other principal likewise at the snapservice endpoint, the only one its requests go to
//!    (else its trials are inconclusive);
//! 3. every object the fixture names is read back from the target (`discover`) and compared
//!    (`prove`): an object the target contradicts leaves the run's world, with everything that
//!    needs it, and the clauses that relied on it are `inconclusive` with the mismatch as the
//!    cause, never judged on a fixture that does not describe the target. A target whose
//!    inventory cannot be read at all leaves every such clause inconclusive.
//!
//! And before any trial (`limit_known`): a restore limit the fixture leaves out is unknown, so
//! the limit clauses are not exercisable against a remote target.

use std::collections::BTreeSet;

use super::context::Context;
use super::prune;
use super::trial::{TrialDef, Unavailable};
use crate::clause::ClauseId::{self, *};
use crate::discover::{Mismatch, ReadError, Reader, discover, prove};
use crate::model::world::Credential;
use crate::model::{Auth, Kind, World};
use crate::runner::runtime::runtime;
use crate::runner::{ClientError, RequestSpec, Role};

/// Clauses whose trials restore fixture VMs from fixture snapshots.
const RESTORE_CLAUSES: &[ClauseId] = &[
    ACC_1, ACC_2, TASK_1, TASK_2, POST_1, POST_2, POST_3, POST_4, POST_5, POST_6, DUP_1, DUP_2,
    DUP_3, BUSY_2, BUSY_3, INV_3, INV_4, NF_3,
];
/// Clauses whose trials place a restore in fixture folders, pools and hosts.
const PLACEMENT_CLAUSES: &[ClauseId] = &[
    POST_4, POST_5, POST_6, INV_5, INV_6, INV_7, INV_8, INV_9, AUTHZ_2, AUTHZ_3,
];
/// Clauses whose trials rely on live VMs (their names and ids).
const LIVE_VM_CLAUSES: &[ClauseId] = &[DUP_1, DUP_2, INV_13];
const AUTHZ_CLAUSES: &[ClauseId] = &[AUTHZ_1, AUTHZ_2, AUTHZ_3, AUTHZ_4, AUTHZ_5, AUTHZ_6];

/// The target cannot be used at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error("principal `{principal}`: environment variable `{var}` is not set (nothing was sent)")]
    MissingEnv { principal: String, var: String },
    #[error("target {url} unusable: {source}")]
    Login {
        url: String,
        #[source]
        source: Box<ClientError>,
    },
    #[error(
        "target {url} unusable: the fixture cannot be proven, its inventory is unreadable: {source}"
    )]
    Unreadable {
        url: String,
        #[source]
        source: Box<ReadError>,
    },
}

/// The first principal whose credential variable is unset or empty.
pub fn missing_env(world: &World) -> Option<(String, String)> {
    world.principals.values().find_map(|p| match &p.credential {
        Credential::PasswordEnv(v)
        | Credential::SessionEnv(v)
        | Credential::AuthorizationEnv(v)
            if std::env::var(v).map_or(true, |x| x.is_empty()) =>
        {
            Some((p.name.clone(), v.clone()))
        }
        _ => None,
    })
}

/// Proves the fixture against the target; `Err` (exit 2) when the target cannot be used.
/// Objects the target contradicts leave `ctx.world`.
pub fn check(ctx: &mut Context) -> Result<(), Unusable> {
    if let Some((principal, var)) = missing_env(&ctx.world) {
        return Err(Unusable::MissingEnv { principal, var });
    }
    let url = ctx.target_url();
    let admin = ctx.admin();
    let found = runtime().block_on(async {
        prove_principal(ctx, &admin, &[Role::Snapservice, Role::Vcenter])
            .await
            .map_err(|source| Unusable::Login {
                url: url.clone(),
                source: Box::new(source),
            })?;
        for p in ctx.world.principals.keys().filter(|p| **p != admin) {
            // Their requests only go to the appliance: reads and cleanup are the admin's.
            if let Err(e) = prove_principal(ctx, p, &[Role::Snapservice]).await {
                for c in AUTHZ_CLAUSES {
                    ctx.results
                        .inconclusive(c, &format!("fixture does not match the target: {e}"));
                }
            }
        }
        let reader = Reader::through(ctx.client.clone(), &admin);
        Ok(discover(&reader).await)
    })?;
    match found {
        Ok(found) => {
            let mismatches = prove(&ctx.world, &found);
            ctx.world = disprove(ctx, &mismatches);
        }
        Err(e) => unprovable(ctx, &e),
    }
    Ok(())
}

/// The target answered the logins but not the inventory reads: nothing the fixture names can
/// be proven, so every clause that relies on it is `inconclusive` (what the run observes is
/// still judged, and a failure still fails).
fn unprovable(ctx: &Context, e: &ReadError) {
    let cause = format!("the fixture cannot be proven: the target's inventory is unreadable: {e}");
    for kind in ALL_KINDS {
        for c in clauses_relying_on(kind) {
            ctx.results.inconclusive(c, &cause);
        }
    }
}

const ALL_KINDS: [Kind; 8] = [
    Kind::Datacenter,
    Kind::Folder,
    Kind::Cluster,
    Kind::Host,
    Kind::ResourcePool,
    Kind::Vm,
    Kind::DeletedVm,
    Kind::Snapshot,
];

/// A principal at the endpoints of `roles`: a credential with each endpoint's flow and an
/// authenticated read that is not refused for want of authentication (any answer but 401
/// proves it: a principal without privileges is answered 403).
async fn prove_principal(
    ctx: &Context,
    principal: &str,
    roles: &[Role],
) -> Result<(), ClientError> {
    let snap_read = match ctx.world.clusters.keys().next() {
        Some(c) => format!("/api/snapservice/clusters/{c}/virtual-machines"),
        None => "/api/snapservice/tasks/snapconf-preflight".to_owned(),
    };
    for (role, path) in [
        (Role::Snapservice, snap_read),
        (Role::Vcenter, "/api/vcenter/datacenter".to_owned()),
    ] {
        if !roles.contains(&role) {
            continue;
        }
        ctx.client.login_at(role, principal).await?;
        let ex = ctx
            .client
            .send(&RequestSpec::get(
                path,
                Auth::Principal(principal.to_owned()),
            ))
            .await;
        let proven = ex.observation.status().is_some_and(|s| s != 401);
        if !proven {
            return Err(ctx
                .client
                .login_error(role, principal, ex.observation.summary()));
        }
    }
    Ok(())
}

/// The world without what `mismatches` contradict; marks the clauses that relied on it.
fn disprove(ctx: &Context, mismatches: &[Mismatch]) -> World {
    let world = &ctx.world;
    let mut all = BTreeSet::new();
    for m in mismatches {
        let gone = prune::closure(world, &BTreeSet::from([m.object.clone()]));
        let cause = format!("fixture does not match the target: {m}");
        for kind in prune::kinds(world, &gone) {
            for c in clauses_relying_on(kind) {
                ctx.results.inconclusive(c, &cause);
            }
        }
        all.extend(gone);
    }
    prune::without(world, &all)
}

/// The clauses whose trials need an object of `kind` from the fixture.
fn clauses_relying_on(kind: Kind) -> Vec<ClauseId> {
    let mut out: Vec<ClauseId> = match kind {
        Kind::DeletedVm | Kind::Snapshot => RESTORE_CLAUSES.to_vec(),
        Kind::Vm => LIVE_VM_CLAUSES.to_vec(),
        Kind::Folder | Kind::ResourcePool | Kind::Host => PLACEMENT_CLAUSES.to_vec(),
        Kind::Cluster | Kind::Datacenter => [RESTORE_CLAUSES, PLACEMENT_CLAUSES].concat(),
    };
    if kind != Kind::Snapshot && kind != Kind::DeletedVm {
        out.extend_from_slice(AUTHZ_CLAUSES);
    }
    out
}

/// A probe for the limit clauses (BUSY-2, BUSY-3): against a remote target the limit must be
/// stated by the fixture; the embedded mock's own limit is always known.
pub fn limit_known(ctx: &Context, _def: &TrialDef) -> Result<(), Unavailable> {
    if ctx.mock.is_some() {
        return Ok(());
    }
    let Some(s) = super::runlevel::simple_target(&ctx.world) else {
        return Ok(()); // The trial says itself why it cannot run.
    };
    match ctx.world.stated_restore_limit(&s.cluster) {
        Some(_) => Ok(()),
        None => Err(Unavailable(format!(
            "the restore limit of cluster {} is unknown: the fixture does not state restore_limit",
            s.cluster
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_takes_some_clauses_and_restores_need_their_snapshots() {
        for kind in ALL_KINDS {
            assert!(!clauses_relying_on(kind).is_empty(), "{kind:?}");
        }
        assert!(clauses_relying_on(Kind::Snapshot).contains(&ACC_1));
        assert!(!clauses_relying_on(Kind::Snapshot).contains(&AUTHZ_1));
        assert!(clauses_relying_on(Kind::Folder).contains(&POST_4));
    }

    #[test]
    fn an_unset_credential_variable_is_found_before_anything_is_sent() {
        let text =
            "[[principal]]\nname = \"a@lab\"\npassword_env = \"SNAPCONF_TEST_SURELY_UNSET_VAR\"\n";
        let w = World::parse(text, std::path::Path::new("lab.toml")).unwrap();
        assert_eq!(
            missing_env(&w),
            Some(("a@lab".into(), "SNAPCONF_TEST_SURELY_UNSET_VAR".into()))
        );
        assert_eq!(missing_env(crate::model::test_world()), None);
    }
}
