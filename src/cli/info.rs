//! `clauses` and `openapi`: information about the suite, printed to stdout.

use std::process::ExitCode;

use super::args::ClausesArgs;
use crate::clause;

pub fn clauses(a: ClausesArgs) -> ExitCode {
    let trials = crate::suite::trial_names_by_clause();
    if a.json {
        let v: Vec<_> = clause::catalog()
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "group": c.group, "title": c.title, "source": c.source,
                    "oracle": format!("{:?}", c.oracle).to_lowercase(),
                    "where": format!("{:?}", c.where_).to_lowercase(),
                    "allowed": c.allowed, "mock_choice": c.mock_choice,
                    "trials": trials.get(c.id.as_str()).cloned().unwrap_or_default(),
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
        for t in trials.get(c.id.as_str()).into_iter().flatten() {
            println!("           trial: {t}");
        }
    }
    ExitCode::SUCCESS
}

pub fn openapi() -> ExitCode {
    println!(
        "{}",
        serde_json::to_string_pretty(&crate::openapi::document()).unwrap_or_default()
    );
    ExitCode::SUCCESS
}
