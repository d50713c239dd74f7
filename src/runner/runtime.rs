//! One shared tokio runtime for synchronous callers (libtest-mimic trials, the CLI). Trials are
//! plain functions, so they `block_on` this runtime rather than running inside one: nesting
//! `block_on` in a runtime thread would panic.

use std::sync::OnceLock;

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("snapconf-runner")
            .build()
            .expect("a tokio runtime can be built")
    })
}
