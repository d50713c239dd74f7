//! `snapservice-conformance score`: the mutation score table.

use std::process::ExitCode;

use super::args::ScoreArgs;
use super::harness_failure;
use crate::mock::Defect;
use crate::suite::SuiteConfig;
use crate::suite::score::{failed_clauses, run_with_defects, score_defect, table_markdown};

pub(super) fn run(a: ScoreArgs) -> ExitCode {
    let mut base = SuiteConfig::new();
    if let Some(n) = a.cases {
        base.cases = n;
    }
    if let Some(s) = a.seed {
        base.seed = s;
    }
    base.wire = Some(a.wire);
    let defects: Vec<Defect> = if a.defects.is_empty() {
        Defect::all()
            .iter()
            .copied()
            .filter(|d| crate::suite::wire_form::defect_applies(a.wire, *d))
            .collect()
    } else {
        let mut v = Vec::new();
        for d in &a.defects {
            match Defect::parse(d) {
                Some(x) => v.push(x),
                None => return harness_failure(format!("unknown defect `{d}`")),
            }
        }
        v
    };
    let mut scores = Vec::new();
    for d in defects {
        match score_defect(&base, d) {
            Ok(s) => {
                eprintln!(
                    "{:<32} detected={} precise={} failed=[{}] ({:.1}s)",
                    s.defect,
                    s.detected,
                    s.precise,
                    s.failed.join(","),
                    s.duration_s
                );
                scores.push(s);
            }
            Err(e) => return harness_failure(e),
        }
    }
    let mut clean_failures = 0;
    for i in 0..a.clean_seeds {
        let seed = base.seed.wrapping_add(u64::from(i) * 0x9e37_79b9);
        match run_with_defects(&base, &[], seed) {
            Ok(r) => {
                let failed = failed_clauses(&r);
                eprintln!(
                    "conforming mock, seed {seed:#x}: {} failing clauses {:?}",
                    failed.len(),
                    failed
                );
                clean_failures += failed.len();
            }
            Err(e) => return harness_failure(e),
        }
    }
    if a.markdown {
        println!("{}", table_markdown(&scores));
    } else {
        for s in &scores {
            println!(
                "{:<32} declared={:<28} detected={:<3} precise={:<3} failed={:<40} cases={:<6} cex={}",
                s.defect,
                s.declared.join(","),
                if s.detected { "yes" } else { "NO" },
                if s.precise { "yes" } else { "NO" },
                s.failed.join(","),
                s.cases_to_failure
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
                s.counterexample_size
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into()),
            );
        }
    }
    let perfect = scores.iter().all(|s| s.detected && s.precise) && clean_failures == 0;
    if perfect {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
