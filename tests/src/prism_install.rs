//! Prism's executable in `tests/prism`, installed with `npm ci` (the version pinned in its
//! `package-lock.json`) when it is not there yet. It needs only `std`, so that `xtask` includes
//! this file as a module too (the corpus check runs Prism), as the corpus runner includes the
//! samples: one installer for both, though neither crate depends on the other.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `prism` executable under `dir` (`tests/prism`), installed first if needed.
pub fn installed(dir: &Path) -> Result<PathBuf, String> {
    let executable = dir.join("node_modules/.bin/prism");
    if !executable.exists() {
        eprintln!("installing Prism into {} (npm ci)", dir.display());
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .map_err(|e| format!("npm could not run (it installs Prism): {e}"))?;
        if !status.success() {
            return Err(format!("npm ci in {} failed", dir.display()));
        }
    }
    Ok(executable)
}
