//! Times one pass of the server's clock's decision (`anju_shared::due::estate_pass`: the
//! escalation steps and complaint severity rises to record) over one estate's orders, as `jobs::pass` asks it
//! for each estate: `testkit::job_estate` (generation and folding not timed). The steps a
//! first pass finds (the estate's history, as if the server had just started) are applied to
//! the orders as recorded; the pass timed is the next one, a minute later, as the clock runs
//! every minute. `cargo xtask bench clock` runs it with `--json` and reads the last line.
//!
//! Usage: `clock_bench [--orders N] [--open K] [--runs R] [--seed S] [--json]`.

use std::hint::black_box;
use std::time::Instant;

use anju_shared::calendar::Calendar;
use anju_shared::due;
use anju_shared::policy::Policy;
use anju_shared::testkit;

fn main() {
    let (mut n, mut open, mut runs, mut seed, mut json) =
        (100_000usize, 1_000usize, 7usize, 42u64, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse::<u64>().ok());
        match a.as_str() {
            "--orders" => n = value().unwrap_or(n as u64) as usize,
            "--open" => open = value().unwrap_or(open as u64) as usize,
            "--runs" => runs = value().unwrap_or(runs as u64).max(1) as usize,
            "--seed" => seed = value().unwrap_or(seed),
            "--json" => json = true,
            other => {
                eprintln!("clock_bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let Ok(policy) = Policy::preset("crland") else {
        eprintln!("clock_bench: the crland preset does not load");
        std::process::exit(1);
    };
    let cal = Calendar::cn_2026();
    let mut orders = testkit::job_estate(seed, n, open);
    let now = testkit::now();

    // The first pass: what the estate's history holds, recorded as the job would.
    let (steps, grades) = due::estate_pass(&policy, &cal, &orders, now);
    let catch_up = steps.len() + grades.len();
    for step in &steps {
        if let Some(o) = orders.iter_mut().find(|o| o.id == step.order_id) {
            o.escalated = o.escalated.max(step.level);
            o.escalations.push((step.level, step.due, Vec::new()));
        }
    }
    for grade in &grades {
        if let Some(o) = orders.iter_mut().find(|o| o.id == grade.order_id) {
            o.graded = o.graded.max(Some(grade.severity));
            o.gradings.push((grade.severity, now, Vec::new()));
        }
    }

    // The pass timed: one minute on.
    let next = now + chrono::Duration::minutes(1);
    let mut events = 0;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let (steps, grades) = due::estate_pass(&policy, &cal, black_box(&orders), next);
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            events = steps.len() + grades.len();
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let open_now = orders
        .iter()
        .filter(|o| o.status < anju_shared::order::Status::Completed)
        .count();
    if json {
        println!(
            "{{\"orders\":{},\"open\":{open_now},\"runs\":{runs},\"seed\":{seed},\"decision_ms\":{median:.2},\
             \"min_ms\":{:.2},\"events_per_pass\":{events},\"catch_up_events\":{catch_up}}}",
            orders.len(),
            times[0]
        );
    } else {
        println!(
            "{} orders ({open_now} open), seed {seed}, median of {runs} runs:",
            orders.len()
        );
        println!(
            "  one pass of the decision  {median:8.2} ms (min {:.2})",
            times[0]
        );
        println!("  events recorded per pass  {events} (the first pass, catching up: {catch_up})");
    }
}
