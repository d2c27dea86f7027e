//! The browser tests: a fresh dist/, a server on a free port with an empty SQLite database,
//! Debian's Chromium driven by `node --test` over `e2e/tests/*.test.mjs`, then cleanup.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::cmd::{self, Result};
use crate::dist;

const CHROMIUM: &str = "/usr/bin/chromium";
/// A CJK font, so that screenshots of failed tests show Chinese instead of boxes.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
/// The server migrates and seeds a fresh database before it answers.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);
/// Each test has its own 60 s limit; this one catches a runner that hangs outside a test.
const RUN_LIMIT: Duration = Duration::from_secs(15 * 60);

pub(crate) fn run() -> Result<()> {
    let root = cmd::project_root();
    let dist = dist::run()?;
    let server = build_server(false)?;
    ensure_chromium()?;
    let e2e = root.join("e2e");
    dist::ensure_npm_packages(&e2e)?;
    let tests = test_files(&e2e.join("tests"))?;

    let scratch = std::env::temp_dir().join(format!("anju-e2e-{}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    let log = scratch.join("server.log");

    let outcome = (|| {
        // The server's clock passes every second, so a test sees an escalation arrive
        // without waiting a minute.
        let running = Server::start(&server, &scratch, &dist, &log, 1)?;
        let url = format!("http://{}", running.addr);
        eprintln!("server at {url} (log: {})", log.display());
        run_node(&e2e, &tests, &url)
    })();

    match outcome {
        Ok(()) => {
            std::fs::remove_dir_all(&scratch)?;
            Ok(())
        }
        Err(error) => {
            eprintln!("\n--- last lines of {} ---", log.display());
            eprintln!("{}", tail(&log, 40));
            eprintln!("(kept {} for a look)", scratch.display());
            Err(error)
        }
    }
}

/// The `anju` binary. The browser tests take the debug profile: after `cargo test
/// --workspace` it is already built, so on a warm cache this costs seconds, where release
/// would recompile it with LTO. Benchmarks take release, what is deployed.
pub(crate) fn build_server(release: bool) -> Result<PathBuf> {
    let mut command = cmd::cargo();
    command.args(["build", "-p", "anju-server", "--bin", "anju"]);
    if release {
        command.arg("--release");
    }
    let artifacts = cmd::cargo_build(&mut command)?;
    artifacts
        .into_iter()
        .filter(|a| a.target == "anju")
        .find_map(|a| a.executable)
        .ok_or_else(|| "cargo built no `anju` executable".into())
}

pub(crate) fn ensure_chromium() -> Result<()> {
    let missing: Vec<&str> = [(CHROMIUM, "chromium"), (CJK_FONT, "fonts-wqy-microhei")]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // Debian's build: playwright's own browser download cannot work without internet.
    let apt = |args: &[&str]| {
        cmd::run(
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update"])?;
    apt(&[&["install", "-y"][..], &missing].concat())
        .map_err(|e| format!("{e}; install {} by hand (as root)", missing.join(" ")).into())
}

fn test_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|f| f.to_string_lossy().ends_with(".test.mjs"));
    // `ANJU_E2E_ONLY=field_offline,patrol cargo xtask test e2e`: the files whose name holds
    // one of these, for a developer working on a few surfaces (CI leaves it unset and runs
    // every file).
    if let Ok(only) = std::env::var("ANJU_E2E_ONLY") {
        files.retain(|f| {
            f.file_name().is_some_and(|n| {
                let name = n.to_string_lossy();
                only.split(',').any(|part| name.contains(part.trim()))
            })
        });
    }
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.test.mjs in {}", dir.display()).into());
    }
    Ok(files)
}

/// A free port on the loopback interface: the kernel picks one for a listener we drop at
/// once. Another process could take it in between; on a test machine that is rare enough.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running `anju serve`, stopped when dropped, so no early return leaves it behind.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// `binary serve` on a free port with a fresh SQLite database in `scratch` (seeded with
    /// the demo estate, as on any first start), serving the app from `dist`, its output in
    /// `log`; returns once it answers `/api/health`.
    /// Starts `anju serve`; `clock_seconds` is the server's clock period (0: off, for a bench
    /// that counts the events it put in).
    pub(crate) fn start(
        binary: &Path,
        scratch: &Path,
        dist: &Path,
        log: &Path,
        clock_seconds: u32,
    ) -> Result<Server> {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let db = scratch.join("anju.db");
        let log_file = File::create(log)?;
        let mut command = Command::new(binary);
        command
            .arg("serve")
            // In the scratch directory, whatever the server writes relative to its current
            // directory is thrown away with it.
            .current_dir(scratch)
            .env("ANJU_ADDR", addr.to_string())
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("ANJU_DIST", dist)
            // Every browser test reports from 127.0.0.1: the per-address limit of the public
            // form (tested on its own in server/tests) would cut the later tests off.
            .env("ANJU_REPORT_LIMIT", "1000")
            .env("ANJU_CLOCK_SECONDS", clock_seconds.to_string())
            // Webhooks: the browser test's receiver listens on 127.0.0.1 over plain HTTP, and
            // "send again" is seen within a second. Nothing else is ever registered, so the
            // sender reaches no other address.
            .env(
                "ANJU_WEBHOOK_SECONDS",
                if clock_seconds > 0 { "1" } else { "0" },
            )
            .env("ANJU_WEBHOOK_ALLOW_PRIVATE", "1")
            .env("ANJU_WEBHOOK_ALLOW_HTTP", "1")
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        eprintln!("$ {}", cmd::display(&command));
        let mut server = Server {
            child: command.spawn()?,
            addr,
        };
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("the server exited during start-up ({status})").into());
            }
            match http_get(addr, "/api/health") {
                Ok(answer) if answer.starts_with("HTTP/1.1 200") => {
                    eprintln!(
                        "server healthy after {:.1} s",
                        started.elapsed().as_secs_f64()
                    );
                    return Ok(server);
                }
                _ if started.elapsed() > STARTUP_LIMIT => {
                    return Err(format!(
                        "GET /api/health did not answer 200 within {} s",
                        STARTUP_LIMIT.as_secs()
                    )
                    .into());
                }
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Nothing of this server's state is kept, so there is nothing to shut down gently.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET: the whole answer, status line first. Enough to poll a health
/// endpoint without an HTTP client crate.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    // One write, so the request leaves as one piece.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// `node --test` over the given files, one file at a time (they share the server, and two
/// Chromiums on two cores only slow each other down), killed whole if it overruns.
fn run_node(e2e: &Path, tests: &[PathBuf], url: &str) -> Result<()> {
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .args(tests)
        .current_dir(e2e)
        .env("ANJU_URL", url)
        // Its own process group, so that on a time-out the test processes and their
        // browsers go with it.
        .process_group(0);
    eprintln!("$ ANJU_URL={url} {}", cmd::display(&command));
    let mut child = command.spawn()?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("node --test failed ({status})").into())
            };
        }
        if started.elapsed() > RUN_LIMIT {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            return Err(format!(
                "node --test still running after {} s: killed",
                RUN_LIMIT.as_secs()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The last `lines` lines of a text file (empty when it cannot be read).
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_nonzero_and_bindable() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn http_get_reads_a_whole_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            // Read the whole head: closing with unread input would reset the connection.
            let mut request = Vec::new();
            let mut byte = [0];
            while !request.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).unwrap();
                request.push(byte[0]);
            }
            let request = String::from_utf8(request).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                .unwrap();
            request
        });
        let answer = http_get(addr, "/api/health").unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("{}"), "{answer}");
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /api/health HTTP/1.1\r\n"),
            "{request}"
        );
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let file = std::env::temp_dir().join(format!("xtask-tail-{}", std::process::id()));
        std::fs::write(&file, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&file, 2), "b\nc");
        assert_eq!(tail(&file, 10), "a\nb\nc");
        std::fs::remove_file(&file).unwrap();
        assert_eq!(tail(&file, 2), "");
    }
}
