//! Classification of a resident's free text (C-1, C-2, C-7): category with a confidence,
//! urgency, topic, place and scope, with the words that decided it. A hand-written
//! dictionary matcher (no regex crate, to keep the wasm small): the text is normalised
//! (traditional → simplified, full-width → ASCII, lower case), scanned longest match
//! first against `lexicon.txt` (built once into a trie), and the matches vote, weighed
//! by their clause (`context.rs`): an emergency in a clause about the past (「上个月」,
//! "last year") or a supposition (「如果」「万一」) is a mention, not a report; a complaint
//! word denied (「不是投诉」, "not a complaint") votes for nothing and one reported
//! (「上次投诉的」, 「邻居投诉」) hardly counts; thanks beside a request in another clause
//! are politeness; a fault said fixed asks for no repair.
//!
//! Emergencies are phrased too many ways to list, so three rules go beyond single words:
//! someone inside a stopped lift is trapped; a gas thing that leaks or smells is a gas
//! leak; and a sign of a hazard (a smell like rotten eggs, water, a smoke alarm, a child
//! in the pool, a hand caught in a door) with an intensity of its kind (「不敢开灯」,
//! 「哗哗往下流」, 「门缝有烟味」, 「手指发紫」), neither past nor supposed, is an emergency.
//! A sign without its intensity sets [`Classification::safety_question`]: the resident's
//! form asks one plain question and the answer decides.
//!
//! Over the lexicon sits a trained layer (`model.rs`): a linear model over what the scan
//! found (each category's score, the winner, the urgency rules, the marks of time,
//! supposition, denial, thanks and a turn to the point) and the text's character n-grams,
//! with integer weights in `model.txt`, written by `examples/train_classifier.rs` from
//! the tuning and labelled sets. It decides the category and the urgency; a word of
//! smallness (「一点」, "a bit") keeps a text the lexicon did not call urgent from being
//! called urgent by the n-grams, and asks the safety question instead. Integer sums, so
//! the server and the browser answer alike (the testkit digest checks it).
//!
//! How far to trust it (see `tests/classify_accuracy.rs`, one measurement each on sets
//! never tuned or trained on): on the newest blind set 98.6% of emergencies are caught and
//! 0.6% of calm texts flagged, the category right on 97.3% of short plain texts and 88% of
//! hard ones; on the first blind set 97.4%, 0.7% and 94% of hard texts; on the short plain
//! holdout every emergency, 2.3% false alarms and 90.5% of categories. A suggestion for a
//! person to confirm, who can always override it.

mod context;
mod model;
mod normalize;
mod place;
mod trie;

use std::cell::RefCell;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::{Category, RepairScope};

/// What the classifier suggests for a text. A person's correction wins: see
/// [`Classification::with_override`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub category: Category,
    /// 0..1: how sure the suggestion is (0 when nothing in the text matched).
    pub confidence: f32,
    /// Fire, gas, flooding, someone trapped in a lift, injury, medical emergency (C-7).
    pub urgent: bool,
    /// The text shows a sign of danger (a smell like rotten eggs, water, a smoke alarm, a
    /// hand caught in a door) but not enough to call it urgent: the resident's form asks
    /// one plain question before sending ([`SAFETY_QUESTION`]) and the answer decides.
    #[serde(default)]
    pub safety_question: bool,
    pub scope: Option<RepairScope>,
    /// A stable ASCII topic id (see [`TOPICS`]): with `place`, the issue key.
    pub topic: Option<String>,
    /// A building (`B3`) or a named public area (`car_park`, `elevator`, `lobby`…).
    pub place: Option<String>,
    /// A unit within the building (`U5` from 「5单元」), as a hint for the caretaker.
    pub unit: Option<String>,
    /// The words (as written) that decided it, so staff see why.
    pub evidence: Vec<String>,
}

impl Classification {
    /// A person's override wins over the suggestion; the suggestion's other findings
    /// stay. An overridden category or urgency has confidence 1.
    pub fn with_override(
        mut self,
        category: Option<Category>,
        urgent: Option<bool>,
        topic: Option<&str>,
    ) -> Self {
        if let Some(c) = category {
            self.category = c;
            self.confidence = 1.0;
        }
        if let Some(u) = urgent {
            self.urgent = u;
        }
        if let Some(t) = topic {
            self.topic = Some(t.to_string());
        }
        self
    }
}

/// The question the resident's form asks when [`Classification::safety_question`] is
/// set, `(zh, en)`: a yes makes the report urgent.
pub const SAFETY_QUESTION: (&str, &str) = (
    "是否有人受伤、被困，或者水/燃气/烟正在蔓延？",
    "Is anyone hurt or trapped, or is water, gas or smoke spreading?",
);

/// The topics the classifier knows: `(id, zh, en)`. When a text names several, the
/// one listed first wins: emergencies, then the thing at fault, then the nuisance,
/// then the paperwork, so 「装修电钻声」 is about noise and 「天花板渗水」 about a leak.
pub const TOPICS: &[(&str, &str, &str)] = &[
    ("fire", "火情", "Fire"),
    ("gas", "燃气", "Gas"),
    ("flooding", "水浸", "Flooding"),
    ("medical", "急救", "Medical emergency"),
    ("injury", "受伤", "Injury"),
    ("theft", "盗窃", "Theft"),
    ("fight", "打架纠纷", "Fights and disputes"),
    ("strangers", "可疑人员", "Suspicious people"),
    ("elevator", "电梯", "Elevator"),
    ("pests", "虫鼠", "Pests"),
    ("garbage", "垃圾", "Garbage"),
    ("smell", "异味", "Smell"),
    ("water_leak", "漏水渗水", "Water leak"),
    ("blockage", "管道堵塞", "Blocked drain"),
    ("water_supply", "供水水压", "Water supply"),
    ("power", "停电跳闸", "Power failure"),
    ("lighting", "照明", "Lighting"),
    ("door_access", "门禁门锁", "Doors and access"),
    ("walls", "墙面天花", "Walls and ceilings"),
    ("windows", "门窗", "Windows"),
    ("appliance", "家电设备", "Appliances"),
    (
        "air_conditioning",
        "空调暖气",
        "Air conditioning and heating",
    ),
    ("charging", "充电", "Charging"),
    ("parking", "停车", "Parking"),
    ("pets", "宠物", "Pets"),
    ("noise", "噪音", "Noise"),
    ("cleaning", "清洁卫生", "Cleaning"),
    ("greenery", "绿化", "Greenery"),
    ("delivery", "快递", "Parcels"),
    ("internet", "网络电视", "Internet and TV"),
    ("advertising", "广告摆摊", "Ads and stalls"),
    ("staff_attitude", "服务态度", "Staff attitude"),
    ("fees", "费用缴费", "Fees and bills"),
    ("housekeeping", "家政服务", "Housekeeping"),
    ("documents", "手续证明", "Paperwork"),
    ("facilities", "公共设施", "Shared facilities"),
    ("renovation", "装修", "Renovation"),
];

/// The Chinese label of a topic id, or the id itself when unknown.
pub fn topic_zh(id: &str) -> &str {
    TOPICS
        .iter()
        .find(|(t, _, _)| *t == id)
        .map_or(id, |(_, zh, _)| zh)
}

/// The English label of a topic id, or the id itself when unknown.
pub fn topic_en(id: &str) -> &str {
    TOPICS
        .iter()
        .find(|(t, _, _)| *t == id)
        .map_or(id, |(_, _, en)| en)
}

/// One lexicon entry: a word and what it votes for.
#[derive(Debug, Clone)]
struct Entry {
    word: Vec<char>,
    /// `(index into Category::ALL, weight)`.
    votes: Vec<(usize, f32)>,
    /// Index into [`TOPICS`].
    topic: Option<usize>,
    /// What the word says besides its votes: [`mark`] bits.
    marks: u16,
    /// The hazards this word is a sign of ([`hazard`] bits): a sign alone is no
    /// emergency, a sign with an intensity of its kind is (「臭鸡蛋味」 + 「不敢开灯」).
    cue: u8,
    /// The hazards this word says are strong or happening now ([`hazard`] bits).
    more: u8,
    scope: Option<RepairScope>,
    place: Option<&'static str>,
    /// An English word that may match a one-letter typo.
    fuzzy: bool,
}

/// What a word says about the text around it, besides its votes (the lexicon's marks).
mod mark {
    /// C-7: fire, gas, flooding, trapped, injury, medical.
    pub(super) const URGENT: u16 = 1;
    /// Someone is inside something; with an elevator word, someone is trapped.
    pub(super) const INSIDE: u16 = 1 << 1;
    /// The text says there is no emergency (「没有着火」, "false alarm", 「已经没事了」).
    pub(super) const CALM: u16 = 1 << 2;
    /// A gas supply thing (a pipe, a stove, the word gas): with a leak or a smell it is
    /// a gas leak, however it is phrased (C-7).
    pub(super) const GAS: u16 = 1 << 3;
    /// Something escapes (「漏了」, "hissing"): with a gas thing, a gas leak.
    pub(super) const ESCAPE: u16 = 1 << 4;
    /// A time gone by (「上个月」, "last year", 「那次」): an emergency named in the same
    /// clause is a memory, not a report.
    pub(super) const PAST: u16 = 1 << 5;
    /// A supposition or advice (「如果」, 「万一」, "what should we do if"): an emergency
    /// named in the same clause is not happening.
    pub(super) const HYPO: u16 = 1 << 6;
    /// Happening now (「正在」, 「还在」, "right now"): wins over a past in its clause.
    pub(super) const NOW: u16 = 1 << 7;
    /// Small, not urgent (「一点」, 「不急」, "a small"): cancels the intensities.
    pub(super) const MILD: u16 = 1 << 8;
    /// A fault already fixed (「修好了」, "got sorted"): the clause asks for no repair.
    pub(super) const DONE: u16 = 1 << 9;
    /// Somebody else (「邻居」, 「有人」, "my neighbour"): just before a complaint word, it
    /// is their complaint, reported.
    pub(super) const OTHER: u16 = 1 << 10;
    /// Thanks to someone: praise, unless another clause carries the request.
    pub(super) const THANKS: u16 = 1 << 11;
    /// A turn to the point (「但是」「另外」「再说个事」, "by the way"): praise before it is
    /// politeness, what follows is the request.
    pub(super) const TURN: u16 = 1 << 12;
}

/// Hazard kinds, for the signs and intensities of the emergency grammar (C-7).
mod hazard {
    pub(super) const GAS: u8 = 1;
    pub(super) const WATER: u8 = 1 << 1;
    pub(super) const FIRE: u8 = 1 << 2;
    /// A limb caught in a door, a gate, a railing.
    pub(super) const LIMB: u8 = 1 << 3;
    /// Someone in the water.
    pub(super) const DROWN: u8 = 1 << 4;
    /// A crime under way: a weapon, a break-in.
    pub(super) const CRIME: u8 = 1 << 5;
    /// An intensity of every kind (「快来人」, "come now") but the water's: a pond is
    /// named with mosquitoes as often as with a child in it.
    pub(super) const ANY: u8 = !DROWN;

    pub(super) fn parse(s: &str) -> Option<u8> {
        Some(match s {
            "gas" => GAS,
            "water" => WATER,
            "fire" => FIRE,
            "limb" => LIMB,
            "drown" => DROWN,
            "crime" => CRIME,
            "any" => ANY,
            _ => return None,
        })
    }

    /// The topic id of the first kind in `kinds`, emergencies first as in [`TOPICS`].
    pub(super) fn topic(kinds: u8) -> Option<&'static str> {
        [
            (FIRE, "fire"),
            (GAS, "gas"),
            (WATER, "flooding"),
            (DROWN, "medical"),
            (LIMB, "injury"),
            (CRIME, "theft"),
        ]
        .iter()
        .find(|(k, _)| kinds & k != 0)
        .map(|(_, t)| *t)
    }
}

struct Lexicon {
    entries: Vec<Entry>,
    /// Every entry's word, for the longest match at a text position.
    trie: trie::Trie,
    /// English entries long enough to forgive a typo in, by first letter, in file order.
    fuzzy: std::collections::BTreeMap<char, Vec<usize>>,
    /// [`NEGATIONS`] as chars, to compare with the normalised text in place.
    negations: Vec<Vec<char>>,
    /// The index of `elevator` in [`TOPICS`].
    elevator: Option<usize>,
    /// The topics whose words say something leaks or smells (`water_leak`, `smell`):
    /// with a gas thing they make a gas leak too.
    escapes: [Option<usize>; 2],
    /// The trained layer over the lexicon's findings (`model.txt`, see `model.rs`).
    model: Option<model::Model>,
}

/// `lexicon.txt` with its comment lines emptied (see `build.rs`).
#[cfg(feature = "embedded-lexicon")]
const LEXICON: &str = include_str!(concat!(env!("OUT_DIR"), "/lexicon.txt"));
/// `model.txt` likewise.
#[cfg(feature = "embedded-lexicon")]
const MODEL: &str = include_str!(concat!(env!("OUT_DIR"), "/model.txt"));

/// The lines that separate the lexicon, the model and the traditional → simplified table
/// in the text the resident form loads (`dist/lexicon.json`, written by `xtask dist`):
/// `lexicon.txt`, `@model`, `model.txt`, `@traditional`, `traditional.txt`.
pub const MODEL_SEPARATOR: &str = "@model";
pub const TRADITIONAL_SEPARATOR: &str = "@traditional";

static LEX: OnceLock<Lexicon> = OnceLock::new();

/// The lexicon, built once at first use from the built-in text.
#[cfg(feature = "embedded-lexicon")]
fn lexicon() -> Option<&'static Lexicon> {
    Some(LEX.get_or_init(|| build(LEXICON, MODEL).0))
}

/// The lexicon [`load_lexicon`] was given, if it was.
#[cfg(not(feature = "embedded-lexicon"))]
fn lexicon() -> Option<&'static Lexicon> {
    LEX.get()
}

/// Gives the classifier its lexicon where it is not built in (the resident form, which
/// fetches `lexicon.json` once it is interactive, so the form's first load stays small):
/// `text` is `lexicon.txt` as the server builds in. Returns whether the classifier is
/// ready; until then it finds nothing and suggests nothing. Where the lexicon is built
/// in, the text is not needed and is ignored.
pub fn load_lexicon(text: String) -> bool {
    if cfg!(feature = "embedded-lexicon") {
        return lexicon().is_some();
    }
    if LEX.get().is_none() {
        // Kept for the life of the page, as the built-in text would be.
        let text: &'static str = Box::leak(text.into_boxed_str());
        let (words, model, traditional) = sections(text);
        // First the table: the lexicon's words are normalised with it.
        let table = normalize::load(traditional);
        let (lex, bad) = build(words, model);
        let complete = table && !model.is_empty() && lex.model.is_some();
        if bad.is_empty() && !lex.entries.is_empty() && complete {
            let _ = LEX.set(lex);
        }
    }
    LEX.get().is_some()
}

/// Whether the classifier has its lexicon (always, where it is built in).
pub fn lexicon_ready() -> bool {
    lexicon().is_some()
}

/// The lexicon's text, the model's and the table's in what the resident form loads (see
/// [`MODEL_SEPARATOR`]); a part that is missing is empty.
#[cfg_attr(feature = "embedded-lexicon", allow(dead_code))]
fn sections(text: &str) -> (&str, &str, &str) {
    let (words, rest) = split_at_line(text, MODEL_SEPARATOR);
    let (model, traditional) = split_at_line(rest, TRADITIONAL_SEPARATOR);
    (words, model, traditional)
}

/// `text` before the line `separator` and after it; all of it and nothing if it has none.
#[cfg_attr(feature = "embedded-lexicon", allow(dead_code))]
fn split_at_line<'a>(text: &'a str, separator: &str) -> (&'a str, &'a str) {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == separator {
            return (&text[..at], &text[at + line.len()..]);
        }
        at += line.len();
    }
    (text, "")
}

/// Parses the lexicon and the model; the second value lists lines that did not parse (a
/// unit test keeps it empty). An empty model text is no model.
fn build(text: &'static str, model_text: &str) -> (Lexicon, Vec<String>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(mut es) => entries.append(&mut es),
            None => bad.push(format!("line {}: {line}", n + 1)),
        }
    }
    let trie = trie::Trie::build(entries.iter().enumerate().map(|(i, e)| (&e.word[..], i)));
    let model = if model_text.trim().is_empty() {
        None
    } else {
        let m = model::Model::parse(model_text);
        if m.is_none() {
            bad.push("model.txt does not parse".to_string());
        }
        m
    };
    let mut fuzzy: std::collections::BTreeMap<char, Vec<usize>> = Default::default();
    for (i, e) in entries.iter().enumerate() {
        if let (true, Some(c)) = (e.fuzzy, e.word.first()) {
            fuzzy.entry(*c).or_default().push(i);
        }
    }
    (
        Lexicon {
            entries,
            trie,
            fuzzy,
            negations: NEGATIONS.iter().map(|n| n.chars().collect()).collect(),
            elevator: topic_index("elevator"),
            escapes: [topic_index("water_leak"), topic_index("smell")],
            model,
        },
        bad,
    )
}

fn topic_index(id: &str) -> Option<usize> {
    TOPICS.iter().position(|(t, _, _)| *t == id)
}

/// `word1/word2/… | category:weight category:weight | topic | marks`
fn parse_line(line: &'static str) -> Option<Vec<Entry>> {
    let mut parts = line.split('|').map(str::trim);
    let words = parts.next()?;
    let votes_s = parts.next().unwrap_or("");
    let topic_s = parts.next().unwrap_or("");
    let marks_s = parts.next().unwrap_or("");
    let mut votes = Vec::new();
    for v in votes_s.split_whitespace().filter(|v| *v != "-") {
        let (c, w) = v.split_once(':').unwrap_or((v, "2"));
        let c = Category::parse(c)?;
        let slot = Category::ALL.iter().position(|x| *x == c)?;
        // Whole numbers by the lexicon's convention: parsing them as integers keeps the
        // standard library's float parser (and its 10 KB table) out of the wasm.
        votes.push((slot, f32::from(w.parse::<u8>().ok()?)));
    }
    let topic = match topic_s {
        "" | "-" => None,
        t => Some(TOPICS.iter().position(|(id, _, _)| *id == t)?),
    };
    let mut marks = 0u16;
    let mut cue = 0u8;
    let mut more = 0u8;
    let mut scope = None;
    let mut place = None;
    for m in marks_s.split_whitespace() {
        match m {
            "urgent" => marks |= mark::URGENT,
            "inside" => marks |= mark::INSIDE,
            "calm" => marks |= mark::CALM,
            "gas" => marks |= mark::GAS,
            "escape" => marks |= mark::ESCAPE,
            "past" => marks |= mark::PAST,
            "hypo" => marks |= mark::HYPO,
            "now" => marks |= mark::NOW,
            "mild" => marks |= mark::MILD,
            "done" => marks |= mark::DONE,
            "other" => marks |= mark::OTHER,
            "thanks" => marks |= mark::THANKS,
            "turn" => marks |= mark::TURN,
            "public" => scope = Some(RepairScope::Public),
            "in_home" => scope = Some(RepairScope::InHome),
            _ => {
                if let Some(k) = m.strip_prefix("cue=") {
                    cue |= hazard::parse(k)?;
                } else if let Some(k) = m.strip_prefix("more=") {
                    more |= hazard::parse(k)?;
                } else {
                    place = Some(m.strip_prefix("place=")?);
                }
            }
        }
    }
    let mut out = Vec::new();
    for w in words.split('/') {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        // Keys are normalised the way texts are, so the file may use either script.
        let word: Vec<char> = w.chars().map(normalize::char).collect();
        // Short words are too often one letter from another real word ("floor" and
        // "flood"), so only long ones forgive a typo.
        // An emergency word forgives a typo only when long: "skipped" is one letter
        // from "slipped".
        let fuzzy = word.len() >= if marks & mark::URGENT != 0 { 8 } else { 6 }
            && word.iter().all(|c| c.is_ascii_alphabetic());
        out.push(Entry {
            word,
            votes: votes.clone(),
            topic,
            marks,
            cue,
            more,
            scope,
            place,
            fuzzy,
        });
    }
    (!out.is_empty()).then_some(out)
}

/// Words that, just before an urgent word, say it is not happening ("没有着火").
const NEGATIONS: &[&str] = &[
    "没有",
    "没",
    "不是",
    "无",
    "未",
    "并非",
    "不",
    "no ",
    "not ",
    "isn't ",
    "wasn't ",
    "without ",
    "never ",
    "no longer ",
    "差点",
    "差一点",
    "险些",
    "almost ",
    "nearly ",
];

/// Buffers [`classify`] reuses from call to call, so classifying a batch allocates only
/// what the answers hold.
#[derive(Default)]
struct Scratch {
    /// The normalised text, one char per char of the original.
    norm: Vec<char>,
    /// The byte offset of each char in the original, and the text's length at the end.
    offsets: Vec<usize>,
    /// Chars inside a dictionary match, which the typo pass leaves alone.
    covered: Vec<bool>,
    /// The clause of each char, and where each clause starts (see [`context::clauses`]).
    clause_of: Vec<u16>,
    clause_start: Vec<usize>,
    /// The marks of the words in each clause.
    clause_flags: Vec<u16>,
    /// The matches: `(entry, start, end)` in chars, in text order.
    hits: Vec<(usize, usize, usize)>,
    /// The keys of the text's n-grams, for the trained layer.
    grams: Vec<u64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Suggests a category, urgency, topic and place for a resident's text.
pub fn classify(text: &str) -> Classification {
    let (d, evidence) = scan(text, true);
    let confidence = if text.trim().is_empty() {
        // Nothing to read.
        0.0
    } else if d.trained {
        // The margin of the winner's logit over the runner-up's.
        (1.0 - 0.5 * (-(d.score - d.second)).exp()).clamp(0.05, 0.99)
    } else if d.score <= 0.0 {
        0.0
    } else {
        let margin = d.score / (d.score + d.second);
        let strength = 1.0 - (-d.score / 3.0).exp();
        (margin * strength).clamp(0.05, 0.99)
    };
    Classification {
        category: d.category,
        confidence,
        urgent: d.urgent,
        safety_question: d.safety_question,
        scope: d.scope,
        topic: d.topic.map(str::to_string),
        place: d.place,
        unit: d.unit,
        evidence,
    }
}

/// What [`classify`] decides, without what only a person reads (the confidence and the
/// words as evidence): for batches (`eval`, the testkit), where allocating the evidence
/// of every order would cost more than deciding it. The same scan, so the same answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub category: Category,
    pub urgent: bool,
    /// See [`Classification::safety_question`].
    pub safety_question: bool,
    pub scope: Option<RepairScope>,
    /// A [`TOPICS`] id.
    pub topic: Option<&'static str>,
    pub place: Option<String>,
    pub unit: Option<String>,
    /// The winner's score and the runner-up's, for the confidence.
    score: f32,
    second: f32,
    /// Decided by the trained layer (`model.rs`), whose scores are logits.
    trained: bool,
}

/// [`classify`]'s decisions alone; see [`Decision`].
pub fn decide(text: &str) -> Decision {
    scan(text, false).0
}

fn scan(text: &str, want_evidence: bool) -> (Decision, Vec<String>) {
    SCRATCH.with(|scratch| {
        let (d, evidence, _) = match scratch.try_borrow_mut() {
            Ok(mut scratch) => scan_with(text, want_evidence, true, &mut scratch),
            // Only if a call were ever nested: fresh buffers, same answer.
            Err(_) => scan_with(text, want_evidence, true, &mut Scratch::default()),
        };
        (d, evidence)
    })
}

/// What the trainer (`examples/train_classifier.rs`) reads of a text: the lexicon's own
/// decision (category, urgent) and the model's inputs, by name (see `model.rs`), with
/// their values.
#[cfg(feature = "train")]
#[doc(hidden)]
pub fn training_inputs(text: &str) -> ((Category, bool), Vec<(String, i32)>) {
    let mut scratch = Scratch::default();
    let (d, _, signals) = scan_with(text, false, false, &mut scratch);
    let names = model::fixed_names();
    let mut inputs = Vec::new();
    model::fixed(&signals, &scratch.norm, |at, v| {
        inputs.push((names[at].clone(), v));
    });
    model::ngrams(&scratch.norm, |t| inputs.push((model::name(t), 1)));
    ((d.category, d.urgent), inputs)
}

/// The names of the model's fixed inputs, for the trainer.
#[cfg(feature = "train")]
#[doc(hidden)]
pub fn training_fixed_names() -> Vec<String> {
    model::fixed_names()
}

fn scan_with(
    text: &str,
    want_evidence: bool,
    with_model: bool,
    scratch: &mut Scratch,
) -> (Decision, Vec<String>, model::Signals) {
    let Some(lex) = lexicon() else {
        // No lexicon yet (see `load_lexicon`): no suggestion.
        let nothing = Decision {
            category: Category::Other,
            urgent: false,
            safety_question: false,
            scope: None,
            topic: None,
            place: None,
            unit: None,
            score: 0.0,
            second: 0.0,
            trained: false,
        };
        return (nothing, Vec::new(), model::Signals::default());
    };
    let Scratch {
        norm,
        offsets,
        covered,
        clause_of,
        clause_start,
        clause_flags,
        hits,
        grams,
    } = scratch;
    norm.clear();
    offsets.clear();
    // Noted on the way, so the passes that would find nothing are skipped: the typo pass
    // looks only at English words, the place finder only at numbers and letters.
    let mut letters = false;
    let mut ascii_letters = 0usize;
    let mut numbers = false;
    for (at, c) in text.char_indices() {
        // ASCII only ever changes case: no call, no table; a Chinese char only needs the
        // traditional-to-simplified table.
        let n = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            normalize::cjk(c)
        } else {
            normalize::char(c)
        };
        letters |= n.is_ascii_alphabetic();
        ascii_letters += usize::from(n.is_ascii_alphabetic());
        numbers |= place::may_start_number(n);
        norm.push(n);
        // Only the evidence words need to find their way back into the text.
        if want_evidence {
            offsets.push(at);
        }
    }
    offsets.push(text.len());
    let norm = &norm[..];
    covered.clear();
    if letters {
        covered.resize(norm.len(), false);
    }
    context::clauses(norm, clause_of, clause_start);

    // First every match, then the clauses' marks, then the votes: whether a word counts
    // depends on the words around it (「上个月」 before 「困人」, 「不是」 before 「投诉」).
    hits.clear();
    // Longest match first, left to right; a matched span is not matched again, so
    // 「灭火器」 (an extinguisher) is not read as 「火」 (a fire).
    let mut i = 0;
    while i < norm.len() {
        let c = norm[i];
        let at_word_start =
            !c.is_ascii_alphanumeric() || i == 0 || !norm[i - 1].is_ascii_alphanumeric();
        let hit = if at_word_start {
            lex.trie.longest(&norm[i..], |len| {
                ends_well(norm, i + len, norm[i + len - 1])
            })
        } else {
            None
        };
        match hit {
            Some((len, k)) => {
                hits.push((k, i, i + len));
                if letters {
                    for slot in &mut covered[i..i + len] {
                        *slot = true;
                    }
                }
                i += len;
            }
            None => i += 1,
        }
    }
    // English typos: an unmatched word one edit away from a known word of 5+ letters.
    let matched = hits.len();
    let mut j = if letters { 0 } else { norm.len() };
    while j < norm.len() {
        if !norm[j].is_ascii_alphabetic() {
            j += 1;
            continue;
        }
        let start = j;
        while j < norm.len() && norm[j].is_ascii_alphabetic() {
            j += 1;
        }
        let token = &norm[start..j];
        if token.len() < 6 || covered[start..j].iter().any(|c| *c) {
            continue;
        }
        let found = lex.fuzzy.get(&token[0]).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .find(|&k| within_one_edit(token, &lex.entries[k].word))
        });
        if let Some(k) = found {
            hits.push((k, start, j));
        }
    }
    if hits.len() > matched {
        hits.sort_unstable_by_key(|h| h.1);
    }

    // The clauses' marks: a time gone by, a supposition, now, a fix already done.
    clause_flags.clear();
    clause_flags.resize(clause_start.len(), 0);
    let mut text_marks = 0u16;
    for &(k, start, _) in hits.iter() {
        let m = lex.entries[k].marks;
        clause_flags[usize::from(clause_of[start])] |= m;
        text_marks |= m;
    }
    let calm = text_marks & mark::CALM != 0;
    // The first clause that turns to the point, if any.
    let first_turn = clause_flags.iter().position(|f| f & mark::TURN != 0);
    let mild = text_marks & mark::MILD != 0;
    // An emergency named in a clause about the past (unless it also says now) or about
    // what might happen is mentioned, not reported.
    let mention = |clause: usize| {
        let f = clause_flags[clause];
        (f & mark::PAST != 0 && f & mark::NOW == 0) || f & mark::HYPO != 0
    };

    // Per category: the strongest word and the sum of all, so one clear word outweighs
    // several vague ones while more evidence still breaks ties.
    let mut best_word = [0f32; Category::ALL.len()];
    let mut sum = [0f32; Category::ALL.len()];
    let mut vote = |slot: usize, w: f32| {
        best_word[slot] = best_word[slot].max(w);
        sum[slot] += w;
    };
    let complaint = slot_of(Category::Complaint);
    let praise = slot_of(Category::Praise);
    let repair = slot_of(Category::Repair);
    let mut topic: Option<usize> = None;
    let mut urgent = false;
    // The emergencies the text reports (topics), and those it only mentions.
    let mut urgent_topic: Option<usize> = None;
    let mut mentioned = false;
    let mut inside = false;
    let mut gas = false;
    let mut escape = false;
    let mut cues = 0u8;
    let mut mores = 0u8;
    // The intensities said of one kind of hazard (「手指发紫」), not of any (「快来」).
    let mut kind_mores = 0u8;
    let mut scope_votes = [0usize; 2];
    // A complaint or praise word said not to be one (「不是投诉」): for the model.
    let mut any_denied = false;
    let mut area: Option<&'static str> = None;
    let mut evidence: Vec<String> = Vec::new();
    // Clauses with a strong vote other than praise: a request that thanks only
    // precede or follow.
    let mut strong = [false; 64];

    for pass in 0..2 {
        for &(k, start, end) in hits.iter() {
            let e = &lex.entries[k];
            let thanks = e.marks & mark::THANKS != 0;
            // Thanks are weighed last, once the request is known.
            if thanks != (pass == 1) {
                continue;
            }
            let clause = usize::from(clause_of[start]);
            let urgent_word = e.marks & mark::URGENT != 0;
            // 「没有着火」, "no fire": an emergency said not to be happening counts for
            // nothing.
            if urgent_word && negated(&lex.negations, norm, start) {
                continue;
            }
            let said_only = mention(clause);
            if urgent_word {
                if said_only {
                    mentioned = true;
                } else {
                    urgent = true;
                    if let Some(t) = e.topic {
                        urgent_topic = Some(urgent_topic.map_or(t, |u| u.min(t)));
                    }
                }
            }
            if !said_only {
                if e.cue != 0 && !negated(&lex.negations, norm, start) {
                    cues |= e.cue;
                }
                mores |= e.more;
                if e.more != hazard::ANY {
                    kind_mores |= e.more;
                }
                inside |= e.marks & mark::INSIDE != 0;
                gas |= e.marks & mark::GAS != 0;
                // 「煤气没漏」: a leak said not to be happening is no leak.
                if (e.marks & mark::ESCAPE != 0
                    || (e.topic.is_some() && lex.escapes.contains(&e.topic)))
                    && !negated(&lex.negations, norm, start)
                {
                    escape = true;
                }
            }
            let first = clause_start[clause];
            // A complaint said not to be one (「不是投诉」, "not a complaint") votes for
            // nothing; one reported (「上次投诉的」, 「邻居投诉」) hardly counts. Looked at
            // only for the words that vote for a complaint or praise.
            let judged = e
                .votes
                .iter()
                .any(|(slot, _)| *slot == complaint || *slot == praise);
            let denied = judged && context::denied(norm, first, start);
            any_denied |= denied;
            let reported = judged
                && (clause_flags[clause] & mark::PAST != 0
                    || hits.iter().any(|&(o, _, o_end)| {
                        lex.entries[o].marks & mark::OTHER != 0
                            && o_end <= start
                            && o_end >= first
                            && start - o_end <= 2
                    }));
            let done = clause_flags[clause] & mark::DONE != 0;
            // Thanks before or after a request in another clause are politeness (「谢谢前台，
            // 另外问一下…」); the thing thanked for in the thanks' own clause is not a
            // request (「感谢师傅半夜来修水管」).
            let thanked_elsewhere = thanks
                && strong
                    .iter()
                    .zip(clause_flags.iter())
                    .enumerate()
                    .any(|(c, (s, f))| *s && c != clause && f & mark::THANKS == 0);
            for &(slot, w) in &e.votes {
                let w = if slot == complaint && denied {
                    0.0
                } else if slot == complaint && reported {
                    w.min(1.0)
                } else if slot == praise && denied {
                    0.0
                } else if slot == praise
                    && (thanked_elsewhere || first_turn.is_some_and(|t| clause < t))
                {
                    w * 0.3
                } else if urgent_word && (said_only || calm) {
                    // A memory of an emergency, or one the text says is not happening,
                    // is what the text is about, not its request.
                    w * 0.3
                } else if slot == repair && done && e.marks & mark::DONE == 0 {
                    w * 0.3
                } else {
                    w
                };
                if w > 0.0 {
                    vote(slot, w);
                    if w >= 4.0 && slot != praise && clause < 64 {
                        strong[clause] = true;
                    }
                }
            }
            if let Some(t) = e.topic {
                topic = Some(topic.map_or(t, |old| old.min(t)));
            }
            match e.scope {
                Some(RepairScope::InHome) => scope_votes[0] += 1,
                Some(RepairScope::Public) => scope_votes[1] += 1,
                None => {}
            }
            if area.is_none() {
                area = e.place;
            }
            if want_evidence && (!e.votes.is_empty() || urgent_word || e.topic.is_some()) {
                // Trimmed on the normalised chars, which are whitespace exactly where
                // the original ones are, so the text needs no second decoding.
                let lead = norm[start..end]
                    .iter()
                    .take_while(|c| c.is_whitespace())
                    .count();
                let trail = norm[start + lead..end]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_whitespace())
                    .count();
                let said = &text[offsets[start + lead]..offsets[end - trail]];
                if !said.is_empty() && !evidence.iter().any(|s| s == said) {
                    evidence.push(said.to_string());
                }
            }
        }
    }

    // Someone inside a stopped lift is someone trapped (C-7), however it is phrased.
    let elevator = lex.elevator;
    if inside && (topic == elevator || area == Some("elevator")) && !calm {
        urgent = true;
        urgent_topic = urgent_topic.or(elevator);
        vote(repair, 5.0);
        topic = match (topic, elevator) {
            (Some(t), Some(e)) => Some(t.min(e)),
            (t, e) => t.or(e),
        };
    }
    // A gas thing that leaks or smells is a gas leak (C-7), in words the lexicon does not
    // list as one phrase: 「天然气管道好像漏了」, "the gas stove smells".
    if gas && escape && !calm {
        urgent = true;
        cues |= hazard::GAS;
        mores |= hazard::GAS;
    }
    // The emergency grammar: a sign of a hazard with an intensity of its kind (「臭鸡蛋味」
    // and 「不敢开灯」, water and 「哗哗往下流」), neither in the past nor supposed, and
    // nothing said to be small.
    let described = if mild { 0 } else { cues & mores };
    if described != 0 && !calm {
        urgent = true;
        // A word that names the emergency says more than a sign of one: 「沉咗落水，快啲嚟」
        // is someone drowning, not a flood.
        // …but a limb caught somewhere says more than the 「出不来」 that names a lift, when
        // what is said of it is said of a limb (「手指发紫」, not just 「快来」).
        if urgent_topic.is_none() {
            urgent_topic = hazard::topic(described).and_then(topic_index);
        } else if urgent_topic == elevator {
            let sign = hazard::topic(cues & kind_mores).and_then(topic_index);
            urgent_topic = match (urgent_topic, sign) {
                (Some(u), Some(s)) => Some(u.min(s)),
                (u, s) => u.or(s),
            };
        }
    }
    // 「没有着火」「false alarm」「已经没事了」: the resident says there is no emergency.
    if calm {
        urgent = false;
    }
    if urgent {
        // The emergency decides the category: flooding and a trapped lift are repairs,
        // the rest is for the guards (the labelled sets' convention), whatever else the
        // text complains about or asks.
        if let Some(t) = urgent_topic {
            topic = Some(topic.map_or(t, |old| old.min(t)));
        }
        let slot = match urgent_topic.map(|t| TOPICS[t].0) {
            Some("flooding" | "elevator" | "water_leak") => repair,
            _ => slot_of(Category::Security),
        };
        vote(slot, 5.0);
        best_word[slot] += 3.0;
    } else if mentioned && sum[slot_of(Category::Consultation)] > 0.0 {
        // A question about an emergency gone by (「上个月困人的事查到原因了吗」) asks
        // for information.
        best_word[slot_of(Category::Consultation)] += 3.0;
    }

    let places = if numbers {
        place::find(norm)
    } else {
        place::Places::default()
    };

    // The winner: highest score; ties go to the earlier category of C-1's list.
    let mut scores = [0f32; Category::ALL.len()];
    for (score, (b, s)) in scores.iter_mut().zip(best_word.iter().zip(&sum)) {
        *score = b + 0.1 * (s - b);
    }
    let mut best = Category::Other;
    let mut best_score = 0f32;
    let mut second = 0f32;
    for (slot, s) in scores.iter().enumerate() {
        if *s > best_score {
            second = best_score;
            best_score = *s;
            best = Category::ALL[slot];
        } else if *s > second {
            second = *s;
        }
    }
    // Urgent texts with no other vote still belong somewhere a guard will see them.
    if best_score == 0.0 && urgent {
        best = Category::Security;
        best_score = 1.0;
    }
    let topic = topic.and_then(|t| TOPICS.get(t)).map(|(id, _, _)| *id);

    let scope = match scope_votes {
        [0, 0] => None,
        [home, public] if public > home => Some(RepairScope::Public),
        _ => Some(RepairScope::InHome),
    };
    let place = places.building.or_else(|| area.map(str::to_string));

    // A sign of danger without the intensity that makes it urgent, in a text that
    // reports something (not a question, a suggestion or thanks): a person answers. Only
    // the signs of what spreads unseen (gas, smoke) or hurts (a hand caught): water alone
    // is most often a leak, and a text that says it is small, or names the rubbish or the
    // drain as the source of a smell, is not asked.
    let safety_question = !urgent
        && !calm
        && !mild
        && !mentioned
        && cues & (hazard::GAS | hazard::FIRE | hazard::LIMB) != 0
        && !matches!(topic, Some("garbage" | "blockage"))
        && !matches!(
            best,
            Category::Consultation
                | Category::Suggestion
                | Category::Praise
                | Category::CommunityBusiness
                | Category::SpecialService
        );
    let signals = model::Signals {
        scores,
        best: (best_score > 0.0 && scores.iter().any(|s| *s > 0.0)).then(|| slot_of(best)),
        urgent,
        urgent_repair: best == Category::Repair,
        mentioned,
        calm,
        mild,
        safety: safety_question,
        marks: text_marks,
        denied: any_denied,
        cues,
        mores,
        letters: ascii_letters,
    };
    let mut decision = Decision {
        category: best,
        urgent,
        safety_question,
        scope,
        topic,
        place,
        unit: places.unit,
        score: best_score,
        second,
        trained: false,
    };
    if let (true, Some(m)) = (with_model, &lex.model) {
        trained(m, &signals, norm, grams, &mut decision);
    }
    (decision, evidence, signals)
}

/// The trained layer's decision over the lexicon's (see `model.rs`): the category it
/// scores highest, urgency when its urgency score is positive. An urgent text is a
/// repair or a matter for the guards (the labelled sets' convention), whichever scores
/// higher. The safety question is asked where the lexicon would ask it (a sign of danger
/// without its intensity), or where the model's urgency is overruled by words of
/// smallness, in a text that reports something.
fn trained(
    m: &model::Model,
    s: &model::Signals,
    norm: &[char],
    grams: &mut Vec<u64>,
    d: &mut Decision,
) {
    let acc = m.score(s, norm, grams);
    // A text that says the thing is small (「一点」「夹了一下」, "a bit") is urgent only
    // if the lexicon's own rules say so: the words of smallness outweigh the n-grams.
    let model_urgent = acc[model::URGENT] > 0;
    let urgent = model_urgent && (s.urgent || !s.mild);
    let mut best = 0;
    for slot in 1..Category::ALL.len() {
        if acc[slot] > acc[best] {
            best = slot;
        }
    }
    let (repair, security) = (slot_of(Category::Repair), slot_of(Category::Security));
    if urgent && best != repair && best != security {
        best = if acc[repair] > acc[security] {
            repair
        } else {
            security
        };
    }
    let second = (0..Category::ALL.len())
        .filter(|slot| *slot != best)
        .map(|slot| acc[slot])
        .max()
        .unwrap_or(0);
    let category = Category::ALL[best];
    let reports = !matches!(
        category,
        Category::Consultation
            | Category::Suggestion
            | Category::Praise
            | Category::CommunityBusiness
            | Category::SpecialService
    );
    d.safety_question = !urgent
        && !s.calm
        && !s.mentioned
        && reports
        // A sign without its intensity, or an emergency by the n-grams in a text that
        // says it is small: a person answers.
        && (s.safety || model_urgent);
    d.category = category;
    d.urgent = urgent;
    d.score = acc[best] as f32 / model::SCALE as f32;
    d.second = second as f32 / model::SCALE as f32;
    d.trained = true;
}

/// The index of a category in [`Category::ALL`].
fn slot_of(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

/// Endings an English keyword may carry and still match ("leak" → "leaking").
const SUFFIXES: &[&str] = &["s", "es", "ed", "ing", "y", "ly"];

/// An English keyword must end at a word boundary or with one of [`SUFFIXES`], so
/// "car" does not match "card" and "tow" does not match "tower"; a number must not run
/// on ("120" is not "1202"). `last` is the keyword's last char, `end` where it ends.
fn ends_well(norm: &[char], end: usize, last: char) -> bool {
    if last.is_ascii_digit() {
        return !norm.get(end).is_some_and(char::is_ascii_digit);
    }
    if !last.is_ascii_alphabetic() {
        return true;
    }
    // The letters running on after the keyword: none, or a whole suffix. No suffix is
    // longer than three, so counting stops at four.
    let rest = &norm[end..];
    let run = rest
        .iter()
        .take(4)
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    run == 0
        || SUFFIXES
            .iter()
            .any(|s| s.len() == run && s.chars().eq(rest[..run].iter().copied()))
}

/// Whether one of the `negations` ends just before `start`, within the four chars before
/// it (so the longer English negations never match: kept as tuned).
fn negated(negations: &[Vec<char>], norm: &[char], start: usize) -> bool {
    let before = &norm[start.saturating_sub(4)..start];
    negations.iter().any(|n| before.ends_with(n))
}

/// Damerau–Levenshtein distance ≤ 1 (one insertion, deletion, substitution or swap).
/// Compared char by char in place: most candidates differ within a char or two, and a
/// library slice comparison costs a call each time.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if prefix == la && la == lb {
        return true;
    }
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    if la == lb {
        // substitution, or a swap of two neighbours
        same(&ra[1..], &rb[1..])
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && same(&ra[2..], &rb[2..]))
    } else if la > lb {
        same(&ra[1..], rb)
    } else {
        same(ra, &rb[1..])
    }
}

fn same(a: &[char], b: &[char]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "embedded-lexicon")]
    #[test]
    fn lexicon_parses_completely() {
        let (lex, bad) = build(LEXICON, MODEL);
        assert!(bad.is_empty(), "unparsed lexicon lines: {bad:?}");
        assert!(lex.entries.len() > 300, "{} entries", lex.entries.len());
    }

    #[cfg(feature = "embedded-lexicon")]
    #[test]
    fn a_loaded_lexicon_is_the_built_in_one() {
        // Where the lexicon is built in, loading one changes nothing.
        assert!(load_lexicon(String::new()));
        assert!(lexicon_ready());
        assert!(classify("楼道里有烟,好像着火了!").urgent);
    }

    /// The resident form loads both files as one text (`xtask dist` writes it): it splits
    /// back into the two the server builds in.
    #[cfg(feature = "embedded-lexicon")]
    #[test]
    fn the_resident_text_splits_into_lexicon_and_model() {
        let traditional = include_str!(concat!(env!("OUT_DIR"), "/traditional.txt"));
        let joined =
            format!("{LEXICON}{MODEL_SEPARATOR}\n{MODEL}{TRADITIONAL_SEPARATOR}\n{traditional}");
        assert_eq!(sections(&joined), (LEXICON, MODEL, traditional));
        assert_eq!(sections(LEXICON), (LEXICON, "", ""));
    }

    #[test]
    fn one_edit() {
        let w = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(within_one_edit(&w("elevater"), &w("elevator")));
        assert!(within_one_edit(&w("elevtor"), &w("elevator")));
        assert!(within_one_edit(&w("eelvator"), &w("elevator")));
        assert!(within_one_edit(&w("elevatorr"), &w("elevator")));
        assert!(!within_one_edit(&w("elevate"), &w("elevator")));
        assert!(!within_one_edit(&w("leak"), &w("elevator")));
    }

    #[test]
    fn override_wins() {
        let c = classify("楼道里有烟,好像着火了!");
        assert!(c.urgent);
        let c = c.with_override(Some(Category::Repair), Some(false), Some("noise"));
        assert_eq!(c.category, Category::Repair);
        assert!(!c.urgent);
        assert_eq!(c.topic.as_deref(), Some("noise"));
        assert!((c.confidence - 1.0).abs() < f32::EPSILON);
    }

    #[test]
    fn empty_text_is_other_with_no_confidence() {
        let c = classify("");
        assert_eq!(c.category, Category::Other);
        assert!(c.confidence.abs() < f32::EPSILON);
        assert!(!c.urgent);
    }
}
