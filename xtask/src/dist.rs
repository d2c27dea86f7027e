//! `cargo xtask dist`: the app as static files in dist/ (cargo → wasm-bindgen → wasm-opt →
//! static files and CSS), with every tool it needs installed on first use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cmd::{self, PathContext, Result};
use crate::sizes;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The app's lib name (`[lib] name` of app/Cargo.toml), the name cargo gives its wasm.
const APP_LIB: &str = "anju_app";
/// The app's entries: the name of their files in dist/ and the cargo flags that build them.
/// The staff app (`index.html`) is the default build; the resident form (`report.html`) is
/// the same crate without the staff feature, so residents download only the form.
/// The field scanner's QR decoder is a crate of its own (qr/), fetched only when the scanner
/// opens on a browser without `BarcodeDetector`.
const ENTRIES: [(&str, &str, &str, &[&str]); 3] = [
    (
        "anju_app",
        "anju-app",
        APP_LIB,
        &["--profile", "wasm-release"],
    ),
    // A profile of its own (same settings, see Cargo.toml), so that each entry stays built.
    (
        "anju_report",
        "anju-app",
        APP_LIB,
        &["--no-default-features", "--profile", "wasm-report"],
    ),
    ("anju_qr", "anju-qr", "anju_qr", &["--profile", "wasm-qr"]),
];

/// The styles of the resident's pages (`report.css`); the staff app's `anju.css` has every
/// file of style/.
const RESIDENT_CSS: [&str; 3] = ["00-tokens.css", "10-base.css", "20-report.css"];

/// The classifier's lexicon, trained weights and traditional → simplified table for the
/// resident form, which loads them
/// once the form is interactive (the server and the staff app build them in): a JSON
/// string, so the form reads it with the JSON reader it already carries.
pub(crate) const LEXICON_FILE: &str = "lexicon.json";

/// `lexicon.txt`, the line `@model` (`anju_shared::classify::MODEL_SEPARATOR`),
/// `model.txt`, the line `@traditional`, then `traditional.txt` (the traditional →
/// simplified table), without their comment lines (they explain the files to the people
/// who edit them; the parsers skip them, as `shared/build.rs` leaves them out of the
/// binaries), as a JSON string.
fn lexicon_json(lexicon: &Path, model: &Path, traditional: &Path) -> Result<String> {
    let kept = |path: &Path| -> Result<String> {
        let text = std::fs::read_to_string(path).at(path)?;
        Ok(text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .map(|l| format!("{}\n", l.trim_end()))
            .collect())
    };
    let text = format!(
        "{}@model\n{}@traditional\n{}",
        kept(lexicon)?,
        kept(model)?,
        kept(traditional)?
    );
    Ok(serde_json::to_string(&text)?)
}

/// Builds dist/ from scratch and returns its path.
pub(crate) fn run() -> Result<PathBuf> {
    let started = Instant::now();
    let root = cmd::project_root();
    ensure_wasm_target()?;

    // Read after a build, which creates or updates Cargo.lock; then every entry is built.
    let mut bindgen = None;

    // Assembled aside and moved into place at the end, so a server serving dist/ (or a
    // second `cargo xtask dist`) never sees a half-built one. Under /target, which git
    // ignores, on the same file system as dist/ so that the moves are renames.
    let staging_root = root.join("target");
    let staging = staging_root.join(format!("dist-new-{}", std::process::id()));
    remove_dir_if_present(&staging)?;
    std::fs::create_dir_all(&staging).at(&staging)?;

    for (name, package, lib, features) in ENTRIES {
        let artifacts = cmd::cargo_build(
            cmd::cargo()
                .args(["build", "-p", package, "--target", WASM_TARGET])
                .args(features),
        )?;
        // Both entries of the app come out of cargo under the lib's name, so each is bound
        // (and renamed) before the next build replaces it.
        let wasm = artifacts
            .into_iter()
            .filter(|a| a.target == lib)
            .flat_map(|a| a.filenames)
            .find(|f| f.extension().is_some_and(|e| e == "wasm"))
            .ok_or("cargo built no anju_app.wasm: is app/ a cdylib with lib name `anju_app`?")?;
        let bindgen = match &bindgen {
            Some(path) => path,
            None => bindgen.insert(wasm_bindgen_cli()?),
        };
        cmd::run(
            Command::new(bindgen)
                .args(["--target", "web", "--no-typescript", "--out-name", name])
                .arg("--out-dir")
                .arg(&staging)
                .arg(&wasm),
        )?;
        // The glue's doc comments are for its readers, not for a phone on mobile data: out
        // (about 0.6 KB gzip of the resident's 200 KB first load).
        let glue = staging.join(format!("{name}.js"));
        let text = std::fs::read_to_string(&glue).at(&glue)?;
        std::fs::write(&glue, strip_doc_comments(&text)).at(&glue)?;
        // Cargo's layout is <target dir>/<triple>/<profile>/<file>.
        let target_dir = wasm.ancestors().nth(3).unwrap_or(&root);
        let cache = target_dir.join("wasm-opt-cache").join(name);
        wasm_opt(&root, &cache, &staging.join(format!("{name}_bg.wasm")))?;
    }

    let static_dir = root.join("app/static");
    if static_dir.is_dir() {
        copy_tree(&static_dir, &staging)?;
    } else {
        eprintln!("xtask: no app/static/ yet, so dist/ has no index.html");
    }
    let css = concat_css(&root.join("style"), |_| true)?;
    std::fs::write(staging.join("anju.css"), css).at(&staging)?;
    let css = concat_css(&root.join("style"), |name| RESIDENT_CSS.contains(&name))?;
    std::fs::write(staging.join("report.css"), css).at(&staging)?;
    let lexicon = lexicon_json(
        &root.join("shared/src/classify/lexicon.txt"),
        &root.join("shared/src/classify/model.txt"),
        &root.join("shared/src/classify/traditional.txt"),
    )?;
    std::fs::write(staging.join(LEXICON_FILE), lexicon).at(&staging)?;

    let dist = root.join("dist");
    let old = staging_root.join(format!("dist-old-{}", std::process::id()));
    match std::fs::rename(&dist, &old) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).at(&dist),
        _ => {}
    }
    std::fs::rename(&staging, &dist).at(&dist)?;
    remove_dir_if_present(&old)?;

    println!(
        "\ndist/ built in {:.1} s:\n",
        started.elapsed().as_secs_f64()
    );
    println!("{}", sizes::file_table(&dist)?);
    Ok(dist)
}

/// wasm-bindgen's glue without its `/** … */` doc blocks and whole-line `//` comments (the
/// glue writes no such text inside a string).
fn strip_doc_comments(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(start) = rest.find("/**") {
        out.push_str(&rest[..start]);
        match rest[start..].find("*/") {
            Some(end) => {
                rest = &rest[start + end + 2..];
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The wasm-bindgen CLI at the version Cargo.lock records, installed when missing. Call it
/// after a wasm build, which creates or updates Cargo.lock.
pub(crate) fn wasm_bindgen_cli() -> Result<PathBuf> {
    let lock_file = cmd::project_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_file).at(&lock_file)?;
    let version = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no wasm-bindgen: does app/ depend on it?")?;
    ensure_wasm_bindgen(&version)
}

pub(crate) fn ensure_wasm_target() -> Result<()> {
    let Some(installed) = cmd::read("rustup", &["target", "list", "--installed"]) else {
        // A toolchain without rustup: let cargo say whether the target is there.
        eprintln!("xtask: rustup not found; assuming {WASM_TARGET} is installed");
        return Ok(());
    };
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of `package` recorded in a Cargo.lock.
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    lines.find(|line| line.trim() == name_line)?;
    let version = lines.next()?.trim().strip_prefix("version = \"")?;
    Some(version.strip_suffix('"')?.to_owned())
}

/// The version a `wasm-bindgen --version` prints ("wasm-bindgen 0.2.130").
fn bindgen_version(program: &Path) -> Option<String> {
    let out = cmd::read(program, &["--version"])?;
    Some(out.split_whitespace().nth(1)?.to_owned())
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// A wasm-bindgen CLI of exactly the version the app links against: the two must match
/// or the generated JS does not fit the wasm. Installs it when missing.
fn ensure_wasm_bindgen(version: &str) -> Result<PathBuf> {
    let installed = cargo_home().join("bin/wasm-bindgen");
    for candidate in [PathBuf::from("wasm-bindgen"), installed.clone()] {
        if bindgen_version(&candidate).as_deref() == Some(version) {
            return Ok(candidate);
        }
    }
    eprintln!("xtask: installing wasm-bindgen-cli {version} (about 3 minutes, once)");
    // Not `--locked`: the CLI's own lockfile wants a webpki-roots release this registry
    // lacks (shared/TOOLCHAIN.md); resolving afresh works.
    cmd::run(cmd::cargo().args(["install", "wasm-bindgen-cli", "--version", version]))?;
    match bindgen_version(&installed) {
        Some(found) if found == version => Ok(installed),
        found => Err(format!(
            "after installing, {} reports version {found:?}, not {version}",
            installed.display()
        )
        .into()),
    }
}

/// Installs a node tool directory's packages from its committed lockfile when they are
/// missing or older than the lockfile.
pub(crate) fn ensure_npm_packages(dir: &Path) -> Result<()> {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    // npm writes node_modules/.package-lock.json on every install.
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let wanted = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= wanted {
        return Ok(());
    }
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
    )
}

/// The flags for wasm-opt: smallest code, and the features rustc enables by default for
/// wasm32-unknown-unknown, which wasm-opt must know to read the module and may use when
/// rewriting it.
const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Shrinks the wasm with binaryen's wasm-opt from npm: Debian's binaryen (108) breaks
/// wasm-bindgen's output (`WebAssembly.Table.set(): Argument 1 is invalid`), and running
/// it after wasm-bindgen is what gives the smallest file.
///
/// The npm build runs on node and takes most of a warm `dist` (30–50 s), so its last
/// result is kept in `cache` (in cargo's target directory, which CI keeps between its
/// fresh clones) and reused while its input, flags and version are the same: a test run
/// after a server-only change does not pay for it again.
fn wasm_opt(root: &Path, cache: &Path, wasm: &Path) -> Result<()> {
    let tools = root.join("tools");
    ensure_npm_packages(&tools)?;
    let input = std::fs::read(wasm).at(wasm)?;
    let lock = tools.join("package-lock.json");
    let key = cache_key(&[
        &input,
        WASM_OPT_ARGS.join(" ").as_bytes(),
        &std::fs::read(&lock).at(&lock)?,
    ]);
    let cached = cache.join(format!("{key}.wasm"));

    if cached.exists() {
        std::fs::copy(&cached, wasm).at(wasm)?;
        eprintln!("wasm-opt: input unchanged, reusing {}", cached.display());
    } else {
        let optimized = wasm.with_extension("opt.wasm");
        cmd::run(
            Command::new("node")
                .arg(tools.join("node_modules/binaryen/bin/wasm-opt"))
                .args(WASM_OPT_ARGS)
                .arg(wasm)
                .arg("-o")
                .arg(&optimized),
        )?;
        std::fs::rename(&optimized, wasm).at(wasm)?;
        // Named by its key and moved in whole, so a file there is always complete and
        // right for its key, even with two builds at once. Only the newest is kept.
        std::fs::create_dir_all(cache).at(cache)?;
        let partial = cache.join(format!("{key}.{}.partial", std::process::id()));
        std::fs::copy(wasm, &partial).at(&partial)?;
        std::fs::rename(&partial, &cached).at(&cached)?;
        for entry in std::fs::read_dir(cache).at(cache)? {
            let path = entry?.path();
            if path != cached && path.extension().is_some_and(|e| e == "wasm") {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    let after = std::fs::metadata(wasm).at(wasm)?.len();
    eprintln!(
        "wasm-opt -Oz: {} → {}",
        sizes::kb(input.len()),
        sizes::kb(after as usize)
    );
    Ok(())
}

/// A content hash of several inputs, for the wasm-opt cache. SipHash with fixed keys:
/// stable for one build of xtask, which is all a local cache needs.
fn cache_key(parts: &[&[u8]]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(dir),
        _ => Ok(()),
    }
}

/// Copies `from/**` into `to/`, keeping the layout (icons/ stays icons/).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for file in sizes::files_below(from)? {
        let target = to.join(&file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).at(parent)?;
        }
        std::fs::copy(from.join(&file), &target).at(&target)?;
    }
    Ok(())
}

/// Every `style/*.css`, in file-name order (so `00-tokens.css` comes first), as one file:
/// one request instead of one per surface.
fn concat_css(style: &Path, wanted: impl Fn(&str) -> bool) -> Result<String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(style) {
        Ok(entries) => entries
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    files.retain(|f| {
        f.extension().is_some_and(|e| e == "css")
            && wanted(&f.file_name().unwrap_or_default().to_string_lossy())
    });
    files.sort();
    let mut css = String::new();
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        css.push_str(&format!("/* style/{name} */\n"));
        css.push_str(&std::fs::read_to_string(&file).at(&file)?);
        if !css.ends_with('\n') {
            css.push('\n');
        }
    }
    Ok(css)
}

#[cfg(test)]
mod tests {
    #[test]
    fn glue_loses_its_comments_and_keeps_its_code() {
        let js = "/** doc\n * @param {number} a\n */\nexport function f(a) {\n    // why\n    return a / 2; // half\n}\n";
        assert_eq!(
            super::strip_doc_comments(js),
            "export function f(a) {\n    return a / 2; // half\n}\n"
        );
    }

    use super::*;

    #[test]
    fn reads_a_locked_version() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.129"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "leptos"), None);
    }

    #[test]
    fn cache_keys_change_with_any_input() {
        let key = cache_key(&[b"wasm", b"-Oz"]);
        assert_eq!(key, cache_key(&[b"wasm", b"-Oz"]));
        assert_ne!(key, cache_key(&[b"wasm!", b"-Oz"]));
        assert_ne!(key, cache_key(&[b"wasm", b"-Os"]));
        // Parts are length-prefixed, so moving a byte between them changes the key.
        assert_ne!(key, cache_key(&[b"was", b"m-Oz"]));
    }

    #[test]
    fn concatenates_css_in_file_name_order() {
        let dir = std::env::temp_dir().join(format!("xtask-css-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("20-desk.css"), ".desk{}").unwrap();
        std::fs::write(dir.join("00-tokens.css"), ":root{}\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "not css").unwrap();
        let css = concat_css(&dir, |_| true).unwrap();
        let tokens_only = concat_css(&dir, |name| name == "00-tokens.css").unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(tokens_only, "/* style/00-tokens.css */\n:root{}\n");
        assert_eq!(
            css,
            "/* style/00-tokens.css */\n:root{}\n/* style/20-desk.css */\n.desk{}\n"
        );
    }

    #[test]
    fn no_style_directory_gives_empty_css() {
        assert_eq!(
            concat_css(Path::new("/nonexistent/style"), |_| true).unwrap(),
            ""
        );
    }
}
