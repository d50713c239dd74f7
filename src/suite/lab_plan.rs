//! The run's restore budget, planned before the first trial: every selected trial's declared
//! restore need (`RestoreNeed`) becomes a `lab::Need` for this run's case count and restore
//! limit, `BudgetPlan::plan` shares `--max-restores` out, and the trials that do not fit are
//! not run, with the plan's reason. Both drivers (`certify`'s `run_suite`, `cargo test`'s
//! conformance target) plan through here, and `--dry-run` prints the same plan.

use std::time::Duration;

use super::context::Context;
use super::runlevel::{DUP3_RACERS, dup3_rounds, simple_target};
use super::runlevel_busy::{BUSY3_ROUNDS, busy2_burst};
use super::trial::{PlannedTrial, RestoreNeed};
use crate::lab::{BudgetPlan, Need};

/// The need of one trial in this run, `None` when it spends nothing.
pub fn need(ctx: &Context, t: &PlannedTrial) -> Option<Need> {
    if t.ignored.is_some() {
        return None;
    }
    let cases = ctx.config.cases.max(1);
    let limit = simple_target(&ctx.world).map_or(1, |s| s.limit.max(1));
    let (min, want) = match t.restores {
        RestoreNeed::Refusals => return None,
        RestoreNeed::Cases => (1, cases),
        RestoreNeed::Race => (2, dup3_rounds(ctx.config.cases) * (DUP3_RACERS + 1)),
        RestoreNeed::Held => (3, (1..=3).map(|l| l + 2).sum()),
        RestoreNeed::Burst => (limit + 1, busy2_burst(limit)),
        RestoreNeed::Rounds => (limit + 1, BUSY3_ROUNDS * (limit + 1)),
        RestoreNeed::Fixed(n) => (n, n),
    };
    Some(Need {
        trial: t.name.clone(),
        min,
        want: want.max(min),
    })
}

/// Plans the budget for `selected` under the lab policy and installs it in the context.
pub fn plan(ctx: &Context, selected: &[PlannedTrial]) -> BudgetPlan {
    let needs: Vec<Need> = selected.iter().filter_map(|t| need(ctx, t)).collect();
    let plan = BudgetPlan::plan(ctx.config.lab.max_restores, &needs);
    ctx.lab.set_plan(plan.clone());
    plan
}

/// Why a trial is not run under the installed plan, if it is not.
pub fn not_fit(ctx: &Context, trial: &str) -> Option<String> {
    ctx.lab.plan().not_fit.get(trial).cloned()
}

/// How long a task is assumed to take in the dry run's request estimate: the embedded mock's
/// are milliseconds; a real restore copies disks.
pub fn assumed_task(ctx: &Context) -> Duration {
    if ctx.mock.is_some() {
        Duration::from_millis(super::context::EMBEDDED_TASK_MS)
    } else {
        Duration::from_secs(180)
    }
}

/// Requests per accepted restore besides the POST: the task's polls (and the re-read after its
/// end), the post-condition reads (VM, power, folder, pool and host lists) and the delete.
const READS_PER_RESTORE: u64 = 1 + 5 + 1;
/// Requests per refused case: the POST and REJ-1's VM list.
const REQUESTS_PER_REFUSAL: u64 = 2;

/// The dry run's summary of the plan: restores, an estimate of requests and of wall time, and
/// the trials that do not fit.
pub fn describe(ctx: &Context, selected: &[PlannedTrial], plan: &BudgetPlan) -> Vec<String> {
    let policy = &ctx.config.lab;
    let task = assumed_task(ctx);
    let polls = policy.poll.polls_for(task);
    let restores = plan.planned();
    let refusal_trials = selected
        .iter()
        .filter(|t| t.ignored.is_none() && t.restores == RestoreNeed::Refusals)
        .count() as u64;
    let refusals = refusal_trials * u64::from(ctx.config.cases) * REQUESTS_PER_REFUSAL;
    let requests = restores * (1 + polls + READS_PER_RESTORE) + refusals;
    let mut out = vec![format!(
        "# plan: {} restores ({}), about {requests} requests (an estimate: {polls} polls per task assumed to take {}, {} refusal-only trials of {} cases)",
        restores,
        match plan.limit {
            Some(l) => format!("--max-restores {l}"),
            None => "unlimited".into(),
        },
        humantime::format_duration(task),
        refusal_trials,
        ctx.config.cases,
    )];
    let concurrency = u64::from(policy.max_concurrent_restores.max(1));
    if let Some(rate) = policy.rate {
        let paced = Duration::from_secs_f64(requests as f64 / rate);
        let tasks =
            task.saturating_mul(u32::try_from(restores.div_ceil(concurrency)).unwrap_or(u32::MAX));
        out.push(format!(
            "# estimated wall time: at least {} (requests at {rate}/s) and about {} of tasks ({restores} restores x {} / {concurrency} at once)",
            humantime::format_duration(Duration::from_secs(paced.as_secs())),
            humantime::format_duration(tasks),
            humantime::format_duration(task),
        ));
    }
    for (trial, why) in &plan.not_fit {
        out.push(format!("# not run: {trial}: {why}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::SuiteConfig;

    fn ctx(max_restores: Option<u32>) -> Context {
        let mut c = SuiteConfig::new();
        c.fixture = crate::suite::Fixture::File(SuiteConfig::default_fixture());
        c.cases = 16;
        c.lab.max_restores = max_restores;
        Context::start(c).expect("the embedded mock starts")
    }

    fn need_of(ctx: &Context, name: &str) -> Option<Need> {
        let t = crate::suite::trials(ctx)
            .into_iter()
            .find(|t| t.name == name)
            .expect("the trial exists");
        need(ctx, &t)
    }

    #[test]
    fn needs_follow_the_declarations() {
        let c = ctx(Some(40));
        let n = need_of(&c, "ACC-1::valid-restore-accepted").unwrap();
        assert_eq!((n.min, n.want), (1, 16));
        assert_eq!(need_of(&c, "INV-1::snapshot-missing"), None);
        let race = need_of(&c, "DUP-3::concurrent-same-name").unwrap();
        assert_eq!(race.min, 2);
        // The default fixture's first DRS cluster runs 2 restores at once.
        let burst = need_of(&c, "BUSY-2::burst").unwrap();
        assert_eq!((burst.min, burst.want), (3, 6));
        let rounds = need_of(&c, "BUSY-3::accepted-after-finish").unwrap();
        assert_eq!((rounds.min, rounds.want), (3, 9));
    }

    #[test]
    fn the_plan_is_installed_and_what_does_not_fit_is_named() {
        let c = ctx(Some(3));
        let all = crate::suite::trials(&c);
        let plan = plan(&c, &all);
        assert!(plan.planned() <= 3);
        let why = not_fit(&c, "BUSY-3::accepted-after-finish").expect("no room for BUSY-3");
        assert!(why.contains("--max-restores"), "{why}");
        assert_eq!(c.lab.budget().limit(), Some(3));
        let lines = describe(&c, &all, &plan);
        assert!(lines[0].starts_with("# plan: 3 restores"), "{lines:?}");
        assert!(lines[0].contains("estimate"), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("# not run: BUSY-3")));
    }
}
