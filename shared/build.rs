//! Build step: the classifier's lexicon and model as the binaries embed them, without their
//! comment lines.
//! The comments explain the file to the people who edit it; a resident's phone would only
//! download them (they are a tenth of the file). Comment lines become empty lines, so a line
//! number in a parse error still points into `lexicon.txt`.

use std::path::Path;

fn main() {
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
