//! Helpers shared by the integration tests: where things are, and a real HTTP server on
//! loopback that records what it receives and answers as each test scripts it.

pub mod fake;
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

/// `../shared`, the project's shared data, when it is there.
pub fn shared() -> Option<PathBuf> {
    let shared = root().parent()?.join("shared");
    shared.is_dir().then_some(shared)
}
