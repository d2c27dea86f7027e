//! Trains the classifier's linear layer (`src/classify/model.rs`) on the tuning and
//! labelled sets and writes its weights to `src/classify/model.txt`. Never on a blind set
//! or the holdout: this program does not open them.
//!
//! Deterministic: the same texts and lexicon give the same file, byte for byte (a fixed
//! order of examples, a fixed shuffle, double-precision sums in a fixed order).
//!
//! Usage (from `shared/`):
//! - `cargo run --release --features train --example train_classifier` writes the file;
//! - `… -- --check` fails if the file is not what training gives now (after a lexicon
//!   change, train again);
//! - `… -- --cv K` reports K-fold cross-validation on the same texts instead: the
//!   lexicon's own decisions against the model's on texts it was not trained on, by batch
//!   (the sixth batch of the tuning set had not been tuned on by the lexicon when it was
//!   written, so its folds are the more honest reading).

use std::collections::{BTreeMap, HashMap};

use anju_shared::classify::{training_fixed_names, training_inputs};
use anju_shared::model::Category;
use serde_json::Value;

/// Weights are written as whole numbers of this many parts (`model::SCALE`).
const SCALE: f64 = 20.0;
/// N-grams seen in fewer texts are left out: they would only learn their one text.
const MIN_DF: usize = 2;
const EPOCHS: usize = 30;
const RATE: f64 = 0.2;
/// L2 penalty per example seen.
const L2: f64 = 1e-4;
/// A missed emergency costs more than a false alarm.
const URGENT_WEIGHT: f64 = 2.0;
/// Where urgency is decided: the urgency bias is raised by this many logits after
/// training, so that a text the model is unsure about is called urgent (chosen on a batch
/// held out of training: recall up from 60/64 to 63/64, false alarms 2/317 to 6/317).
const URGENT_SHIFT: f64 = 1.0;

/// How often, per example and epoch, the lexicon's own decision is hidden from the model
/// in training (chosen on a batch held out of training: category 83% without, 90% with).
const LEX_DROPOUT: f64 = 0.9;
/// The same for the urgency output, drawn apart: hidden less often, as the lexicon's signs,
/// intensities and times generalise better than its categories (chosen on a second held-out
/// batch and on cross-validation over the labelled set: never hidden, 47/51 emergencies
/// and 6/425 false alarms; hidden half the time, 49/51 and 12/425).
const URGENCY_DROPOUT: f64 = 0.5;

/// Weights smaller than this (in the file's units) are left out: most of an n-gram's
/// fifteen weights are near nothing, and the file is fetched by the resident's phone.
const PRUNE: i16 = 4;

const OUTPUTS: usize = 15;
const URGENT: usize = 14;

struct Example {
    text: String,
    category: usize,
    urgent: bool,
    /// Which file and batch: `labelled`, `tuning1-5`, `tuning6` … `tuning13`.
    batch: &'static str,
    lexicon: (usize, bool),
    inputs: Vec<(usize, f64)>,
}

fn slot(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

fn load(
    path: &str,
    batch_of: impl Fn(usize) -> &'static str,
) -> Vec<(String, usize, bool, &'static str)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let items = doc["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let c = it["category"]
                .as_str()
                .and_then(Category::parse)
                .unwrap_or_else(|| panic!("bad label {it}"));
            (
                it["text"].as_str().unwrap_or_default().to_string(),
                slot(c),
                it["urgent"].as_bool().unwrap_or(false),
                batch_of(i),
            )
        })
        .collect()
}

/// SplitMix64, for the shuffle.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

struct Weights {
    w: Vec<[f64; OUTPUTS]>,
}

impl Weights {
    fn logits(&self, x: &[(usize, f64)]) -> [f64; OUTPUTS] {
        let mut z = [0f64; OUTPUTS];
        for &(f, v) in x {
            for (o, w) in self.w[f].iter().enumerate() {
                z[o] += w * v;
            }
        }
        z
    }
}

/// Trains, prunes the n-grams' small weights, and trains again with only the kept ones
/// (a sparse model as good as the dense one, where an L1 penalty cost accuracy).
fn train(examples: &[&Example], features: usize, bias: usize, lexical: &[bool]) -> Weights {
    let dense = train_masked(examples, features, bias, lexical, None);
    let keep: Vec<[bool; OUTPUTS]> = dense
        .w
        .iter()
        .enumerate()
        .map(|(f, row)| {
            let mut k = [true; OUTPUTS];
            if f != bias && !lexical[f] {
                for (o, v) in row.iter().enumerate() {
                    k[o] = (v * SCALE).abs() >= f64::from(PRUNE);
                }
            }
            k
        })
        .collect();
    train_masked(examples, features, bias, lexical, Some(&keep))
}

fn train_masked(
    examples: &[&Example],
    features: usize,
    bias: usize,
    lexical: &[bool],
    keep: Option<&[[bool; OUTPUTS]]>,
) -> Weights {
    let mut w = Weights {
        w: vec![[0f64; OUTPUTS]; features],
    };
    let mut g2 = vec![[1e-8f64; OUTPUTS]; features];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Rng(15);
    for _ in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &k in &order {
            let e = examples[k];
            // Now and then the lexicon's decision is hidden, so the n-grams learn to
            // decide on their own: the lexicon has memorised these texts, and on new
            // ones it is right less often than here.
            let drop = (rng.next() % 1000) as f64 / 1000.0 < LEX_DROPOUT;
            let kept: Vec<(usize, f64)>;
            let inputs = if drop {
                kept = e
                    .inputs
                    .iter()
                    .copied()
                    .filter(|(f, _)| !lexical[*f])
                    .collect();
                &kept[..]
            } else {
                &e.inputs[..]
            };
            let z = w.logits(inputs);
            // Softmax over the categories.
            let max = z[..URGENT].iter().cloned().fold(f64::MIN, f64::max);
            let exps: Vec<f64> = z[..URGENT].iter().map(|v| (v - max).exp()).collect();
            let sum: f64 = exps.iter().sum();
            let mut grad = [0f64; OUTPUTS];
            for o in 0..URGENT {
                grad[o] = exps[o] / sum - if o == e.category { 1.0 } else { 0.0 };
            }
            // Urgency: logistic, a missed emergency weighed more.
            let drop_u = (rng.next() % 1000) as f64 / 1000.0 < URGENCY_DROPOUT;
            let urgency_inputs: &[(usize, f64)] = if drop_u {
                &e.inputs
                    .iter()
                    .copied()
                    .filter(|(f, _)| !lexical[*f])
                    .collect::<Vec<_>>()
            } else {
                &e.inputs[..]
            };
            let zu = w.logits(urgency_inputs)[URGENT];
            let p = 1.0 / (1.0 + (-zu).exp());
            let gu = if e.urgent {
                (p - 1.0) * URGENT_WEIGHT
            } else {
                p
            };
            let mut step = |f: usize, v: f64, o: usize, grad: f64| {
                let g = grad * v + if f == bias { 0.0 } else { L2 * w.w[f][o] };
                if g == 0.0 || keep.is_some_and(|k| !k[f][o]) {
                    return;
                }
                g2[f][o] += g * g;
                w.w[f][o] -= RATE * g / g2[f][o].sqrt();
            };
            for &(f, v) in inputs {
                for (o, g) in grad.iter().enumerate().take(URGENT) {
                    step(f, v, o, *g);
                }
            }
            for &(f, v) in urgency_inputs {
                step(f, v, URGENT, gu);
            }
        }
    }
    w.w[bias][URGENT] += URGENT_SHIFT;
    w
}

/// Rounds the weights as the file keeps them.
fn quantize(w: &Weights) -> Vec<[i16; OUTPUTS]> {
    w.w.iter()
        .map(|row| {
            let mut q = [0i16; OUTPUTS];
            for (o, v) in row.iter().enumerate() {
                let w = (v * SCALE).round().clamp(-127.0, 127.0) as i16;
                q[o] = if w.abs() < PRUNE { 0 } else { w };
            }
            q
        })
        .collect()
}

/// The indices of `=mild` and `=urgent` among the fixed inputs.
static MILD_URGENT: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();

/// As `classify::trained` decides: the best category, urgent when the urgency score is
/// positive (unless the text says it is small and the lexicon did not call it urgent),
/// and an urgent text a repair or a matter for the guards.
fn decide(q: &[[i16; OUTPUTS]], x: &[(usize, f64)]) -> (usize, bool) {
    let mut acc = [0i64; OUTPUTS];
    for &(f, v) in x {
        for o in 0..OUTPUTS {
            acc[o] += i64::from(q[f][o]) * v as i64;
        }
    }
    let (mild, lexicon_urgent) = MILD_URGENT
        .get()
        .copied()
        .unwrap_or((usize::MAX, usize::MAX));
    let has = |f: usize| x.iter().any(|(g, _)| *g == f);
    let urgent = acc[URGENT] > 0 && (has(lexicon_urgent) || !has(mild));
    let mut best = 0;
    for o in 1..URGENT {
        if acc[o] > acc[best] {
            best = o;
        }
    }
    let (repair, security) = (slot(Category::Repair), slot(Category::Security));
    if urgent && best != repair && best != security {
        best = if acc[repair] > acc[security] {
            repair
        } else {
            security
        };
    }
    (best, urgent)
}

#[derive(Default)]
struct Score {
    n: usize,
    cat: usize,
    urgent: usize,
    recall: usize,
    alarms: usize,
    calm: usize,
}

impl Score {
    fn add(&mut self, e: &Example, (c, u): (usize, bool)) {
        self.n += 1;
        self.cat += usize::from(c == e.category);
        if e.urgent {
            self.urgent += 1;
            self.recall += usize::from(u);
        } else {
            self.calm += 1;
            self.alarms += usize::from(u);
        }
    }
    fn line(&self) -> String {
        format!(
            "category {}/{} = {:.1}%, urgent recall {}/{}, false alarms {}/{}",
            self.cat,
            self.n,
            100.0 * self.cat as f64 / self.n.max(1) as f64,
            self.recall,
            self.urgent,
            self.alarms,
            self.calm
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cv = args
        .iter()
        .position(|a| a == "--cv")
        .and_then(|i| args.get(i + 1))
        .and_then(|k| k.parse::<usize>().ok());
    let check = args.iter().any(|a| a == "--check");
    let show = args.iter().any(|a| a == "--misses");
    // A file of texts to measure the trained model on without training on them (a batch
    // written for the next round, before it is merged into the tuning set).
    let dev = args
        .iter()
        .position(|a| a == "--dev")
        .and_then(|i| args.get(i + 1))
        .cloned();

    let root = env!("CARGO_MANIFEST_DIR");
    // The tuning set's batches: the first five end with its 1089th text, the sixth with
    // its 1894th, the seventh with its 2275th, the eighth with its 2424th, the ninth with
    // its 2844th, the tenth with its 3052nd, the eleventh with its 3170th, the twelfth
    // with its 3269th.
    let mut raw = load(
        &format!("{root}/tests/data/classify_tuning.json"),
        |i| match i {
            0..1089 => "tuning1-5",
            1089..1894 => "tuning6",
            1894..2275 => "tuning7",
            2275..2424 => "tuning8",
            2424..2844 => "tuning9",
            2844..3052 => "tuning10",
            3052..3170 => "tuning11",
            3170..3269 => "tuning12",
            _ => "tuning13",
        },
    );
    raw.extend(load(
        &format!("{root}/tests/data/classify_labelled.json"),
        |_| "labelled",
    ));

    let fixed = training_fixed_names();
    let bias = 0;
    let at = |n: &str| fixed.iter().position(|f| f == n).unwrap_or(usize::MAX);
    let _ = MILD_URGENT.set((at("=mild"), at("=urgent")));
    // Feature ids: the fixed inputs first, then n-grams by name.
    let mut ids: HashMap<String, usize> = fixed
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect();
    let mut names: Vec<String> = fixed.clone();
    let mut df: Vec<usize> = vec![usize::MAX; fixed.len()];
    let dev_raw = dev.as_ref().map(|path| {
        assert!(
            !path.contains("blind") && !path.contains("holdout"),
            "never a blind set"
        );
        load(path, |_| "dev")
    });
    let mut examples = Vec::new();
    let mut dev_examples = Vec::new();
    let n_train = raw.len();
    for (k, (text, category, urgent, batch)) in raw
        .into_iter()
        .chain(dev_raw.into_iter().flatten())
        .enumerate()
    {
        let is_dev = k >= n_train;
        let ((lc, lu), inputs) = training_inputs(&text);
        let mut x: BTreeMap<usize, f64> = BTreeMap::new();
        for (name, v) in inputs {
            let id = *ids.entry(name.clone()).or_insert_with(|| {
                names.push(name);
                df.push(0);
                names.len() - 1
            });
            *x.entry(id).or_default() += f64::from(v);
        }
        if !is_dev {
            for id in x.keys() {
                if df[*id] != usize::MAX {
                    df[*id] += 1;
                }
            }
        }
        let target = if is_dev {
            &mut dev_examples
        } else {
            &mut examples
        };
        target.push(Example {
            text,
            category,
            urgent,
            batch,
            lexicon: (slot(lc), lu),
            inputs: x.into_iter().collect(),
        });
    }
    // Rare n-grams out.
    for e in &mut examples {
        e.inputs.retain(|(f, _)| df[*f] >= MIN_DF);
    }
    let features = names.len();
    // The lexicon's own decision among the fixed inputs (what LEX_DROPOUT hides).
    let lexical: Vec<bool> = names
        .iter()
        .map(|n| {
            n.starts_with("=lex:")
                || n.starts_with("=top:")
                || matches!(n.as_str(), "=none" | "=urgent" | "=urgent_repair")
        })
        .collect();

    if let Some(k) = cv {
        let mut lex: BTreeMap<&str, Score> = BTreeMap::new();
        let mut model: BTreeMap<&str, Score> = BTreeMap::new();
        for fold in 0..k {
            let train_set: Vec<&Example> = examples
                .iter()
                .enumerate()
                .filter(|(i, _)| i % k != fold)
                .map(|(_, e)| e)
                .collect();
            let w = quantize(&train(&train_set, features, bias, &lexical));
            for (i, e) in examples.iter().enumerate() {
                if i % k != fold {
                    continue;
                }
                let got = decide(&w, &e.inputs);
                lex.entry(e.batch).or_default().add(e, e.lexicon);
                model.entry(e.batch).or_default().add(e, got);
                if show && (got.0 != e.category || got.1 != e.urgent) {
                    println!(
                        "miss [{}]: {:?}: got {} {}, want {} {}",
                        e.batch,
                        e.text,
                        Category::ALL[got.0],
                        got.1,
                        Category::ALL[e.category],
                        e.urgent
                    );
                }
            }
        }
        for (batch, s) in &lex {
            println!("{batch:<10} lexicon alone: {}", s.line());
            println!("{batch:<10} with the model: {}", model[batch].line());
        }
        return;
    }

    let all: Vec<&Example> = examples.iter().collect();
    let q = quantize(&train(&all, features, bias, &lexical));
    if !dev_examples.is_empty() {
        let (mut lex, mut model) = (Score::default(), Score::default());
        let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for e in &dev_examples {
            let got = decide(&q, &e.inputs);
            lex.add(e, e.lexicon);
            model.add(e, got);
            if show && (got.0 != e.category || got.1 != e.urgent) {
                println!(
                    "miss: {:?}: got {} {}, want {} {}",
                    e.text,
                    Category::ALL[got.0],
                    got.1,
                    Category::ALL[e.category],
                    e.urgent
                );
            }
            let _ = &mut by;
        }
        println!("dev lexicon alone: {}", lex.line());
        println!("dev with the model: {}", model.line());
        return;
    }
    let mut fit = Score::default();
    for e in &examples {
        fit.add(e, decide(&q, &e.inputs));
    }
    let columns: Vec<&str> = Category::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(["urgent"])
        .collect();
    let mut rows: Vec<(String, String)> = Vec::new();
    for (f, row) in q.iter().enumerate() {
        if f >= fixed.len() && df[f] < MIN_DF {
            continue;
        }
        if row.iter().all(|w| *w == 0) {
            continue;
        }
        // Positional: one column per output, an empty column for nothing, trailing
        // empty columns left out.
        let mut cols: Vec<String> = row
            .iter()
            .map(|w| {
                if *w == 0 {
                    String::new()
                } else {
                    w.to_string()
                }
            })
            .collect();
        while cols.last().is_some_and(String::is_empty) {
            cols.pop();
        }
        rows.push((names[f].clone(), cols.join(",")));
    }
    // The fixed inputs first, in their order; then the n-grams by name.
    let (fixed_rows, mut grams): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(n, _)| n.starts_with('='));
    grams.sort();
    let mut file = String::new();
    file.push_str(
        "# The classifier's trained weights (see model.rs): written by\n\
         # examples/train_classifier.rs from tests/data/classify_tuning.json and\n\
         # classify_labelled.json, never by hand. `input|w,w,…`: one weight per column, in\n\
         # twentieths, empty for nothing; `=…` inputs are what the lexicon found, the rest\n\
         # character n-grams. Columns:\n",
    );
    file.push_str(&format!("# {}\n", columns.join(" ")));
    // What it was trained from: a test compares these with the files as they are now.
    let fingerprint = |path: &str| {
        let bytes = std::fs::read(format!("{root}/{path}")).unwrap_or_default();
        format!("{:016x}", fnv(&bytes))
    };
    file.push_str(&format!(
        "# trained from: lexicon {} tuning {} labelled {}\n",
        fingerprint("src/classify/lexicon.txt"),
        fingerprint("tests/data/classify_tuning.json"),
        fingerprint("tests/data/classify_labelled.json"),
    ));
    file.push_str(&format!(
        "# {} examples, {} n-grams kept; on its own training texts: {}\n",
        examples.len(),
        grams.len(),
        fit.line()
    ));
    for (n, ws) in fixed_rows.iter().chain(grams.iter()) {
        file.push_str(&format!("{n}|{ws}\n"));
    }
    let path = format!("{root}/src/classify/model.txt");
    if check {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != file {
            eprintln!("{path} is not what training gives now: run train_classifier");
            std::process::exit(1);
        }
        println!("{path} is current");
        return;
    }
    std::fs::write(&path, &file).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!(
        "wrote {path}: {} bytes, {} n-grams; fit {}",
        file.len(),
        grams.len(),
        fit.line()
    );
}

/// FNV-1a, 64 bits: the fingerprint of a file the model was trained from.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
