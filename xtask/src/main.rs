//! `cargo xtask`: every set-up and orchestration step of Anju (build the app, run, test, bench).
//!
//! The alias in `.cargo/config.toml` runs this binary, so the only thing a developer or CI
//! needs is cargo; everything else (the wasm target, wasm-bindgen, wasm-opt, Chromium, the
//! npm packages) is installed here on first use.

mod bench;
mod cmd;
mod dist;
mod e2e;
mod engine;
mod fuzz;
mod sizes;
mod test;
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dist              build the app into dist/ (wasm, wasm-bindgen, wasm-opt, static files, CSS)
  run [-- ARGS]     dist, then `anju serve ARGS` in release mode (env passes through)
  test [SUITE...]   run every check and print one summary line per suite;
                    suites: tidy fmt clippy tests postgres e2e wasm-diff (default: all)
  bench [ROW...]    print the measurements as a markdown table (builds dist/ if missing;
                    times the rule engine natively and in wasm under Chromium);
                    rows: size engine clock ingest sync report plan (default: all)
  fuzz [TARGET...] [--seconds N]
                    run the cargo-fuzz targets (sync_decode eval_input photo_upload)
                    for N seconds each (default 120); not part of `test`
  tidy              check that every .rs file starts with a `//!` line";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "dist" => no_args(rest).and_then(|()| dist::run().map(drop)),
        "run" => run_server(rest),
        "test" => return test::run(rest),
        "bench" => bench::run(rest),
        "fuzz" => fuzz::run(rest),
        "tidy" => no_args(rest).and_then(|()| tidy::check(&cmd::project_root())),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

fn no_args(rest: &[String]) -> cmd::Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!("unexpected argument `{arg}`\n\n{USAGE}").into()),
    }
}

/// `cargo xtask run`: a fresh dist/, then the server in release mode with the caller's
/// environment (`ANJU_ADDR`, `DATABASE_URL`, `ANJU_DIST`, …) untouched.
fn run_server(rest: &[String]) -> cmd::Result<()> {
    let rest = match rest.split_first() {
        Some((dashes, tail)) if dashes == "--" => tail,
        _ => rest,
    };
    dist::run()?;
    cmd::run(
        cmd::cargo()
            .args([
                "run",
                "--release",
                "-p",
                "anju-server",
                "--bin",
                "anju",
                "--",
                "serve",
            ])
            .args(rest),
    )
}
