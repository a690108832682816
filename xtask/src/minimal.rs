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
use std::process::ExitCode;

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
    )
    .map_err(|e| {
        format!("{e}: if cargo could not resolve, a dependency's stated minimum is too low")
    })?;
    at_floors(&copy)?;
    for features in FEATURES {
        let mut args = vec!["test", "-p", "contractfit-runtime"];
        args.extend(features);
        nightly(&copy, &args)?;
    }
    println!("minimal versions: the runtime builds and passes its tests");
    Ok(ExitCode::SUCCESS)
}

/// That every direct dependency of the runtime was resolved at the floor its manifest states:
/// else a newer version of something else pulled it up, and the tests ran above the floor.
fn at_floors(copy: &Path) -> Result<(), String> {
    let output = crate::nightly_cargo(&copy.join("target"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--all-features",
        ])
        .current_dir(copy)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let package = |id: &str| packages.iter().find(|p| p["id"] == id);
    let runtime = packages
        .iter()
        .find(|p| p["name"] == "contractfit-runtime" && p["source"].is_null())
        .ok_or("no contractfit-runtime in the copy")?;
    let node = metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["id"] == runtime["id"])
        .ok_or("the runtime is not in the resolve graph")?;
    let mut above = Vec::new();
    for dependency in runtime["dependencies"].as_array().into_iter().flatten() {
        let name = dependency["name"].as_str().unwrap_or_default();
        // `^1.38` states 1.38.0; anything else states no floor to hold to.
        let Some(floor) = dependency["req"].as_str().and_then(|r| r.strip_prefix('^')) else {
            continue;
        };
        let floor = match floor.split('.').count() {
            1 => format!("{floor}.0.0"),
            2 => format!("{floor}.0"),
            _ => floor.to_owned(),
        };
        let resolved: Vec<&str> = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| package(d["pkg"].as_str()?))
            .filter(|p| p["name"] == name)
            .filter_map(|p| p["version"].as_str())
            .collect();
        if !resolved.is_empty() && !resolved.contains(&floor.as_str()) {
            above.push(format!(
                "{name}: {floor} stated, {} resolved",
                resolved.join(", ")
            ));
        }
    }
    match above.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "minimal versions: resolved above the stated floor, so the tests would not run \
             at it (raise the floor): {}",
            above.join("; ")
        )),
    }
}

/// `cargo +nightly ARGS` in `dir`, into the copy's own target folder.
fn nightly(dir: &Path, args: &[&str]) -> Result<(), String> {
    println!("minimal versions: cargo +nightly {}", args.join(" "));
    let status = crate::nightly_cargo(&dir.join("target"))
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    match status.success() {
        true => Ok(()),
        false => Err(format!(
            "cargo +nightly {} failed in {} ({status})",
            args.join(" "),
            dir.display()
        )),
    }
}
