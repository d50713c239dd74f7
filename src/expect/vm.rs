//! What a successful restore must leave behind (POST-2..POST-6), derived from the request.

use serde::Serialize;

use super::decide::expected;
use crate::model::Case;
use crate::model::World;

/// The restored VM a conforming target creates for an accepted case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedVm {
    pub name: String,
    /// True when `name` came from the request (POST-2), false when it is the snapshot-time name
    /// (POST-3).
    pub name_given: bool,
    /// `placement.folder`, else the datacenter's default VM folder (POST-4).
    pub folder: String,
    /// `placement.resource_pool` when given (POST-5); `None` when the server picks.
    pub resource_pool: Option<String>,
    /// `placement.host` when given (POST-6); `None` when the server (DRS) picks.
    pub host: Option<String>,
}

/// The restored VM for a case the catalog lets a target accept; `None` when 202 does not
/// conform, or the body does not say enough to know.
pub fn expected_vm(world: &World, case: &Case) -> Option<ExpectedVm> {
    if !expected(world, case, false).allows_accepted() {
        return None;
    }
    let spec = case.spec()?;
    let name_given = spec.get("name").is_some_and(|n| n.is_string());
    Some(ExpectedVm {
        name: case.requested_name(world)?,
        name_given,
        folder: case.target_folder(world)?.to_owned(),
        resource_pool: case.placement_str("resource_pool").map(str::to_owned),
        host: case.placement_str("host").map(str::to_owned),
    })
}
