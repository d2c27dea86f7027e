//! Download sizes of the built app: raw, gzip and brotli, as a browser would fetch them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cmd::Result;

/// Sizes in bytes of one file or a sum of files.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Sizes {
    pub(crate) raw: usize,
    pub(crate) gzip: usize,
    pub(crate) brotli: usize,
}

impl std::ops::Add for Sizes {
    type Output = Sizes;
    fn add(self, other: Sizes) -> Sizes {
        Sizes {
            raw: self.raw + other.raw,
            gzip: self.gzip + other.gzip,
            brotli: self.brotli + other.brotli,
        }
    }
}

/// Compresses at the strongest settings, as a static host would pre-compress the files.
pub(crate) fn measure(bytes: &[u8]) -> Sizes {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes).expect("writing to a Vec cannot fail");
    let gzip = gzip.finish().expect("writing to a Vec cannot fail").len();

    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut brotli = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut brotli, &params)
        .expect("compressing from a slice into a Vec cannot fail");

    Sizes {
        raw: bytes.len(),
        gzip,
        brotli: brotli.len(),
    }
}

/// Kilobytes of 1000 bytes, as browsers' developer tools count them.
pub(crate) fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// Whether a file is part of the first page load: the code and styles a browser must
/// fetch before the app is usable (HTML and icons are small and not counted).
pub(crate) fn is_first_load(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("wasm" | "js" | "css")
    )
}

/// Every file below `dir`, sorted, as paths relative to `dir`.
pub(crate) fn files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                pending.push(entry.path());
            } else {
                files.push(entry.path().strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Files the scripts name but fetch only when a screen asks for them (the field scanner's QR
/// decoder, see boot.js): measured on their own row of `cargo xtask bench size`, not as part
/// of a first load.
pub(crate) const ON_DEMAND: [&str; 2] = ["anju_qr.js", "anju_qr_bg.wasm"];

/// The files a browser fetches to open `page` (an HTML file of `dir`): every local `.wasm`,
/// `.js` and `.css` the page names, and those the scripts it loads name in turn (the boot
/// script imports the bindings and names the wasm and the service worker), found by their
/// quoted absolute paths. Sorted, each once.
pub(crate) fn page_files(dir: &Path, page: &str) -> Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut pending = vec![PathBuf::from(page)];
    while let Some(file) = pending.pop() {
        let text = std::fs::read(dir.join(&file))
            .map_err(|e| format!("{}: {e}", dir.join(&file).display()))?;
        // Wasm is binary; scripts (the bindings too) are scanned for the files they name.
        if file.extension().is_some_and(|e| e == "wasm") {
            continue;
        }
        for name in quoted_paths(&String::from_utf8_lossy(&text)) {
            let name = PathBuf::from(name);
            let on_demand = ON_DEMAND.iter().any(|f| name == Path::new(f));
            if is_first_load(&name)
                && !on_demand
                && dir.join(&name).is_file()
                && !found.contains(&name)
            {
                found.push(name.clone());
                pending.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Every `"/x.ext"` or `'/x.ext'` in `text`: a local absolute path, without its slash. Each
/// quote followed by `/` opens one, closed by the next quote of the same kind, so an
/// apostrophe elsewhere (in a comment) cannot shift which text counts as quoted.
fn quoted_paths(text: &str) -> Vec<&str> {
    let mut paths = Vec::new();
    for quote in ['"', '\''] {
        let opening = format!("{quote}/");
        for (at, _) in text.match_indices(&opening) {
            let rest = &text[at + opening.len()..];
            let Some(end) = rest.find(quote) else {
                continue;
            };
            let path = &rest[..end];
            // `//host/…` is another origin's.
            if !path.is_empty() && !path.starts_with('/') && !path.contains(char::is_whitespace) {
                paths.push(path);
            }
        }
    }
    paths
}

/// The first load of `page`: its files (see [`page_files`]) and their summed sizes.
pub(crate) fn page_load(dir: &Path, page: &str) -> Result<(Vec<PathBuf>, Sizes)> {
    let files = page_files(dir, page)?;
    let mut total = Sizes::default();
    for file in &files {
        total = total + measure(&std::fs::read(dir.join(file))?);
    }
    Ok((files, total))
}

/// Measures every file of `dir`; returns the per-file rows and the first-load total.
pub(crate) fn measure_dir(dir: &Path) -> Result<(Vec<(PathBuf, Sizes)>, Sizes)> {
    let mut rows = Vec::new();
    let mut first_load = Sizes::default();
    for file in files_below(dir)? {
        let sizes = measure(&std::fs::read(dir.join(&file))?);
        if is_first_load(&file) {
            first_load = first_load + sizes;
        }
        rows.push((file, sizes));
    }
    Ok((rows, first_load))
}

/// A markdown table of the files of `dir` with the total of all code and styles as its last
/// row (each page's own first load is [`page_load`]).
pub(crate) fn file_table(dir: &Path) -> Result<String> {
    let (rows, first_load) = measure_dir(dir)?;
    let mut table = String::from("| file | raw | gzip | brotli |\n|---|---:|---:|---:|\n");
    let mut line = |name: &str, s: Sizes| {
        table.push_str(&format!(
            "| {name} | {} | {} | {} |\n",
            kb(s.raw),
            kb(s.gzip),
            kb(s.brotli)
        ));
    };
    for (file, sizes) in rows {
        line(&file.display().to_string(), sizes);
    }
    // Both pages' code together: what a device that opens both would have fetched.
    line("**all code and styles** (.wasm .js .css)", first_load);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_shrinks_repetitive_input() {
        let text = "卫生间漏水,请尽快来修。".repeat(200);
        let sizes = measure(text.as_bytes());
        assert_eq!(sizes.raw, text.len());
        assert!(sizes.gzip < sizes.raw / 10, "{sizes:?}");
        assert!(sizes.brotli < sizes.raw / 10, "{sizes:?}");
    }

    #[test]
    fn counts_code_and_styles_as_first_load() {
        for (file, counted) in [
            ("anju_app_bg.wasm", true),
            ("anju_app.js", true),
            ("sw.js", true),
            ("anju.css", true),
            ("index.html", false),
            ("icons/icon-192.png", false),
        ] {
            assert_eq!(is_first_load(Path::new(file)), counted, "{file}");
        }
    }

    #[test]
    fn a_pages_first_load_follows_what_it_and_its_scripts_name() {
        let dir = std::env::temp_dir().join(format!("anju-page-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        write(
            "report.html",
            r#"<link rel="stylesheet" href="/anju.css"><script type="module" src="/report.js"></script>"#,
        );
        write(
            "report.js",
            "// The resident's form: it's small, isn't it.\nimport init from '/anju_report.js';\ninit({ module_or_path: '/anju_report_bg.wasm' });",
        );
        write("anju_report.js", "export default function init() {}");
        write("anju_report_bg.wasm", "\0asm");
        write("anju.css", "body{}");
        // The staff app's files are in the same directory but not named by the page.
        write("anju_app_bg.wasm", "\0asm-staff");
        let files = page_files(&dir, "report.html").unwrap();
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "anju.css",
                "anju_report.js",
                "anju_report_bg.wasm",
                "report.js"
            ]
        );
        let (_, total) = page_load(&dir, "report.html").unwrap();
        let bytes: u64 = files
            .iter()
            .map(|f| std::fs::metadata(dir.join(f)).unwrap().len())
            .sum();
        assert_eq!(total.raw as u64, bytes);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn formats_kilobytes() {
        assert_eq!(kb(47_123), "47.1 KB");
        assert_eq!(kb(0), "0.0 KB");
    }
}
