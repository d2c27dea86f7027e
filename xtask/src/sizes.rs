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

/// A markdown table of the files of `dir` with the first-load total as its last row.
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
    line("**first load** (.wasm .js .css)", first_load);
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
    fn formats_kilobytes() {
        assert_eq!(kb(47_123), "47.1 KB");
        assert_eq!(kb(0), "0.0 KB");
    }
}
