//! The mock's behaviour, endpoint by endpoint and clause by clause (tests named with the clause
//! id they show), its defect modes, its robustness, and a few runs over real sockets.

mod control;
mod defects_other;
mod defects_outcome;
mod defects_single;
mod defects_verdicts;
mod endpoints;
mod formats;
mod jsonrpc;
mod jsonrpc_defects;
mod jsonrpc_protocol;
mod jsonrpc_sso;
mod restore_accept;
mod restore_access;
mod restore_refuse;
mod robustness;
mod sessions;
mod sockets;
mod split_sockets;
mod sso;
mod vcenter_inventory;
