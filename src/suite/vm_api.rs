//! The target's VM API and task endpoint as the sweep (`lab::sweep::VmApi`) needs them, read and
//! written with the administrator's credentials: deleting needs privileges a case's principal
//! may lack, and a sweep must see every VM a restore could have created.

use serde::Deserialize as _;

use crate::lab::sweep::VmApi;
use crate::model::{Auth, TaskStatus, VmSummary};
use crate::runner::{Client, RequestSpec};

pub struct ClientVmApi<'a> {
    pub client: &'a Client,
    pub admin: Auth,
}

impl VmApi for ClientVmApi<'_> {
    async fn list_vms(&self) -> Result<Vec<(String, String)>, String> {
        let o = self
            .client
            .send(&RequestSpec::get("/api/vcenter/vm", self.admin.clone()))
            .await
            .observation;
        let list: Vec<VmSummary> = o
            .json()
            .filter(|_| o.status() == Some(200))
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| format!("GET /api/vcenter/vm answered {}", o.summary()))?;
        Ok(list.into_iter().map(|v| (v.vm, v.name)).collect())
    }

    async fn task_vm(&self, task: &str) -> Result<Option<String>, String> {
        let path = format!("{}/{}", self.client.config().task_path, task);
        let o = self
            .client
            .send(&RequestSpec::get(path.clone(), self.admin.clone()))
            .await
            .observation;
        let info = o
            .json()
            .filter(|_| o.status() == Some(200))
            .ok_or_else(|| format!("GET {path} answered {}", o.summary()))?;
        let status = info
            .get("status")
            .and_then(|s| TaskStatus::deserialize(s).ok());
        Ok(match status {
            Some(TaskStatus::Succeeded) => info
                .get("result")
                .and_then(|r| r.as_str())
                .map(str::to_owned),
            _ => None,
        })
    }

    async fn remove(&self, vm: &str) -> Result<(), String> {
        remove_vm(self.client, &self.admin, vm).await
    }
}

/// Deletes a VM; a VM left powered on (a non-conforming server) is powered off first, since
/// vCenter deletes only powered-off VMs. A 404 is an error too: the caller was told the VM
/// exists (by a task or a listing), and a VM that vanished by itself is worth reporting.
pub async fn remove_vm(client: &Client, admin: &Auth, vm: &str) -> Result<(), String> {
    let path = format!("/api/vcenter/vm/{vm}");
    let mut o = client
        .send(&RequestSpec::delete(path.clone(), admin.clone()))
        .await
        .observation;
    if o.status() == Some(400) {
        let stop = RequestSpec {
            method: "POST".into(),
            path: format!("{path}/power?action=stop"),
            auth: admin.clone(),
            body: None,
            content_type: None,
        };
        let _ = client.send(&stop).await;
        o = client
            .send(&RequestSpec::delete(path, admin.clone()))
            .await
            .observation;
    }
    match o.status() {
        Some(200 | 204) => Ok(()),
        _ => Err(format!("delete failed: {}", o.summary())),
    }
}
