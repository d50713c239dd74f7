//! A late refusal: the oracle lets the server accept the case or refuse it (INV-4, INV-11,
//! INV-12), the server answered 202, and the task ended FAILED. A server that checks inside the
//! task is conforming, so this is judged as a refusal, not as a valid restore that failed
//! (ACC-2): the task's error must be a vAPI error of a type the case allows, and nothing may be
//! left behind (REJ-1).

use super::context::Context;
use super::pipeline::task_endpoint;
use super::settle::{Settled, enc, list_vms};
use crate::checks::{self, Judgement};
use crate::expect::{Expected, Outcome};
use crate::model::{Auth, ErrorType, VmSummary, World};

/// The judgement of the case's task when it is a late refusal; `None` when it is not (the case
/// must be accepted, or its task did not end FAILED): then ACC-2 judges the task.
pub async fn judge(
    ctx: &Context,
    world: &World,
    expected: &Expected,
    settled: &Settled,
    requested: Option<&str>,
) -> Option<Judgement> {
    if !expected.allows_accepted() {
        return None;
    }
    let allowed: Vec<ErrorType> = expected
        .refusals()
        .filter_map(|o| match o {
            Outcome::Error { error_type, .. } => Some(error_type),
            Outcome::Accepted => None,
        })
        .collect();
    if allowed.is_empty() {
        return None;
    }
    let mut j = checks::task::check_late_refusal(
        &settled.polls,
        task_endpoint(ctx),
        &allowed,
        expected.blame,
    )?;
    if let Some(name) = requested {
        // Read by the administrator, who sees wherever the VM would have landed.
        let observer = Auth::Principal(ctx.admin());
        let after = list_vms(ctx, &observer, format!("names={}", enc(name))).await;
        let before: Vec<VmSummary> = after
            .iter()
            .filter(|v| world.vms.contains_key(&v.vm))
            .cloned()
            .collect();
        j.merge(checks::reject::check_nothing_left(
            "a task that ended FAILED (a late refusal)",
            &before,
            &after,
            &[],
        ));
    }
    Some(j)
}
