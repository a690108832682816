//! `cargo xtask minimal-versions`: the runtime built and tested against the lowest versions its
//! manifest allows of each of its own dependencies, so that the floors it states are floors it
//! was tested on. Every generated client depends on it, and a user's lockfile may hold any
//! version a requirement admits: `chrono = "0.4"` admitted 0.4.0, which has no `clock`.
//!
//! The runtime's manifest and sources are copied, with the workspace's manifest cut down to
//! that one member, into `target/minimal-versions`, where nightly cargo resolves with
//! `-Z direct-minimal-versions` (the lowest version of each direct dependency, the newest of the
//! rest, as a user's older lockfile would have them); there the runtime is tested under each of
//! its TLS features. The repository's own lockfile is not touched.

use std::path::Path;
use std::process::{Command, ExitCode};

/// Each TLS choice, as cargo's feature arguments.
const FEATURES: [&[&str]; 3] = [
    &[],
    &["--no-default-features", "--features", "rustls-ring"],
    &["--no-default-features", "--features", "native-tls"],
];

pub fn run(root: &Path) -> Result<ExitCode, String> {
    let copy = crate::target_dir(root)?.join("minimal-versions");
    let _ = std::fs::remove_dir_all(copy.join("runtime"));
    std::fs::create_dir_all(&copy).map_err(|e| e.to_string())?;
    for file in crate::files_under(&root.join("runtime")) {
        let relative = file.strip_prefix(root).map_err(|e| e.to_string())?;
        let to = copy.join(relative);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(&file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest: String = manifest
        .lines()
        .map(|line| match line {
            l if l.starts_with("members = ") => "members = [\"runtime\"]",
            l if l.starts_with("default-members = ") => "default-members = [\"runtime\"]",
            l => l,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(copy.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(copy.join("Cargo.lock"));
    nightly(
        &copy,
        &["generate-lockfile", "-Z", "direct-minimal-versions"],
    )?;
    for features in FEATURES {
        let mut args = vec!["test", "-p", "contractfit-runtime"];
        args.extend(features);
        nightly(&copy, &args)?;
    }
    println!("minimal versions: the runtime builds and passes its tests");
    Ok(ExitCode::SUCCESS)
}

/// `cargo +nightly ARGS` in `dir` (rustup's `cargo`, so that `+nightly` picks the toolchain).
fn nightly(dir: &Path, args: &[&str]) -> Result<(), String> {
    println!("minimal versions: cargo +nightly {}", args.join(" "));
    let status = Command::new("cargo")
        .arg("+nightly")
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    match status.success() {
        true => Ok(()),
        false => Err(format!(
            "cargo +nightly {} failed in {} ({status}): a dependency's stated minimum is \
             too low; raise it in the manifest",
            args.join(" "),
            dir.display()
        )),
    }
}
