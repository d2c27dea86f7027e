//! The trained layer over the lexicon: a linear model whose inputs are what the lexicon's
//! scan found (its score for each category, its winner, whether it called the text
//! urgent, the marks of time, supposition, denial and thanks) and the text's character
//! n-grams (one or two Chinese chars or English words in a row, within a clause of
//! punctuation). Its outputs are a score for each of the 14 categories and one for
//! urgency. The weights are data (`model.txt`), written by `examples/train_classifier.rs`
//! from the tuning and labelled sets: whole numbers (twentieths), added as integers, so
//! the server and the browser reach the same answers bit for bit.
//!
//! Why: a lexicon knows the words it lists; the n-grams carry what the labelled texts say
//! about the words around them (「冒烟」 beside 「电表箱」, "not" before "complaint",
//! 「想问」 at the start of a question), and the weights on the lexicon's own findings say
//! how far to trust each of them.

use crate::model::Category;

/// Outputs: the categories in [`Category::ALL`] order, then urgency.
pub(super) const OUTPUTS: usize = Category::ALL.len() + 1;
pub(super) const URGENT: usize = Category::ALL.len();

/// The weights' scale: a weight `w` in the file is `w / SCALE` in the model.
pub(super) const SCALE: i32 = 20;

/// What the lexicon's scan found, as the model's fixed inputs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Signals {
    /// The lexicon's score for each category.
    pub scores: [f32; Category::ALL.len()],
    /// The lexicon's winner (index into [`Category::ALL`]), if any word voted.
    pub best: Option<usize>,
    /// The lexicon's rules called it urgent; and if so, whether a repair (flooding, a lift).
    pub urgent: bool,
    pub urgent_repair: bool,
    /// An emergency named but only mentioned (past, supposed).
    pub mentioned: bool,
    pub calm: bool,
    pub mild: bool,
    pub safety: bool,
    /// The marks of the words found (`mark` bits).
    pub marks: u16,
    /// A complaint or praise word said not to be one.
    pub denied: bool,
    /// The hazard signs and intensities found (`hazard` bits).
    pub cues: u8,
    pub mores: u8,
    /// How many of the text's chars are ASCII letters.
    pub letters: usize,
}

/// The names of the fixed inputs, in the order [`fixed`] numbers them.
#[cfg(feature = "train")]
pub(crate) fn fixed_names() -> Vec<String> {
    FIXED.iter().map(|n| (*n).to_string()).collect()
}

/// The fixed inputs: the bias, the lexicon's score of each category and its winner (in
/// [`Category::ALL`] order, a test checks it), then the marks.
const FIXED: &[&str] = &[
    "=bias",
    "=lex:complaint",
    "=lex:repair",
    "=lex:renovation",
    "=lex:security",
    "=lex:vehicles",
    "=lex:equipment",
    "=lex:environment",
    "=lex:staff",
    "=lex:community_business",
    "=lex:suggestion",
    "=lex:praise",
    "=lex:consultation",
    "=lex:special_service",
    "=lex:other",
    "=top:complaint",
    "=top:repair",
    "=top:renovation",
    "=top:security",
    "=top:vehicles",
    "=top:equipment",
    "=top:environment",
    "=top:staff",
    "=top:community_business",
    "=top:suggestion",
    "=top:praise",
    "=top:consultation",
    "=top:special_service",
    "=top:other",
    "=none",
    "=urgent",
    "=urgent_repair",
    "=mentioned",
    "=calm",
    "=mild",
    "=safety",
    "=denied",
    "=past",
    "=hypo",
    "=now",
    "=done",
    "=other",
    "=thanks",
    "=question",
    "=len:short",
    "=len:medium",
    "=len:long",
    "=english",
    "=cue",
    "=more",
    "=cue_more",
    "=turn",
    "=thanks_first",
];

/// The fixed inputs of a text: `(index into `FIXED`, value)`. The lexicon's scores
/// (`=lex:…`) are whole points 1..=12; every other input is 1 when present.
pub(crate) fn fixed(s: &Signals, norm: &[char], mut f: impl FnMut(usize, i32)) {
    use super::mark;
    let n = Category::ALL.len();
    f(0, 1);
    for (slot, score) in s.scores.iter().enumerate() {
        // Whole points, at most 12: the lexicon's weights are whole numbers, so rounding
        // loses little, and an integer input keeps the sum exact on every platform.
        let v = (score.clamp(0.0, 12.0) + 0.5) as i32;
        if v != 0 {
            f(1 + slot, v);
        }
    }
    match s.best {
        Some(slot) => f(1 + n + slot, 1),
        None => f(1 + 2 * n, 1),
    }
    let base = 2 + 2 * n;
    let flags = [
        s.urgent,
        s.urgent && s.urgent_repair,
        s.mentioned,
        s.calm,
        s.mild,
        s.safety,
        s.denied,
        s.marks & mark::PAST != 0,
        s.marks & mark::HYPO != 0,
        s.marks & mark::NOW != 0,
        s.marks & mark::DONE != 0,
        s.marks & mark::OTHER != 0,
        s.marks & mark::THANKS != 0,
        question(norm),
    ];
    for (i, on) in flags.iter().enumerate() {
        if *on {
            f(base + i, 1);
        }
    }
    let base = base + flags.len();
    let len = norm.len();
    let english = s.letters * 2 > len;
    let bucket = if english {
        // An English word is about three Chinese chars.
        len / 3
    } else {
        len
    };
    match bucket {
        0..=6 => f(base, 1),
        7..=24 => f(base + 1, 1),
        _ => f(base + 2, 1),
    }
    if english {
        f(base + 3, 1);
    }
    if s.cues != 0 {
        f(base + 4, 1);
    }
    if s.mores != 0 {
        f(base + 5, 1);
    }
    if s.cues & s.mores != 0 {
        f(base + 6, 1);
    }
    if s.marks & mark::TURN != 0 {
        f(base + 7, 1);
    }
    if thanks_first(norm) {
        f(base + 8, 1);
    }
}

/// Whether the text opens with thanks (「谢谢保安…」, "Thanks to…"): praise, unless a
/// request follows.
fn thanks_first(norm: &[char]) -> bool {
    const OPENINGS: [&[char]; 6] = [
        &['谢', '谢'],
        &['感', '谢'],
        &['多', '谢'],
        &['唔', '该'],
        &['t', 'h', 'a', 'n', 'k'],
        &['c', 'h', 'e', 'e', 'r', 's'],
    ];
    let start = norm.iter().take_while(|c| c.is_whitespace()).count();
    let text = &norm[start..];
    OPENINGS.iter().any(|w| text.starts_with(w))
}

/// Whether the text asks something: a question mark, or a question word at its end.
fn question(norm: &[char]) -> bool {
    let end = norm
        .iter()
        .rposition(|c| !c.is_whitespace() && !matches!(c, '.' | '!' | '~' | '…'));
    let Some(end) = end else {
        return false;
    };
    norm.iter().any(|c| *c == '?' || *c == '？') || matches!(norm[end], '吗' | '呢' | '么' | '未')
}

/// A token of the text: a Chinese char, or a run of ASCII letters and digits (a run of
/// digits alone reads as `0`: which building is no evidence of what is asked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Token<'a> {
    Char(char),
    Word(&'a [char]),
    Number,
}

impl Token<'_> {
    fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |c: char| {
            h ^= u64::from(c as u32);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        match self {
            Token::Char(c) => eat(*c),
            Token::Word(w) => w.iter().for_each(|c| eat(*c)),
            Token::Number => eat('0'),
        }
        h
    }

    #[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
    fn write(&self, out: &mut String) {
        match self {
            Token::Char(c) => out.push(*c),
            Token::Word(w) => {
                if out
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    out.push(' ');
                }
                out.extend(w.iter());
            }
            Token::Number => {
                if out
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    out.push(' ');
                }
                out.push('0');
            }
        }
    }
}

/// Combines the hashes of an n-gram's tokens, in order.
fn combine(h: u64, next: u64) -> u64 {
    (h.rotate_left(23) ^ next).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Calls `f` with each token of `norm` in order, and with `None` where a clause's
/// punctuation ends the run of tokens n-grams are taken from.
fn tokens<'a>(norm: &'a [char], mut f: impl FnMut(Option<Token<'a>>)) {
    let mut i = 0;
    while i < norm.len() {
        let c = norm[i];
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            // The common case, without the Unicode tables.
            i += 1;
            f(Some(Token::Char(c)));
        } else if c.is_ascii_alphanumeric() {
            let start = i;
            while i < norm.len() && norm[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word = &norm[start..i];
            if word.iter().all(char::is_ascii_digit) {
                f(Some(Token::Number));
            } else {
                f(Some(Token::Word(word)));
            }
        } else {
            i += 1;
            if c.is_whitespace() {
                // Spaces separate English words without ending a clause.
                continue;
            }
            f(if letter(c) {
                Some(Token::Char(c))
            } else {
                None
            });
        }
    }
}

/// Whether a char that is neither ASCII nor whitespace is a letter of a word: the scripts
/// residents write, by range, so the resident form's wasm carries no Unicode table (a
/// test checks it agrees with `char::is_alphabetic` on every char of the labelled texts).
fn letter(c: char) -> bool {
    matches!(c,
        '\u{00AA}' | '\u{00B5}' | '\u{00BA}'
        | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' | '\u{00F8}'..='\u{02C1}'
        | '\u{0370}'..='\u{0373}' | '\u{0376}'..='\u{0377}' | '\u{0386}'..='\u{03FF}'
        | '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}'
        | '\u{3005}'..='\u{3007}' | '\u{3021}'..='\u{3029}' | '\u{3031}'..='\u{3035}'
        | '\u{3038}'..='\u{303C}' | '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309F}'
        | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}'
        | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' | '\u{FF66}'..='\u{FFDC}'
        | '\u{20000}'..='\u{3134F}')
}

/// Calls `f` with every n-gram of one or two tokens of `norm` that does not cross a
/// clause's punctuation, as its tokens. (Three tokens in a row added nothing on a batch
/// held out of training, and cost a third more time.)
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
pub(crate) fn ngrams<'a>(norm: &'a [char], mut f: impl FnMut(&[Token<'a>])) {
    let mut last: Option<Token<'a>> = None;
    tokens(norm, |token| {
        if let Some(t) = token {
            f(&[t]);
            if let Some(p) = last {
                f(&[p, t]);
            }
        }
        last = token;
    });
}

/// The key of every n-gram [`ngrams`] finds, in the same order, into `out` (cleared
/// first), without hashing a token twice: a bigram's key is the previous unigram's
/// extended by one token. Not generic, so the resident form's wasm holds one copy.
pub(crate) fn keys(norm: &[char], out: &mut Vec<u64>) {
    out.clear();
    let mut one: Option<u64> = None;
    tokens(norm, |token| match token {
        Some(t) => {
            let h = t.hash();
            let k1 = combine(0, h);
            out.push(k1 | 1);
            if let Some(p) = one {
                out.push(combine(p, h) | 1);
            }
            one = Some(k1);
        }
        None => one = None,
    });
}

/// The hash of an n-gram, as the model's table keys it (never 0, the empty slot).
#[cfg(test)]
pub(crate) fn key(tokens: &[Token]) -> u64 {
    let mut h = 0u64;
    for t in tokens {
        h = combine(h, t.hash());
    }
    h | 1
}

/// The n-gram as the model file writes it: Chinese chars as they are, English words
/// separated by a space.
#[cfg_attr(not(any(test, feature = "train")), allow(dead_code))]
pub(crate) fn name(tokens: &[Token]) -> String {
    let mut s = String::new();
    for t in tokens {
        t.write(&mut s);
    }
    s
}

/// The model: weights by n-gram key and by fixed input.
#[derive(Debug)]
pub(super) struct Model {
    /// Open addressing over the n-grams' keys: the slot a key starts at is its low
    /// bits; `prints` holds the high 32 bits of the key in its slot (0: empty), so that a
    /// text's n-grams not in the model are told apart in a small, hot array.
    prints: Vec<u32>,
    /// The row of the n-gram in the same slot.
    slots: Vec<u16>,
    /// The n-grams' weights: one per output, and one to spare.
    rows: Vec<[i8; 16]>,
    /// The weights of the fixed inputs, by [`FIXED`] index.
    fixed: Vec<[i8; 16]>,
}

/// The part of a key the table keeps (never 0, the empty slot).
fn print(k: u64) -> u32 {
    ((k >> 32) as u32) | 1
}

impl Model {
    /// Parses `model.txt` (comment lines already gone or skipped): `input|w,w,…` per
    /// line, one whole number per output in [`Category::ALL`] order then urgency, an
    /// empty column for nothing. `None` if a line does not parse, or if two n-grams would
    /// share a slot's print (then the trainer's model and this one would differ).
    pub(super) fn parse(text: &str) -> Option<Model> {
        let rows = || {
            text.lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
        };
        // Sized first, so each row goes straight into its slot.
        let grams_count = rows().filter(|l| !l.starts_with('=')).count();
        // Rows are numbered in 16 bits.
        if grams_count > usize::from(u16::MAX) {
            return None;
        }
        let size = (grams_count * 2).next_power_of_two().max(16);
        let mut model = Model {
            prints: vec![0u32; size],
            slots: vec![0u16; size],
            rows: Vec::with_capacity(grams_count),
            fixed: vec![[0i8; 16]; FIXED.len()],
        };
        let mut norm: Vec<char> = Vec::new();
        let mut grams: Vec<u64> = Vec::new();
        for line in rows() {
            let (key_s, ws) = line.split_once('|')?;
            let mut weights = [0i8; 16];
            for (out, v) in ws.split(',').enumerate() {
                if v.is_empty() {
                    continue;
                }
                if out >= OUTPUTS {
                    return None;
                }
                // Parsed as a whole number, the way the lexicon's weights are: no float
                // parser in the wasm.
                let (minus, digits) = v.strip_prefix('-').map_or((false, v), |d| (true, d));
                let w = i8::try_from(digits.parse::<u8>().ok()?).ok()?;
                weights[out] = if minus { -w } else { w };
            }
            if key_s.starts_with('=') {
                let at = FIXED.iter().position(|n| *n == key_s)?;
                model.fixed[at] = weights;
                continue;
            }
            norm.clear();
            norm.extend(key_s.chars());
            // The name must read back as exactly one n-gram: one token (one key) or two
            // (their two unigrams, then the bigram, whose key is the name's).
            keys(&norm, &mut grams);
            if grams.len() != 1 && grams.len() != 3 {
                return None;
            }
            let k = *grams.last()?;
            let mut at = (k as usize) & (size - 1);
            while model.prints[at] != 0 {
                if model.prints[at] == print(k) {
                    return None;
                }
                at = (at + 1) & (size - 1);
            }
            model.prints[at] = print(k);
            model.slots[at] = model.rows.len() as u16;
            model.rows.push(weights);
        }
        Some(model)
    }

    fn lookup(&self, k: u64) -> Option<&[i8; 16]> {
        let mask = self.prints.len() - 1;
        let p = print(k);
        let mut at = (k as usize) & mask;
        loop {
            let here = self.prints[at];
            if here == p {
                return self.rows.get(usize::from(self.slots[at]));
            }
            if here == 0 {
                return None;
            }
            at = (at + 1) & mask;
        }
    }

    /// The outputs for a text: scores of the categories and of urgency, in `SCALE`ths.
    /// `grams` is a buffer for the n-grams' keys, kept from text to text.
    pub(super) fn score(&self, s: &Signals, norm: &[char], grams: &mut Vec<u64>) -> [i32; OUTPUTS] {
        let mut acc = [0i32; 16];
        fixed(s, norm, |at, v| {
            if let Some(weights) = self.fixed.get(at) {
                add(&mut acc, weights, v);
            }
        });
        keys(norm, grams);
        for k in grams.iter() {
            if let Some(weights) = self.lookup(*k) {
                add(&mut acc, weights, 1);
            }
        }
        let mut out = [0i32; OUTPUTS];
        out.copy_from_slice(&acc[..OUTPUTS]);
        out
    }
}

/// Adds a row of weights, `times` over, to the sums (one vector operation where the
/// platform has them; one copy of the code for the resident form's wasm).
#[inline(never)]
fn add(acc: &mut [i32; 16], weights: &[i8; 16], times: i32) {
    for (a, w) in acc.iter_mut().zip(weights) {
        *a += i32::from(*w) * times;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(s: &str) -> Vec<String> {
        let norm: Vec<char> = s.chars().collect();
        let mut out = Vec::new();
        ngrams(&norm, |t| out.push(name(t)));
        out
    }

    #[test]
    fn ngrams_within_clauses() {
        assert_eq!(grams("漏水了"), ["漏", "水", "漏水", "了", "水了"]);
        assert_eq!(grams("a,b"), ["a", "b"]);
        assert_eq!(
            grams("gas smell 12"),
            ["gas", "smell", "gas smell", "0", "smell 0"]
        );
        assert_eq!(grams("lift卡"), ["lift", "卡", "lift卡"]);
    }

    /// [`letter`] agrees with the Unicode table on every char of the labelled texts and
    /// the lexicon (the tokens, and so the n-grams, are the same either way).
    #[test]
    fn letters_by_range_are_the_unicode_letters() {
        let texts = [
            include_str!("lexicon.txt"),
            include_str!("../../tests/data/classify_tuning.json"),
            include_str!("../../tests/data/classify_labelled.json"),
            include_str!("../../tests/data/classify_holdout.json"),
            include_str!("../../tests/data/classify_blind.json"),
            include_str!("../../tests/data/classify_blind2.json"),
            include_str!("../../tests/data/classify_blind3.json"),
            include_str!("../../tests/data/classify_blind4.json"),
        ];
        let mut wrong = std::collections::BTreeSet::new();
        for text in texts {
            for c in text.chars() {
                let n = super::super::normalize::char(c);
                if !n.is_ascii() && !n.is_whitespace() && letter(n) != n.is_alphabetic() {
                    wrong.insert(n as u32);
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:x?}");
    }

    #[test]
    fn the_fixed_inputs_follow_the_categories() {
        for (slot, c) in Category::ALL.iter().enumerate() {
            assert_eq!(FIXED[1 + slot], format!("=lex:{}", c.as_str()));
            assert_eq!(
                FIXED[1 + Category::ALL.len() + slot],
                format!("=top:{}", c.as_str())
            );
        }
        assert_eq!(FIXED[1 + 2 * Category::ALL.len()], "=none");
    }

    #[test]
    fn keys_are_the_ngrams_keys() {
        for s in [
            "漏水了,真的",
            "gas smell 12 now",
            "lift卡住 b2车库 flooding",
            "a",
            "",
        ] {
            let norm: Vec<char> = s.chars().collect();
            let mut slow = Vec::new();
            ngrams(&norm, |t| slow.push(key(t)));
            let mut fast = Vec::new();
            keys(&norm, &mut fast);
            assert_eq!(slow, fast, "{s}");
        }
    }

    #[test]
    fn names_read_back_as_their_keys() {
        for s in ["漏水了", "gas smell 12", "lift卡住", "b2车库 flooding now"] {
            let norm: Vec<char> = s.chars().collect();
            ngrams(&norm, |t| {
                let n: Vec<char> = name(t).chars().collect();
                let mut again = Vec::new();
                ngrams(&n, |u| {
                    if u.len() == 1 {
                        again.push(u[0]);
                    }
                });
                assert_eq!(key(&again), key(t), "{}", name(t));
            });
        }
    }

    /// `model.txt` records what it was trained from; after a change to the lexicon or to
    /// the labelled texts, run `examples/train_classifier.rs` again.
    #[test]
    fn the_model_is_trained_on_this_lexicon_and_these_texts() {
        let fnv = |bytes: &[u8]| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            format!("{h:016x}")
        };
        let want = format!(
            "# trained from: lexicon {} tuning {} labelled {}",
            fnv(include_bytes!("lexicon.txt")),
            fnv(include_bytes!("../../tests/data/classify_tuning.json")),
            fnv(include_bytes!("../../tests/data/classify_labelled.json")),
        );
        assert!(
            include_str!("model.txt").lines().any(|l| l == want),
            "model.txt is stale: cargo run --release --features train --example train_classifier"
        );
    }

    #[test]
    fn a_model_adds_its_rows() {
        let m = Model::parse("=bias|,,,,,,,,,,,,,5\n漏水|,100,,,,,,,,,,,,,-2\ngas smell|,,,7\n")
            .unwrap_or_else(|| panic!("parses"));
        let norm: Vec<char> = "厨房漏水, gas smell".chars().collect();
        let acc = m.score(&Signals::default(), &norm, &mut Vec::new());
        let slot = |c: Category| Category::ALL.iter().position(|x| *x == c).unwrap_or(0);
        assert_eq!(acc[slot(Category::Repair)], 100);
        assert_eq!(acc[slot(Category::Security)], 7);
        assert_eq!(acc[slot(Category::Other)], 5);
        assert_eq!(acc[URGENT], -2);
    }
}
