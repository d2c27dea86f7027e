//! The words around a match: clauses, and whether a complaint or a praise word is said
//! not to be one. A word's meaning depends on its clause: 「上个月电梯困人的事」 is a
//! memory, 「不是投诉，只是提个建议」 is a suggestion, and in a long message the
//! request sits in one clause among others.

/// Splits the normalised text into clauses: `clause_of[i]` is the clause of char `i`,
/// `clause_start[c]` the first char of clause `c`. A clause ends at punctuation, at a
/// line break, and at a space between Chinese words (WeChat style: 「救命 电梯不动了
/// 我在里面」); a space between English words does not end one.
pub(super) fn clauses(norm: &[char], clause_of: &mut Vec<u16>, clause_start: &mut Vec<usize>) {
    clause_of.clear();
    clause_start.clear();
    clause_start.push(0);
    let mut current: u16 = 0;
    for (i, &c) in norm.iter().enumerate() {
        let ends = match c {
            ',' | '.' | '!' | '?' | ';' | ':' | '\n' | '\r' | '~' | '…' | '—' | '–' | '，'
            | '！' | '？' | '；' | '：' => true,
            ' ' => {
                let before = norm[..i].iter().rev().find(|c| **c != ' ');
                let after = norm.get(i + 1);
                before.is_some_and(|c| !c.is_ascii()) && after.is_some_and(|c| !c.is_ascii())
            }
            _ => false,
        };
        clause_of.push(current);
        if ends && current < u16::MAX && i + 1 < norm.len() {
            current += 1;
            clause_start.push(i + 1);
        }
    }
}

/// Negations that deny a complaint or praise word a few chars later in its clause:
/// 「不是投诉」「我不是来投诉的」「没有要投诉的意思」「唔係投訴」 (唔係 is 不系 once
/// normalised) 「無意投訴」.
const DENIALS: &[&str] = &[
    "不是",
    "不系",
    "并非",
    "无意",
    "没有要",
    "没什么",
    "没啥",
    "不算",
    "不想",
    "不打算",
    "没打算",
    "没在",
    "没有什么",
];

/// Negations that deny only the word right after them: 「不投诉了」「非投訴」「没有要投诉」
/// (matched as 「要投诉」).
const DENIALS_NEXT: &[&str] = &["不", "非", "无", "没", "别", "没有"];

/// English negations up to three words before: "not a complaint", "no complaints",
/// "I'm not complaining", "I don't want to complain".
const DENIALS_EN: &[&str] = &[
    "not", "no", "don't", "dont", "never", "nothing", "without", "isn't", "wasn't",
];

/// Whether the word at `start` is denied by a negation before it in its clause (which
/// starts at `first`).
pub(super) fn denied(norm: &[char], first: usize, start: usize) -> bool {
    if start == 0 || start <= first {
        return false;
    }
    let before = &norm[first..start];
    if norm[start].is_ascii_alphabetic() {
        // The three words before, within the clause.
        let words = before
            .split(|c| !(c.is_ascii_alphanumeric() || *c == '\''))
            .filter(|w| !w.is_empty())
            .rev()
            .take(3);
        for w in words {
            if DENIALS_EN
                .iter()
                .any(|n| n.len() == w.len() && n.chars().eq(w.iter().copied()))
            {
                return true;
            }
        }
        return false;
    }
    if DENIALS_NEXT.iter().any(|n| ends_with(before, n)) {
        return true;
    }
    let window = &before[before.len().saturating_sub(6)..];
    DENIALS
        .iter()
        .any(|n| (0..=window.len()).any(|end| ends_with(&window[..end], n)))
}

/// Whether `chars` ends with `word`, compared char by char (no allocation: this runs for
/// every complaint word of every text).
fn ends_with(chars: &[char], word: &str) -> bool {
    let mut rest = chars.iter().rev();
    word.chars().rev().all(|w| rest.next() == Some(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn clauses_split_at_punctuation_and_chinese_spaces() {
        let (mut of, mut start) = (Vec::new(), Vec::new());
        let t = chars("救命 电梯不动了,我在里面 help me");
        clauses(&t, &mut of, &mut start);
        assert_eq!(start.len(), 3, "{start:?}");
        let t = chars("the lift is stuck with my son inside");
        clauses(&t, &mut of, &mut start);
        assert_eq!(start.len(), 1);
    }

    #[test]
    fn denials() {
        let t = chars("不是投诉,只是建议");
        assert!(denied(&t, 0, 2));
        let t = chars("我不是第一次反映了,这次要投诉");
        assert!(!denied(&t, 10, 13));
        let t = chars("not a complaint");
        assert!(denied(&t, 0, 6));
        let t = chars("this is a complaint");
        assert!(!denied(&t, 0, 10));
    }
}
