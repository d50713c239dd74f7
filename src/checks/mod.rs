//! Checks that turn exchanges into findings, clause by clause: the answer against the reference
//! oracle's expectation (`crate::expect`), the vAPI error format, the task followed to its end,
//! the restored VM and run-level properties. They are written from the clause catalog and never
//! call the mock's decision code.

pub mod envelope;
pub mod finding;
pub mod format;
pub mod post;
pub mod reject;
pub mod rfc3339;
pub mod run;
pub mod status;
pub mod task;
#[cfg(test)]
mod test_support;

pub use finding::{Finding, Judgement};
pub use format::check_format;
pub use post::check_restored_vm;
pub use reject::check_nothing_created;
pub use run::{check_burst, check_busy, check_race};
pub use status::check_outcome;
pub use task::{TaskEndpoint, check_failed_task_history, check_task_history, task_result};
