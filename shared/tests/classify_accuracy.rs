//! Accuracy of the classifier on the team's labelled texts, per field, printed and held
//! to thresholds: `classify_labelled.json` and `classify_holdout.json` (short, plain
//! texts), `classify_tuning.json` and `classify_blind.json` (the harder ones: long,
//! colloquial, Cantonese, emergencies described rather than named and their calm twins;
//! the blind set is the honest figure, see its test), and `classify_blind2.json` (a small
//! second blind set written after the last change).
//!
//! The lexicon is tuned on this set; the JSON's `about` records the honest estimates
//! from three holdouts measured before they were merged in (category about 65%,
//! urgency 92-99%). A fourth holdout, `tests/data/classify_holdout.json`, stays
//! separate and is never tuned on: its test below holds the honest numbers.
//!
//! Thresholds, and why: the category is a suggestion a person confirms, so one wrong
//! in ten is tolerable but not more (≥ 90%). Urgency decides whether an order waits for
//! the morning (C-7), so it must be right nearly always (≥ 95%), and a missed emergency
//! is worse than a false alarm: urgent recall must be ≥ 95% too. Topic and place only
//! group complaints into hotspots and can be corrected by staff (≥ 85%).

use anju_shared::classify::classify;
use anju_shared::model::Category;
use serde_json::Value;

struct Tally {
    name: &'static str,
    right: usize,
    total: usize,
    misses: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            right: 0,
            total: 0,
            misses: Vec::new(),
        }
    }

    fn add(&mut self, ok: bool, miss: impl FnOnce() -> String) {
        self.total += 1;
        if ok {
            self.right += 1;
        } else {
            self.misses.push(miss());
        }
    }

    fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.right as f64 / self.total as f64
        }
    }

    fn report(&self, misses: bool) {
        println!(
            "{:<15} {:>3}/{:<3} = {:.1}%",
            self.name,
            self.right,
            self.total,
            self.ratio() * 100.0
        );
        if misses {
            for m in &self.misses {
                println!("    miss: {m}");
            }
        }
    }
}

struct Tallies {
    texts: usize,
    category: Tally,
    urgent: Tally,
    urgent_recall: Tally,
    /// Over the calm texts: right when not flagged, so `1 - ratio()` is the false-alarm
    /// rate.
    calm: Tally,
    topic: Tally,
    /// Category per `pattern` (the blind and tuning sets name what each text tests).
    patterns: std::collections::BTreeMap<String, (usize, usize)>,
    /// Category over the short plain texts (`pattern` = `plain`) and over the rest (the
    /// hard ones), for sets that name their patterns.
    plain: Tally,
    hard: Tally,
    place: Tally,
}

fn measure(json: &str) -> Tallies {
    let doc: Value = serde_json::from_str(json).unwrap_or_default();
    let items = doc["items"].as_array().cloned().unwrap_or_default();
    let mut t = Tallies {
        texts: items.len(),
        category: Tally::new("category"),
        urgent: Tally::new("urgent"),
        urgent_recall: Tally::new("urgent recall"),
        calm: Tally::new("calm not flagged"),
        patterns: Default::default(),
        plain: Tally::new("category, plain"),
        hard: Tally::new("category, hard"),
        topic: Tally::new("topic"),
        place: Tally::new("place"),
    };
    for item in &items {
        let text = item["text"].as_str().unwrap_or_default();
        let got = classify(text);
        let want_cat = item["category"].as_str().and_then(Category::parse);
        assert!(want_cat.is_some(), "bad label: {item}");
        t.category.add(Some(got.category) == want_cat, || {
            format!("{text:?}: got {}, want {}", got.category, item["category"])
        });
        let want_urgent = item["urgent"].as_bool().unwrap_or(false);
        t.urgent.add(got.urgent == want_urgent, || {
            format!("{text:?}: got {}, want {want_urgent}", got.urgent)
        });
        if want_urgent {
            t.urgent_recall.add(got.urgent, || format!("{text:?}"));
        } else {
            t.calm.add(!got.urgent, || format!("{text:?}"));
        }
        if let Some(p) = item["pattern"].as_str() {
            let e = t.patterns.entry(p.to_string()).or_default();
            e.1 += 1;
            if Some(got.category) == want_cat {
                e.0 += 1;
            }
            let kind = if p == "plain" {
                &mut t.plain
            } else {
                &mut t.hard
            };
            kind.add(Some(got.category) == want_cat, || {
                format!("{text:?}: got {}, want {}", got.category, item["category"])
            });
        }
        if let Some(want) = item.get("topic") {
            t.topic.add(got.topic.as_deref() == want.as_str(), || {
                format!("{text:?}: got {:?}, want {want}", got.topic)
            });
        }
        if let Some(want) = item.get("place") {
            t.place.add(got.place.as_deref() == want.as_str(), || {
                format!("{text:?}: got {:?}, want {want}", got.place)
            });
        }
    }
    t
}

impl Tallies {
    /// Prints the figures and, unless `blind`, the texts missed: the blind set's misses
    /// are not shown, so nobody tunes on them by reading a test log.
    fn report(&self, title: &str) {
        self.report_as(title, false);
    }

    fn report_as(&self, title: &str, blind: bool) {
        println!("{title} ({} texts):", self.texts);
        for t in [
            &self.category,
            &self.urgent,
            &self.urgent_recall,
            &self.calm,
            &self.plain,
            &self.hard,
            &self.topic,
            &self.place,
        ] {
            if t.total > 0 {
                t.report(!blind);
            }
        }
        if !self.patterns.is_empty() {
            let by: Vec<String> = self
                .patterns
                .iter()
                .map(|(p, (r, n))| format!("{p} {r}/{n}"))
                .collect();
            println!("category by pattern: {}", by.join(", "));
        }
    }

    fn false_alarms(&self) -> f64 {
        1.0 - self.calm.ratio()
    }
}

#[test]
fn classification_accuracy_on_the_labelled_set() {
    let t = measure(include_str!("data/classify_labelled.json"));
    t.report("labelled set");
    assert!(t.texts >= 200, "the labelled set has {} texts", t.texts);
    assert!(
        t.category.ratio() >= 0.90,
        "category {:.3}",
        t.category.ratio()
    );
    assert!(t.urgent.ratio() >= 0.95, "urgent {:.3}", t.urgent.ratio());
    assert!(
        t.urgent_recall.ratio() >= 0.95,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(t.topic.ratio() >= 0.85, "topic {:.3}", t.topic.ratio());
    assert!(t.place.ratio() >= 0.85, "place {:.3}", t.place.ratio());
}

/// Accuracy on the held-out texts (`tests/data/classify_holdout.json`): 294 texts
/// written before the lexicon or the classifier code was read, and never used to tune
/// them, so this is the honest estimate of what a front desk will see.
///
/// Measured once before and once after the generalisation work (broader vocabulary by
/// meaning, Cantonese and traditional forms, the gas-leak rule):
///
/// | field         | before          | after           | threshold |
/// |---------------|-----------------|-----------------|-----------|
/// | category      | 211/294 = 71.8% | 226/294 = 76.9% | ≥ 75%     |
/// | urgent        | 286/294 = 97.3% | 287/294 = 97.6% | ≥ 96%     |
/// | urgent recall | 28/34 = 82.4%   | 31/34 = 91.2%   | ≥ 88%     |
/// | topic         | 127/167 = 76.0% | 134/167 = 80.2% | ≥ 78%     |
/// | place         | 33/33 = 100%    | 33/33 = 100%    | ≥ 95%     |
///
/// The thresholds sit a little below the "after" numbers so a regression fails, with
/// room for one or two texts to flip. They are lower than the labelled set's because
/// these texts were not tuned on; they must not be raised by tuning the lexicon on
/// this file, or it stops being a holdout. Two false alarms the after-measurement
/// showed came from words just added (「把手断了」 read as a broken hand, a lamp post
/// 「被车撞歪」 read as a person hit by a car) and were fixed afterwards, so the file
/// now scores slightly above the table. After the clause rules and the emergency grammar
/// (tuned on `classify_tuning.json`, not on this file): category 237/294 = 80.6%, urgent
/// 290/294 = 98.6%, urgent recall 32/34 = 94.1%.
#[test]
fn classification_accuracy_on_the_holdout_set() {
    let t = measure(include_str!("data/classify_holdout.json"));
    t.report("holdout set");
    assert!(t.texts >= 200, "the holdout set has {} texts", t.texts);
    assert!(
        t.category.ratio() >= 0.75,
        "category {:.3}",
        t.category.ratio()
    );
    assert!(t.urgent.ratio() >= 0.96, "urgent {:.3}", t.urgent.ratio());
    assert!(
        t.urgent_recall.ratio() >= 0.88,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(t.topic.ratio() >= 0.78, "topic {:.3}", t.topic.ratio());
    assert!(t.place.ratio() >= 0.95, "place {:.3}", t.place.ratio());
}

/// The goals for the harder texts (long messages with the request among other words,
/// WeChat-style slang and typos, traditional Chinese and Cantonese, English and mixed,
/// emergencies described rather than named and their calm twins, tense, negation):
/// urgent recall ≥ 98% with ≤ 3% false alarms, and the category right ≥ 92% of the
/// time. A missed gas leak or flooding car park is the most expensive mistake: under
/// the cmsk preset a report at night that is not urgent waits for the morning.
const GOAL_RECALL: f64 = 0.98;
const GOAL_FALSE_ALARMS: f64 = 0.03;
const GOAL_CATEGORY: f64 = 0.92;

/// The blind set (`tests/data/classify_blind.json`, 369 texts, 77 emergencies): written
/// and committed before any change to the classifier for these patterns, and never
/// tuned on since (nothing read from its misses). This is the honest figure.
///
/// | field                | before (lexicon only)  | after (context + grammar) | threshold |
/// |----------------------|------------------------|---------------------------|-----------|
/// | category             | 251/369 = 68.0%        | 319/369 = 86.4%           | ≥ 84%     |
/// | urgent (both ways)   | 319/369 = 86.4%        | 359/369 = 97.3%           | ≥ 95%     |
/// | urgent recall        | 52/77 = 67.5%          | 73/77 = 94.8%             | ≥ 93%     |
/// | false alarms         | 25/292 = 8.6%          | 6/292 = 2.1%              | ≤ 3%      |
///
/// The false-alarm goal (≤ 3%) is met. The recall goal (98%) and the category goal
/// (92%) are not: the thresholds sit at the measured figures minus a text or two, so a
/// regression fails, and they must not be raised by tuning on this file. Raise them
/// only after a new blind set, written before the change it measures, shows more.
#[test]
fn classification_accuracy_on_the_blind_set() {
    let t = measure(include_str!("data/classify_blind.json"));
    t.report_as("blind set", true);
    println!(
        "false alarms {:.1}% (goal ≤ {:.0}%), urgent recall {:.1}% (goal ≥ {:.0}%), category {:.1}% (goal ≥ {:.0}%)",
        t.false_alarms() * 100.0,
        GOAL_FALSE_ALARMS * 100.0,
        t.urgent_recall.ratio() * 100.0,
        GOAL_RECALL * 100.0,
        t.category.ratio() * 100.0,
        GOAL_CATEGORY * 100.0
    );
    assert!(t.texts >= 300, "the blind set has {} texts", t.texts);
    assert!(
        t.urgent_recall.total >= 60,
        "{} emergencies",
        t.urgent_recall.total
    );
    assert!(
        t.category.ratio() >= 0.84,
        "category {:.3}",
        t.category.ratio()
    );
    assert!(t.urgent.ratio() >= 0.95, "urgent {:.3}", t.urgent.ratio());
    assert!(
        t.urgent_recall.ratio() >= 0.93,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
}

/// The tuning set (`tests/data/classify_tuning.json`): the same patterns, written after
/// the blind set in five batches; the classifier was tuned on it, so its figures
/// measure memory. Each batch was measured before the changes it led to, which gives
/// two more honest readings of how new phrasings fare:
///
/// | batch (written before the round it measured) | urgent recall | category |
/// |----------------------------------------------|---------------|----------|
/// | 1: 723 texts, before any change              | 112/174 = 64.4% | 469/723 = 64.9% |
/// | 2: 156 texts, after round 1                  | 33/55 = 60%   | 108/156 = 69% |
/// | 3: 105 texts, after round 2                  | 41/52 = 79%   | 75/105 = 71%  |
/// | 4: 67 texts, after round 3                   | 23/32 = 72%   | 47/67 = 70%   |
/// | 5: 38 texts (long, in passing), after round 4 | 7/8           | 28/38 = 74%   |
///
/// Now, all 1089: category 986/1089 = 90.5%, urgent recall 320/321 = 99.7%, false alarms
/// 1/768 = 0.1%. The thresholds sit a little below. New phrasings of an emergency are
/// still caught only three times in four before the lexicon learns them: the blind
/// figure above is the one to trust.
#[test]
fn classification_accuracy_on_the_tuning_set() {
    let t = measure(include_str!("data/classify_tuning.json"));
    t.report("tuning set");
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 700, "the tuning set has {} texts", t.texts);
    assert!(
        t.category.ratio() >= 0.88,
        "category {:.3}",
        t.category.ratio()
    );
    assert!(
        t.urgent_recall.ratio() >= GOAL_RECALL,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= 0.01,
        "false alarms {:.3}",
        t.false_alarms()
    );
}

/// The second blind set (`tests/data/classify_blind2.json`, 44 texts, 15 emergencies):
/// written after the last change to the classifier and committed before it was first
/// measured on them; never tuned on. Too small for a figure of its own (one text is two
/// points), it checks that the first blind set's figures were no accident. Measured once:
/// category 35/44 = 79.5%, urgent recall 13/15 = 86.7%, false alarms 0/29; the
/// thresholds sit a text below. Same reading as the first: false alarms within the goal,
/// emergencies and categories short of it.
#[test]
fn classification_accuracy_on_the_second_blind_set() {
    let t = measure(include_str!("data/classify_blind2.json"));
    t.report_as("second blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 40, "the second blind set has {} texts", t.texts);
    assert!(
        t.category.ratio() >= 0.77,
        "category {:.3}",
        t.category.ratio()
    );
    assert!(
        t.urgent_recall.ratio() >= 0.80,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= 0.04,
        "false alarms {:.3}",
        t.false_alarms()
    );
}

/// The third blind set (`tests/data/classify_blind3.json`, 395 texts, 71 emergencies, 112
/// short plain texts): written for issue 15 and committed before any change to the
/// classifier in that round; never tuned on, its misses are not printed.
#[test]
fn classification_accuracy_on_the_third_blind_set() {
    let t = measure(include_str!("data/classify_blind3.json"));
    t.report_as("third blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 300, "the third blind set has {} texts", t.texts);
}
