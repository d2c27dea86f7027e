//! The rule engine's testkit exported to JavaScript: generates orders, times
//! `testkit::run` over them with the browser's clock, and returns the timings and the
//! digest as JSON, in the same shape as the native `engine_bench --json`.

use anju_shared::calendar::Calendar;
use anju_shared::policy::Policy;
use anju_shared::testkit::{self, Digest};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds with sub-millisecond resolution.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Runs classification, deadlines, escalation and severity over `orders` generated
/// orders `runs` times (generation excluded from the timing) and returns
/// `{"orders", "runs", "seed", "times_ms": [...], "total_ms": median, "digest": {...}}`.
#[wasm_bindgen]
pub fn bench(seed: u32, orders: u32, runs: u32) -> Result<String, JsError> {
    let policy = Policy::preset("cmsk").map_err(|e| JsError::new(&e.to_string()))?;
    let calendar = Calendar::cn_2026();
    let now = testkit::now();
    let generated = testkit::orders(u64::from(seed), orders as usize);
    let mut digest = Digest::default();
    let mut times: Vec<f64> = Vec::new();
    for _ in 0..runs.max(1) {
        let started = performance_now();
        digest = testkit::run(&policy, &calendar, &generated, now);
        times.push(performance_now() - started);
    }
    let listed: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(format!(
        "{{\"orders\":{orders},\"runs\":{},\"seed\":{seed},\"times_ms\":[{}],\
         \"total_ms\":{median:.2},\"digest\":{}}}",
        times.len(),
        listed.join(","),
        digest_json(&digest)
    ))
}

/// The digest of `orders` orders from `seed` (`testkit::digest`), as JSON.
#[wasm_bindgen]
pub fn digest(seed: u32, orders: u32) -> String {
    digest_json(&testkit::digest(u64::from(seed), orders as usize))
}

/// The same fields and formatting as `engine_bench --digest`, so the two compare as text.
fn digest_json(d: &Digest) -> String {
    format!(
        "{{\"orders\":{},\"urgent\":{},\"overdue\":{},\"escalated\":{},\"hotspots\":{},\
         \"majors\":{},\"hash\":\"{:016x}\"}}",
        d.orders, d.urgent, d.overdue, d.escalated, d.hotspots, d.majors, d.hash
    )
}

/// Proposes the monthly visit plan (`plan::propose`, December 2026) for a generated estate of
/// `households` households `runs` times (generation excluded) and returns `{"households",
/// "runs", "items", "times_ms": [...], "total_ms": median}`.
#[wasm_bindgen]
pub fn plan(seed: u32, households: u32, runs: u32) -> Result<String, JsError> {
    use anju_shared::plan::{PlanHome, propose};
    let policy = Policy::preset("crland").map_err(|e| JsError::new(&e.to_string()))?;
    let estate = testkit::plan_estate(u64::from(seed), households as usize);
    let homes: Vec<PlanHome<'_>> = estate
        .homes
        .iter()
        .map(|h| PlanHome {
            id: &h.0,
            building: &h.1,
            unit: &h.2,
            floor: h.3,
            room: &h.4,
            important: h.5,
            moved_in: h.6,
        })
        .collect();
    let caretakers: Vec<&str> = estate.caretakers.iter().map(String::as_str).collect();
    let month = anju_shared::plan::parse_month("2026-12").map_err(|e| JsError::new(&e.en))?;
    let mut items = 0;
    let mut times: Vec<f64> = Vec::new();
    for _ in 0..runs.max(1) {
        let started = performance_now();
        items = propose(&policy.visits, &homes, &estate.visits, &caretakers, month).len();
        times.push(performance_now() - started);
    }
    let listed: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(format!(
        "{{\"households\":{households},\"runs\":{},\"items\":{items},\"times_ms\":[{}],\
         \"total_ms\":{median:.2}}}",
        times.len(),
        listed.join(",")
    ))
}
