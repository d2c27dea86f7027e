//! Figures of the classifier on a labelled file, with its misses, for tuning:
//! `classify_eval FILE.json [--misses]`. It refuses the blind sets and the holdout, whose
//! misses nobody may read (their tests print only the figures).

use anju_shared::classify::classify;
use anju_shared::model::Category;
use serde_json::Value;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: classify_eval FILE.json [--misses]");
        std::process::exit(2);
    };
    let misses = args.any(|a| a == "--misses");
    if path.contains("blind") || path.contains("holdout") {
        eprintln!("classify_eval: {path} is blind; its test prints its figures");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).unwrap_or_default();
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .or_else(|| doc.as_array())
        .cloned()
        .unwrap_or_default();
    let (mut right, mut urgent_right, mut urgent_total, mut calm_flagged, mut calm_total) =
        (0, 0, 0, 0, 0);
    // The safety question: asked of calm texts (a bother), and of emergencies the
    // classifier missed (a second chance).
    let (mut asked_calm, mut asked_missed) = (0, 0);
    let mut by: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for item in &items {
        let t = item["text"].as_str().unwrap_or_default();
        let want = item["category"].as_str().and_then(Category::parse);
        let urgent = item["urgent"].as_bool().unwrap_or(false);
        let got = classify(t);
        let ok = Some(got.category) == want;
        right += usize::from(ok);
        let e = by
            .entry(item["pattern"].as_str().unwrap_or("-").to_string())
            .or_default();
        e.1 += 1;
        e.0 += usize::from(ok);
        if urgent {
            urgent_total += 1;
            urgent_right += usize::from(got.urgent);
            asked_missed += usize::from(!got.urgent && got.safety_question);
        } else {
            calm_total += 1;
            calm_flagged += usize::from(got.urgent);
            asked_calm += usize::from(got.safety_question);
        }
        if misses && (!ok || got.urgent != urgent) {
            println!(
                "miss: {t:?}: got {} {}, want {} {}",
                got.category, got.urgent, item["category"], urgent
            );
        }
    }
    println!(
        "{} texts: category {right}/{}, urgent recall {urgent_right}/{urgent_total}, false alarms {calm_flagged}/{calm_total}",
        items.len(),
        items.len()
    );
    println!(
        "safety question asked of {asked_calm}/{calm_total} calm texts and of {asked_missed} missed emergencies"
    );
    let by: Vec<String> = by
        .iter()
        .map(|(p, (r, n))| format!("{p} {r}/{n}"))
        .collect();
    println!("by pattern: {}", by.join(", "));
}
