//! Helpers shared by the integration tests: where things are, and a real HTTP server on
//! loopback that records what it receives and answers as each test scripts it.

pub mod arbitrary;
pub mod prism_install;
pub mod samples;
pub mod server;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives one level below the workspace root")
        .to_owned()
}

/// The Contract.fit document as the generator read it to make the generated crate (overlaid
/// and normalised: `contractfit_codegen::document_of`).
pub fn document_as_read() -> serde_json::Value {
    let config = contractfit_codegen::Config::new(root().join("spec/contract-fit.yaml"))
        .overlay(root().join("spec/overlay.yaml"));
    contractfit_codegen::document_of(&config)
        .expect("the document reads")
        .0
}

/// Samples from the upstream Contract.fit document, as Prism serves it.
pub fn contract_fit_samples() -> samples::DocumentSamples {
    let path = root().join("spec/contract-fit.yaml");
    samples::DocumentSamples::new(
        contractfit_codegen::load::read_value(&path).expect("spec/contract-fit.yaml reads"),
    )
}

/// The fixture documents, sorted by name.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
}

/// A fresh folder under the system's temporary folder, named after `label` so a leftover is
/// recognisable, and removed with everything in it when the returned guard drops, also when the
/// test fails: a suite run many times must not fill the disk (one CI run did).
pub fn scratch(label: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("contractfit-{label}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot make a temporary folder for {label}: {e}"))
}

/// Where cargo builds the crates the tests generate outside the workspace (generated history
/// versions, compatibility consumers, README snippets, packages): one shared folder, so that
/// the dependencies are built once; not the workspace's own, which the running test locks.
pub fn generated_target() -> PathBuf {
    target_dir().join("generated-crates/target")
}

/// The workspace's target folder, wherever `CARGO_TARGET_DIR` or cargo's configuration puts it:
/// a test binary runs from `<target>/<profile>/deps/`. Tests keep what they build and leave
/// there, never under `target/` by path.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .unwrap_or_else(|| root().join("target"))
}

/// A cargo command building into [`generated_target`].
pub fn cargo_for_generated() -> std::process::Command {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.env("CARGO_TARGET_DIR", generated_target());
    // These crates are built to be run or checked, never debugged here: without debug
    // information (a panic still names its file and line) they take a fraction of the disk.
    command.env("CARGO_PROFILE_DEV_DEBUG", "false");
    command
}

/// `cargo check` of generated crates in `dir` (a workspace or a crate of its own), quiet, with
/// short messages, into [`generated_target`].
pub fn check_generated(dir: &Path, args: &[&str]) -> std::process::Output {
    cargo_for_generated()
        .arg("check")
        .args(args)
        .args(["--quiet", "--message-format=short"])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo in {}: {e}", dir.display()))
}

/// A writer that keeps what is written to it, for capturing tracing output in tests.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// What was written since the last call, as text.
    pub fn take(&self) -> String {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `../shared`, the project's shared data, when it is there.
pub fn shared() -> Option<PathBuf> {
    let shared = root().parent()?.join("shared");
    shared.is_dir().then_some(shared)
}

/// What would make clap refuse the command-line tool generated for `api`: empty names, two
/// top-level commands, two commands of a group or two flags of a command with one name, or an
/// operation flag taking one of the tool's own names. Empty when there is nothing.
pub fn cli_name_problems(api: &contractfit_codegen::model::Api) -> Vec<String> {
    use contractfit_codegen::model::tool::RESERVED_FLAGS;
    use std::collections::BTreeSet;
    let layout = &api.tool;
    let mut problems = Vec::new();
    let mut check = |taken: &mut BTreeSet<String>, name: &str, what: String| {
        let well_formed = !name.is_empty()
            && !name.starts_with('-')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !well_formed {
            problems.push(format!(
                "{what}: name {name:?} is not a flag or command name"
            ));
        }
        if !taken.insert(name.to_owned()) {
            problems.push(format!("{what}: name {name:?} is taken twice"));
        }
    };
    let mut top: BTreeSet<String> = ["completions", "help"].map(String::from).into();
    for group in &layout.groups {
        check(&mut top, &group.name, format!("group {}", group.name));
        let mut commands: BTreeSet<String> = ["help".to_owned()].into();
        for command in &group.commands {
            let what = format!("{} {}", group.name, command.name);
            check(&mut commands, &command.name, what.clone());
            if let Some(pages) = &command.pages {
                check(&mut commands, &pages.command, format!("{what} (listing)"));
            }
            let mut flags: BTreeSet<String> =
                RESERVED_FLAGS.iter().map(|f| f.to_string()).collect();
            for arg in &command.args {
                check(&mut flags, &arg.name, format!("{what} --{}", arg.name));
            }
        }
    }
    for wait in &layout.waits {
        check(&mut top, &wait.name, format!("wait command {}", wait.name));
    }
    if layout.upload.is_some() {
        check(&mut top, "upload", "upload command".into());
    }
    problems
}

/// What must not compile against the generated crate, each beside what must.
///
/// A value's required fields of one type are named, not positional: swapped, they would
/// compile and send the password as the username. (Before: `AuthModel::new(password,
/// username)`, and this compiled.)
///
/// ```compile_fail
/// let _ = contractfit::types::AuthModel::new("secret", "me");
/// ```
///
/// ```
/// use contractfit::types::{AuthModel, AuthModelRequired};
/// let login = AuthModel::new(AuthModelRequired {
///     username: "me".into(),
///     password: "secret".into(),
/// });
/// assert_eq!(login.username, "me");
/// ```
pub mod must_not_compile {}
