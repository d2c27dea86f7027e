//! Times the rule engine over generated orders, natively: the median of several runs of
//! each stage (classify, deadlines, escalation, severity) and of the whole
//! `testkit::run`. `cargo xtask bench` runs it with `--json` and reads the last line.
//!
//! Usage: `engine_bench [--orders N] [--runs R] [--seed S] [--json]`, or
//! `engine_bench --digest [--orders N] [--seed S]`: only the digest of the orders, as the
//! JSON line the wasm harness (bench-wasm) prints for the native-vs-wasm test.

use std::hint::black_box;
use std::time::Instant;

use anju_shared::calendar::Calendar;
use anju_shared::classify::{classify, decide};
use anju_shared::policy::Policy;
use anju_shared::sla;
use anju_shared::testkit;

fn main() {
    let mut n = 100_000usize;
    let mut runs = 7usize;
    let mut seed = 42u64;
    let mut json = false;
    let mut digest_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match a.as_str() {
            "--orders" => n = value().unwrap_or(n as u64) as usize,
            "--runs" => runs = value().unwrap_or(runs as u64).max(1) as usize,
            "--seed" => seed = value().unwrap_or(seed),
            "--json" => json = true,
            "--digest" => digest_only = true,
            other => {
                eprintln!("engine_bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }

    if digest_only {
        println!("{}", digest_json(&testkit::digest(seed, n)));
        return;
    }

    let Ok(policy) = Policy::preset("cmsk") else {
        eprintln!("engine_bench: the cmsk preset does not load");
        std::process::exit(1);
    };
    let cal = Calendar::cn_2026();
    let now = testkit::now();
    let orders = testkit::orders(seed, n);
    let facts: Vec<sla::OrderFacts> = orders.iter().map(|g| g.facts.clone()).collect();

    // Each stage alone, so a profile says where the time goes; then the whole run,
    // which is the number the goal is about.
    // `run` classifies with `decide` (no evidence words); `classify` as the app calls
    // it for one text is timed too, for comparison.
    let classify_ms = median(runs, || {
        for g in &orders {
            black_box(decide(black_box(&g.text)));
        }
    });
    let evidence_ms = median(runs, || {
        for g in &orders {
            black_box(classify(black_box(&g.text)));
        }
    });
    let deadlines_ms = median(runs, || {
        for o in &facts {
            black_box(sla::deadlines(&policy, &cal, o, now));
        }
    });
    let escalation_ms = median(runs, || {
        for o in &facts {
            black_box(sla::escalation(&policy, &cal, o, now));
        }
    });
    let severity_ms = median(runs, || {
        black_box(sla::severities(&policy, &facts, now));
    });
    let mut digest = testkit::Digest::default();
    let total_ms = median(runs, || {
        digest = testkit::run(&policy, &cal, black_box(&orders), now);
    });

    if json {
        println!(
            "{{\"orders\":{n},\"runs\":{runs},\"seed\":{seed},\"classify_ms\":{classify_ms:.2},\
             \"classify_with_evidence_ms\":{evidence_ms:.2},\"deadlines_ms\":{deadlines_ms:.2},\"escalation_ms\":{escalation_ms:.2},\
             \"severity_ms\":{severity_ms:.2},\"total_ms\":{total_ms:.2},\"digest\":{}}}",
            digest_json(&digest)
        );
    } else {
        println!("{n} orders, seed {seed}, median of {runs} runs:");
        println!("  classify    {classify_ms:8.2} ms  (with evidence words: {evidence_ms:.2} ms)");
        println!("  deadlines   {deadlines_ms:8.2} ms");
        println!("  escalation  {escalation_ms:8.2} ms");
        println!("  severity    {severity_ms:8.2} ms");
        println!("  whole run   {total_ms:8.2} ms");
        println!("{digest:?} (hash {:016x})", digest.hash);
    }
}

/// The same fields and formatting as bench-wasm's `digest`, so the two compare as text.
fn digest_json(d: &testkit::Digest) -> String {
    format!(
        "{{\"orders\":{},\"urgent\":{},\"overdue\":{},\"escalated\":{},\"hotspots\":{},\
         \"majors\":{},\"hash\":\"{:016x}\"}}",
        d.orders, d.urgent, d.overdue, d.escalated, d.hotspots, d.majors, d.hash
    )
}

/// The median wall time of `runs` calls, in milliseconds (the fastest run goes to stderr:
/// on a busy machine it shows what the code can do when it gets a core to itself).
fn median(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    eprint!("(min {:.2}) ", times[0]);
    times[times.len() / 2]
}
