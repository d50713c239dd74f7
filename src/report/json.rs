//! `report.json`: the run report serialized, the format other tools rely on (`design.md`,
//! "Contracts other tools rely on").

use super::model::RunReport;
use super::redact::Redactor;

/// The report as pretty JSON, every string redacted.
pub fn render(report: &RunReport, redactor: &Redactor) -> String {
    let report = redactor.report(report);
    let mut s = serde_json::to_string_pretty(&report).expect("a RunReport always serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;
    use serde_json::Value;

    #[test]
    fn has_the_contract_fields_and_no_secret() {
        let text = render(
            &sample::report(),
            &Redactor::new(vec![sample::SECRET.into()]),
        );
        assert!(!text.contains(sample::SECRET));
        let v: Value = serde_json::from_str(&text).unwrap();
        for k in ["name", "version"] {
            assert!(v["harness"][k].is_string(), "harness.{k}");
        }
        assert_eq!(v["target"]["url"], "https://vc.lab.example:443");
        assert_eq!(v["target"]["kind"], "remote");
        assert_eq!(v["seed"], 42);
        assert_eq!(v["duration_s"], 12.5);
        let s = &v["summary"];
        assert_eq!(
            (
                &s["pass"],
                &s["fail"],
                &s["not_exercisable"],
                &s["inconclusive"]
            ),
            (&1.into(), &1.into(), &1.into(), &1.into())
        );
        let verdicts: Vec<&str> = v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(
            verdicts,
            ["pass", "fail", "not_exercisable", "inconclusive"]
        );
        let c = &v["clauses"][1];
        assert_eq!((&c["id"], &c["cases"]), (&"AUTHZ-2".into(), &17.into()));
        assert!(c["title"].is_string());
        let f = &c["failures"][0];
        for k in ["trial", "expected", "observed", "minimal_case", "curl"] {
            assert!(f[k].is_string(), "failures[0].{k}");
        }
        assert!(f["observed"].as_str().unwrap().contains("<redacted>"));
        // The markup stays as data: escaping is the HTML writer's job, not JSON's.
        assert!(f["observed"].as_str().unwrap().contains(sample::SCRIPT));
    }
}
