//! The suite's table: every trial of the suite but the example scenarios (those are data files,
//! `scenario.rs`), in suite order — properties by clause, then run-level trials. The trial list,
//! the clause → trials index (`clauses`, coverage) and the dry-run listing all come from here.
//!
//! A row names its clauses (the first one names the trial: `CLAUSE::slug`), its kind and its
//! run function. What the target must offer is the catalog's `where` of the first clause unless
//! a row says it needs more; `coverage::check_table` holds the table to the catalog.

use super::trial::Kind::{Generated, Property, RunLevel};
use super::trial::RestoreNeed::{Burst, Cases, Fixed, Held, Race, Rounds};
use super::trial::TrialDef;
use super::{fmt5, paired, property_table as prop, runlevel, runlevel_busy};
use crate::clause::ClauseId::*;
use crate::clause::Where;

/// A generated-case property of one clause (its strategy: `property_table::strategy`).
const fn p(clause: &'static [crate::clause::ClauseId], slug: &'static str) -> TrialDef {
    TrialDef::new(clause, slug, Generated, prop::run).probed(prop::probe)
}

/// A generated-case property whose cases a conforming target accepts: each spends a restore.
const fn v(clause: &'static [crate::clause::ClauseId], slug: &'static str) -> TrialDef {
    p(clause, slug).restoring(Cases)
}

pub static TRIALS: &[TrialDef] = &[
    v(&[ACC_1], "valid-restore-accepted"),
    v(&[ACC_2], "task-succeeds"),
    v(&[TASK_1], "task-moves-forward"),
    v(&[TASK_2], "task-info-fields"),
    v(&[POST_1], "restored-powered-off"),
    v(&[POST_2], "given-name"),
    v(&[POST_3], "snapshot-time-name"),
    v(&[POST_4], "folder"),
    v(&[POST_5], "resource-pool"),
    v(&[POST_6], "host"),
    p(&[REJ_1], "refusal-leaves-nothing"),
    p(&[AUTHN_1], "no-session-header"),
    p(&[AUTHN_2], "bad-session"),
    p(&[AUTHN_3], "authentication-first"),
    p(&[AUTHZ_1], "cluster-privilege-missing"),
    p(&[AUTHZ_2], "folder-privilege-missing"),
    p(&[AUTHZ_3], "pool-privilege-missing"),
    v(&[AUTHZ_4], "documented-set-sufficient"),
    v(&[AUTHZ_5], "propagation"),
    TrialDef::new(
        &[AUTHZ_6],
        "refusal-reveals-nothing",
        Property,
        paired::refusal_reveals_nothing,
    )
    .probed(paired::probe),
    p(&[NF_1], "unknown-cluster"),
    p(&[NF_2], "unknown-vm"),
    p(&[NF_3], "vm-of-other-cluster"),
    p(&[INV_1], "snapshot-missing"),
    p(&[INV_2], "snapshot-unknown"),
    p(&[INV_3], "snapshot-of-other-cluster"),
    // The catalog leaves these open (a target may accept them): their cases may restore.
    v(&[INV_4], "snapshot-of-other-vm"),
    p(&[INV_5], "host-outside-cluster"),
    p(&[INV_6], "pool-not-on-host"),
    p(&[INV_7], "pool-without-host-no-drs"),
    p(&[INV_8], "no-placement-no-drs"),
    p(&[INV_9], "placement-id-unknown"),
    p(&[INV_10], "malformed-body"),
    v(&[INV_11], "invalid-name"),
    v(&[INV_12], "extra-fields"),
    p(&[INV_13], "live-vm"),
    p(&[DUP_1], "name-taken"),
    p(&[DUP_2], "default-name-taken"),
    p(&[FMT_1], "error-body-shape"),
    p(&[FMT_2], "error-type-agrees-with-status"),
    p(&[FMT_3], "content-type-json"),
    p(&[FMT_4], "documented-statuses-only"),
    TrialDef::new(
        &[FMT_5],
        "message-ids-stable",
        Property,
        fmt5::message_ids_stable,
    ),
    TrialDef::new(
        &[DUP_3],
        "concurrent-same-name",
        RunLevel,
        runlevel::dup3_race,
    )
    .restoring(Race),
    TrialDef::new(
        &[BUSY_1, BUSY_3],
        "limit-reached",
        RunLevel,
        runlevel_busy::busy1_at_limit,
    )
    .restoring(Held),
    TrialDef::new(
        &[BUSY_2],
        "burst",
        RunLevel,
        runlevel_busy::busy2_never_exceeded,
    )
    .restoring(Burst)
    .probed(super::preflight::limit_known),
    TrialDef::new(
        &[BUSY_3],
        "accepted-after-finish",
        RunLevel,
        runlevel_busy::busy3_frees_up,
    )
    .restoring(Rounds)
    .probed(super::preflight::limit_known),
    TrialDef::new(
        &[ERR_1],
        "internal-fault",
        RunLevel,
        runlevel::internal_fault,
    ),
    TrialDef::new(&[UNAV_1], "service-down", RunLevel, runlevel::service_down),
    // Only the control plane makes a task fail; TASK-1 itself is judged on any target.
    TrialDef::new(&[TASK_1], "failed-task", RunLevel, runlevel::failing_task)
        .needing(Where::Control)
        .restoring(Fixed(runlevel::FAILING_TASK_ROUNDS)),
];
