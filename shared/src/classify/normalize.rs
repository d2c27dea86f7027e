//! Text normalisation for matching: traditional → simplified Chinese for the
//! characters the lexicon and places use (plus a few Cantonese colloquial forms, the
//! table in `traditional.txt`), full-width → ASCII, ASCII lower case. One char in, one
//! char out, so a match in the normalised text maps straight back to the words the
//! resident wrote.

use std::sync::OnceLock;

/// Normalises one char.
pub(crate) fn char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        // Full-width ASCII (ｅｌｅｖａｔｏｒ, ３栋) and the ideographic space.
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map_or(c, |a| a.to_ascii_lowercase())
        }
        '\u{3000}' => ' ',
        // Curly apostrophes and quotes as typed on phones: "can’t" is "can't".
        '\u{2018}' | '\u{2019}' => '\'',
        // Chinese punctuation a resident types in place of ASCII.
        '\u{3002}' => '.',
        '\u{3001}' => ',',
        c if (c as u32) < 0x3400 => c,
        c => cjk(c),
    }
}

/// [`char`] for a char of the main CJK block (U+4E00…U+9FFF), where only the table
/// applies: the common case of a Chinese text, without the other arms' tests.
#[inline]
pub(crate) fn cjk(c: char) -> char {
    table().map_or(c, |t| t.simplified(c))
}

/// The traditional → simplified table, sorted by the traditional char for binary search,
/// with one bit per char of its range so that the common simplified char skips the search.
#[derive(Debug)]
struct Table {
    pairs: Vec<(char, char)>,
    low: u32,
    bits: Vec<u64>,
}

impl Table {
    /// `traditional.txt`: pairs of chars separated by spaces, comment lines skipped.
    /// `None` unless every entry is two chars and the table is sorted without repeats.
    fn parse(text: &str) -> Option<Table> {
        let mut pairs = Vec::new();
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            for entry in line.split_whitespace() {
                let mut chars = entry.chars();
                let (Some(t), Some(s), None) = (chars.next(), chars.next(), chars.next()) else {
                    return None;
                };
                pairs.push((t, s));
            }
        }
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            return None;
        }
        let low = pairs.first().map_or(0, |(t, _)| *t as u32);
        let high = pairs.last().map_or(0, |(t, _)| *t as u32);
        let mut bits = vec![0u64; (high - low) as usize / 64 + 1];
        for (t, _) in &pairs {
            let at = (*t as u32 - low) as usize;
            bits[at / 64] |= 1 << (at % 64);
        }
        Some(Table { pairs, low, bits })
    }

    fn may_be_traditional(&self, c: char) -> bool {
        let Some(at) = (c as u32).checked_sub(self.low).map(|at| at as usize) else {
            return false;
        };
        self.bits
            .get(at / 64)
            .is_some_and(|word| word & (1 << (at % 64)) != 0)
    }

    fn simplified(&self, c: char) -> char {
        if !self.may_be_traditional(c) {
            return c;
        }
        self.pairs
            .binary_search_by_key(&c, |(t, _)| *t)
            .map_or(c, |i| self.pairs[i].1)
    }
}

static TABLE: OnceLock<Table> = OnceLock::new();

/// `traditional.txt` with its comment lines emptied (see `build.rs`).
#[cfg(feature = "embedded-lexicon")]
const TRADITIONAL: &str = include_str!(concat!(env!("OUT_DIR"), "/traditional.txt"));

/// The table, built once from the built-in text.
#[cfg(feature = "embedded-lexicon")]
fn table() -> Option<&'static Table> {
    Some(TABLE.get_or_init(|| {
        Table::parse(TRADITIONAL).unwrap_or(Table {
            pairs: Vec::new(),
            low: 0,
            bits: Vec::new(),
        })
    }))
}

/// The table [`load`] was given, if it was: until then no char is traditional (and the
/// classifier, whose lexicon comes with it, suggests nothing).
#[cfg(not(feature = "embedded-lexicon"))]
fn table() -> Option<&'static Table> {
    TABLE.get()
}

/// Gives normalisation its table where it is not built in (the resident form, with the
/// lexicon): `text` is `traditional.txt`. Returns whether the table is there.
#[cfg_attr(feature = "embedded-lexicon", allow(dead_code))]
pub(crate) fn load(text: &str) -> bool {
    if cfg!(feature = "embedded-lexicon") {
        return table().is_some();
    }
    if TABLE.get().is_none() {
        let _ = Table::parse(text).map(|t| TABLE.set(t));
    }
    TABLE.get().is_some()
}

#[cfg(all(test, feature = "embedded-lexicon"))]
mod tests {
    use super::*;

    fn pairs() -> &'static [(char, char)] {
        table().map_or(&[], |t| &t.pairs[..])
    }

    #[test]
    fn table_parses_sorted_and_unique() {
        assert!(Table::parse(TRADITIONAL).is_some());
        assert!(pairs().len() > 800, "{}", pairs().len());
        assert!(Table::parse("甲甲 乙乙").is_none(), "unsorted");
        assert!(Table::parse("甲").is_none(), "one char");
    }

    #[test]
    fn the_filter_passes_every_key_and_few_others() {
        let t = table().unwrap_or_else(|| panic!("a table"));
        assert!(pairs().iter().all(|(c, _)| t.may_be_traditional(*c)));
        assert!(!t.may_be_traditional('电'));
        assert!(!t.may_be_traditional('a'));
        assert!(!t.may_be_traditional('\u{282E2}'));
        for (t, s) in pairs() {
            assert_eq!(char(*t), *s);
        }
        for c in '\u{4E00}'..='\u{9FFF}' {
            assert_eq!(cjk(c), char(c), "{c}");
        }
    }

    #[test]
    fn normalises() {
        let s: String = "電梯壞了 ＥＬＥＶＡＴＯＲ ３棟".chars().map(char).collect();
        assert_eq!(s, "电梯坏了 elevator 3栋");
    }
}
