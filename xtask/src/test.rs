//! `cargo xtask test`: every check in order, then one summary line per suite. A failure does
//! not stop the run, so the summary is always complete; the exit code is non-zero if any
//! suite failed. A suite that cannot run here (PostgreSQL without a URL) says "not run",
//! never "ok".

use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use crate::cmd::{self, Result};
use crate::{dist, e2e, engine, tidy};

enum Outcome {
    Passed,
    Failed(String),
    NotRun(String),
}

impl From<Result<()>> for Outcome {
    fn from(result: Result<()>) -> Outcome {
        match result {
            Ok(()) => Outcome::Passed,
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}

struct Suite {
    /// The name to select it with: `cargo xtask test e2e`.
    key: &'static str,
    /// The name in the summary.
    label: &'static str,
    run: fn() -> Outcome,
}

const SUITES: &[Suite] = &[
    Suite {
        key: "tidy",
        label: "tidy",
        run: || tidy::check(&cmd::project_root()).into(),
    },
    Suite {
        key: "fmt",
        label: "fmt",
        run: || cmd::run(cmd::cargo().args(["fmt", "--all", "--check"])).into(),
    },
    Suite {
        key: "clippy",
        label: "clippy",
        run: clippy,
    },
    Suite {
        key: "tests",
        label: "tests (sqlite)",
        // `--workspace` would also compile the wasm-only crates for the host.
        run: || {
            cmd::run(cmd::cargo().args([
                "test",
                "--workspace",
                "--exclude",
                "anju-app",
                "--exclude",
                "anju-bench-wasm",
            ]))
            .into()
        },
    },
    Suite {
        key: "postgres",
        label: "postgres",
        run: postgres,
    },
    Suite {
        key: "e2e",
        label: "e2e",
        run: || e2e::run().into(),
    },
    Suite {
        key: "wasm-diff",
        label: "wasm-diff (rule engine: native = wasm in Chromium)",
        run: || engine::diff().into(),
    },
];

pub(crate) fn run(args: &[String]) -> ExitCode {
    let selected: Vec<&Suite> = if args.is_empty() {
        SUITES.iter().collect()
    } else {
        let mut selected = Vec::new();
        for arg in args {
            match SUITES.iter().find(|s| s.key == arg) {
                Some(suite) => selected.push(suite),
                None => {
                    let keys: Vec<_> = SUITES.iter().map(|s| s.key).collect();
                    eprintln!("xtask: unknown suite `{arg}`; suites: {}", keys.join(" "));
                    return ExitCode::FAILURE;
                }
            }
        }
        selected
    };

    let mut results = Vec::new();
    for suite in selected {
        eprintln!("\n==> {}", suite.label);
        let started = std::time::Instant::now();
        let outcome = (suite.run)();
        results.push((suite.label, outcome, started.elapsed()));
    }

    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    println!("\n==> summary");
    for (label, outcome, took) in &results {
        let secs = took.as_secs_f64();
        match outcome {
            Outcome::Passed => {
                passed += 1;
                println!("{label} ok ({secs:.0} s)");
            }
            Outcome::Failed(why) => {
                failed += 1;
                println!("{label} FAILED ({secs:.0} s): {why}");
            }
            Outcome::NotRun(why) => {
                skipped += 1;
                println!("{label} not run ({why})");
            }
        }
    }
    println!("suites: {passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Native clippy over the workspace, then the wasm-only crates (the app and the bench
/// harness) for their only real target. Both run even when the first fails, so one run
/// shows every warning.
fn clippy() -> Outcome {
    let native = cmd::run(cmd::cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "anju-app",
        "--exclude",
        "anju-bench-wasm",
        "--all-targets",
        // The testkit (and the engine_bench example that needs it) is code too.
        "--features",
        "anju-shared/testkit",
        "--",
        "-D",
        "warnings",
    ]));
    let wasm = dist::ensure_wasm_target().and_then(|()| {
        cmd::run(cmd::cargo().args([
            "clippy",
            "-p",
            "anju-app",
            "-p",
            "anju-bench-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))?;
        // The resident form's build: the same crate without the staff feature.
        cmd::run(cmd::cargo().args([
            "clippy",
            "-p",
            "anju-app",
            "--no-default-features",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    });
    match (native, wasm) {
        (Ok(()), Ok(())) => Outcome::Passed,
        (native, wasm) => {
            let errors: Vec<String> = [native.err(), wasm.err()]
                .into_iter()
                .flatten()
                .map(|e| e.to_string())
                .collect();
            Outcome::Failed(errors.join("; "))
        }
    }
}

/// The PostgreSQL suite, only where `ANJU_TEST_PG_URL` names a database: without it the
/// tests would fail, and skipping them silently would pass off SQLite-only as tested.
fn postgres() -> Outcome {
    let url = match std::env::var("ANJU_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => return Outcome::NotRun("ANJU_TEST_PG_URL unset".into()),
    };
    // Fail in a second, with the fix, rather than after compiling the test binary.
    if let Some(addr) = pg_host_port(&url) {
        let reachable = addr
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok());
        if !reachable {
            return Outcome::Failed(format!(
                "nothing answers at {addr} (ANJU_TEST_PG_URL); a local server starts with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
            ));
        }
    }
    cmd::run(cmd::cargo().args([
        "test",
        "-p",
        "anju-server",
        "--features",
        "pg-tests",
        // The whole server suite on PostgreSQL (each test in a database of its own), then
        // what only PostgreSQL shows: several instances on one database, the schemas agree.
        "--test",
        "api",
        "--test",
        "postgres",
    ]))
    .into()
}

/// `host:port` of a `postgres://user:pw@host:port/db` URL; `None` when the URL names no TCP
/// host (a Unix socket), so the check is left to the tests.
fn pg_host_port(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    if host_port.contains(':') && !host_port.ends_with(']') {
        Some(host_port.to_owned())
    } else {
        Some(format!("{host_port}:5432"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_postgres_host_and_port() {
        for (url, expected) in [
            (
                "postgres://postgres@127.0.0.1:5432/test",
                Some("127.0.0.1:5432"),
            ),
            ("postgresql://u:p%40ss@db.local/anju", Some("db.local:5432")),
            ("postgres://localhost:6543", Some("localhost:6543")),
            ("postgres://[::1]:5433/test", Some("[::1]:5433")),
            ("postgres://[::1]/test", Some("[::1]:5432")),
            ("postgres:///test?host=/run/postgresql", None),
            ("sqlite://data/anju.db", None),
        ] {
            assert_eq!(pg_host_port(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn suites_have_distinct_keys() {
        let mut keys: Vec<_> = SUITES.iter().map(|s| s.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), SUITES.len());
    }
}
