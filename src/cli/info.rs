//! `clauses` and `openapi`: information about the suite, printed to stdout.

use std::process::ExitCode;

use super::args::ClausesArgs;
use crate::clause;
use crate::suite::SuiteDir;

pub(super) fn clauses(a: ClausesArgs) -> ExitCode {
    let dir = a
        .suite_dir
        .clone()
        .map_or_else(SuiteDir::default_here, SuiteDir::Dir);
    let trials = crate::suite::coverage::trial_names_by_clause(&dir);
    if a.json {
        let v: Vec<_> = clause::catalog()
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "group": c.group, "title": c.title, "source": c.source,
                    "oracle": format!("{:?}", c.oracle).to_lowercase(),
                    "where": c.where_.as_str(),
                    "allowed": c.allowed, "mock_choice": c.mock_choice,
                    "trials": trials.get(&c.id).cloned().unwrap_or_default(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let mut group = "";
    for c in clause::catalog() {
        if c.group != group {
            group = &c.group;
            println!("\n## {group}");
        }
        println!("{:<8} [{:?}/{:?}] {}", c.id, c.oracle, c.where_, c.title);
        for t in trials.get(&c.id).into_iter().flatten() {
            println!("           trial: {t}");
        }
    }
    ExitCode::SUCCESS
}

pub(super) fn openapi() -> ExitCode {
    println!(
        "{}",
        serde_json::to_string_pretty(&crate::openapi::document()).unwrap_or_default()
    );
    ExitCode::SUCCESS
}
