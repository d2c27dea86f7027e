//! `cargo xtask fuzz [TARGET...] [--seconds N]`: runs the libFuzzer targets of `fuzz/` — the
//! sync decoder and fold, the rule engine's eval input, the photo upload — for N seconds each
//! (120 by default) and prints one line per target: crashes found, or none.
//!
//! Not part of `cargo xtask test`: it takes minutes and builds with AddressSanitizer. The
//! sanitizer flags are nightly-only; the machine has one stable toolchain, so the run sets
//! `RUSTC_BOOTSTRAP=1` for these builds only. cargo-fuzz is installed when missing.

use std::path::Path;
use std::process::Command;

use crate::cmd::{self, Result};

const TARGETS: &[&str] = &["sync_decode", "eval_input", "photo_upload"];
const DEFAULT_SECONDS: u32 = 120;

pub(crate) fn run(args: &[String]) -> Result<()> {
    let mut seconds = DEFAULT_SECONDS;
    let mut chosen: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seconds" {
            seconds = rest
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("--seconds needs a whole number")?;
        } else if let Some(target) = TARGETS.iter().find(|t| *t == arg) {
            chosen.push(target);
        } else {
            return Err(format!(
                "unknown fuzz target `{arg}`; targets: {}",
                TARGETS.join(" ")
            )
            .into());
        }
    }
    if chosen.is_empty() {
        chosen = TARGETS.to_vec();
    }
    install_cargo_fuzz()?;
    let root = cmd::project_root();
    let mut results = Vec::new();
    for target in chosen {
        let artifacts = root.join("fuzz/artifacts").join(target);
        let before = crashes(&artifacts);
        let mut command = cmd::cargo();
        command
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "--fuzz-dir", "fuzz", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            // Bounds one input's time and memory, so a hang or a bomb is a finding.
            .args(["-timeout=10", "-rss_limit_mb=2048"]);
        let outcome = cmd::run(&mut command);
        let found = crashes(&artifacts).saturating_sub(before);
        results.push((target, outcome.is_ok() && found == 0, found));
    }
    println!("\n==> fuzz ({seconds} s a target)");
    for (target, ok, found) in &results {
        if *ok {
            println!("{target}: 0 crashes");
        } else {
            println!("{target}: FAILED, {found} new crash input(s) in fuzz/artifacts/{target}/");
        }
    }
    if results.iter().all(|(_, ok, _)| *ok) {
        Ok(())
    } else {
        Err("a fuzz target crashed".into())
    }
}

/// Inputs libFuzzer kept as crashes, timeouts or out-of-memory cases for a target.
fn crashes(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                ["crash-", "timeout-", "oom-", "leak-"]
                    .iter()
                    .any(|p| name.starts_with(p))
            })
            .count()
    })
}

fn install_cargo_fuzz() -> Result<()> {
    let installed = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if installed {
        return Ok(());
    }
    cmd::run(cmd::cargo().args(["install", "cargo-fuzz", "--locked"]))
}
