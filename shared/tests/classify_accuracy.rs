//! Accuracy of the classifier on the team's labelled texts, per field, printed and held
//! to thresholds. What each set is, and what its figures measure:
//!
//! - `classify_labelled.json` (490 short plain texts) and `classify_tuning.json` (3,330
//!   texts in thirteen batches on the hard patterns and on plain everyday phrasing): the
//!   lexicon is tuned on them and the trained layer (`src/classify/model.rs`) is trained
//!   on them, so their figures measure memory, not what a front desk will see.
//! - `classify_holdout.json` (294 short plain texts), `classify_blind.json` (369 hard and
//!   plain texts), `classify_blind2.json` (44), `classify_blind3.json` (395, written for
//!   issue 15 and committed before any change in that round) and `classify_blind4.json`
//!   (441, written for issue 15's second round and committed before any change in it):
//!   never tuned or trained on, their misses are not printed. These are the honest figures.
//!
//! ## Issue 15, second round: the figures before and after (each set measured once after)
//!
//! Before: the classifier as the first round left it (lexicon, clause rules, emergency
//! grammar, trained layer). After: the same lexicon and code, the trained layer trained
//! again with five new tuning batches (9 to 13, 906 texts: mostly short plain texts of
//! every category in Chinese and lower-case English, the borders between categories, and
//! more of the hard patterns). The fourth blind set was measured only at the round's end,
//! once with the first round's model and once with the new one, so nothing in the round
//! was chosen by its figures; the older sets' "before" is the first round's "after". "Plain" is the texts whose `pattern` is `plain` (the
//! holdout is all plain); "hard" is every other pattern. Goals: urgent recall ≥ 98% with
//! false alarms ≤ 3%; category ≥ 92% on hard texts and ≥ 97% on plain ones.
//!
//! | set (texts)          | field           | before           | after            | goal   | met |
//! |----------------------|-----------------|------------------|------------------|--------|-----|
//! | blind4 (441)         | category, all   | 391/441 = 88.7%  | 403/441 = 91.4%  |        |     |
//! |                      | category, hard  | 253/283 = 89.4%  | 260/283 = 91.9%  | ≥ 92%  | no  |
//! |                      | category, plain | 138/158 = 87.3%  | 143/158 = 90.5%  | ≥ 97%  | no  |
//! |                      | urgent recall   | 67/69 = 97.1%    | 67/69 = 97.1%    | ≥ 98%  | no  |
//! |                      | false alarms    | 4/372 = 1.1%     | 3/372 = 0.8%     | ≤ 3%   | yes |
//! | blind3 (395)         | category, all   | 358/395 = 90.6%  | 369/395 = 93.4%  |        |     |
//! |                      | category, hard  | 249/283 = 88.0%  | 260/283 = 91.9%  | ≥ 92%  | no  |
//! |                      | category, plain | 109/112 = 97.3%  | 109/112 = 97.3%  | ≥ 97%  | yes |
//! |                      | urgent recall   | 70/71 = 98.6%    | 71/71 = 100%     | ≥ 98%  | yes |
//! |                      | false alarms    | 2/324 = 0.6%     | 1/324 = 0.3%     | ≤ 3%   | yes |
//! | blind (369)          | category, all   | 347/369 = 94.0%  | 344/369 = 93.2%  |        |     |
//! |                      | category, hard  | 265/282 = 94.0%  | 261/282 = 92.6%  | ≥ 92%  | yes |
//! |                      | category, plain | 82/87 = 94.3%    | 83/87 = 95.4%    | ≥ 97%  | no  |
//! |                      | urgent recall   | 75/77 = 97.4%    | 74/77 = 96.1%    | ≥ 98%  | no  |
//! |                      | false alarms    | 2/292 = 0.7%     | 1/292 = 0.3%     | ≤ 3%   | yes |
//! | blind2 (44)          | category, all   | 40/44 = 90.9%    | 40/44 = 90.9%    |        |     |
//! |                      | category, hard  | 32/33 = 97.0%    | 30/33 = 90.9%    | ≥ 92%  | no  |
//! |                      | category, plain | 8/11 = 72.7%     | 10/11 = 90.9%    | ≥ 97%  | no  |
//! |                      | urgent recall   | 15/15 = 100%     | 15/15 = 100%     | ≥ 98%  | yes |
//! |                      | false alarms    | 0/29             | 0/29             | ≤ 3%   | yes |
//! | holdout (294, plain) | category        | 266/294 = 90.5%  | 267/294 = 90.8%  | ≥ 97%  | no  |
//! |                      | urgent recall   | 34/34 = 100%     | 34/34 = 100%     | ≥ 98%  | yes |
//! |                      | false alarms    | 6/260 = 2.3%     | 7/260 = 2.7%     | ≤ 3%   | yes |
//! | tuning (3,330)       | category        | memory           | 3330/3330        |        |     |
//!
//! Plainly: on the new blind set the round raised the category from 88.7% to 91.4% (hard
//! texts 89.4% → 91.9%, plain 87.3% → 90.5%) and left emergencies where they were, 67 caught
//! of 69 (97.1%, one text short of the goal), with fewer than 1% of calm
//! texts flagged. No category goal is met on it. On the third blind set the hard texts
//! rose from 88.0% to 91.9% (one text short of 92%) and every emergency is now caught. On
//! the first blind set one more emergency is missed than before (74 of 77, down from 75)
//! and the hard texts fell by four (still above the goal); on the second, two hard texts
//! fell (too few texts to weigh). The plain-text goal (97%) is met only on the third
//! blind set: the holdout stays at 90.8%, the fourth blind set's plain texts at 90.5%.
//! The new tuning batches and the fourth blind set were written by the same hand, which
//! may flatter the fourth set's figures; the holdout and the first blind set were not.
//! Many of the plain misses sit on the borders the conventions draw (a question about
//! parking is vehicles or consultation, a gym machine's fault equipment or repair), where
//! the older labelled texts are not always consistent either.
//!
//! ## A third round, not taken; the fifth blind set
//!
//! `classify_blind5.json` (436 texts) was written for a third round and committed before
//! any change in it. The round (565 more tuning texts by the same hand, three lexicon
//! phrases, the model trained again) raised the category by a few texts on every blind set
//! but caught five fewer emergencies across them (286 of 297 against 291), so it was not
//! taken: a missed emergency is the costlier mistake. The classifier measured here is the
//! second round's, which never saw the fifth set: category 399/436 (hard 251/277 = 90.6%,
//! plain 148/159 = 93.1%), urgent recall 64/65 = 98.5%, false alarms 2/371. More texts
//! by one hand no longer move the blind figures; what is left is the plain-text border
//! conventions and phrasings of emergencies nobody here has written yet.
//!
//! Where a goal is met on a blind set its test asserts the goal; where it is not, the test
//! asserts the measured count, so a regression fails; none of these sets may be tuned
//! on to raise them. Raise a floor only after a new blind set, written before the change
//! it measures, shows more.
//!
//! Readings on the tuning batches, each measured before it was tuned or trained on: see
//! the tuning set's test.

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

/// The holdout (`tests/data/classify_holdout.json`): 294 short plain texts written before
/// the lexicon or the classifier code was read, never tuned or trained on: what a front
/// desk will see of plain messages. Issue 15's first round: category 238/294 → 266/294,
/// urgent recall 32/34 → 34/34, false alarms 1/260 → 6/260, topic 139/167 → 141/167; its
/// second round (see the table at the top): category 267/294 (goal 97%: not met, floor
/// asserted), urgent recall 34/34 (goal met), false alarms 7/260 (goal met), topic
/// 141/167. Earlier rounds' history: category 71.8% → 76.9% → 80.6% → 81.0%.
#[test]
fn classification_accuracy_on_the_holdout_set() {
    let t = measure(include_str!("data/classify_holdout.json"));
    t.report_as("holdout set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 200, "the holdout set has {} texts", t.texts);
    // Floor: the plain-text goal (97%) is not met here.
    assert!(t.category.right >= 267, "category {}", t.category.right);
    assert!(
        t.urgent_recall.ratio() >= GOAL_RECALL,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
    assert!(t.topic.right >= 141, "topic {}", t.topic.right);
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
const GOAL_CATEGORY_PLAIN: f64 = 0.97;

/// The first blind set (`tests/data/classify_blind.json`, 369 texts, 77 emergencies, 87
/// plain): written and committed before any change to the classifier for these patterns,
/// and never tuned or trained on since. History of its figures: category 68.0% (lexicon
/// only) → 86.4% (clause rules, emergency grammar) → 94.0% (issue 15: trained layer) →
/// 93.2% (issue 15's second round: more tuning texts); urgent recall 67.5% → 94.8% →
/// 97.4% → 96.1%; false alarms 8.6% → 2.1% → 0.7% → 0.3%.
///
/// Goals met: category on hard texts (261/282), false alarms. Not met, floors asserted:
/// urgent recall (74/77, two texts short of 98%; one fewer than after the first round) and
/// plain texts (83/87, goal 97%).
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
        t.hard.ratio() >= GOAL_CATEGORY,
        "category, hard {:.3}",
        t.hard.ratio()
    );
    assert!(
        t.category.ratio() >= GOAL_CATEGORY,
        "category {:.3}",
        t.category.ratio()
    );
    // Floors: below the goals.
    assert!(t.plain.right >= 83, "category, plain {}", t.plain.right);
    assert!(
        t.urgent_recall.right >= 74,
        "urgent recall {}",
        t.urgent_recall.right
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
}

/// The tuning set (`tests/data/classify_tuning.json`): the same patterns, written after
/// the first blind set in thirteen batches; the lexicon is tuned and the trained layer
/// trained on it, so its figures measure memory. Each batch was measured before the
/// changes it led to, which gives more honest readings of how new phrasings fare:
///
/// | batch (written before the round it measured)       | urgent recall   | category        |
/// |----------------------------------------------------|-----------------|-----------------|
/// | 1: 723 texts, before any change                    | 112/174 = 64.4% | 469/723 = 64.9% |
/// | 2: 156 texts, after round 1                        | 33/55 = 60%     | 108/156 = 69%   |
/// | 3: 105 texts, after round 2                        | 41/52 = 79%     | 75/105 = 71%    |
/// | 4: 67 texts, after round 3                         | 23/32 = 72%     | 47/67 = 70%     |
/// | 5: 38 texts (long, in passing), after round 4      | 7/8             | 28/38 = 74%     |
/// | 6: 805 texts, issue 15, lexicon as the round began | 96/125 = 77%    | 566/805 = 70%   |
/// | 7: 381 texts, lexicon alone after batch 6          | 50/64 = 78%     | 279/381 = 73%   |
/// | 7: the same, with the trained layer                | 63/64 = 98%     | 346/381 = 91%   |
/// | 8: 149 texts, trained layer (settings chosen on it)| 49/51 = 96%     | 138/149 = 93%   |
/// | 9: 420 texts, mostly plain, trained on 1-8         | 34/34           | 373/420 = 88.8% |
/// | 10: 208 texts, category borders, trained on 1-9    | 10/10           | 177/208 = 85.1% |
/// | 11: 118 texts, everyday English, trained on 1-10   | 12/12           | 111/118 = 94.1% |
/// | 12: 99 texts, hard patterns, trained on 1-11       | 13/13           | 89/99 = 89.9%   |
/// | 13: 61 texts, everyday, trained on 1-12            | 12/12           | 56/61 = 91.8%   |
///
/// False alarms on batches 9 to 13, so measured: 2/386, 3/198, 2/106, 1/86, 1/49; the
/// lexicon alone on them (never tuned on them): category 332/420, 139/208, 96/118, 72/99,
/// 49/61. The trained layer is what generalises: the lexicon alone learns new phrasings
/// three times in four, as the blind sets showed. Now, all 3,330: category 3330/3330,
/// urgent recall 642/642, false alarms 0/2688.
#[test]
fn classification_accuracy_on_the_tuning_set() {
    let t = measure(include_str!("data/classify_tuning.json"));
    t.report("tuning set");
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 3300, "the tuning set has {} texts", t.texts);
    assert!(
        t.category.ratio() >= 0.99,
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
/// written after the change before last and committed before it was first measured;
/// never tuned or trained on. Too small for a figure of its own (one text is two
/// points). Measured once before issue 15 (category 35/44, urgent recall 13/15, false
/// alarms 0/29) and once after: category 40/44 (hard 32/33; plain 8/11), urgent recall
/// 15/15, false alarms 0/29; after issue 15's second round, category 40/44 (hard 30/33,
/// plain 10/11), 15/15, 0/29. Recall and false-alarm goals asserted; category floors.
#[test]
fn classification_accuracy_on_the_second_blind_set() {
    let t = measure(include_str!("data/classify_blind2.json"));
    t.report_as("second blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 40, "the second blind set has {} texts", t.texts);
    assert!(t.category.right >= 40, "category {}", t.category.right);
    assert!(
        t.urgent_recall.ratio() >= GOAL_RECALL,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
}

/// The third blind set (`tests/data/classify_blind3.json`, 395 texts, 71 emergencies, 112
/// short plain texts): written for issue 15 across its six patterns, all 14 categories,
/// short plain and long hard texts, and committed before any change to the classifier in
/// that round; never tuned or trained on, its misses are not printed. Measured once
/// before (category 302/395: plain 94/112, hard 208/283; urgent recall 60/71; false alarms
/// 7/324) and once after (358/395: plain 109/112, hard 249/283; 70/71; 2/324); after the
/// second round, 369/395: plain 109/112, hard 260/283; 71/71; 1/324.
///
/// Goals met: urgent recall, false alarms, plain texts. Not met, floor asserted: hard
/// texts (260/283 = 91.9%, goal 92%: one text short).
#[test]
fn classification_accuracy_on_the_third_blind_set() {
    let t = measure(include_str!("data/classify_blind3.json"));
    t.report_as("third blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 300, "the third blind set has {} texts", t.texts);
    assert!(t.plain.total >= 100, "{} plain texts", t.plain.total);
    assert!(
        t.urgent_recall.total >= 60,
        "{} emergencies",
        t.urgent_recall.total
    );
    assert!(
        t.urgent_recall.ratio() >= GOAL_RECALL,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
    assert!(
        t.plain.ratio() >= GOAL_CATEGORY_PLAIN,
        "category, plain {:.3}",
        t.plain.ratio()
    );
    // Floor: below the goal for hard texts.
    assert!(t.hard.right >= 260, "category, hard {}", t.hard.right);
}

/// The fourth blind set (`tests/data/classify_blind4.json`, 441 texts, 69 emergencies,
/// 158 short plain texts across the 14 categories, 283 hard ones on the patterns):
/// written for issue 15's second round and committed before any change to the classifier
/// in that round; never tuned or trained on, its misses are not printed. Measured only
/// at the round's end: once with the model as the round began (category 391/441: plain 138/158, hard 253/283;
/// urgent recall 67/69; false alarms 4/372) and once after (403/441: plain 143/158, hard
/// 260/283; 67/69; 3/372).
///
/// Goal met: false alarms. Not met, floors asserted: urgent recall (67/69 = 97.1%, one
/// text short of 98%), hard texts (260/283 = 91.9%, one text short of 92%), plain texts
/// (143/158 = 90.5%, goal 97%).
#[test]
fn classification_accuracy_on_the_fourth_blind_set() {
    let t = measure(include_str!("data/classify_blind4.json"));
    t.report_as("fourth blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 400, "the fourth blind set has {} texts", t.texts);
    assert!(t.plain.total >= 150, "{} plain texts", t.plain.total);
    assert!(
        t.urgent_recall.total >= 60,
        "{} emergencies",
        t.urgent_recall.total
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
    // Floors: below the goals.
    assert!(
        t.urgent_recall.right >= 67,
        "urgent recall {}",
        t.urgent_recall.right
    );
    assert!(t.hard.right >= 260, "category, hard {}", t.hard.right);
    assert!(t.plain.right >= 143, "category, plain {}", t.plain.right);
}

/// The fifth blind set (`tests/data/classify_blind5.json`, 436 texts, 65 emergencies, 159
/// short plain texts across the 14 categories, 277 hard ones on the patterns):
/// written for a third round of issue 15 and committed before any change in it. That
/// round (more tuning batches by the same hand, the model trained again) caught fewer
/// emergencies on the blind sets than the model it was to replace (286 of 297 against
/// 291, five fewer, for seven more categories right) and was not taken: the classifier
/// stayed as the second round left it. So this set was never tuned or trained on by the
/// model measured here, and its misses are not printed. Measured once with it: category
/// 399/436 (plain 148/159, hard 251/277), urgent recall 64/65, false alarms 2/371.
///
/// Goals met: urgent recall (98.5%), false alarms. Not met, floors asserted: hard texts
/// (251/277 = 90.6%, goal 92%), plain texts (148/159 = 93.1%, goal 97%).
#[test]
fn classification_accuracy_on_the_fifth_blind_set() {
    let t = measure(include_str!("data/classify_blind5.json"));
    t.report_as("fifth blind set", true);
    println!("false alarms {:.1}%", t.false_alarms() * 100.0);
    assert!(t.texts >= 400, "the fifth blind set has {} texts", t.texts);
    assert!(t.plain.total >= 150, "{} plain texts", t.plain.total);
    assert!(
        t.urgent_recall.total >= 60,
        "{} emergencies",
        t.urgent_recall.total
    );
    assert!(
        t.urgent_recall.ratio() >= GOAL_RECALL,
        "urgent recall {:.3}",
        t.urgent_recall.ratio()
    );
    assert!(
        t.false_alarms() <= GOAL_FALSE_ALARMS,
        "false alarms {:.3}",
        t.false_alarms()
    );
    // Floors: below the goals.
    assert!(t.hard.right >= 251, "category, hard {}", t.hard.right);
    assert!(t.plain.right >= 148, "category, plain {}", t.plain.right);
}
