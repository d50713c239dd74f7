//! The default fixture, loaded once for unit tests across the crate.

use std::path::Path;
use std::sync::OnceLock;

use crate::model::World;

pub(crate) fn test_world() -> &'static World {
    static CELL: OnceLock<World> = OnceLock::new();
    CELL.get_or_init(|| {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/default.toml"
        ));
        World::load(path).unwrap_or_else(|e| panic!("{e}"))
    })
}
