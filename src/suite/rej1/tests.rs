//! REJ-1's read-back comparison: what appeared after a batch of refusals and nothing explains.

use super::*;

fn lists(vms: &[(&str, &str)], tasks: Option<&[&str]>) -> Lists {
    Lists {
        vms: Some(
            vms.iter()
                .map(|(id, n)| ((*id).to_owned(), (*n).to_owned()))
                .collect(),
        ),
        tasks: tasks.map(|t| t.iter().map(|x| (*x).to_owned()).collect()),
    }
}

const PREFIX: &str = "snapconf-ab12";

fn judged(n: &str) -> bool {
    n.starts_with(PREFIX) || n == "web-01"
}

fn none(_: &String, _: &str) -> bool {
    false
}

#[test]
fn nothing_new_after_the_refusals_is_no_finding() {
    let before = lists(&[("vm-1", "db-01")], Some(&["t-1"]));
    let after = lists(&[("vm-1", "db-01")], Some(&["t-1", "t-accepted"]));
    let accepted = BTreeSet::from(["t-accepted".to_owned()]);
    let d = diff(&before, &after, &accepted, none, judged);
    assert!(d.vms.is_empty() && d.tasks.is_empty(), "{d:?}");
    // The run's own VMs (restored, kept) and VMs of names nobody refused are not judged.
    let after = lists(
        &[
            ("vm-1", "db-01"),
            ("vm-9", "snapconf-ab12-x"),
            ("vm-7", "someone-else"),
        ],
        Some(&["t-1"]),
    );
    let ours = |id: &String, _: &str| id == "vm-9";
    let d = diff(&before, &after, &accepted, ours, judged);
    assert!(d.vms.is_empty() && d.tasks.is_empty(), "{d:?}");
}

#[test]
fn a_new_vm_or_task_after_the_refusals_is_found() {
    let before = lists(&[("vm-1", "db-01")], Some(&["t-1"]));
    // Under the run's prefix (another name than requested), under a refused default name, and
    // a task no accepted answer returned.
    let after = lists(
        &[
            ("vm-1", "db-01"),
            ("vm-1000", "snapconf-ab12-n-copy"),
            ("vm-1001", "web-01"),
        ],
        Some(&["t-1", "t-phantom"]),
    );
    let d = diff(&before, &after, &BTreeSet::new(), none, judged);
    assert_eq!(
        d.vms,
        vec![
            ("vm-1000".to_owned(), "snapconf-ab12-n-copy".to_owned()),
            ("vm-1001".to_owned(), "web-01".to_owned())
        ]
    );
    assert_eq!(d.tasks, vec!["t-phantom".to_owned()]);
}

#[test]
fn a_target_that_lists_no_tasks_leaves_the_task_half_unjudged() {
    let before = lists(&[], None);
    let after = lists(&[], Some(&["t-1"]));
    assert!(
        diff(&before, &after, &BTreeSet::new(), none, judged)
            .tasks
            .is_empty()
    );
}
