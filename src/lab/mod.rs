//! Lab safety: what keeps a run against a real deployment frugal, patient and accountable.
//! A restore on a real appliance copies disks and takes minutes, so a run against a remote
//! target spends a bounded number of restores (`budget`), paces its requests (`pace`), waits
//! for tasks as long as real tasks take (`poll`), records every task it starts before it knows
//! the VM (`ledger`), and stops cleanly on Ctrl-C (`stop`). The embedded mock keeps today's
//! speed: its policy is unlimited and unpaced.

pub mod budget;
pub mod ledger;
pub mod pace;
pub mod policy;
pub mod poll;
pub mod stop;
pub mod sweep;

pub use budget::{BudgetPlan, Need, RestoreBudget};
pub use ledger::{Ledger, LedgerEntry};
pub use pace::Pacer;
pub use policy::{LabPolicy, PolicyError};
pub use poll::PollPlan;
pub use stop::StopSignal;
