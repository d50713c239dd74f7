//! Provisioning generated privilege setups on the embedded mock through its control plane.

use serde_json::json;

use super::context::{Context, ControlRefused};
use crate::generate::PrivilegeSetup;

/// Creates the setup's principal and permissions on the mock and lets the client log in as it.
pub fn provision(ctx: &Context, setup: &PrivilegeSetup) -> Result<(), ControlRefused> {
    let perms: Vec<_> = setup
        .permissions
        .iter()
        .map(|p| json!({"privileges": p.privileges, "object": p.object, "propagate": p.propagate}))
        .collect();
    ctx.control_blocking(
        "POST",
        "/__mock/principals",
        Some(json!({"name": setup.principal, "password": setup.password, "permissions": perms})),
    )?;
    ctx.client.add_principal(&setup.principal, &setup.password);
    Ok(())
}
