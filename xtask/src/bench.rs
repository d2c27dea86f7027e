//! `cargo xtask bench`: the project's measurements against their goals, as a markdown table
//! that can be pasted into an issue or ARCHITECTURE.md.

use crate::cmd::{self, Result};
use crate::{dist, sizes};

/// The first-load budget: what a resident on a phone downloads before the form works.
const FIRST_LOAD_GOAL_BYTES: usize = 200_000;

struct Row {
    measure: String,
    result: String,
    goal: String,
    met: bool,
}

pub(crate) fn run() -> Result<()> {
    let root = cmd::project_root();
    let dist = root.join("dist");
    if !dist.join("anju_app_bg.wasm").exists() {
        dist::run()?;
    }

    let rows = vec![
        first_load(&dist)?,
        // Rule-engine throughput rows (native, and in wasm under Chromium) go here once
        // `anju-shared` has its `testkit` feature.
    ];

    println!("| measure | result | goal | met |\n|---|---|---|---|");
    for row in &rows {
        let met = if row.met { "yes" } else { "**no**" };
        println!(
            "| {} | {} | {} | {met} |",
            row.measure, row.result, row.goal
        );
    }
    println!("\nPer file:\n\n{}", sizes::file_table(&dist)?);
    Ok(())
}

/// Every .wasm, .js and .css under dist/, compressed; judged on gzip, the larger of the two,
/// since not every host serves brotli.
fn first_load(dist: &std::path::Path) -> Result<Row> {
    let (files, total) = sizes::measure_dir(dist)?;
    let counted = files
        .iter()
        .filter(|(file, _)| sizes::is_first_load(file))
        .count();
    Ok(Row {
        measure: format!("first load, compressed ({counted} files: .wasm .js .css)"),
        result: format!(
            "{} gzip, {} brotli",
            sizes::kb(total.gzip),
            sizes::kb(total.brotli)
        ),
        goal: format!("≤ {}", sizes::kb(FIRST_LOAD_GOAL_BYTES).replace(".0", "")),
        met: total.gzip <= FIRST_LOAD_GOAL_BYTES,
    })
}
