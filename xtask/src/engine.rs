//! The rule engine measured and cross-checked natively and in the browser: the native
//! `engine_bench` example of anju-shared, and the same testkit compiled to wasm
//! (bench-wasm/) run in headless Chromium through `e2e/wasm_bench.mjs`, served by a tiny
//! static HTTP server of our own. Used by `cargo xtask bench` (timings) and by the
//! `wasm-diff` suite of `cargo xtask test` (same answers).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::cmd::{self, PathContext, Result};
use crate::{dist, e2e};

const HARNESS_LIB: &str = "anju_bench_wasm";

/// The batch the differential test compares: fixed, so a failure can be replayed.
pub(crate) const DIFF_SEED: u32 = 7;
pub(crate) const DIFF_ORDERS: u32 = 10_000;

/// `engine_bench` natively, in release: its last stdout line, parsed.
pub(crate) fn native(args: &[&str]) -> Result<Value> {
    let out = cmd::stdout(
        cmd::cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "anju-shared",
                "--features",
                "testkit",
                "--example",
                "engine_bench",
                "--",
            ])
            .args(args),
    )?;
    last_json_line(&out, "engine_bench")
}

/// The wasm harness, built and served, ready for [`Browser::run`].
pub(crate) struct Browser {
    server: StaticServer,
    script: PathBuf,
    e2e: PathBuf,
    dir: PathBuf,
}

impl Browser {
    /// Builds bench-wasm for wasm32 in the `release` profile (speed, not size: it measures
    /// the engine, not the app's download), runs wasm-bindgen on it and serves the result.
    pub(crate) fn start() -> Result<Browser> {
        let root = cmd::project_root();
        dist::ensure_wasm_target()?;
        let artifacts = cmd::cargo_build(cmd::cargo().args([
            "build",
            "-p",
            "anju-bench-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--release",
        ]))?;
        let wasm = artifacts
            .into_iter()
            .filter(|a| a.target == HARNESS_LIB)
            .flat_map(|a| a.filenames)
            .find(|f| f.extension().is_some_and(|e| e == "wasm"))
            .ok_or("cargo built no anju_bench_wasm.wasm")?;
        let bindgen = dist::wasm_bindgen_cli()?;

        // Under /target (git ignores it), one directory per xtask process.
        let dir = root
            .join("target")
            .join(format!("bench-wasm-{}", std::process::id()));
        remove_dir_if_present(&dir)?;
        std::fs::create_dir_all(&dir).at(&dir)?;
        cmd::run(
            Command::new(&bindgen)
                .args([
                    "--target",
                    "web",
                    "--no-typescript",
                    "--out-name",
                    HARNESS_LIB,
                ])
                .arg("--out-dir")
                .arg(&dir)
                .arg(&wasm),
        )?;
        let page = root.join("bench-wasm/static/index.html");
        std::fs::copy(&page, dir.join("index.html")).at(&page)?;

        e2e::ensure_chromium()?;
        let e2e = root.join("e2e");
        dist::ensure_npm_packages(&e2e)?;
        let server = StaticServer::start(&dir)?;
        Ok(Browser {
            server,
            script: e2e.join("wasm_bench.mjs"),
            e2e,
            dir,
        })
    }

    /// `node e2e/wasm_bench.mjs URL ARGS…`: its JSON answer.
    pub(crate) fn run(&self, args: &[String]) -> Result<Value> {
        let url = format!("http://{}/", self.server.addr);
        let out = cmd::stdout(
            Command::new("node")
                .arg(&self.script)
                .arg(&url)
                .args(args)
                .current_dir(&self.e2e),
        )?;
        last_json_line(&out, "wasm_bench.mjs")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(dir),
        _ => Ok(()),
    }
}

/// The last non-empty line of a tool's stdout, parsed: the tools log above it.
pub(crate) fn last_json_line(out: &str, from: &str) -> Result<Value> {
    let line = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| format!("{from} printed nothing on stdout"))?;
    serde_json::from_str(line).map_err(|e| format!("{from} printed `{line}`: {e}").into())
}

/// `cargo xtask test wasm-diff`: the digest of the same generated orders natively and in
/// wasm under Chromium must be equal, field by field; any difference fails loudly with
/// both digests.
pub(crate) fn diff() -> Result<()> {
    let seed = DIFF_SEED.to_string();
    let orders = DIFF_ORDERS.to_string();
    let native = native(&["--digest", "--seed", &seed, "--orders", &orders])?;
    let browser = Browser::start()?;
    let wasm = browser.run(&["digest".into(), seed.clone(), orders.clone()])?;
    eprintln!("native: {native}\nwasm:   {wasm}");
    compare_digests(&native, &wasm)?;
    println!(
        "wasm-diff: {orders} orders (seed {seed}) decide the same natively and in wasm: {native}"
    );
    Ok(())
}

/// Equal digests, or an error naming every field that differs.
pub(crate) fn compare_digests(native: &Value, wasm: &Value) -> Result<()> {
    let fields = [
        "orders",
        "urgent",
        "overdue",
        "escalated",
        "hotspots",
        "majors",
        "hash",
    ];
    let differing: Vec<String> = fields
        .iter()
        .filter(|f| native[**f] != wasm[**f] || native[**f].is_null())
        .map(|f| format!("{f}: native {} vs wasm {}", native[*f], wasm[*f]))
        .collect();
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "NATIVE AND WASM DISAGREE on the rule engine's answers ({}); \
             replay: engine_bench --digest and bench-wasm's digest()",
            differing.join(", ")
        )
        .into())
    }
}

/// A static file server for one directory on a free loopback port, for as long as it lives:
/// just enough HTTP (GET, Content-Type, Content-Length) for a browser to load a page, its
/// JavaScript and its wasm (which Chromium compiles only when served as
/// `application/wasm`).
pub(crate) struct StaticServer {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StaticServer {
    pub(crate) fn start(dir: &Path) -> Result<StaticServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let dir = dir.to_path_buf();
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                // A thread per connection: a browser may open a connection ahead of need
                // and send nothing on it, which must not hold up the others.
                if let Ok(stream) = stream {
                    let dir = dir.clone();
                    std::thread::spawn(move || serve(&dir, stream));
                }
            }
        });
        Ok(StaticServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(dir: &Path, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read the rest of the head: closing with unread input would reset the connection.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let (status, kind, body) = match answer(dir, &request_line) {
        Some((kind, body)) => ("200 OK", kind, body),
        None => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

/// The content type and bytes for a request line, or `None` for anything but a GET of a
/// plain file name in `dir`.
fn answer(dir: &Path, request_line: &str) -> Option<(&'static str, Vec<u8>)> {
    let mut parts = request_line.split_whitespace();
    if parts.next()? != "GET" {
        return None;
    }
    let path = parts.next()?.split(['?', '#']).next()?;
    let name = match path.strip_prefix('/')? {
        "" => "index.html",
        name => name,
    };
    // Only files directly in `dir`: nothing else of the machine is served.
    if name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return None;
    }
    let body = std::fs::read(dir.join(name)).ok()?;
    Some((content_type(name), body))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn serves_files_with_their_types_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("xtask-static-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("a_bg.wasm"), b"\0asm").unwrap();
        let server = StaticServer::start(&dir).unwrap();

        let page = get(server.addr, "/");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("Content-Type: text/html"), "{page}");
        assert!(page.ends_with("<p>hi</p>"), "{page}");
        let wasm = get(server.addr, "/a_bg.wasm?v=1");
        assert!(
            wasm.contains("Content-Type: application/wasm\r\n"),
            "{wasm}"
        );
        assert!(wasm.contains("Content-Length: 4\r\n"), "{wasm}");
        for path in ["/../etc/passwd", "/missing.js", "/sub/x.js"] {
            assert!(get(server.addr, path).starts_with("HTTP/1.1 404"), "{path}");
        }
        drop(server);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn digests_compare_field_by_field() {
        let a: Value = serde_json::from_str(
            r#"{"orders":3,"urgent":1,"overdue":0,"escalated":1,"hotspots":0,"majors":0,"hash":"00ff"}"#,
        )
        .unwrap();
        assert!(compare_digests(&a, &a).is_ok());
        let mut b = a.clone();
        b["hash"] = "00fe".into();
        let error = compare_digests(&a, &b).unwrap_err().to_string();
        assert!(
            error.contains("DISAGREE") && error.contains("hash"),
            "{error}"
        );
        assert!(compare_digests(&a, &Value::Null).is_err());
    }
}
