//! Peak memory of a long run, measured in a child process (this bench binary again, with
//! `SNAPCONF_BENCH_CHILD=memory`) so the other phases' allocations do not count: the child
//! starts an embedded mock and runs refused cases through the harness, reads `VmRSS` after a
//! warm-up tenth and `VmRSS`/`VmHWM` at the end.

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use crate::cases::{self, Refusals, Stop};
use crate::common::{Sizing, proc_status_kib};

pub const CHILD_ENV: &str = "SNAPCONF_BENCH_CHILD";

pub struct MemoryResult {
    pub cases: u64,
    pub warm_cases: u64,
    pub rss_warm_kib: u64,
    pub rss_end_kib: u64,
    pub hwm_kib: u64,
    pub findings: u64,
    pub elapsed_s: f64,
}

/// Runs the child and reads its one result line.
pub fn measure() -> MemoryResult {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let out = Command::new(exe)
        .env(CHILD_ENV, "memory")
        .output()
        .expect("the memory child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the memory child failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("memory "))
        .expect("the child prints a `memory` line");
    let kv: HashMap<&str, &str> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .collect();
    let num = |k: &str| -> u64 { kv[k].parse().expect("a number") };
    MemoryResult {
        cases: num("cases"),
        warm_cases: num("warm"),
        rss_warm_kib: num("rss_warm_kib"),
        rss_end_kib: num("rss_end_kib"),
        hwm_kib: num("hwm_kib"),
        findings: num("findings"),
        elapsed_s: kv["elapsed_s"].parse().expect("a number"),
    }
}

/// The child's side: the run itself.
pub fn child(sizing: &Sizing) {
    let started = Instant::now();
    let ctx = cases::context();
    let total = sizing.mem_cases.max(1);
    let warm = (total / 10).max(1);
    let run = |n| {
        cases::refused(
            &ctx,
            Refusals::Mix,
            sizing.concurrency,
            sizing.generators,
            Stop::After(n),
        )
        .0
    };
    let a = run(warm);
    let rss_warm = proc_status_kib("VmRSS").unwrap_or(0);
    let b = run(total - warm);
    let rss_end = proc_status_kib("VmRSS").unwrap_or(0);
    let hwm = proc_status_kib("VmHWM").unwrap_or(0);
    println!(
        "memory cases={} warm={} rss_warm_kib={rss_warm} rss_end_kib={rss_end} hwm_kib={hwm} findings={} elapsed_s={:.2}",
        a.cases + b.cases,
        a.cases,
        a.findings + b.findings,
        started.elapsed().as_secs_f64()
    );
}
