//! Finding and removing what a run left behind: VMs its tasks named, VMs of accepted tasks that
//! never ended, VMs that carry the run's prefix. Used at the end of every run (anything the run
//! cannot account for is reported and removed) and by `cleanup --report DIR` / `--prefix` after a
//! run that was killed. The HTTP side is behind `VmApi`, so the logic is tested without a server.

use std::collections::{BTreeMap, BTreeSet};

use super::ledger::Outstanding;

/// What the sweep needs of the target (vCenter's VM API and the task endpoint).
#[allow(async_fn_in_trait)]
pub trait VmApi {
    /// Every VM the reader can see, as (id, name).
    async fn list_vms(&self) -> Result<Vec<(String, String)>, String>;
    /// The VM a task says it created: `Ok(Some(vm))` for SUCCEEDED with a result, `Ok(None)`
    /// for a task still running or that created nothing.
    async fn task_vm(&self, task: &str) -> Result<Option<String>, String>;
    /// Powers the VM off (if needed) and deletes it.
    async fn remove(&self, vm: &str) -> Result<(), String>;
}

/// What a sweep found and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub removed: Vec<String>,
    /// VM → why it is still there.
    pub left: BTreeMap<String, String>,
    /// Tasks still running: their VM may appear later.
    pub running_tasks: Vec<String>,
    /// Names the run sent restores for that never got an answer, with no VM found carrying the
    /// run prefix: nothing to remove, but a person should look.
    pub unresolved_names: Vec<String>,
    /// VMs with the run's prefix that the ledger never heard of, as (id, name): a refusal that
    /// created a VM after all, or a restore under another name; REJ-1's business at the end of
    /// a run.
    pub unaccounted: Vec<(String, String)>,
    /// Whether the VM list could be read (without it, nothing was judged or removed).
    pub listed: bool,
    /// A dry run's VMs that a real sweep would remove.
    pub would_remove: Vec<String>,
}

/// Finds what `outstanding` and `prefix` point at and removes it (unless `dry_run`).
/// `accounted` holds the VMs the run already knows it created (removed or not).
pub async fn sweep(
    api: &impl VmApi,
    outstanding: &Outstanding,
    prefix: Option<&str>,
    accounted: &BTreeSet<String>,
    dry_run: bool,
) -> SweepReport {
    let mut report = SweepReport::default();
    let mut targets: BTreeSet<String> = outstanding.vms.clone();
    for task in outstanding.tasks.keys() {
        match api.task_vm(task).await {
            Ok(Some(vm)) => {
                targets.insert(vm);
            }
            Ok(None) => report.running_tasks.push(task.clone()),
            Err(e) => report
                .running_tasks
                .push(format!("{task} (unreadable: {e})")),
        }
    }
    let listed = match api.list_vms().await {
        Ok(l) => Some(l),
        Err(e) => {
            for vm in &targets {
                report
                    .left
                    .insert(vm.clone(), format!("the VM list could not be read: {e}"));
            }
            None
        }
    };
    if let Some(listed) = &listed {
        report.listed = true;
        let by_name: BTreeMap<&str, Vec<&str>> =
            listed.iter().fold(BTreeMap::new(), |mut m, (id, name)| {
                m.entry(name.as_str()).or_default().push(id.as_str());
                m
            });
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            for (id, name) in listed {
                if name.starts_with(prefix) {
                    if !accounted.contains(id) && !outstanding.vms.contains(id) {
                        report.unaccounted.push((id.clone(), name.clone()));
                    }
                    targets.insert(id.clone());
                }
            }
        }
        for name in &outstanding.names {
            let prefixed = prefix.is_some_and(|p| !p.is_empty() && name.starts_with(p));
            if !prefixed || !by_name.contains_key(name.as_str()) {
                report.unresolved_names.push(name.clone());
            }
        }
        // Only VMs that still exist are removed; the others are already gone.
        let present: BTreeSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
        targets.retain(|vm| {
            let keep = present.contains(vm.as_str());
            if !keep && outstanding.vms.contains(vm) {
                report.removed.push(vm.clone());
            }
            keep
        });
        for vm in &targets {
            if dry_run {
                report.would_remove.push(vm.clone());
                continue;
            }
            match api.remove(vm).await {
                Ok(()) => report.removed.push(vm.clone()),
                Err(e) => {
                    report.left.insert(vm.clone(), e);
                }
            }
        }
    }
    report.removed.sort();
    report.removed.dedup();
    report
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    struct Fake {
        vms: Mutex<Vec<(String, String)>>,
        tasks: BTreeMap<String, Option<String>>,
        undeletable: BTreeSet<String>,
    }

    impl VmApi for Fake {
        async fn list_vms(&self) -> Result<Vec<(String, String)>, String> {
            Ok(self.vms.lock().unwrap().clone())
        }
        async fn task_vm(&self, task: &str) -> Result<Option<String>, String> {
            self.tasks
                .get(task)
                .cloned()
                .ok_or_else(|| "404".to_owned())
        }
        async fn remove(&self, vm: &str) -> Result<(), String> {
            if self.undeletable.contains(vm) {
                return Err("delete answered 400".into());
            }
            self.vms.lock().unwrap().retain(|(id, _)| id != vm);
            Ok(())
        }
    }

    fn fake() -> Fake {
        Fake {
            vms: Mutex::new(vec![
                ("vm-1".into(), "snapconf-ab12-acc-0".into()),
                ("vm-2".into(), "db-01".into()),
                ("vm-3".into(), "snapconf-ab12-dup-1".into()),
                ("vm-4".into(), "unrelated".into()),
                ("vm-5".into(), "snapconf-ab12-x".into()),
            ]),
            tasks: BTreeMap::from([
                ("t-done".into(), Some("vm-2".into())),
                ("t-running".into(), None),
            ]),
            undeletable: BTreeSet::from(["vm-5".to_owned()]),
        }
    }

    #[tokio::test]
    async fn removes_ledger_vms_task_vms_and_prefixed_vms_only() {
        let api = fake();
        let out = Outstanding {
            vms: BTreeSet::from(["vm-1".to_owned(), "vm-gone".to_owned()]),
            tasks: BTreeMap::from([
                ("t-done".to_owned(), None),
                ("t-running".to_owned(), Some("snapconf-ab12-r".to_owned())),
            ]),
            names: BTreeSet::from(["snapconf-ab12-lost".to_owned()]),
        };
        let accounted = BTreeSet::from(["vm-1".to_owned()]);
        let r = sweep(&api, &out, Some("snapconf-ab12"), &accounted, false).await;
        assert_eq!(r.removed, vec!["vm-1", "vm-2", "vm-3", "vm-gone"]);
        assert_eq!(r.left.keys().collect::<Vec<_>>(), vec!["vm-5"]);
        assert_eq!(r.running_tasks, vec!["t-running"]);
        let ids: Vec<&str> = r.unaccounted.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, vec!["vm-3", "vm-5"]);
        assert!(r.listed);
        assert_eq!(r.unresolved_names, vec!["snapconf-ab12-lost"]);
        let names: Vec<String> = api
            .vms
            .lock()
            .unwrap()
            .iter()
            .map(|v| v.0.clone())
            .collect();
        assert_eq!(
            names,
            vec!["vm-4", "vm-5"],
            "unrelated VMs are never touched"
        );
    }

    #[tokio::test]
    async fn a_dry_run_removes_nothing() {
        let api = fake();
        let r = sweep(
            &api,
            &Outstanding::default(),
            Some("snapconf-ab12"),
            &BTreeSet::new(),
            true,
        )
        .await;
        assert!(r.removed.is_empty() && r.left.is_empty());
        assert_eq!(r.would_remove, vec!["vm-1", "vm-3", "vm-5"]);
        assert_eq!(api.vms.lock().unwrap().len(), 5);
    }
}
