//! Before a run against a real target: is it reachable, can the fixture's principals log in,
//! and does it hold the deleted VMs and snapshots the fixture describes? An unusable target is
//! a harness failure (exit 2); a fixture that does not match makes the clauses that rely on the
//! missing objects `inconclusive`, never `pass`.

use serde_json::Value;

use super::context::Context;
use crate::model::Auth;
use crate::runner::RequestSpec;
use crate::runner::runtime::runtime;

use crate::clause::ClauseId::{self, *};

/// Clauses whose trials restore fixture VMs from fixture snapshots.
const RESTORE_CLAUSES: &[ClauseId] = &[
    ACC_1, ACC_2, TASK_1, TASK_2, POST_1, POST_2, POST_3, POST_4, POST_5, POST_6, DUP_1, DUP_2,
    DUP_3, BUSY_2, BUSY_3, INV_3, INV_4,
];
const AUTHZ_CLAUSES: &[ClauseId] = &[AUTHZ_1, AUTHZ_2, AUTHZ_3, AUTHZ_4, AUTHZ_5, AUTHZ_6];

/// The target cannot be used at all (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("target {url} unusable: {source}")]
pub struct Unusable {
    url: String,
    #[source]
    source: crate::runner::ClientError,
}

/// Returns `Err` (exit 2) when the target cannot be used at all.
pub fn check(ctx: &Context) -> Result<(), Unusable> {
    runtime().block_on(async {
        let admin = ctx.admin();
        ctx.client.login(&admin).await.map_err(|source| Unusable { url: ctx.target_url(), source })?;
        for p in ctx.world.principals.keys().filter(|p| **p != admin) {
            if let Err(e) = ctx.client.login(p).await {
                for c in AUTHZ_CLAUSES {
                    ctx.results.inconclusive(c, &format!("fixture does not match the target: {e}"));
                }
            }
        }
        let auth = Auth::Principal(admin.clone());
        for vm in ctx.world.deleted_vms.values() {
            let path = format!("/api/snapservice/clusters/{}/virtual-machines?vms={}", vm.cluster, vm.id);
            let o = ctx.client.send(&RequestSpec::get(path, auth.clone())).await.observation;
            let listed = o.json().and_then(|v| {
                v.get("items")?.as_array()?.iter().find(|i| i.get("vm").and_then(Value::as_str) == Some(&vm.id)).cloned()
            });
            let problem = match listed {
                None => Some(format!("deleted VM {} is not listed on cluster {} ({})", vm.id, vm.cluster, o.summary())),
                Some(item) if item.pointer("/info/in_cluster").and_then(Value::as_bool) != Some(false) => {
                    Some(format!("VM {} is listed on cluster {} but not as deleted (in_cluster is not false)", vm.id, vm.cluster))
                }
                Some(_) => None,
            };
            let problem = match problem {
                Some(p) => Some(p),
                None => {
                    let mut missing = None;
                    for s in ctx.world.snapshots_of(&vm.id) {
                        let p = format!("/api/snapservice/clusters/{}/virtual-machines/{}/snapshots/{}", vm.cluster, vm.id, s.id);
                        let o = ctx.client.send(&RequestSpec::get(p, auth.clone())).await.observation;
                        if o.status() != Some(200) {
                            missing = Some(format!("snapshot {} of {} not found ({})", s.id, vm.id, o.summary()));
                            break;
                        }
                    }
                    missing
                }
            };
            if let Some(p) = problem {
                for c in RESTORE_CLAUSES {
                    ctx.results.inconclusive(c, &format!("fixture does not match the target: {p}"));
                }
            }
        }
        Ok(())
    })
}
