//! Cases through the harness's own path: proptest strategies draw them, `run_case` sends them
//! and judges them (status and format oracles, REJ-1's batched reads, task follow-through,
//! post-conditions, cleanup), and the run's results record them as `property::execute` does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use proptest::strategy::{BoxedStrategy, Strategy, Union, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::json;
use snapservice_conformance::expect;
use snapservice_conformance::generate;
use snapservice_conformance::model::World;
use snapservice_conformance::model::{Auth, Case, Mutation};
use snapservice_conformance::runner::runtime::runtime;
use snapservice_conformance::suite::pipeline::{CaseRun, run_case};
use snapservice_conformance::suite::{Context, SuiteConfig, rej1};
use tokio::sync::{Mutex, mpsc};

#[derive(Default)]
pub struct CaseRate {
    pub cases: u64,
    /// Every HTTP request the harness's client sent for those cases (logins included).
    pub requests: u64,
    pub elapsed: Duration,
    /// Oracle findings: the conforming mock must produce none, or the run measured a failure.
    pub findings: u64,
    /// Status of each case's first exchange.
    pub statuses: BTreeMap<u16, u64>,
    /// Findings per clause, to say what went wrong when `findings` is not 0.
    pub finding_clauses: BTreeMap<String, u64>,
}

impl CaseRate {
    pub fn per_second(&self) -> f64 {
        crate::common::per_second(self.cases, self.elapsed)
    }

    pub fn requests_per_case(&self) -> f64 {
        self.requests as f64 / self.cases.max(1) as f64
    }

    pub fn status_summary(&self) -> String {
        let mut s = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        for (c, n) in &self.finding_clauses {
            s.push_str(&format!(" finding {c}×{n}"));
        }
        s
    }

    fn add(&mut self, run: &CaseRun) {
        self.cases += 1;
        self.findings += run.judgement.findings.len() as u64;
        for f in &run.judgement.findings {
            *self
                .finding_clauses
                .entry(f.clause.to_string())
                .or_default() += 1;
        }
        let status = run.exchange.observation.status().unwrap_or(0);
        *self.statuses.entry(status).or_default() += 1;
    }

    fn merge(&mut self, other: CaseRate) {
        self.cases += other.cases;
        self.findings += other.findings;
        for (s, n) in other.statuses {
            *self.statuses.entry(s).or_default() += n;
        }
        for (c, n) in other.finding_clauses {
            *self.finding_clauses.entry(c).or_default() += n;
        }
    }
}

/// When a run ends.
#[derive(Clone, Copy)]
pub enum Stop {
    At(Instant),
    After(u64),
}

/// A context on a fresh embedded mock, configured as `cargo test` and `certify` configure it.
pub fn context() -> Arc<Context> {
    let config = SuiteConfig::new();
    Arc::new(Context::start(config).expect("the embedded mock starts"))
}

type Cases = Arc<Mutex<mpsc::Receiver<Case>>>;

/// Threads that draw cases from `make()`'s strategy into a bounded channel. Strategies are not
/// `Send` (proptest boxes them without it), so each thread builds its own; they stop when the
/// channel is closed.
fn generators<S, F, K>(
    make: F,
    keep: K,
    threads: usize,
    seed: u64,
) -> (Cases, Vec<std::thread::JoinHandle<()>>)
where
    S: Strategy<Value = Case>,
    F: Fn() -> S + Send + Sync + 'static,
    K: Fn(&Case) -> bool + Send + Sync + 'static,
{
    let (tx, rx) = mpsc::channel::<Case>(256);
    let make = Arc::new(make);
    let keep = Arc::new(keep);
    let handles = (0..threads)
        .map(|t| {
            let tx = tx.clone();
            let make = make.clone();
            let keep = keep.clone();
            std::thread::spawn(move || {
                let strategy = make();
                let mut runner = TestRunner::new(Config {
                    rng_seed: RngSeed::Fixed(seed.wrapping_add(t as u64)),
                    ..Config::default()
                });
                loop {
                    let case = strategy
                        .new_tree(&mut runner)
                        .expect("the default fixture always yields a case")
                        .current();
                    if !keep(&case) {
                        continue;
                    }
                    if tx.blocking_send(case).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    (Arc::new(Mutex::new(rx)), handles)
}

/// Runs cases from `cases` on `ctx` with `in_flight` cases at once until `stop`.
fn drive(ctx: &Arc<Context>, cases: &Cases, in_flight: usize, stop: Stop) -> CaseRate {
    let claimed = Arc::new(AtomicU64::new(0));
    let requests_before = ctx.client.requests_sent();
    let started = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (ctx, cases, claimed) = (ctx.clone(), cases.clone(), claimed.clone());
            runtime().spawn(async move {
                let mut rate = CaseRate::default();
                loop {
                    let more = match stop {
                        Stop::At(t) => Instant::now() < t,
                        Stop::After(n) => claimed.fetch_add(1, Ordering::Relaxed) < n,
                    };
                    if !more {
                        return rate;
                    }
                    let Some(case) = cases.lock().await.recv().await else {
                        return rate;
                    };
                    // The bench's context plans no budget: it is unlimited, so every case is sent.
                    let Some(run) = run_case(&ctx, "bench", &ctx.world, &case).await else {
                        return rate;
                    };
                    // What `property_runner::execute` records per case, so the cost is the suite's.
                    ctx.results.exercised(run.judgement.exercised.iter());
                    rate.add(&run);
                }
            })
        })
        .collect();
    let mut total = CaseRate::default();
    for w in workers {
        total.merge(runtime().block_on(w).expect("a case worker"));
    }
    // REJ-1 reads back in batches: the last one is read here, and counts in the time.
    for f in runtime().block_on(rej1::flush(ctx, &ctx.world)) {
        total.findings += 1;
        *total
            .finding_clauses
            .entry(f.clause.to_string())
            .or_default() += 1;
    }
    total.elapsed = started.elapsed();
    total.requests = ctx.client.requests_sent() - requests_before;
    total
}

/// Which refused cases a run draws.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Refusals {
    /// Single-fault invalid cases (the REJ-1 and FMT-* properties' strategy) that the catalog
    /// says must be refused: 401, 403, 404 and 400 alike. REJ-1 reads back once per batch of
    /// refusals (`suite::rej1::BATCH`), not after each.
    Mix,
    /// The subset the pipeline ends after one exchange: no name to look up (the body has none
    /// that can be read) and no logged-out session to make first.
    OneExchange,
}

/// Whether the pipeline sends nothing but the restore for this case.
fn one_exchange(world: &World, case: &Case) -> bool {
    case.requested_name(world).is_none() && !matches!(case.auth, Auth::LoggedOut(_))
}

/// Refused cases only: a mutation the documentation lets a server accept (an extra field, say)
/// would start restores, and concurrent default-name restores on one mock collide, so the run
/// would measure collisions instead of the harness.
fn must_refuse(world: &World, case: &Case) -> bool {
    !expect::expected(world, case, false).allows_accepted()
}

/// Mutations whose every sampled case is refused in one exchange (decided before timing).
fn one_exchange_mutations(world: &World, admin: &str, prefix: &str) -> Vec<Mutation> {
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(0x5eed),
        ..Config::default()
    });
    generate::applicable_mutations(world, admin)
        .into_iter()
        .filter(|m| {
            let Some(s) = generate::arb_mutated_case(world, admin, prefix, *m) else {
                return false;
            };
            (0..64).all(|_| {
                let case = s.new_tree(&mut runner).expect("a case").current();
                must_refuse(world, &case) && one_exchange(world, &case)
            })
        })
        .collect()
}

pub fn refused(
    ctx: &Arc<Context>,
    which: Refusals,
    in_flight: usize,
    generator_threads: usize,
    stop: Stop,
) -> (CaseRate, Vec<Mutation>) {
    let (world, admin, prefix) = (
        ctx.world.clone(),
        ctx.admin(),
        ctx.config.run_prefix.clone(),
    );
    let mutations = match which {
        Refusals::Mix => Vec::new(),
        Refusals::OneExchange => one_exchange_mutations(&world, &admin, &prefix),
    };
    let chosen = mutations.clone();
    let w = world.clone();
    let (cases, threads) = generators(
        move || -> BoxedStrategy<Case> {
            if chosen.is_empty() {
                generate::arb_invalid_case(&world, &admin, &prefix).boxed()
            } else {
                let arms: Vec<BoxedStrategy<Case>> = chosen
                    .iter()
                    .filter_map(|m| generate::arb_mutated_case(&world, &admin, &prefix, *m))
                    .collect();
                Union::new(arms).boxed()
            }
        },
        move |case| must_refuse(&w, case) && (which == Refusals::Mix || one_exchange(&w, case)),
        generator_threads,
        ctx.config.seed,
    );
    let rate = drive(ctx, &cases, in_flight, stop);
    close(cases, threads);
    (rate, mutations)
}

/// Valid cases of the administrator (the ACC-*, TASK-*, POST-* properties' strategy) on
/// `lanes` mocks of their own, one case at a time per lane as a property trial runs them: a
/// default-name restore on a shared mock would collide with its neighbour's and measure a
/// refusal. Task duration 0, so the figure is the harness's cost and not the mock's clock.
pub fn accepted(base: &Arc<Context>, lanes: usize, stop: Stop) -> CaseRate {
    let lanes: Vec<Arc<Context>> = (0..lanes)
        .map(|_| {
            let ctx = base
                .isolated()
                .expect("an embedded mock")
                .expect("an isolated mock starts");
            ctx.control_blocking(
                "PUT",
                "/__mock/settings",
                Some(json!({"task_duration_ms": 0})),
            )
            .expect("task duration 0");
            Arc::new(ctx)
        })
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    std::thread::scope(|s| {
        for (i, ctx) in lanes.iter().enumerate() {
            let tx = tx.clone();
            s.spawn(move || {
                let (world, admin, prefix) = (
                    ctx.world.clone(),
                    ctx.admin(),
                    ctx.config.run_prefix.clone(),
                );
                let (cases, threads) = generators(
                    move || generate::arb_valid_case(&world, &admin, &prefix),
                    |_| true,
                    1,
                    ctx.config.seed.wrapping_add(1000 * i as u64),
                );
                let rate = drive(ctx, &cases, 1, stop);
                close(cases, threads);
                let _ = tx.send(rate);
            });
        }
    });
    drop(tx);
    let mut total = CaseRate::default();
    for r in rx {
        total.requests += r.requests;
        total.merge(r);
    }
    total.elapsed = started.elapsed();
    for ctx in &lanes {
        let c = ctx.results.cleanup();
        // Cleanup is part of what is measured: every restored VM must have been deleted again.
        assert_eq!(
            c.created.len(),
            c.removed.len(),
            "cleanup left VMs: {:?}",
            c.left
        );
    }
    total
}

/// Closes the channel so the generator threads stop, and waits for them.
fn close(cases: Cases, threads: Vec<std::thread::JoinHandle<()>>) {
    runtime().block_on(async { cases.lock().await.close() });
    drop(cases);
    for t in threads {
        let _ = t.join();
    }
}
