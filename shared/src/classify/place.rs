//! Finds a building and a unit in normalised text: 「3栋」「3号楼」「三幢」「A座」
//! 「building 3」「bldg 3」「block 3」「tower 3」 → `B3`; 「5单元」「unit 5」 → `U5`.

/// What [`find`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Places {
    pub(crate) building: Option<String>,
    pub(crate) unit: Option<String>,
}

/// Words after a number that make it a building.
const BUILDING_AFTER: &[&str] = &["号楼", "栋", "幢", "座", "号栋", "号座"];
/// Words before a number that make it a building.
const BUILDING_BEFORE: &[&str] = &["building", "bldg.", "bldg", "block", "blk", "tower", "楼栋"];
const UNIT_AFTER: &[&str] = &["单元"];
const UNIT_BEFORE: &[&str] = &["unit", "entrance"];

/// A number as written: looked at in place, turned into text only once it names a
/// building or a unit (most numbers in a text do not).
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    /// ASCII digits (leading zeros already dropped).
    Digits(&'a [char]),
    /// One ASCII letter (「A座」).
    Letter(char),
    /// A Chinese numeral's value.
    Number(u32),
}

impl Value<'_> {
    /// The length of the value as text.
    fn len(self) -> usize {
        match self {
            Value::Digits(d) => d.len(),
            Value::Letter(_) => 1,
            Value::Number(n) => n.to_string().len(),
        }
    }

    /// `prefix` then the value, its letters upper-cased when `upper`.
    fn named(self, prefix: char, upper: bool) -> String {
        let mut out = String::with_capacity(4);
        out.push(prefix);
        match self {
            Value::Digits(d) => out.extend(d),
            Value::Letter(c) if upper => out.push(c.to_ascii_uppercase()),
            Value::Letter(c) => out.push(c),
            Value::Number(n) => out.push_str(&n.to_string()),
        }
        out
    }
}

const ZERO: &[char] = &['0'];

pub(crate) fn find(norm: &[char]) -> Places {
    let mut out = Places::default();
    let mut i = 0;
    while i < norm.len() && (out.building.is_none() || out.unit.is_none()) {
        let c = norm[i];
        if !may_start_number(c) {
            i += 1;
            continue;
        }
        let Some((value, end)) = number_at(norm, i) else {
            i += 1;
            // Nothing starts inside a run of letters and digits (each char there is glued
            // to the one before), so skip the rest of the word.
            if c.is_ascii_alphanumeric() {
                while norm.get(i).is_some_and(char::is_ascii_alphanumeric) {
                    i += 1;
                }
            }
            continue;
        };
        // A number glued to a longer run of letters or digits is not ours ("b2b").
        let rest = trim_start(&norm[end..norm.len().min(end + 3)]);
        let before = trim_end(&norm[i.saturating_sub(10)..i]);
        let before = trim_end(before.strip_suffix(&['#']).unwrap_or(before));
        let before = trim_end(before.strip_suffix(&['n', 'o', '.']).unwrap_or(before));
        let is_building = || {
            BUILDING_AFTER.iter().any(|w| starts_with(rest, w))
                || BUILDING_BEFORE.iter().any(|w| ends_with_word(before, w))
        };
        let is_unit = || {
            UNIT_AFTER.iter().any(|w| starts_with(rest, w))
                || (UNIT_BEFORE.iter().any(|w| ends_with_word(before, w)) && value.len() <= 2)
        };
        if out.building.is_none() && is_building() {
            out.building = Some(value.named('B', true));
        } else if out.unit.is_none() && is_unit() {
            out.unit = Some(value.named('U', false));
        }
        i = end;
    }
    out
}

/// Whether [`number_at`] may find a number starting with `c`: a digit, a letter, or a
/// Chinese numeral other than 零. Checked first, so most chars cost one comparison.
pub(crate) fn may_start_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit() || c.is_ascii_lowercase()
    } else {
        // 一…十 lie in U+4E00…U+5341: one range check turns most chars away.
        ('一'..='十').contains(&c) && (c == '十' || digit(c).is_some_and(|d| d > 0))
    }
}

fn trim_start(s: &[char]) -> &[char] {
    let skip = s.iter().take_while(|c| c.is_whitespace()).count();
    &s[skip..]
}

fn trim_end(s: &[char]) -> &[char] {
    let keep = s.len() - s.iter().rev().take_while(|c| c.is_whitespace()).count();
    &s[..keep]
}

fn starts_with(s: &[char], w: &str) -> bool {
    let mut s = s.iter();
    w.chars().all(|c| s.next() == Some(&c))
}

/// `w` at the end of `s`, not glued to a letter before it.
fn ends_with_word(s: &[char], w: &str) -> bool {
    let mut tail = s.iter().rev();
    w.chars().rev().all(|c| tail.next() == Some(&c))
        && !tail.next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A number starting at `i`: ASCII digits, Chinese numerals up to 99, or one ASCII
/// letter standing alone (「A座」). Returns its value and where it ends.
fn number_at(norm: &[char], i: usize) -> Option<(Value<'_>, usize)> {
    let c = norm[i];
    let glued_before = i > 0 && norm[i - 1].is_ascii_alphanumeric();
    if c.is_ascii_digit() && !glued_before {
        let end = i + norm[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        // Leading zeros carry nothing: 「03栋」 is 「3栋」.
        let zeros = norm[i..end].iter().take_while(|c| **c == '0').count();
        let value = if i + zeros == end {
            ZERO
        } else {
            &norm[i + zeros..end]
        };
        return Some((Value::Digits(value), end));
    }
    // 「B3栋」: a building written with its letter prefix and a building word.
    if c == 'b' && !glued_before && norm.get(i + 1).is_some_and(char::is_ascii_digit) {
        let end = i
            + 1
            + norm[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
        let rest = &norm[end..norm.len().min(end + 2)];
        if BUILDING_AFTER.iter().any(|w| starts_with(rest, w)) {
            let zeros = norm[i + 1..end].iter().take_while(|c| **c == '0').count();
            return Some((Value::Digits(&norm[i + 1 + zeros..end]), end));
        }
    }
    if c.is_ascii_lowercase() && !glued_before {
        let glued_after = norm.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric());
        return (!glued_after).then_some((Value::Letter(c), i + 1));
    }
    chinese_number(norm, i)
}

fn digit(c: char) -> Option<u32> {
    Some(match c {
        '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 一 … 九十九, as written in addresses (「十二栋」「二十栋」「三十五幢」).
fn chinese_number(norm: &[char], i: usize) -> Option<(Value<'_>, usize)> {
    let a = norm.get(i).copied()?;
    let b = norm.get(i + 1).copied();
    let c = norm.get(i + 2).copied();
    let (value, len) = match (digit(a), a == '十', b, c) {
        (Some(t), false, Some('十'), Some(u)) if t > 0 && digit(u).is_some_and(|u| u > 0) => {
            (t * 10 + digit(u).unwrap_or(0), 3)
        }
        (Some(t), false, Some('十'), _) if t > 0 => (t * 10, 2),
        (None, true, Some(u), _) if digit(u).is_some_and(|u| u > 0) => {
            (10 + digit(u).unwrap_or(0), 2)
        }
        (None, true, _, _) => (10, 1),
        (Some(u), false, _, _) if u > 0 => (u, 1),
        _ => return None,
    };
    Some((Value::Number(value), i + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(s: &str) -> Places {
        let norm: Vec<char> = s.chars().map(super::super::normalize::char).collect();
        find(&norm)
    }

    fn building(s: &str) -> Option<String> {
        places(s).building
    }

    #[test]
    fn buildings() {
        assert_eq!(building("3栋电梯困人").as_deref(), Some("B3"));
        assert_eq!(building("3号楼漏水").as_deref(), Some("B3"));
        assert_eq!(building("三栋").as_deref(), Some("B3"));
        assert_eq!(building("十二幢").as_deref(), Some("B12"));
        assert_eq!(building("二十三号楼").as_deref(), Some("B23"));
        assert_eq!(building("Building 3 lift").as_deref(), Some("B3"));
        assert_eq!(building("bldg.7").as_deref(), Some("B7"));
        assert_eq!(building("A座大堂").as_deref(), Some("BA"));
        assert_eq!(building("３棟").as_deref(), Some("B3"));
        assert_eq!(building("B3栋 lift").as_deref(), Some("B3"));
        assert_eq!(
            building("garbage room on B2"),
            None,
            "B2 is a basement level"
        );
        assert_eq!(building("3楼漏水"), None, "3楼 is the third floor");
        assert_eq!(building("住在1502"), None);
    }

    #[test]
    fn units() {
        assert_eq!(places("5栋2单元301").unit.as_deref(), Some("U2"));
        assert_eq!(places("5栋2单元301").building.as_deref(), Some("B5"));
        assert_eq!(
            places("unit 1502").unit,
            None,
            "an apartment, not an entrance"
        );
    }
}
