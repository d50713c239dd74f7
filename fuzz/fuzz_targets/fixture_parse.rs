//! The fixture loader and validator: arbitrary text (raw, or the default fixture with an
//! arbitrary splice, so the fuzzer starts from a valid world) must give a `World` or a clean
//! `FixtureError`, never a panic.
#![no_main]

use std::path::Path;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use snapservice_conformance::model::World;

const DEFAULT: &str = include_str!("../../fixtures/default.toml");

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any text.
    Text(String),
    /// The default fixture with `len` bytes at `at` replaced by `with` (positions clamped to
    /// character boundaries).
    Splice { at: u16, len: u8, with: String },
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fuzz_target!(|input: Input| {
    let text = match input {
        Input::Text(t) => t,
        Input::Splice { at, len, with } => {
            let start = boundary(DEFAULT, at as usize * DEFAULT.len() / 65536);
            let end = boundary(DEFAULT, start + len as usize);
            format!("{}{}{}", &DEFAULT[..start], with, &DEFAULT[end..])
        }
    };
    match World::parse(&text, Path::new("fuzz.toml")) {
        Ok(w) => {
            let _ = w.secrets();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
