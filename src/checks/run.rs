//! Properties of a run of many requests: the restore limit (BUSY-1..BUSY-3) and racing restores
//! for one name (DUP-3). Inputs are plain data the runner collects.

use crate::checks::Judgement;
use crate::checks::status::observed;
use crate::clause::ClauseId;
use crate::model::{ErrorType, TaskStatus, VmSummary};
use crate::runner::Observation;

/// Judges the restore limit of one cluster.
/// - `burst`: answers to valid restores sent one after another, in order, starting with no
///   restore in progress and with tasks held (none finishes during the burst).
/// - `peak_running`: the most restore tasks seen running at once on the cluster during the run
///   (the mock's `max_running`, or counted from task polls), if known.
/// - `after_release`: the answer to one more valid restore sent once the held ones finished.
///
/// BUSY-1: once `limit` are accepted, each further one is 400 NOT_ALLOWED_IN_CURRENT_STATE.
/// BUSY-2: no more than `limit` accepted in the burst, and the peak never above `limit`.
/// BUSY-3: `after_release` is accepted.
pub fn check_busy(
    limit: u32,
    burst: &[Observation],
    peak_running: Option<u32>,
    after_release: Option<&Observation>,
) -> Judgement {
    let mut j = Judgement::default();
    let mut accepted = 0u32;
    let mut busy1 = Vec::new();
    for (i, obs) in burst.iter().enumerate() {
        let Some(seen) = observed(obs) else { continue };
        if accepted >= limit {
            j.exercise(ClauseId::BUSY_1);
            let refused = seen.status == 400
                && seen
                    .error_type
                    .is_none_or(|t| t == ErrorType::NotAllowedInCurrentState);
            if !refused {
                busy1.push(format!("request {i}: {}", obs.summary()));
            }
        }
        if (200..300).contains(&seen.status) {
            accepted += 1;
        }
    }
    if !busy1.is_empty() {
        j.fail(
            ClauseId::BUSY_1,
            format!("400 NOT_ALLOWED_IN_CURRENT_STATE once {limit} restores are in progress"),
            busy1.join("; "),
        );
    }
    if !burst.is_empty() || peak_running.is_some() {
        let mut over = Vec::new();
        if accepted > limit {
            over.push(format!("{accepted} restores accepted while held"));
        }
        if let Some(p) = peak_running.filter(|p| *p > limit) {
            over.push(format!("{p} restore tasks running at once"));
        }
        j.check(
            ClauseId::BUSY_2,
            (!over.is_empty())
                .then(|| (format!("at most {limit} running at once"), over.join("; "))),
        );
    }
    if let Some(obs) = after_release {
        // BUSY-3 is about being refused: any 2xx is acceptance here (a 200 in place of 202
        // is ACC-1's and FMT-4's finding, judged where the answer's status is).
        j.check(
            ClauseId::BUSY_3,
            (!obs.status().is_some_and(|s| (200..300).contains(&s))).then(|| {
                (
                    "202 once the restores in progress finished".into(),
                    obs.summary(),
                )
            }),
        );
    }
    j
}

/// Judges restores that raced for `name` in one folder.
/// - `racers`: the answers to the concurrent requests.
/// - `task_ends`: the final status of each accepted racer's task (`None` when unknown).
/// - `vms_after`: `GET /api/vcenter/vm?names={name}&folders={folder}` once every task ended.
///
/// DUP-3: at most one racer ends with a VM, and never two VMs of that name in the folder.
pub fn check_race(
    name: &str,
    racers: &[Observation],
    task_ends: &[Option<TaskStatus>],
    vms_after: &[VmSummary],
) -> Judgement {
    let mut j = Judgement::default();
    let mut problems = Vec::new();
    let same_name = vms_after.iter().filter(|v| v.name == name).count();
    if same_name > 1 {
        problems.push(format!("{same_name} VMs named {name:?} in the folder"));
    }
    let succeeded = task_ends
        .iter()
        .filter(|t| **t == Some(TaskStatus::Succeeded))
        .count();
    if succeeded > 1 {
        let accepted = racers.iter().filter(|r| r.status() == Some(202)).count();
        problems.push(format!(
            "{succeeded} of {accepted} accepted restores ended SUCCEEDED"
        ));
    }
    j.check(
        ClauseId::DUP_3,
        (!problems.is_empty()).then(|| {
            (
                format!("at most one VM named {name:?} in the folder"),
                problems.join("; "),
            )
        }),
    );
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::*;
    use crate::model::PowerState;

    fn accepted() -> Observation {
        json(
            202,
            r#""t:com.vmware.snapservice.clusters.virtual_machines""#,
        )
    }

    fn busy() -> Observation {
        error(400, "NOT_ALLOWED_IN_CURRENT_STATE")
    }

    #[test]
    fn a_respected_limit_passes() {
        let burst = vec![accepted(), accepted(), busy(), busy()];
        let j = check_busy(2, &burst, Some(2), Some(&accepted()));
        assert!(j.passed(), "{j:?}");
        assert_eq!(j.exercised.len(), 3);
    }

    #[test]
    fn accepting_beyond_the_limit_breaks_busy_1_and_busy_2() {
        let burst = vec![accepted(), accepted(), accepted()];
        assert_eq!(
            failed(&check_busy(2, &burst, None, None)),
            vec![ClauseId::BUSY_1, ClauseId::BUSY_2]
        );
        let burst = vec![accepted(), accepted(), error(400, "INVALID_ARGUMENT")];
        assert_eq!(
            failed(&check_busy(2, &burst, None, None)),
            vec![ClauseId::BUSY_1]
        );
        assert_eq!(
            failed(&check_busy(2, &[], Some(3), None)),
            vec![ClauseId::BUSY_2]
        );
    }

    #[test]
    fn refusing_after_the_release_breaks_busy_3() {
        let j = check_busy(2, &[accepted(), accepted(), busy()], Some(2), Some(&busy()));
        assert_eq!(failed(&j), vec![ClauseId::BUSY_3]);
    }

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
    fn one_winner_passes_the_race() {
        let racers = vec![accepted(), error(400, "ALREADY_EXISTS")];
        let j = check_race(
            "t-r",
            &racers,
            &[Some(TaskStatus::Succeeded)],
            &[vm("vm-1000", "t-r")],
        );
        assert!(j.passed() && j.exercised.contains(&ClauseId::DUP_3));
        let racers = vec![accepted(), accepted()];
        let ends = [Some(TaskStatus::Succeeded), Some(TaskStatus::Failed)];
        assert!(check_race("t-r", &racers, &ends, &[vm("vm-1000", "t-r")]).passed());
    }

    #[test]
    fn two_winners_break_dup_3() {
        let racers = vec![accepted(), accepted()];
        let ends = [Some(TaskStatus::Succeeded), Some(TaskStatus::Succeeded)];
        let vms = [vm("vm-1000", "t-r"), vm("vm-1001", "t-r")];
        let j = check_race("t-r", &racers, &ends, &vms);
        assert_eq!(failed(&j), vec![ClauseId::DUP_3]);
        assert_eq!(j.findings.len(), 1);
        let j = check_race("t-r", &racers, &[None, None], &vms);
        assert_eq!(failed(&j), vec![ClauseId::DUP_3]);
    }
}
