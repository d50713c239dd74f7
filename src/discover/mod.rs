//! Reading a live deployment into a fixture (`discover`), and checking a fixture against a
//! deployment (`prove`): issue 11, items 5 and 6.
//!
//! - `Reader` reads JSON from the snapservice and vCenter endpoints with their credentials;
//! - `discover` walks vCenter's inventory and snapservice's discovery endpoints into a
//!   `DiscoveredWorld`;
//! - `fixture_text` writes a `DiscoveredWorld` as a fixture that `World::parse` accepts;
//! - `prove` compares a fixture's `World` with a `DiscoveredWorld`, object by object.

pub mod found;
mod plan;
mod protected;
mod prove;
pub mod reader;
mod walk;
mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_edge;

pub use found::DiscoveredWorld;
pub use prove::{Mismatch, prove};
pub use reader::{
    ClientConfig, Credentials, Endpoint, ReadError, Reader, Role, http_client, login_basic, logout,
};
pub use write::{Origin, fixture_text};

/// Reads everything a fixture describes from a deployment: the vCenter inventory, then, per
/// cluster, the protected VMs and their snapshots.
pub async fn discover(r: &Reader) -> Result<DiscoveredWorld, ReadError> {
    let mut d = DiscoveredWorld::default();
    walk::vcenter(r, &mut d).await?;
    protected::snapservice(r, &mut d).await?;
    Ok(d)
}
