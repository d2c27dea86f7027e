//! Build step: the classifier's lexicon and model as the binaries embed them, without their
//! comment lines.
//! The comments explain the file to the people who edit it; a resident's phone would only
//! download them (they are a tenth of the file). Comment lines become empty lines, so a line
//! number in a parse error still points into `lexicon.txt`.
//!
//! It also names the crate's source by a digest (`ANJU_SHARED_SOURCE`): the server keeps each
//! order's folded state, and a state folded by other source is folded again.

use std::path::Path;

fn main() {
    source_digest();
    // The lexicon, the classifier's trained weights (`model.txt`, written by
    // `examples/train_classifier.rs`) and the traditional → simplified table, the same way.
    for name in ["lexicon.txt", "model.txt", "traditional.txt"] {
        let source = format!("src/classify/{name}");
        println!("cargo::rerun-if-changed={source}");
        let text = std::fs::read_to_string(&source).expect("src/classify/ is readable");
        let mut embedded = String::with_capacity(text.len());
        for line in text.lines() {
            if !line.trim_start().starts_with('#') {
                embedded.push_str(line.trim_end());
            }
            embedded.push('\n');
        }
        let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
        std::fs::write(Path::new(&out).join(name), embedded).expect("OUT_DIR is writable");
    }
}

/// FNV-1a over every file under `src/` (paths sorted, each path then its bytes): the same
/// source gives the same digest on every machine, and any change to a fold changes it.
fn source_digest() {
    println!("cargo::rerun-if-changed=src");
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for path in files {
        eat(path.to_string_lossy().replace('\\', "/").as_bytes());
        eat(&std::fs::read(&path).expect("src/ is readable"));
    }
    println!("cargo::rustc-env=ANJU_SHARED_SOURCE={hash:016x}");
}
