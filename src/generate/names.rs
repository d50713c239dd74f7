//! VM names across the valid name space: any character but a control character, up to 80
//! characters (not bytes), not only whitespace. Unicode letters, symbols, spaces and punctuation
//! all appear.
//!
//! Left out on purpose: `%`, `/` and `\`. vCenter stores these escaped in inventory names
//! (`%25`, `%2f`, `%5c`), so a real target would report a different name and POST-2 would fail
//! for a reason the restore operation does not own.

use proptest::prelude::*;

/// Characters of a generated name, weighted toward ASCII so shrinking stays readable.
fn arb_name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(
            ('a'..='z').chain('A'..='Z').chain('0'..='9').collect::<Vec<char>>()
        ),
        2 => prop::sample::select(vec![' ', '-', '_', '.', '(', ')', '[', ']', '\'', '"', '!',
            '@', '#', '$', '^', '&', '*', '+', '=', ',', ';', ':', '?', '|', '~', '`', '<', '>',
            '{', '}']),
        1 => prop::char::range('\u{00C0}', '\u{024F}'),
        1 => prop::char::range('\u{0400}', '\u{04FF}'),
        1 => prop::char::range('\u{4E00}', '\u{9FFF}'),
        1 => prop::char::range('\u{1F300}', '\u{1F5FF}'),
        1 => prop::sample::select(vec!['\u{3000}', '\u{00A0}', 'ß', 'ñ', 'Ω', 'ع', 'ב', '한']),
    ]
}

/// The part of a name after the run prefix: 1 to `max` characters, sometimes exactly `max` so
/// the 80-character boundary is hit. With an empty prefix the first character is never
/// whitespace, so the name is never only whitespace.
pub(crate) fn arb_name_text(max: usize) -> impl Strategy<Value = String> {
    assert!(max >= 1, "no room for a name after the prefix");
    let any_len = prop::collection::vec(arb_name_char(), 1..=max);
    let full = prop::collection::vec(arb_name_char(), max..=max);
    prop_oneof![4 => any_len, 1 => full].prop_map(|mut chars| {
        if chars[0].is_whitespace() {
            chars[0] = 'n';
        }
        chars.into_iter().collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::name_problem;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn generated_names_are_valid(text in arb_name_text(80)) {
            prop_assert_eq!(name_problem(&text), None);
            prop_assert!(!text.contains(['%', '/', '\\']));
        }
    }
}
