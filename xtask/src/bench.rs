//! `cargo xtask bench`: the project's measurements against their goals, as a markdown table
//! that can be pasted into an issue or ARCHITECTURE.md.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cmd::{self, Result};
use crate::{dist, e2e, engine, sizes};

/// The first-load budget: what a resident on a phone downloads before the form works.
const FIRST_LOAD_GOAL_BYTES: usize = 200_000;

/// The rule-engine batch: generated orders (generation not timed), their seed, and how
/// many runs the median is taken over.
const ENGINE_ORDERS: u32 = 100_000;
const ENGINE_SEED: u32 = 42;
const ENGINE_RUNS: u32 = 7;
/// Classification, deadlines, escalation and severity of the batch, natively.
const ENGINE_NATIVE_GOAL_MS: f64 = 100.0;
/// The same batch in wasm under Chromium, as a multiple of the native time.
const ENGINE_WASM_GOAL_RATIO: f64 = 3.0;

/// The server's clock: one pass of the job's decision (escalation steps and severity rises)
/// over one estate of this many orders, this many of them open, the median of this many runs.
const CLOCK_ORDERS: u32 = 100_000;
const CLOCK_OPEN: u32 = 1_000;
const CLOCK_RUNS: u32 = 7;
const CLOCK_GOAL_MS: f64 = 100.0;

/// Ingest through `/api/sync` as a share of raw inserts of the same rows into SQLite.
const INGEST_GOAL_RATIO: f64 = 0.5;

/// A caretaker's first login on a new tablet: the whole estate's events (`ingest_bench
/// --seed`'s data set) pulled into IndexedDB, folded and shown, each run in a fresh browser
/// profile; the median of this many runs.
const SYNC_RUNS: u32 = 7;
const SYNC_GOAL_MS: f64 = 1000.0;

/// The groups of rows, by the name `cargo xtask bench NAME…` selects them with.
const GROUPS: [&str; 8] = [
    "size", "engine", "clock", "ingest", "sync", "report", "plan", "sitemap",
];

/// The manager's site map of an estate of `sitemap_seed`'s 5,000 households redrawn after a
/// filter change in the real app under Chromium; the median of this many runs.
const SITEMAP_RUNS: u32 = 9;
const SITEMAP_GOAL_MS: f64 = 100.0;

/// Proposing next month's visit plan (V-1) for an estate of this many households in wasm
/// under Chromium, as the supervisor's page does offline; the median of this many runs.
const PLAN_HOUSEHOLDS: u32 = 5_000;
const PLAN_RUNS: u32 = 7;
const PLAN_GOAL_MS: f64 = 50.0;

/// The dashboard and monthly report of a company's month (DOMAIN.md §6, 000 4.3.6).
const REPORT_GOAL_MS: f64 = 1000.0;
/// The company's monthly workbook.
const XLSX_GOAL_MS: f64 = 2000.0;

struct Row {
    measure: String,
    result: String,
    goal: String,
    met: bool,
}

/// Every row, or only the groups named (see [`GROUPS`]), e.g. `cargo xtask bench sync` while
/// working on one of them: the whole table takes minutes.
pub(crate) fn run(groups: &[String]) -> Result<()> {
    if let Some(unknown) = groups.iter().find(|g| !GROUPS.contains(&g.as_str())) {
        return Err(format!("no bench `{unknown}`; choose from: {}", GROUPS.join(" ")).into());
    }
    let wanted = |group: &str| groups.is_empty() || groups.iter().any(|g| g == group);
    let root = cmd::project_root();
    let dist = root.join("dist");
    if !dist.join("anju_app_bg.wasm").exists() || !dist.join("anju_report_bg.wasm").exists() {
        dist::run()?;
    }

    let mut rows = Vec::new();
    if wanted("size") {
        rows.extend(first_load(&dist)?);
    }
    if wanted("engine") {
        rows.extend(rule_engine()?);
    }
    if wanted("clock") {
        rows.push(clock()?);
    }
    if wanted("ingest") {
        rows.extend(ingest()?);
    }
    if wanted("sync") {
        rows.push(field_sync(&dist)?);
    }
    if wanted("report") {
        rows.extend(report()?);
    }
    if wanted("plan") {
        rows.push(visit_plan()?);
    }
    if wanted("sitemap") {
        rows.push(site_map(&dist)?);
    }

    println!("| measure | result | goal | met |\n|---|---|---|---|");
    for row in &rows {
        let met = if row.met { "yes" } else { "**no**" };
        println!(
            "| {} | {} | {} | {met} |",
            row.measure, row.result, row.goal
        );
    }
    if wanted("size") {
        println!("\nPer file:\n\n{}", sizes::file_table(&dist)?);
    }
    Ok(())
}

/// The first load of each page: the files its HTML and scripts name (see
/// [`sizes::page_files`]), compressed; judged on gzip, the larger of the two, since not
/// every host serves brotli. The goal is the resident's: a phone on mobile data opening the
/// form from a QR code. The staff app is measured against the same number and shown as is:
/// a tablet downloads it once and its service worker keeps it.
fn first_load(dist: &std::path::Path) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (page, label) in [
        ("report.html", "resident form `/r/{estate}`"),
        (
            "index.html",
            "staff app `/desk` `/field` `/manage` `/admin`",
        ),
    ] {
        let (files, total) = sizes::page_load(dist, page)?;
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        rows.push(Row {
            measure: format!(
                "first load of the {label}, compressed ({})",
                names.join(" ")
            ),
            result: format!(
                "{} gzip, {} brotli",
                sizes::kb(total.gzip),
                sizes::kb(total.brotli)
            ),
            goal: format!("≤ {}", sizes::kb(FIRST_LOAD_GOAL_BYTES).replace(".0", "")),
            met: total.gzip <= FIRST_LOAD_GOAL_BYTES,
        });
    }
    // Not part of any first load: fetched when the field scanner opens on a browser without
    // `BarcodeDetector` (the service worker keeps a copy for offline rounds).
    let mut qr = sizes::Sizes::default();
    for file in sizes::ON_DEMAND {
        let path = dist.join(file);
        qr = qr
            + sizes::measure(
                &std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            );
    }
    rows.push(Row {
        measure:
            "QR decoder of the field scanner, loaded when it opens (anju_qr.js anju_qr_bg.wasm)"
                .into(),
        result: format!(
            "{} gzip, {} brotli",
            sizes::kb(qr.gzip),
            sizes::kb(qr.brotli)
        ),
        goal: format!("≤ {}", sizes::kb(QR_DECODER_GOAL_BYTES).replace(".0", "")),
        met: qr.gzip <= QR_DECODER_GOAL_BYTES,
    });
    Ok(rows)
}

/// The scanner's decoder: a tablet on a weak network waits for it once, when a caretaker
/// first scans without `BarcodeDetector`.
const QR_DECODER_GOAL_BYTES: usize = 100_000;

/// The rule engine over the same generated batch natively (`engine_bench`) and in wasm under
/// headless Chromium (bench-wasm), each the median of [`ENGINE_RUNS`] runs measured now;
/// both must reach the same digest.
fn rule_engine() -> Result<Vec<Row>> {
    let (orders, seed, runs) = (
        ENGINE_ORDERS.to_string(),
        ENGINE_SEED.to_string(),
        ENGINE_RUNS.to_string(),
    );
    let native = engine::native(&[
        "--json", "--orders", &orders, "--seed", &seed, "--runs", &runs,
    ])?;
    let browser = engine::Browser::start()?;
    let wasm = browser.run(&["bench".into(), seed.clone(), orders.clone(), runs.clone()])?;
    engine::compare_digests(&native["digest"], &wasm["digest"])?;

    let ms = |v: &Value, key: &str| -> Result<f64> {
        v[key]
            .as_f64()
            .ok_or_else(|| format!("no `{key}` in {v}").into())
    };
    let native_ms = ms(&native, "total_ms")?;
    let wasm_ms = ms(&wasm, "total_ms")?;
    let ratio = wasm_ms / native_ms;
    let batch = format!("{} orders", thousands(ENGINE_ORDERS));
    Ok(vec![
        Row {
            measure: format!(
                "rule engine, native: classify + deadlines + escalation + severity, {batch} \
                 (median of {ENGINE_RUNS})"
            ),
            result: format!(
                "{native_ms:.1} ms (classify {:.1}, deadlines {:.1}, escalation {:.1}, \
                 severity {:.1} ms alone)",
                ms(&native, "classify_ms")?,
                ms(&native, "deadlines_ms")?,
                ms(&native, "escalation_ms")?,
                ms(&native, "severity_ms")?
            ),
            goal: format!("≤ {ENGINE_NATIVE_GOAL_MS:.0} ms"),
            met: native_ms <= ENGINE_NATIVE_GOAL_MS,
        },
        Row {
            measure: format!(
                "rule engine, wasm in headless Chromium, {batch} (median of {ENGINE_RUNS})"
            ),
            result: format!("{wasm_ms:.1} ms = {ratio:.2}× native (same digest)"),
            goal: format!("≤ {ENGINE_WASM_GOAL_RATIO:.0}× native"),
            met: ratio <= ENGINE_WASM_GOAL_RATIO,
        },
    ])
}

/// A month's visit plan proposed in wasm (bench-wasm's `plan`) for a generated estate.
fn visit_plan() -> Result<Row> {
    let browser = engine::Browser::start()?;
    let answer = browser.run(&[
        "plan".into(),
        ENGINE_SEED.to_string(),
        PLAN_HOUSEHOLDS.to_string(),
        PLAN_RUNS.to_string(),
    ])?;
    let ms = answer["total_ms"]
        .as_f64()
        .ok_or_else(|| format!("no `total_ms` in {answer}"))?;
    let items = answer["items"].as_u64().unwrap_or(0);
    Ok(Row {
        measure: format!(
            "visit plan proposed in wasm, {} households, crland's rounds (median of {PLAN_RUNS})",
            thousands(PLAN_HOUSEHOLDS)
        ),
        result: format!("{ms:.1} ms ({items} households planned)"),
        goal: format!("≤ {PLAN_GOAL_MS:.0} ms"),
        met: ms <= PLAN_GOAL_MS,
    })
}

/// One pass of the server's clock's decision (`anju_shared::due::estate_pass`) over an estate
/// of generated orders, measured now by `shared/examples/clock_bench.rs` (median), with the
/// events that pass records (a minute after the previous one) and what the first pass over
/// the estate's history recorded.
fn clock() -> Result<Row> {
    let out = cmd::stdout(cmd::cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "anju-shared",
        "--features",
        "testkit",
        "--example",
        "clock_bench",
        "--",
        "--json",
        "--orders",
        &CLOCK_ORDERS.to_string(),
        "--open",
        &CLOCK_OPEN.to_string(),
        "--runs",
        &CLOCK_RUNS.to_string(),
    ]))?;
    let v = engine::last_json_line(&out, "clock_bench")?;
    let ms = v["decision_ms"]
        .as_f64()
        .ok_or_else(|| format!("no `decision_ms` in {v}"))?;
    let events = v["events_per_pass"].as_u64().unwrap_or(0);
    let catch_up = v["catch_up_events"].as_u64().unwrap_or(0);
    Ok(Row {
        measure: format!(
            "server clock: one pass of the job's decision (escalation steps + severity rises) \
             over an estate of {} orders, {} open (median of {CLOCK_RUNS})",
            thousands(CLOCK_ORDERS),
            thousands(CLOCK_OPEN)
        ),
        result: format!(
            "{ms:.1} ms; {events} events recorded by the pass (a minute after the last; the \
             first pass over the history: {})",
            thousands(u32::try_from(catch_up).unwrap_or(u32::MAX))
        ),
        goal: format!("≤ {CLOCK_GOAL_MS:.0} ms"),
        met: ms <= CLOCK_GOAL_MS,
    })
}

/// Events per second through the real `/api/sync` on SQLite against raw batched inserts of
/// the same rows, both measured now by the server's `ingest_bench` example (medians).
fn ingest() -> Result<Vec<Row>> {
    let out = cmd::stdout(cmd::cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "anju-server",
        "--example",
        "ingest_bench",
    ]))?;
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or(""))
        .map_err(|e| format!("ingest_bench printed no JSON: {e}"))?;
    let runs = v["runs"].as_u64().unwrap_or(0);
    let events = v["events_per_run"].as_u64().unwrap_or(0);
    let mut rows = Vec::new();
    for batch in [100, 1000] {
        let b = &v[format!("batch_{batch}")];
        let f = |key: &str| b[key].as_f64().unwrap_or(0.0);
        let ratio = f("ratio");
        rows.push(Row {
            measure: format!(
                "ingest via /api/sync on SQLite, batches of {batch} ({events} events, median of {runs})"
            ),
            result: format!(
                "{:.0} events/s vs raw inserts {:.0} events/s = {:.0}%",
                f("sync_events_per_s"),
                f("raw_events_per_s"),
                ratio * 100.0
            ),
            goal: format!("≥ {:.0}% of raw", INGEST_GOAL_RATIO * 100.0),
            met: ratio >= INGEST_GOAL_RATIO,
        });
    }
    Ok(rows)
}

/// The manager's figures (`report_bench`): a company of 1,000,000 orders over 200 estates in
/// memory, its month's dashboard and workbook; the same month read from SQLite and from
/// PostgreSQL (when `ANJU_BENCH_PG_URL` or `ANJU_TEST_PG_URL` names one) with every order's
/// state kept, at full size; and the pace of the refresher that keeps those states.
fn report() -> Result<Vec<Row>> {
    let out = cmd::stdout(cmd::cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "anju-server",
        "--example",
        "report_bench",
    ]))?;
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or(""))
        .map_err(|e| format!("report_bench printed no JSON: {e}"))?;
    let f = |key: &str| v[key].as_f64().unwrap_or(0.0);
    let size = format!(
        "{} orders / {} estates ({} in the month's fold)",
        thousands(f("orders") as u32),
        f("estates"),
        thousands(f("month_orders") as u32)
    );
    let mut rows = vec![Row {
        measure: format!(
            "KPIs + monthly report of a company's month, {size}, computed (median of {})",
            f("runs")
        ),
        result: format!("{:.0} ms", f("compute_ms")),
        goal: format!("≤ {REPORT_GOAL_MS:.0} ms"),
        met: f("compute_ms") <= REPORT_GOAL_MS,
    }];
    for (backend, key) in [("SQLite", "sqlite"), ("PostgreSQL", "postgres")] {
        let ms = v[format!("{key}_ms")].as_f64();
        rows.push(Row {
            measure: format!(
                "the same month read from {backend} (orders' states kept) and computed, {size}"
            ),
            result: match ms {
                Some(ms) => format!(
                    "{ms:.0} ms; stale states folded at {:.0} orders/s",
                    f(&format!("{key}_refresh_per_s"))
                ),
                None => "not measured: set ANJU_BENCH_PG_URL".into(),
            },
            goal: format!("≤ {REPORT_GOAL_MS:.0} ms"),
            met: ms.is_some_and(|ms| ms <= REPORT_GOAL_MS),
        });
    }
    rows.push(Row {
        measure: "XLSX of the company's month".into(),
        result: format!(
            "{:.0} ms, {} KB",
            f("xlsx_ms"),
            (f("xlsx_bytes") / 1024.0).round()
        ),
        goal: format!("≤ {XLSX_GOAL_MS:.0} ms"),
        met: f("xlsx_ms") <= XLSX_GOAL_MS,
    });
    Ok(rows)
}

/// The caretaker's first sync, in the real app against the real server: `anju serve` (release)
/// on a fresh demo database, filled through `/api/sync` by `ingest_bench --seed`, then
/// Runs `bench` against a fresh demo server (the release binary, without the server's clock)
/// in a scratch folder of its own, with Chromium and the e2e packages at hand: `bench` gets the
/// server's URL, the scratch folder (its database is `anju.db` there) and `e2e/`. The folder
/// is removed after a success and kept, with the server's log, after a failure.
fn with_bench_server<T>(
    dist: &Path,
    name: &str,
    bench: impl FnOnce(&str, &Path, &Path) -> Result<T>,
) -> Result<T> {
    let binary = e2e::build_server(true)?;
    e2e::ensure_chromium()?;
    let e2e_dir = cmd::project_root().join("e2e");
    dist::ensure_npm_packages(&e2e_dir)?;
    let scratch = std::env::temp_dir().join(format!("anju-bench-{name}-{}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let log = scratch.join("server.log");
    let outcome = e2e::Server::start(&binary, &scratch, dist, &log, 0).and_then(|server| {
        let answer = bench(&format!("http://{}", server.addr), &scratch, &e2e_dir);
        drop(server);
        answer
    });
    match outcome {
        Ok(answer) => {
            std::fs::remove_dir_all(&scratch)?;
            Ok(answer)
        }
        Err(error) => {
            eprintln!("(kept {} for a look)", scratch.display());
            Err(error)
        }
    }
}

/// `e2e/sync_bench.mjs` logs in on /field in [`SYNC_RUNS`] fresh browser profiles and times
/// each from the login click until every event is in IndexedDB and the orders are on screen.
fn field_sync(dist: &Path) -> Result<Row> {
    // Without the server's clock: the tablet must receive exactly the seeded events (the
    // seeded March orders would otherwise gain escalation steps while it syncs).
    let (events, orders, timed) = with_bench_server(dist, "sync", |url, _scratch, e2e_dir| {
        let seeded = engine::last_json_line(
            &cmd::stdout(cmd::cargo().args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "anju-server",
                "--example",
                "ingest_bench",
                "--",
                "--seed",
                url,
            ]))?,
            "ingest_bench --seed",
        )?;
        let count = |key: &str| {
            seeded[key]
                .as_u64()
                .ok_or_else(|| format!("no `{key}` in {seeded}"))
        };
        let (events, orders) = (count("events")?, count("orders")?);
        let timed = engine::last_json_line(
            &cmd::stdout(
                Command::new("node")
                    .arg(e2e_dir.join("sync_bench.mjs"))
                    .arg(url)
                    .args([
                        SYNC_RUNS.to_string(),
                        events.to_string(),
                        orders.to_string(),
                    ])
                    .current_dir(e2e_dir),
            )?,
            "sync_bench.mjs",
        )?;
        Ok((events, orders, timed))
    })?;
    let ms = |key: &str| -> Result<f64> {
        timed[key]
            .as_f64()
            .ok_or_else(|| format!("no `{key}` in {timed}").into())
    };
    let median = ms("median_ms")?;
    Ok(Row {
        measure: format!(
            "first sync of a caretaker's tablet in headless Chromium: pull + fold of {} events \
             ({} orders) into IndexedDB, from the login click (its round trip included) to the \
             orders on screen (median of {SYNC_RUNS}, fresh profile each)",
            thousands(u32::try_from(events)?),
            thousands(u32::try_from(orders)?)
        ),
        result: format!(
            "{median:.0} ms (min {:.0}, max {:.0})",
            ms("min_ms")?,
            ms("max_ms")?
        ),
        goal: format!("≤ {:.0} s", SYNC_GOAL_MS / 1000.0),
        met: median <= SYNC_GOAL_MS,
    })
}

/// `e2e/sitemap_bench.mjs` opens the manager's site map of 万户苑 (5,000 households, added to
/// a fresh demo database by the `sitemap_seed` example) and times [`SITEMAP_RUNS`] redraws
/// after a change of the period filter, from the change to the painted frame.
fn site_map(dist: &Path) -> Result<Row> {
    let (households, timed) = with_bench_server(dist, "sitemap", |url, scratch, e2e_dir| {
        let database = format!("sqlite://{}", scratch.join("anju.db").display());
        let seeded = engine::last_json_line(
            &cmd::stdout(cmd::cargo().args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "anju-server",
                "--example",
                "sitemap_seed",
                "--",
                &database,
            ]))?,
            "sitemap_seed",
        )?;
        let count = |key: &str| {
            seeded[key]
                .as_u64()
                .ok_or_else(|| format!("no `{key}` in {seeded}"))
        };
        let (buildings, households) = (count("buildings")?, count("households")?);
        let timed = engine::last_json_line(
            &cmd::stdout(
                Command::new("node")
                    .arg(e2e_dir.join("sitemap_bench.mjs"))
                    .arg(url)
                    .args([
                        SITEMAP_RUNS.to_string(),
                        buildings.to_string(),
                        households.to_string(),
                    ])
                    .current_dir(e2e_dir),
            )?,
            "sitemap_bench.mjs",
        )?;
        Ok((households, timed))
    })?;
    let ms = |key: &str| -> Result<f64> {
        timed[key]
            .as_f64()
            .ok_or_else(|| format!("no `{key}` in {timed}").into())
    };
    let median = ms("median_ms")?;
    Ok(Row {
        measure: format!(
            "the manager's site map of an estate of {} households redrawn in headless Chromium \
             after a change of the period filter (coverage of every household, shares per \
             building, the SVG), from the change to the painted frame (median of {SITEMAP_RUNS})",
            thousands(u32::try_from(households)?)
        ),
        result: format!(
            "{median:.1} ms (min {:.1}, max {:.1})",
            ms("min_ms")?,
            ms("max_ms")?
        ),
        goal: format!("≤ {SITEMAP_GOAL_MS:.0} ms"),
        met: median <= SITEMAP_GOAL_MS,
    })
}

/// 100000 → "100,000".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
