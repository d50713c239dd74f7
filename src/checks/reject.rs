//! REJ-1: a refused request leaves the inventory as it was and starts no task.

use std::collections::BTreeMap;

use crate::checks::Judgement;
use crate::clause::ClauseId;
use crate::model::VmSummary;
use crate::runner::Observation;

/// Judges an error answer against the VM lists taken before and after it (`GET
/// /api/vcenter/vm`, same filters both times) and the tasks that appeared meanwhile (from the
/// mock's state; an empty slice where the target cannot say). A non-error answer is not judged.
pub fn check_nothing_created(
    answer: &Observation,
    before: &[VmSummary],
    after: &[VmSummary],
    new_tasks: &[String],
) -> Judgement {
    if answer.status().is_none_or(|s| s < 400) {
        return Judgement::default();
    }
    check_nothing_left(&answer.summary(), before, after, new_tasks)
}

/// REJ-1 for any refusal, told in words (`what`): an error answer, or an accepted request
/// whose task ended FAILED (a late refusal).
pub fn check_nothing_left(
    what: &str,
    before: &[VmSummary],
    after: &[VmSummary],
    new_tasks: &[String],
) -> Judgement {
    let mut j = Judgement::default();
    let index = |list: &[VmSummary]| -> BTreeMap<String, (String, String)> {
        list.iter()
            .map(|v| {
                (
                    v.vm.clone(),
                    (v.name.clone(), format!("{:?}", v.power_state)),
                )
            })
            .collect()
    };
    let (b, a) = (index(before), index(after));
    let mut changes = Vec::new();
    for (id, (name, _)) in &a {
        if !b.contains_key(id) {
            changes.push(format!("created {id} ({name:?})"));
        }
    }
    for (id, old) in &b {
        match a.get(id) {
            None => changes.push(format!("removed {id} ({:?})", old.0)),
            Some(new) if new != old => changes.push(format!("changed {id}: {old:?} -> {new:?}")),
            Some(_) => {}
        }
    }
    if !new_tasks.is_empty() {
        changes.push(format!("started task(s) {}", new_tasks.join(", ")));
    }
    j.check(
        ClauseId::REJ_1,
        (!changes.is_empty()).then(|| (format!("no change after {what}"), changes.join("; "))),
    );
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::*;
    use crate::model::PowerState;

    fn vm(id: &str, name: &str) -> VmSummary {
        VmSummary {
            vm: id.into(),
            name: name.into(),
            power_state: PowerState::PoweredOff,
            cpu_count: None,
            memory_size_mib: None,
        }
    }

    #[test]
    fn unchanged_inventory_passes() {
        let before = vec![vm("vm-100", "web-01")];
        let j = check_nothing_created(&error(400, "INVALID_ARGUMENT"), &before, &before, &[]);
        assert!(j.passed() && j.exercised.contains(&ClauseId::REJ_1));
    }

    #[test]
    fn a_new_vm_or_task_after_a_refusal_breaks_rej_1() {
        let before = vec![vm("vm-100", "web-01")];
        let after = vec![vm("vm-100", "web-01"), vm("vm-1000", "t-x")];
        let j = check_nothing_created(&error(400, "ALREADY_EXISTS"), &before, &after, &[]);
        assert_eq!(failed(&j), vec![ClauseId::REJ_1]);
        assert!(j.findings[0].observed.contains("vm-1000"));
        let j = check_nothing_created(
            &error(403, "UNAUTHORIZED"),
            &before,
            &before,
            &["t-1".into()],
        );
        assert_eq!(failed(&j), vec![ClauseId::REJ_1]);
        let j = check_nothing_created(
            &error(404, "NOT_FOUND"),
            &before,
            &[vm("vm-100", "renamed")],
            &[],
        );
        assert_eq!(failed(&j), vec![ClauseId::REJ_1]);
    }

    #[test]
    fn accepted_answers_are_not_judged() {
        let after = vec![vm("vm-1000", "t-x")];
        let j = check_nothing_created(&json(202, r#""t""#), &[], &after, &[]);
        assert!(j.exercised.is_empty());
    }

    #[test]
    fn a_late_refusal_that_left_a_vm_breaks_rej_1() {
        let before = vec![vm("vm-100", "web-01")];
        let after = vec![vm("vm-100", "web-01"), vm("vm-1000", "t-x")];
        let j = check_nothing_left("a FAILED task", &before, &after, &[]);
        assert_eq!(failed(&j), vec![ClauseId::REJ_1]);
        assert!(j.findings[0].expected.contains("a FAILED task"));
        assert!(check_nothing_left("a FAILED task", &before, &before, &[]).passed());
    }
}
