//! `cargo bench --bench harness`: the harness's throughput next to the ceiling of the same
//! transport on the same machine, the mock's latency, the memory of a long run and the wall time
//! of a default certification, printed as one Markdown table (`BENCHMARKS.md` records it).
//!
//! Sizing: `SNAPCONF_BENCH_SECS` (each throughput phase, default 5), `SNAPCONF_BENCH_CONCURRENCY`
//! (default 32), `SNAPCONF_BENCH_MEM_CASES` (default 100000), `SNAPCONF_BENCH_ACCEPTED_LANES`
//! (default 2, as `certify --jobs`), `SNAPCONF_BENCH_GENERATORS` (default 1),
//! `SNAPCONF_BENCH_SKIP_CERTIFY=1`.

mod cases;
mod certify;
mod common;
mod loops;
mod memory;

use std::time::Instant;

use cases::Stop;
use common::{Sizing, per_second};

/// Targets from the issue.
const REFUSED_SHARE_TARGET: f64 = 0.5;
const P99_TARGET_MS: f64 = 5.0;
const PEAK_RSS_TARGET_MIB: f64 = 150.0;
const GROWTH_TARGET: f64 = 1.2;
const CERTIFY_TARGET_S: f64 = 10.0;

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn main() {
    let sizing = Sizing::from_env();
    if std::env::var(memory::CHILD_ENV).as_deref() == Ok("memory") {
        memory::child(&sizing);
        return;
    }
    print_machine(&sizing);
    let n = sizing.concurrency;
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    eprintln!("1/6 ceiling: bare loop, {n} in flight, one client");
    let ceiling = loops::run(loops::Kind::Refused, n, sizing.phase, true);
    let ceiling_rps = per_second(ceiling.requests, ceiling.elapsed);
    rows.push([
        format!("1. Ceiling: bare loop, fixed refused restore, {n} in flight, one client"),
        format!("{ceiling_rps:.0} req/s"),
        "—".into(),
        "—".into(),
    ]);
    notes.push(format!("ceiling statuses: {}", ceiling.status_summary()));

    eprintln!("2/6 harness: refused cases");
    let ctx = cases::context();
    for which in [cases::Refusals::Mix, cases::Refusals::OneExchange] {
        let stop = Stop::At(Instant::now() + sizing.phase);
        let (refused, mutations) = cases::refused(&ctx, which, n, sizing.generators, stop);
        let share = refused.per_second() / ceiling_rps;
        let req_share = per_second(refused.requests, refused.elapsed) / ceiling_rps;
        let label = match which {
            cases::Refusals::Mix => "2a. Harness, refused cases (401/403/404/400 mix)",
            cases::Refusals::OneExchange => "2b. Harness, refused cases ending in one exchange",
        };
        rows.push([
            format!("{label}, generator + run_case + oracles, {n} in flight"),
            format!(
                "{:.0} cases/s = {:.0}% of ceiling ({:.2} req/case; requests/s {:.0}% of ceiling)",
                refused.per_second(),
                share * 100.0,
                refused.requests_per_case(),
                req_share * 100.0
            ),
            format!("≥ {:.0}% of ceiling", REFUSED_SHARE_TARGET * 100.0),
            verdict(share >= REFUSED_SHARE_TARGET && refused.findings == 0).into(),
        ]);
        notes.push(format!(
            "{}: {} cases, {} findings, first statuses {}{}",
            &label[..3],
            refused.cases,
            refused.findings,
            refused.status_summary(),
            if mutations.is_empty() {
                String::new()
            } else {
                format!(
                    "; mutations {}",
                    mutations
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }

    eprintln!("3/6 harness: accepted cases");
    let lanes = sizing.accepted_lanes;
    let accepted = cases::accepted(&ctx, lanes, Stop::At(Instant::now() + sizing.phase));
    drop(ctx);
    rows.push([
        format!(
            "3. Harness, accepted cases (task follow-through, POST checks, cleanup), {lanes} lanes, task 0 ms"
        ),
        format!(
            "{:.0} cases/s ({:.2} req/case)",
            accepted.per_second(),
            accepted.requests_per_case()
        ),
        "— (reported)".into(),
        if accepted.findings == 0 { "—" } else { "**findings**" }.into(),
    ]);
    notes.push(format!(
        "3: {} cases, {} findings, first statuses {}",
        accepted.cases,
        accepted.findings,
        accepted.status_summary()
    ));

    eprintln!("4/6 mock: restore latency, {n} keep-alive connections");
    for (kind, label) in [
        (loops::Kind::Refused, "refused (404)"),
        (loops::Kind::Accepted, "accepted (202, task 0 ms)"),
    ] {
        let mut r = loops::run(kind, n, sizing.phase, false);
        let (p50, p99) = (
            r.latencies.percentile_ms(50.0),
            r.latencies.percentile_ms(99.0),
        );
        rows.push([
            format!("4. Mock: restore {label}, {n} connections"),
            format!(
                "{:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms",
                per_second(r.requests, r.elapsed)
            ),
            format!("p99 ≤ {P99_TARGET_MS} ms"),
            verdict(p99 <= P99_TARGET_MS).into(),
        ]);
        notes.push(format!("mock {label} statuses: {}", r.status_summary()));
    }

    eprintln!("5/6 memory: {} cases in a child process", sizing.mem_cases);
    let m = memory::measure();
    let peak_mib = m.hwm_kib as f64 / 1024.0;
    let growth = m.rss_end_kib as f64 / m.rss_warm_kib.max(1) as f64;
    rows.push([
        format!("5. Memory: peak RSS (VmHWM) of a {}-case run", m.cases),
        format!(
            "{peak_mib:.1} MiB; RSS {:.1} MiB after {} cases → {:.1} MiB at the end (×{growth:.2})",
            m.rss_warm_kib as f64 / 1024.0,
            m.warm_cases,
            m.rss_end_kib as f64 / 1024.0
        ),
        format!("≤ {PEAK_RSS_TARGET_MIB} MB, no growth (≤ ×{GROWTH_TARGET})"),
        verdict(peak_mib <= PEAK_RSS_TARGET_MIB && growth <= GROWTH_TARGET && m.findings == 0)
            .into(),
    ]);
    notes.push(format!(
        "memory run: {} findings, {:.1} s",
        m.findings, m.elapsed_s
    ));

    if sizing.skip_certify {
        notes.push("certify skipped (SNAPCONF_BENCH_SKIP_CERTIFY)".into());
    } else {
        eprintln!("6/6 certify against the embedded mock");
        let c = certify::run();
        let wall = c.wall.as_secs_f64();
        rows.push([
            "6. `certify` (defaults, embedded mock), wall time".into(),
            format!(
                "{wall:.2} s, {} cases ({} case-clause checks), exit {}",
                c.trial_cases,
                c.clause_cases,
                c.exit.map_or("signal".into(), |e| e.to_string())
            ),
            format!("≤ {CERTIFY_TARGET_S} s"),
            verdict(wall <= CERTIFY_TARGET_S && c.exit == Some(0)).into(),
        ]);
        notes.push(format!(
            "certify: report duration_s {:.2}, summary {}",
            c.duration_s, c.summary
        ));
    }

    println!();
    println!("| Measurement | Figure | Target | Result |");
    println!("|---|---|---|---|");
    for [a, b, c, d] in &rows {
        println!("| {a} | {b} | {c} | {d} |");
    }
    println!();
    for n in notes {
        println!("- {n}");
    }
}

fn print_machine(sizing: &Sizing) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    println!("machine: {cpus} CPUs, {model}, {rustc}");
    println!(
        "sizing: {:.1} s per phase, {} in flight, {} memory cases, {} accepted lanes, {} generator thread(s)",
        sizing.phase.as_secs_f64(),
        sizing.concurrency,
        sizing.mem_cases,
        sizing.accepted_lanes,
        sizing.generators
    );
}
