//! `certify --dry-run`: the mutating requests each selected trial would send, from the suite's
//! table, and nothing is sent.

use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use super::context::Context;
use super::property_runner::seed_for;
use super::property_table::strategy;
use super::table::TRIALS;
use super::trial::{Kind, TrialDef};
use crate::runner::RequestSpec;

/// The first few generated cases of every selected property (with the principals it would
/// provision), the trials whose requests are not generated up front, and the cleanup requests
/// that follow accepted restores.
pub fn lines(ctx: &Context, filter: Option<&glob::Pattern>) -> Vec<String> {
    let mut out = vec![format!(
        "# dry run against {} (nothing is sent)",
        ctx.target_url()
    )];
    let selected = TRIALS.iter().filter(|t| {
        filter
            .is_none_or(|p| p.matches(&t.name()) || t.clauses.iter().any(|c| p.matches(c.as_str())))
    });
    let mut others = Vec::new();
    for t in selected {
        // The generic properties generate their cases from the clause's strategy; the others
        // build theirs while they run.
        let generated = t.kind == Kind::Generated;
        match generated.then(|| strategy(ctx, t.clause()).ok()).flatten() {
            Some(s) => examples(ctx, t, &s, &mut out),
            None => others.push(t.name()),
        }
    }
    if !others.is_empty() {
        out.push(format!(
            "# {}: send POST restores of the fixture's objects built while they run (refusals as above; run-level trials restore the fixture's first deleted VM on a DRS cluster)",
            others.join(", ")
        ));
    }
    out.push(
        "# after every accepted restore: DELETE /api/vcenter/vm/{restored vm} (unless --keep)"
            .into(),
    );
    out
}

fn examples(
    ctx: &Context,
    t: &TrialDef,
    s: &proptest::strategy::BoxedStrategy<super::property_runner::Prepared>,
    out: &mut Vec<String>,
) {
    let name = t.name();
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed_for(ctx.config.seed, &name)),
        ..Config::default()
    });
    out.push(format!(
        "# {name}: {} cases, for example:",
        ctx.config.cases
    ));
    for _ in 0..3 {
        if let Ok(tree) = proptest::strategy::Strategy::new_tree(s, &mut runner) {
            let (case, setup) = tree.current();
            if let Some(s) = setup {
                out.push(format!(
                    "POST /__mock/principals  (generated principal {})",
                    s.principal
                ));
            }
            let r = RequestSpec::restore(&case);
            // On the JSON-RPC wire the request goes out as its operation's `invoke`.
            if let Some(call) = (ctx.wire() == crate::runner::Wire::JsonRpc)
                .then(|| crate::runner::jsonrpc::route(&r))
                .flatten()
            {
                out.push(format!(
                    "POST {}  invoke {} {}  {}",
                    ctx.client.config().jsonrpc_path,
                    call.service,
                    call.operation,
                    call.input.to_json()
                ));
                continue;
            }
            out.push(format!(
                "{} {}  {}",
                r.method,
                r.path,
                r.body.unwrap_or_default()
            ));
        }
    }
}
