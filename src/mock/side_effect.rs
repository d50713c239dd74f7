//! What a restore refused at step 11 (placement) leaves behind under the side-effect defects:
//! nothing on a conforming mock (REJ-1). Each defect is one way a refusal can still change the
//! inventory or the task list, so the suite can be shown catching it.

use std::time::{Duration, Instant};

use crate::model::world::Cluster;
use crate::model::{ErrorType, LocalizableMessage, VapiError};

use super::defect::Defect;
use super::inventory::VmRec;
use super::state::{Inner, Shared};
use super::tasks::{Outcome, Task};

/// How long after the refusal the side-effect-later VM appears.
pub(super) const LATER: Duration = Duration::from_millis(1500);

/// What the refused restore would have restored, as far as step 11 knows it.
pub(super) struct Refused<'a> {
    pub cluster: &'a Cluster,
    pub vm: &'a str,
    pub user: &'a str,
    pub folder: &'a str,
    pub name: &'a str,
}

/// Applies the side-effect defects to a restore refused for its placement.
pub(super) fn on_placement_refusal(
    shared: &Shared,
    inner: &mut Inner,
    now: Instant,
    r: &Refused<'_>,
) {
    let d = shared.defects;
    let ix = &shared.index;
    let vm = |name: String| VmRec {
        // The id is given when the VM is inserted.
        id: String::new(),
        name,
        folder: r.folder.to_owned(),
        host: ix.first_host(&r.cluster.id).unwrap_or_default().to_owned(),
        resource_pool: r.cluster.root_pool.clone(),
        cluster: r.cluster.id.clone(),
        power_state: Default::default(),
        restored: true,
    };
    let free = |inner: &Inner, name: &str| !inner.inventory.name_taken(r.folder, name, false);
    if d.has(Defect::SideEffectBeforeCheck) && free(inner, r.name) {
        let mut rec = vm(r.name.to_owned());
        rec.id = inner.inventory.next_vm_id(&ix.world);
        inner.inventory.insert(rec);
    }
    if d.has(Defect::SideEffectRenamed) {
        let name = format!("{}-copy", r.name);
        if free(inner, &name) {
            let mut rec = vm(name);
            rec.id = inner.inventory.next_vm_id(&ix.world);
            inner.inventory.insert(rec);
        }
    }
    if d.has(Defect::SideEffectLater) && free(inner, r.name) {
        inner.pending_vms.push((now + LATER, vm(r.name.to_owned())));
    }
    if d.has(Defect::RefusalStartsTask) {
        let error = VapiError::new(
            ErrorType::InvalidArgument,
            LocalizableMessage::new(
                "com.vmware.snapservice.restore.placement.invalid",
                format!("The placement of virtual machine {} is invalid.", r.vm),
                &[r.vm],
            ),
        );
        let mut task = Task::new(
            &r.cluster.id,
            r.vm,
            r.user,
            now,
            inner.settings.task_duration,
            Outcome::Fail(error),
            None,
        );
        task.counted = false;
        inner.tasks.add(task);
    }
}
