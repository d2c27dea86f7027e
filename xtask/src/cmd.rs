//! Running other programs: echo each command line, turn a failure into an error naming it.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub(crate) type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// Names the file in an I/O error: "No such file or directory" alone does not say which.
pub(crate) trait PathContext<T> {
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> PathContext<T> for std::io::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| format!("{}: {e}", path.display()).into())
    }
}

/// The workspace root; every path xtask touches is relative to it, so it works from any
/// current directory.
pub(crate) fn project_root() -> PathBuf {
    // Read at run time (`cargo run` and `cargo test` set it): with a target directory shared
    // by several clones (CI's persistent cache), cargo may reuse an xtask binary built in
    // another clone, and a path baked in at compile time would point there.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The cargo that started us (`$CARGO`), so nested builds use the same toolchain.
pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(project_root());
    command
}

/// The command line as a person would type it, for logs and error messages.
pub(crate) fn display(command: &Command) -> String {
    let program = command.get_program();
    // `$CARGO` is a long toolchain path; "cargo" is what a person would type.
    let mut line = if std::env::var_os("CARGO").is_some_and(|cargo| cargo == program) {
        "cargo".to_owned()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

fn spawn_error(command: &Command, error: std::io::Error) -> Box<dyn std::error::Error> {
    format!("could not start `{}`: {error}", display(command)).into()
}

/// Runs a command with the terminal inherited; a non-zero exit is an error.
pub(crate) fn run(command: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(command));
    let status = command.status().map_err(|e| spawn_error(command, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(command)).into())
    }
}

/// Runs a command, its standard error on the terminal, and returns its standard output; a
/// non-zero exit is an error. For tools that answer in JSON on stdout and log on stderr.
pub(crate) fn stdout(command: &mut Command) -> Result<String> {
    eprintln!("$ {}", display(command));
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| spawn_error(command, e))?;
    if !output.status.success() {
        return Err(format!("`{}` failed ({})", display(command), output.status).into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs a command and returns its standard output, or `None` when it cannot be started
/// or fails: used to ask tools for their version, where "absent" is an ordinary answer.
pub(crate) fn read(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What cargo reported building: the target's name and its files.
#[derive(Debug, PartialEq)]
pub(crate) struct Artifact {
    pub(crate) target: String,
    pub(crate) filenames: Vec<PathBuf>,
    pub(crate) executable: Option<PathBuf>,
}

/// Runs `cargo build …` (given without `--message-format`) and returns the artifacts it
/// reports, so the caller never guesses the target directory or profile layout.
/// Diagnostics still reach the terminal, rendered as usual.
pub(crate) fn cargo_build(command: &mut Command) -> Result<Vec<Artifact>> {
    command
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped());
    eprintln!("$ {}", display(command));
    let mut child = command.spawn().map_err(|e| spawn_error(command, e))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut artifacts = Vec::new();
    for line in BufReader::new(stdout).lines() {
        if let Some(artifact) = parse_artifact(&line?) {
            artifacts.push(artifact);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", display(command)).into());
    }
    Ok(artifacts)
}

fn parse_artifact(line: &str) -> Option<Artifact> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let path = |value: &serde_json::Value| value.as_str().map(PathBuf::from);
    Some(Artifact {
        target: message["target"]["name"].as_str()?.to_owned(),
        filenames: message["filenames"]
            .as_array()?
            .iter()
            .filter_map(path)
            .collect(),
        executable: path(&message["executable"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compiler_artifacts_and_skips_other_messages() {
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"anju_app"},"filenames":["/t/wasm32-unknown-unknown/wasm-release/anju_app.wasm","/t/x.rlib"],"executable":null}"#;
        assert_eq!(
            parse_artifact(lib),
            Some(Artifact {
                target: "anju_app".into(),
                filenames: vec![
                    "/t/wasm32-unknown-unknown/wasm-release/anju_app.wasm".into(),
                    "/t/x.rlib".into()
                ],
                executable: None,
            })
        );
        let bin = r#"{"reason":"compiler-artifact","target":{"name":"anju"},"filenames":["/t/debug/anju"],"executable":"/t/debug/anju"}"#;
        assert_eq!(
            parse_artifact(bin).and_then(|a| a.executable),
            Some("/t/debug/anju".into())
        );
        assert_eq!(
            parse_artifact(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(parse_artifact("not json"), None);
    }

    #[test]
    fn displays_a_command_line() {
        let mut command = Command::new("cargo");
        command.args(["build", "-p", "anju-app"]);
        assert_eq!(display(&command), "cargo build -p anju-app");
    }
}
