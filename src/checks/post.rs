//! What a successful restore left behind (POST-1..POST-6). The runner gathers plain data:
//! `GET /api/vcenter/vm/{vm}`, `GET /api/vcenter/vm/{vm}/power`, and whether the VM shows up in
//! `GET /api/vcenter/vm?vms={vm}&folders=..` (and `resource_pools=..`, `hosts=..`).

use serde_json::Value;

use crate::checks::Judgement;
use crate::clause::ClauseId;
use crate::expect::ExpectedVm;
use crate::runner::Observation;

/// Judges the restored VM against what the request asked for.
/// - `vm_get`, `power`: the answers of the two GETs.
/// - `in_folder`: the VM is listed under `expected.folder`.
/// - `in_pool`, `on_host`: the VM is listed under the requested pool / host; `None` when not
///   queried (then POST-5 / POST-6 are not exercised).
pub fn check_restored_vm(
    expected: &ExpectedVm,
    vm_get: &Observation,
    power: &Observation,
    in_folder: bool,
    in_pool: Option<bool>,
    on_host: Option<bool>,
) -> Judgement {
    let mut j = Judgement::default();
    let vm = match (vm_get.status(), vm_get.json()) {
        (Some(200), Some(Value::Object(m))) => Some(m),
        _ => None,
    };
    let off = "POWERED_OFF";
    let post1 = match &vm {
        None => Some(format!("GET /api/vcenter/vm/{{vm}}: {}", vm_get.summary())),
        Some(m) => match m.get("power_state").and_then(Value::as_str) {
            Some(s) if s != off => Some(format!("power_state {s}")),
            _ => match (power.status(), power.json()) {
                (Some(200), Some(p)) if p.get("state").and_then(Value::as_str) == Some(off) => None,
                (Some(200), Some(p)) => Some(format!(
                    "power state {}",
                    p.get("state").unwrap_or(&Value::Null)
                )),
                _ => Some(format!(
                    "GET /api/vcenter/vm/{{vm}}/power: {}",
                    power.summary()
                )),
            },
        },
    };
    j.check(
        ClauseId::POST_1,
        post1.map(|p| ("the VM exists and is POWERED_OFF".into(), p)),
    );

    if let Some(m) = &vm {
        let clause = if expected.name_given {
            ClauseId::POST_2
        } else {
            ClauseId::POST_3
        };
        let name = m.get("name").and_then(Value::as_str);
        j.check(
            clause,
            (name != Some(expected.name.as_str())).then(|| {
                (
                    format!("name {:?}", expected.name),
                    format!("name {name:?}"),
                )
            }),
        );
    }
    j.check(
        ClauseId::POST_4,
        (!in_folder).then(|| {
            (
                format!("the VM in folder {}", expected.folder),
                "not listed in that folder".into(),
            )
        }),
    );
    for (clause, want, seen, what) in [
        (
            ClauseId::POST_5,
            &expected.resource_pool,
            in_pool,
            "resource pool",
        ),
        (ClauseId::POST_6, &expected.host, on_host, "host"),
    ] {
        if let (Some(want), Some(seen)) = (want, seen) {
            j.check(
                clause,
                (!seen).then(|| {
                    (
                        format!("the VM in {what} {want}"),
                        format!("not listed in that {what}"),
                    )
                }),
            );
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::*;

    fn want(name_given: bool) -> ExpectedVm {
        ExpectedVm {
            name: "t-é 1".into(),
            name_given,
            folder: "group-v4".into(),
            resource_pool: Some("resgroup-9".into()),
            host: Some("host-12".into()),
        }
    }

    fn vm(name: &str, state: &str) -> Observation {
        json(
            200,
            &serde_json::json!({"name": name, "power_state": state, "cpu": {}}).to_string(),
        )
    }

    fn off() -> Observation {
        json(200, r#"{"state":"POWERED_OFF","clean_power_off":true}"#)
    }

    #[test]
    fn a_conforming_vm_passes_every_clause() {
        let j = check_restored_vm(
            &want(true),
            &vm("t-é 1", "POWERED_OFF"),
            &off(),
            true,
            Some(true),
            Some(true),
        );
        assert!(j.passed(), "{j:?}");
        for c in [
            ClauseId::POST_1,
            ClauseId::POST_2,
            ClauseId::POST_4,
            ClauseId::POST_5,
            ClauseId::POST_6,
        ] {
            assert!(j.exercised.contains(&c), "{c}");
        }
        let j = check_restored_vm(
            &want(false),
            &vm("t-é 1", "POWERED_OFF"),
            &off(),
            true,
            None,
            None,
        );
        assert!(
            j.passed()
                && j.exercised.contains(&ClauseId::POST_3)
                && !j.exercised.contains(&ClauseId::POST_5)
        );
    }

    #[test]
    fn missing_or_running_vm_breaks_post_1() {
        let j = check_restored_vm(
            &want(true),
            &error(404, "NOT_FOUND"),
            &error(404, "NOT_FOUND"),
            true,
            None,
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::POST_1]);
        let j = check_restored_vm(
            &want(true),
            &vm("t-é 1", "POWERED_ON"),
            &off(),
            true,
            None,
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::POST_1]);
        let on = json(200, r#"{"state":"POWERED_ON"}"#);
        let j = check_restored_vm(
            &want(true),
            &vm("t-é 1", "POWERED_OFF"),
            &on,
            true,
            None,
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::POST_1]);
    }

    #[test]
    fn wrong_name_breaks_post_2_or_post_3() {
        let j = check_restored_vm(
            &want(true),
            &vm("t-e 1", "POWERED_OFF"),
            &off(),
            true,
            None,
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::POST_2]);
        let j = check_restored_vm(
            &want(false),
            &vm("web-old-v2", "POWERED_OFF"),
            &off(),
            true,
            None,
            None,
        );
        assert_eq!(failed(&j), vec![ClauseId::POST_3]);
    }

    #[test]
    fn wrong_placement_breaks_post_4_5_6() {
        let good = vm("t-é 1", "POWERED_OFF");
        assert_eq!(
            failed(&check_restored_vm(
                &want(true),
                &good,
                &off(),
                false,
                Some(true),
                Some(true)
            )),
            vec![ClauseId::POST_4]
        );
        assert_eq!(
            failed(&check_restored_vm(
                &want(true),
                &good,
                &off(),
                true,
                Some(false),
                Some(true)
            )),
            vec![ClauseId::POST_5]
        );
        assert_eq!(
            failed(&check_restored_vm(
                &want(true),
                &good,
                &off(),
                true,
                Some(true),
                Some(false)
            )),
            vec![ClauseId::POST_6]
        );
    }
}
