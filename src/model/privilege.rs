//! The privileges the restore page documents. Generators, the reference oracle and the mock all
//! name them; each decides on its own who holds them.

/// The privilege restore needs on the cluster (AUTHZ-1).
pub const CLUSTER_STORAGE: &str = "Host.Config.Storage";
/// The privilege restore needs on the target folder (AUTHZ-2).
pub const FOLDER_CREATE: &str = "VirtualMachine.Inventory.Create";
/// The privilege restore needs on the target resource pool (AUTHZ-3).
pub const POOL_ASSIGN: &str = "Resource.AssignVMToPool";
/// The documented set, in the page's order.
pub const DOCUMENTED: [&str; 3] = [CLUSTER_STORAGE, FOLDER_CREATE, POOL_ASSIGN];
