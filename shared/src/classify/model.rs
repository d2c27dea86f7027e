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
pub(crate) fn fixed_names() -> Vec<String> {
    let mut names = vec!["=bias".to_string()];
    for c in Category::ALL {
        names.push(format!("=lex:{}", c.as_str()));
    }
    for c in Category::ALL {
        names.push(format!("=top:{}", c.as_str()));
    }
    for n in [
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
    ] {
        names.push(n.to_string());
    }
    names
}

/// The fixed inputs of a text: `(index into fixed_names(), value)`. The lexicon's scores
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
            f(if c.is_alphabetic() {
                Some(Token::Char(c))
            } else {
                None
            });
        }
    }
}

/// Calls `f` with every n-gram of one or two tokens of `norm` that does not cross a
/// clause's punctuation, as its tokens. (Three tokens in a row added nothing on a batch
/// held out of training, and cost a third more time.)
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

/// Calls `f` with the key of every n-gram [`ngrams`] finds, in the same order, without
/// hashing a token twice: a bigram's key is the previous unigram's extended by one
/// token.
fn keys(norm: &[char], mut f: impl FnMut(u64)) {
    let mut one: Option<u64> = None;
    tokens(norm, |token| match token {
        Some(t) => {
            let h = t.hash();
            let k1 = combine(0, h);
            f(k1 | 1);
            if let Some(p) = one {
                f(combine(p, h) | 1);
            }
            one = Some(k1);
        }
        None => one = None,
    });
}

/// The hash of an n-gram, as the model's table keys it (never 0, the empty slot).
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
    /// The weights of the n-gram in the same slot: one per output, and one to spare.
    slots: Vec<[i8; 16]>,
    /// The weights of the fixed inputs, by [`fixed_names`] index.
    fixed: Vec<[i8; 16]>,
    /// The lexicon's scores (`=lex:…`, whole points 0..=12) times their weights, made
    /// once: the one input that is not 0 or 1.
    lex: Vec<[[i32; 16]; 13]>,
}

/// Adds a row of weights to 16-bit sums, lane by lane (one vector add where the
/// platform has them).
#[inline]
fn add16(part: &mut [i16; 16], weights: &[i8; 16]) {
    for i in 0..16 {
        part[i] = part[i].wrapping_add(i16::from(weights[i]));
    }
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
        let names = fixed_names();
        let mut fixed = vec![[0i8; 16]; names.len()];
        let mut keyed: Vec<(u64, [i8; 16])> = Vec::new();
        let mut norm: Vec<char> = Vec::new();
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key_s, ws) = line.split_once('|')?;
            let mut weights = [0i8; 16];
            for (out, v) in ws.split(',').enumerate() {
                if v.is_empty() {
                    continue;
                }
                if out >= OUTPUTS {
                    return None;
                }
                // Parsed as an integer: no float parser in the wasm.
                weights[out] = v.parse().ok()?;
            }
            if key_s.starts_with('=') {
                let at = names.iter().position(|n| n == key_s)?;
                fixed[at] = weights;
            } else {
                norm.clear();
                norm.extend(key_s.chars());
                let mut tokens = Vec::new();
                ngrams(&norm, |t| {
                    if t.len() == 1 {
                        tokens.push(t[0]);
                    }
                });
                // The name must read back as exactly one n-gram of its tokens.
                if tokens.is_empty() || tokens.len() > 2 {
                    return None;
                }
                keyed.push((key(&tokens), weights));
            }
        }
        let size = (keyed.len() * 3).next_power_of_two().max(16);
        let mut prints = vec![0u32; size];
        let mut slots = vec![[0i8; 16]; size];
        for (k, weights) in keyed {
            let mut at = (k as usize) & (size - 1);
            while prints[at] != 0 {
                if prints[at] == print(k) {
                    return None;
                }
                at = (at + 1) & (size - 1);
            }
            prints[at] = print(k);
            slots[at] = weights;
        }
        let lex = fixed[1..=Category::ALL.len()]
            .iter()
            .map(|w| {
                let mut times = [[0i32; 16]; 13];
                for (v, row) in times.iter_mut().enumerate() {
                    for (r, w) in row.iter_mut().zip(w) {
                        *r = i32::from(*w) * v as i32;
                    }
                }
                times
            })
            .collect();
        Some(Model {
            prints,
            slots,
            fixed,
            lex,
        })
    }

    fn lookup(&self, k: u64) -> Option<&[i8; 16]> {
        let mask = self.prints.len() - 1;
        let p = print(k);
        let mut at = (k as usize) & mask;
        loop {
            let here = self.prints[at];
            if here == p {
                return self.slots.get(at);
            }
            if here == 0 {
                return None;
            }
            at = (at + 1) & mask;
        }
    }

    /// The outputs for a text: scores of the categories and of urgency, in `SCALE`ths.
    pub(super) fn score(&self, s: &Signals, norm: &[char]) -> [i32; OUTPUTS] {
        let mut acc = [0i32; 16];
        fixed(s, norm, |at, v| {
            // The lexicon's scores from their table; every other fixed input is 1.
            let lex = at.checked_sub(1).and_then(|c| self.lex.get(c));
            if let Some(times) = lex {
                if let Some(row) = times.get(v as usize) {
                    for (a, w) in acc.iter_mut().zip(row) {
                        *a += w;
                    }
                }
            } else if let Some(weights) = self.fixed.get(at) {
                for (a, w) in acc.iter_mut().zip(weights) {
                    *a += i32::from(*w);
                }
            }
        });
        // The n-grams' weights (|w| ≤ 127) summed in 16 bits, moved into the 32-bit sums
        // every 128 n-grams, before they could overflow.
        let mut part = [0i16; 16];
        let mut count = 0u32;
        keys(norm, |k| {
            if let Some(weights) = self.lookup(k) {
                add16(&mut part, weights);
                count += 1;
                if count == 128 {
                    for (a, p) in acc.iter_mut().zip(part.iter_mut()) {
                        *a += i32::from(*p);
                        *p = 0;
                    }
                    count = 0;
                }
            }
        });
        let mut out = [0i32; OUTPUTS];
        for ((o, a), p) in out.iter_mut().zip(&acc).zip(&part) {
            *o = a + i32::from(*p);
        }
        out
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
            keys(&norm, |k| fast.push(k));
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
        let acc = m.score(&Signals::default(), &norm);
        let slot = |c: Category| Category::ALL.iter().position(|x| *x == c).unwrap_or(0);
        assert_eq!(acc[slot(Category::Repair)], 100);
        assert_eq!(acc[slot(Category::Security)], 7);
        assert_eq!(acc[slot(Category::Other)], 5);
        assert_eq!(acc[URGENT], -2);
    }
}
