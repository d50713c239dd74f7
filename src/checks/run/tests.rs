//! BUSY-1..3 and DUP-3 over hand-built answers.

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

fn exchanges(list: Vec<Observation>) -> Vec<Exchange> {
    list.into_iter().map(exchange).collect()
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
    let racers = exchanges(vec![accepted(), error(400, "ALREADY_EXISTS")]);
    let j = check_race(
        "t-r",
        &racers,
        &[Some(TaskStatus::Succeeded)],
        &[vm("vm-1000", "t-r")],
    );
    assert!(j.passed() && j.exercised.contains(&ClauseId::DUP_3));
    let racers = exchanges(vec![accepted(), accepted()]);
    let ends = [Some(TaskStatus::Succeeded), Some(TaskStatus::Failed)];
    assert!(check_race("t-r", &racers, &ends, &[vm("vm-1000", "t-r")]).passed());
}

#[test]
fn two_winners_break_dup_3() {
    let racers = exchanges(vec![accepted(), accepted()]);
    let ends = [Some(TaskStatus::Succeeded), Some(TaskStatus::Succeeded)];
    let vms = [vm("vm-1000", "t-r"), vm("vm-1001", "t-r")];
    let j = check_race("t-r", &racers, &ends, &vms);
    assert_eq!(failed(&j), vec![ClauseId::DUP_3]);
    assert_eq!(j.findings.len(), 1);
    let j = check_race("t-r", &racers, &[None, None], &vms);
    assert_eq!(failed(&j), vec![ClauseId::DUP_3]);
}

#[test]
fn a_burst_answered_from_its_set_passes_and_exercises_busy_1_and_busy_2() {
    let burst = exchanges(vec![accepted(), accepted(), busy(), busy(), busy(), busy()]);
    let j = check_burst(Some(2), &burst, Some(2));
    assert!(j.passed(), "{j:?}");
    assert!(j.exercised.contains(&ClauseId::BUSY_1) && j.exercised.contains(&ClauseId::BUSY_2));
}

#[test]
fn a_429_or_a_wrong_type_in_the_burst_breaks_busy_1() {
    let too_many = error(429, "NOT_ALLOWED_IN_CURRENT_STATE");
    let burst = exchanges(vec![accepted(), accepted(), too_many.clone(), busy()]);
    assert_eq!(
        failed(&check_burst(Some(2), &burst, Some(2))),
        vec![ClauseId::BUSY_1, ClauseId::FMT_4]
    );
    let burst = exchanges(vec![accepted(), accepted(), error(400, "INVALID_ARGUMENT")]);
    let j = check_burst(Some(2), &burst, Some(2));
    assert_eq!(failed(&j), vec![ClauseId::BUSY_1]);
    // Without a stated limit the 429 is FMT-4's alone, a wrong 400 type a valid restore
    // refused (ACC-1).
    let burst = exchanges(vec![accepted(), too_many]);
    assert_eq!(
        failed(&check_burst(None, &burst, None)),
        vec![ClauseId::FMT_4]
    );
    let burst = exchanges(vec![accepted(), error(400, "ALREADY_EXISTS")]);
    assert_eq!(
        failed(&check_burst(None, &burst, None)),
        vec![ClauseId::ACC_1]
    );
}

#[test]
fn a_burst_that_never_tested_the_limit_does_not_exercise_busy_2() {
    // Every restore refused: nothing ran, so the peak says nothing.
    let burst = exchanges(vec![busy(), busy(), busy()]);
    let j = check_burst(Some(2), &burst, Some(0));
    assert!(!j.exercised.contains(&ClauseId::BUSY_2), "{j:?}");
    // No more restores than the limit offered.
    let burst = exchanges(vec![accepted(), accepted()]);
    let j = check_burst(Some(2), &burst, Some(2));
    assert!(!j.exercised.contains(&ClauseId::BUSY_2), "{j:?}");
    // Over the limit at once breaks BUSY-2.
    let burst = exchanges(vec![accepted(), accepted(), accepted()]);
    assert_eq!(
        failed(&check_burst(Some(2), &burst, Some(3))),
        vec![ClauseId::BUSY_2]
    );
    // The ordered burst under holds follows the same rule.
    let j = check_busy(2, &[busy(), busy(), busy()], None, None);
    assert!(!j.exercised.contains(&ClauseId::BUSY_2), "{j:?}");
}

#[test]
fn a_racer_with_a_wrong_error_type_breaks_dup_3() {
    let racers = exchanges(vec![accepted(), error(400, "INVALID_ARGUMENT")]);
    let j = check_race(
        "t-r",
        &racers,
        &[Some(TaskStatus::Succeeded)],
        &[vm("vm-1000", "t-r")],
    );
    assert_eq!(failed(&j), vec![ClauseId::DUP_3]);
    // A limit refusal is in the set; a 429 is FMT-4's alone.
    let racers = exchanges(vec![accepted(), busy()]);
    let ends = [Some(TaskStatus::Succeeded)];
    assert!(check_race("t-r", &racers, &ends, &[vm("vm-1000", "t-r")]).passed());
    let racers = exchanges(vec![accepted(), error(429, "NOT_ALLOWED_IN_CURRENT_STATE")]);
    assert_eq!(
        failed(&check_race("t-r", &racers, &ends, &[vm("vm-1000", "t-r")])),
        vec![ClauseId::FMT_4]
    );
}

#[test]
fn a_race_nobody_won_does_not_exercise_dup_3() {
    let racers = exchanges(vec![error(400, "ALREADY_EXISTS"), busy()]);
    let j = check_race("t-r", &racers, &[], &[]);
    assert!(
        j.passed() && !j.exercised.contains(&ClauseId::DUP_3),
        "{j:?}"
    );
}
