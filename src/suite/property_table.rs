//! The per-clause strategies of the property trials: which generated cases exercise each
//! clause, over the fixture's world. Invalid cases are valid cases plus named `Mutation`s, so a
//! shrunk failure reads "valid case + the one thing wrong". The trials themselves are rows of
//! the suite's table (`table.rs`); this file says what each one generates.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::context::Context;
use super::outcome::TrialResult;
use super::property_runner::{Prepared, run_property};
use super::trial::{RestoreNeed, TrialDef, TrialError, Unavailable};
use super::wire_form;
use crate::clause::ClauseId;
use crate::generate;
use crate::model::{Case, Mutation};

/// A generated-case property: the trial's first clause's strategy through the case pipeline,
/// on the trial's own target.
pub fn run(ctx: &Context, def: &TrialDef) -> Result<TrialResult, TrialError> {
    let target = ctx.trial_target()?;
    let s = strategy(&target, def.clause())?;
    let name = def.name();
    crate::runner::runtime::runtime().block_on(super::rej1::start_trial(&target, &name));
    let result = if target.mock.is_none() && def.restores == RestoreNeed::Cases {
        // Against a remote target restores take minutes: the trial's share of the budget runs
        // in concurrent waves.
        super::waves::run_waves(&target, &name, def.clauses, s)
    } else {
        run_property(&target, &name, def.clauses, s)
    };
    Ok(super::rej1::finish_trial(
        &target,
        &target.world,
        def.clauses,
        result,
    ))
}

/// Whether this world offers the property any case (checked when the trial list is made).
pub fn probe(ctx: &Context, def: &TrialDef) -> Result<(), Unavailable> {
    strategy(ctx, def.clause()).map(|_| ())
}

/// Strategy for a clause's property, or why this world cannot exercise it. On the JSON-RPC wire
/// cases carrying a mutation that wire cannot express are not drawn (`wire_form`).
pub fn strategy(ctx: &Context, clause: ClauseId) -> Result<BoxedStrategy<Prepared>, Unavailable> {
    let s = strategy_any_wire(ctx, clause)?;
    let wire = ctx.wire();
    if wire == crate::runner::Wire::Rest {
        return Ok(s);
    }
    Ok(
        s.prop_filter("a mutation the wire form cannot express", move |(c, _)| {
            wire_form::case_applies(wire, &c.mutations)
        })
        .boxed(),
    )
}

fn strategy_any_wire(
    ctx: &Context,
    clause: ClauseId,
) -> Result<BoxedStrategy<Prepared>, Unavailable> {
    use ClauseId as C;
    let w = &ctx.world;
    let admin = ctx.admin();
    let prefix = ctx.config.run_prefix.clone();
    let plain = |s: BoxedStrategy<Case>| s.prop_map(|c| (c, None)).boxed();
    let valid = |p: &str| -> Result<BoxedStrategy<Case>, Unavailable> {
        if generate::has_valid_case(w, p) {
            Ok(generate::arb_valid_case(w, p, &prefix).boxed())
        } else {
            Err(Unavailable(format!(
                "the fixture offers principal `{p}` no valid restore"
            )))
        }
    };
    // The mutations whose first (blamed) clause is this clause.
    let mutated = |clause: ClauseId| -> Result<BoxedStrategy<Case>, Unavailable> {
        let options: Vec<BoxedStrategy<Case>> = Mutation::ALL
            .iter()
            .filter(|m| m.clauses().first().is_some_and(|c| *c == clause.as_str()))
            .filter(|m| wire_form::mutation_excluded(ctx.wire(), **m).is_none())
            .filter_map(|m| generate::arb_mutated_case(w, &admin, &prefix, *m))
            .collect();
        if options.is_empty() {
            return Err(Unavailable(format!(
                "the fixture has no objects for any mutation of {clause}"
            )));
        }
        Ok(proptest::strategy::Union::new(options).boxed())
    };
    Ok(match clause {
        C::ACC_1
        | C::ACC_2
        | C::TASK_1
        | C::TASK_2
        | C::POST_1
        | C::POST_2
        | C::POST_3
        | C::POST_4
        | C::POST_5
        | C::POST_6 => plain(valid(&admin)?),
        C::REJ_1 => plain(generate::arb_invalid_case(w, &admin, &prefix).boxed()),
        C::FMT_1 | C::FMT_2 | C::FMT_3 | C::FMT_4 => plain(
            prop_oneof![
                generate::arb_invalid_case(w, &admin, &prefix),
                generate::arb_multi_fault_case(w, &admin, &prefix)
            ]
            .boxed(),
        ),
        C::AUTHN_3 => {
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
        C::AUTHZ_4 => {
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
                return Err(Unavailable("the fixture has no principal holding exactly the documented privileges with a valid restore".into()));
            }
            proptest::strategy::Union::new(options).boxed()
        }
        C::AUTHZ_5 => {
            // Every fixture principal that has a valid restore somewhere (grants on ancestors,
            // with and without propagation, as the lab or default fixture sets them up) ...
            let options: Vec<BoxedStrategy<Prepared>> = w
                .principals
                .keys()
                .filter(|p| generate::has_valid_case(w, p))
                .map(|p| plain(generate::arb_valid_case(w, p, &prefix).boxed()))
                .collect();
            if options.is_empty() {
                return Err(Unavailable(
                    "no fixture principal has a valid restore".into(),
                ));
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
        // AUTHN-1, AUTHN-2, AUTHZ-1..3, NF-*, INV-*, DUP-1, DUP-2: the mutations that blame them.
        other => plain(mutated(other)?),
    })
}
