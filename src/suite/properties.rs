//! The property trials: one per clause that a generated case can exercise, each a strategy over
//! the fixture's world. Invalid cases are valid cases plus named `Mutation`s, so a shrunk
//! failure reads "valid case + the one thing wrong".

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde::{Deserialize, Serialize};

use super::context::Context;
use super::outcome::TrialResult;
use super::property::{Prepared, run_property, seed_for};
use super::trial::Trial;
use crate::generate::{self, PrivilegeSetup};
use crate::model::{Case, Mutation};
use crate::runner::RequestSpec;

/// Property trial names, `(clause, slug)`, in suite order. Known without a target.
pub const NAMES: &[(&str, &str)] = &[
    ("ACC-1", "valid-restore-accepted"),
    ("ACC-2", "task-succeeds"),
    ("TASK-1", "task-moves-forward"),
    ("TASK-2", "task-info-fields"),
    ("POST-1", "restored-powered-off"),
    ("POST-2", "given-name"),
    ("POST-3", "snapshot-time-name"),
    ("POST-4", "folder"),
    ("POST-5", "resource-pool"),
    ("POST-6", "host"),
    ("REJ-1", "refusal-leaves-nothing"),
    ("AUTHN-1", "no-session-header"),
    ("AUTHN-2", "bad-session"),
    ("AUTHN-3", "authentication-first"),
    ("AUTHZ-1", "cluster-privilege-missing"),
    ("AUTHZ-2", "folder-privilege-missing"),
    ("AUTHZ-3", "pool-privilege-missing"),
    ("AUTHZ-4", "documented-set-sufficient"),
    ("AUTHZ-5", "propagation"),
    ("AUTHZ-6", "refusal-reveals-nothing"),
    ("NF-1", "unknown-cluster"),
    ("NF-2", "unknown-vm"),
    ("NF-3", "vm-of-other-cluster"),
    ("INV-1", "snapshot-missing"),
    ("INV-2", "snapshot-unknown"),
    ("INV-3", "snapshot-of-other-cluster"),
    ("INV-4", "snapshot-of-other-vm"),
    ("INV-5", "host-outside-cluster"),
    ("INV-6", "pool-not-on-host"),
    ("INV-7", "pool-without-host-no-drs"),
    ("INV-8", "no-placement-no-drs"),
    ("INV-9", "placement-id-unknown"),
    ("INV-10", "malformed-body"),
    ("INV-11", "invalid-name"),
    ("INV-12", "extra-fields"),
    ("INV-13", "live-vm"),
    ("DUP-1", "name-taken"),
    ("DUP-2", "default-name-taken"),
    ("FMT-1", "error-body-shape"),
    ("FMT-2", "error-type-agrees-with-status"),
    ("FMT-3", "content-type-json"),
    ("FMT-4", "documented-statuses-only"),
    ("FMT-5", "message-ids-stable"),
];

/// A failing case written for `replay`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replay {
    pub trial: String,
    pub clauses: Vec<String>,
    pub case: Case,
    #[serde(default)]
    pub setup: Option<PrivilegeSetup>,
}

/// Strategy for a clause's property, or why this world cannot exercise it.
fn strategy(ctx: &Context, clause: &str) -> Result<BoxedStrategy<Prepared>, String> {
    let w = &ctx.world;
    let admin = ctx.admin();
    let prefix = ctx.config.run_prefix.clone();
    let plain = |s: BoxedStrategy<Case>| s.prop_map(|c| (c, None)).boxed();
    let valid = |p: &str| -> Result<BoxedStrategy<Case>, String> {
        if generate::has_valid_case(w, p) {
            Ok(generate::arb_valid_case(w, p, &prefix).boxed())
        } else {
            Err(format!(
                "the fixture offers principal `{p}` no valid restore"
            ))
        }
    };
    // The mutations whose first (blamed) clause is this clause.
    let mutated = |clause: &str| -> Result<BoxedStrategy<Case>, String> {
        let options: Vec<BoxedStrategy<Case>> = Mutation::ALL
            .iter()
            .filter(|m| m.clauses().first().is_some_and(|c| *c == clause))
            .filter_map(|m| generate::arb_mutated_case(w, &admin, &prefix, *m))
            .collect();
        if options.is_empty() {
            return Err(format!(
                "the fixture has no objects for any mutation of {clause}"
            ));
        }
        Ok(proptest::strategy::Union::new(options).boxed())
    };
    Ok(match clause {
        "ACC-1" | "ACC-2" | "TASK-1" | "TASK-2" | "POST-1" | "POST-2" | "POST-3" | "POST-4"
        | "POST-5" | "POST-6" => plain(valid(&admin)?),
        "REJ-1" => plain(generate::arb_invalid_case(w, &admin, &prefix).boxed()),
        "FMT-1" | "FMT-2" | "FMT-3" | "FMT-4" => plain(
            prop_oneof![
                generate::arb_invalid_case(w, &admin, &prefix),
                generate::arb_multi_fault_case(w, &admin, &prefix)
            ]
            .boxed(),
        ),
        "AUTHN-1" => plain(mutated("AUTHN-1")?),
        "AUTHN-2" => plain(mutated("AUTHN-2")?),
        "AUTHN-3" => {
            // Unauthenticated, and something else wrong too: 401 must still win.
            let world = w.clone();
            let auth = prop_oneof![
                Just(Mutation::NoSessionHeader),
                Just(Mutation::GarbageSession),
                Just(Mutation::LoggedOutSession)
            ];
            plain(
                (generate::arb_multi_fault_case(w, &admin, &prefix), auth)
                    .prop_map(move |(mut c, m)| {
                        m.apply(&mut c, &world);
                        c
                    })
                    .boxed(),
            )
        }
        "AUTHZ-4" => {
            // Every principal holding exactly the documented privileges (refusals of grants
            // held through propagation are AUTHZ-5's, refusals of direct grants AUTHZ-4's).
            let options: Vec<BoxedStrategy<Prepared>> = w
                .principals
                .keys()
                .filter(|p| crate::expect::privilege::holds_exactly_documented(w, p))
                .filter(|p| generate::has_valid_case(w, p))
                .map(|p| plain(generate::arb_valid_case(w, p, &prefix).boxed()))
                .collect();
            if options.is_empty() {
                return Err("the fixture has no principal holding exactly the documented privileges with a valid restore".into());
            }
            proptest::strategy::Union::new(options).boxed()
        }
        "AUTHZ-5" => {
            // Every fixture principal that has a valid restore somewhere (grants on ancestors,
            // with and without propagation, as the lab or default fixture sets them up) ...
            let options: Vec<BoxedStrategy<Prepared>> = w
                .principals
                .keys()
                .filter(|p| generate::has_valid_case(w, p))
                .map(|p| plain(generate::arb_valid_case(w, p, &prefix).boxed()))
                .collect();
            if options.is_empty() {
                return Err("no fixture principal has a valid restore".into());
            }
            let fixture = proptest::strategy::Union::new(options);
            if ctx.has_control() {
                // ... and, on the mock, generated principals with random grants.
                let generated = generate::arb_privilege_case(w, &prefix)
                    .prop_map(|(s, c)| (c, Some(s)))
                    .boxed();
                prop_oneof![1 => fixture, 1 => generated].boxed()
            } else {
                fixture.boxed()
            }
        }
        other => plain(mutated(other)?),
    })
}

/// The property trials for this context.
pub fn trials(ctx: &Context) -> Vec<Trial> {
    NAMES
        .iter()
        .map(|(clause, slug)| {
            let clause: &'static str = clause;
            if clause == "FMT-5" {
                return Trial::new(clause, slug, "property", fmt5_stable);
            }
            if clause == "AUTHZ-6" {
                let ignored = super::paired::authz6_strategy(ctx).err();
                return Trial::new(
                    clause,
                    slug,
                    "property",
                    super::paired::authz6_refusal_reveals_nothing,
                )
                .ignore_if(ignored);
            }
            let ignored = strategy(ctx, clause).err();
            let name = format!("{clause}::{slug}");
            Trial::new(clause, slug, "property", move |c| {
                // Each property gets its own mock when the target is embedded, so restores of
                // one trial never meet the names or the restore limit of another.
                let owned = match c.isolated() {
                    Some(Ok(iso)) => Some(iso),
                    Some(Err(e)) => {
                        return TrialResult::failed(
                            format!("cannot start an isolated mock: {e}"),
                            0,
                        );
                    }
                    None => None,
                };
                let c = owned.as_ref().unwrap_or(c);
                match strategy(c, clause) {
                    Ok(s) => run_property(c, &name, &[clause], s),
                    Err(reason) => TrialResult::ignored(reason),
                }
            })
            .ignore_if(ignored)
        })
        .collect()
}

/// FMT-5: the same cause yields the same message ids. Every generated refusal is sent twice and
/// must be answered with the same status, error_type and message ids; against the embedded mock
/// the per-mutation shapes are also an insta snapshot, so a build that changes a message id
/// shows up as a snapshot diff.
fn fmt5_stable(ctx: &Context) -> TrialResult {
    let owned = match ctx.isolated() {
        Some(Ok(iso)) => Some(iso),
        Some(Err(e)) => {
            return TrialResult::failed(format!("cannot start an isolated mock: {e}"), 0);
        }
        None => None,
    };
    let c = owned.as_ref().unwrap_or(ctx);
    let strat = generate::arb_invalid_case(&c.world, &c.admin(), &c.config.run_prefix);
    let config = Config {
        rng_seed: RngSeed::Fixed(seed_for(c.config.seed, "FMT-5")),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let mut j = crate::checks::Judgement::default();
    let mut last = None;
    let n = c.config.cases;
    for _ in 0..n {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        let case = tree.current();
        let req = RequestSpec::restore(&case);
        let (a, b) = crate::runner::runtime::runtime()
            .block_on(async { (c.client.send(&req).await, c.client.send(&req).await) });
        let (sa, sb) = (
            super::normalize::shape(&a.observation),
            super::normalize::shape(&b.observation),
        );
        // Only refusals: an accepted case changes state, so its repetition is another cause.
        if a.observation.status().is_some_and(|s| s >= 400)
            && b.observation.status().is_some_and(|s| s >= 400)
        {
            j.check(
                crate::clause::ClauseId::FMT_5,
                (sa != sb).then(|| (format!("{sa} again (same request, same cause)"), sb.clone())),
            );
        }
        // Whatever was accepted is cleaned up.
        for ex in [&a, &b] {
            if let Some(serde_json::Value::String(task)) = ex
                .observation
                .json()
                .filter(|_| ex.observation.status() == Some(202))
            {
                let admin = crate::model::Auth::Principal(c.admin());
                crate::runner::runtime::runtime().block_on(async {
                    let (polls, _) = super::pipeline::follow_task(c, &task, &admin).await;
                    if let Some(vm) = crate::checks::task_result(&polls) {
                        super::pipeline::cleanup(c, &admin, &vm).await;
                    }
                });
            }
        }
        last = Some(a);
    }
    ctx.results.exercised(j.exercised.iter());
    if c.config.snapshots {
        let shapes = shapes_per_mutation(c);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(
            "FMT-5: normalized refusal shapes per mutation (status, error_type, message ids)",
        );
        settings
            .bind(|| insta::assert_json_snapshot!("property__FMT-5__shapes_per_mutation", shapes));
    }
    if j.findings.is_empty() {
        return TrialResult::passed(u64::from(n));
    }
    let mut msg = String::new();
    for f in &j.findings {
        msg.push_str(&format!(
            "FMT-5 failed\n  expected: {}\n  observed: {}\n",
            f.expected, f.observed
        ));
        ctx.results.failure(
            "FMT-5",
            crate::report::FailureReport {
                trial: "FMT-5::message-ids-stable".into(),
                expected: f.expected.clone(),
                observed: f.observed.clone(),
                minimal_case: "the same refused request sent twice".into(),
                curl: last
                    .as_ref()
                    .map(|e| e.request.curl(true))
                    .unwrap_or_default(),
                seed: Some(ctx.config.seed),
            },
        );
    }
    TrialResult::failed(msg, u64::from(n))
}

/// The refusal shapes of every applicable mutation, from a fixed seed and case count so the
/// snapshot does not move with `SNAPCONF_SEED` or `SNAPCONF_CASES`.
fn shapes_per_mutation(c: &Context) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    let admin = c.admin();
    let mut shapes: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for m in generate::applicable_mutations(&c.world, &admin) {
        let Some(strat) = generate::arb_mutated_case(&c.world, &admin, &c.config.run_prefix, m)
        else {
            continue;
        };
        let mut runner = TestRunner::new(Config {
            rng_seed: RngSeed::Fixed(0x5eed),
            ..Config::default()
        });
        for _ in 0..8 {
            let Ok(tree) = strat.new_tree(&mut runner) else {
                continue;
            };
            let case = tree.current();
            let ex = crate::runner::runtime::runtime()
                .block_on(c.client.send(&RequestSpec::restore(&case)));
            if ex.observation.status().is_some_and(|s| s >= 400) {
                shapes
                    .entry(m.name().to_owned())
                    .or_default()
                    .insert(super::normalize::shape(&ex.observation));
            } else if let Some(serde_json::Value::String(task)) = ex.observation.json() {
                let admin = crate::model::Auth::Principal(c.admin());
                crate::runner::runtime::runtime().block_on(async {
                    let (polls, _) = super::pipeline::follow_task(c, &task, &admin).await;
                    if let Some(vm) = crate::checks::task_result(&polls) {
                        super::pipeline::cleanup(c, &admin, &vm).await;
                    }
                });
            }
        }
    }
    shapes
}

/// `certify --dry-run`: the mutating requests each selected property would send (the first
/// few generated cases per trial), and the cleanup requests that follow accepted restores.
pub fn dry_run_lines(ctx: &Context, filter: Option<&glob::Pattern>) -> Vec<String> {
    let mut out = vec![format!(
        "# dry run against {} (nothing is sent)",
        ctx.target_url()
    )];
    for (clause, slug) in NAMES {
        let name = format!("{clause}::{slug}");
        if filter.is_some_and(|p| !p.matches(&name) && !p.matches(clause)) {
            continue;
        }
        let Ok(s) = strategy(ctx, clause) else {
            continue;
        };
        let mut runner = TestRunner::new(Config {
            rng_seed: RngSeed::Fixed(seed_for(ctx.config.seed, &name)),
            ..Config::default()
        });
        out.push(format!(
            "# {name}: {} cases, for example:",
            ctx.config.cases
        ));
        for _ in 0..3 {
            if let Ok(tree) = s.new_tree(&mut runner) {
                let (case, setup) = tree.current();
                if let Some(s) = setup {
                    out.push(format!(
                        "POST /__mock/principals  (generated principal {})",
                        s.principal
                    ));
                }
                let r = RequestSpec::restore(&case);
                out.push(format!(
                    "{} {}  {}",
                    r.method,
                    r.path,
                    r.body.unwrap_or_default()
                ));
            }
        }
    }
    out.push("# run-level trials: DUP-3, BUSY-1..3, ERR-1, UNAV-1, TASK-1 send POST restores of the fixture's first deleted VM on a DRS cluster".into());
    out.push(
        "# after every accepted restore: DELETE /api/vcenter/vm/{restored vm} (unless --keep)"
            .into(),
    );
    out
}

/// Re-runs a recorded case and judges it; returns a summary and whether it failed.
pub fn replay(ctx: &Context, r: &Replay) -> (String, bool) {
    let world = match &r.setup {
        Some(s) => {
            if let Err(e) = super::provision::provision(ctx, s) {
                return (
                    format!("cannot provision the generated principal: {e}"),
                    true,
                );
            }
            s.apply_to(&ctx.world)
        }
        None => ctx.world.clone(),
    };
    let run =
        crate::runner::runtime::runtime().block_on(super::pipeline::run_case(ctx, &world, &r.case));
    let mut s = format!(
        "trial {}: {}\nresponse: {}\nexpected: {}\n",
        r.trial,
        r.case.describe(),
        run.exchange.observation.summary(),
        run.expected.describe_outcomes()
    );
    for f in &run.judgement.findings {
        s.push_str(&format!(
            "{} failed: expected {}, observed {}\n",
            f.clause, f.expected, f.observed
        ));
    }
    if run.judgement.findings.is_empty() {
        s.push_str("no clause failed\n");
    }
    (s, !run.judgement.findings.is_empty())
}
