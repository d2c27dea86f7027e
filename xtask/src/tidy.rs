//! The `tidy` check: every Rust file opens with a `//!` line saying what it is for, so a
//! reader of any file knows why it exists before reading its code.

use std::path::Path;
use std::process::Command;

use crate::cmd::{self, Result};

/// Checks every `.rs` file git knows of (tracked, or new and not ignored).
pub(crate) fn check(root: &Path) -> Result<()> {
    let mut list = Command::new("git");
    list.current_dir(root).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        "*.rs",
    ]);
    let output = list
        .output()
        .map_err(|e| format!("`{}`: {e}", cmd::display(&list)))?;
    if !output.status.success() {
        return Err(format!("`{}` failed: is this a git checkout?", cmd::display(&list)).into());
    }
    let listing = String::from_utf8(output.stdout)?;
    let mut offenders = Vec::new();
    let mut checked = 0;
    for file in listing.split('\0').filter(|f| !f.is_empty()) {
        // Deleted in the work tree but still in the index: nothing to read.
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        checked += 1;
        if !starts_with_module_doc(&text) {
            offenders.push(file.to_owned());
        }
    }
    if offenders.is_empty() {
        eprintln!("tidy: {checked} .rs files open with a `//!` line");
        Ok(())
    } else {
        Err(format!(
            "{} file(s) do not start with a `//!` line saying what they are for: {}",
            offenders.len(),
            offenders.join(", ")
        )
        .into())
    }
}

fn starts_with_module_doc(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("//!")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_a_module_doc_first_line() {
        for (text, ok) in [
            ("//! The rule engine.\nuse x;", true),
            ("\u{feff}//! With a byte-order mark.", true),
            ("//!", true),
            ("// A plain comment.\n", false),
            ("/// An item doc.\n", false),
            ("\n//! Not on the first line.", false),
            ("use std::io;\n", false),
            ("", false),
        ] {
            assert_eq!(starts_with_module_doc(text), ok, "{text:?}");
        }
    }
}
