//! `cargo xtask release`: what publishing a release takes, checked before anything is sent.
//!
//! The six published crates go to crates.io in dependency order: the runtime first (the
//! generated crate requires it), then the generator, then the fake Contract.fit (the generated
//! crate's `testing` feature requires it; the fake uses the client only in its own tests, a
//! path-only dev-dependency that publishing drops), the batch engine (feature `batch`; the same
//! holds for its tests), the command-line tool's interpreter (feature `cli`, which uses the
//! batch engine), then the generated client. Before that, versions and changelog must agree:
//! the hand-written crates share the workspace's version, the generated crate requires that runtime version, its own version is the newest
//! entry of its CHANGELOG.md, the workspace depends on that version, and the generated code is
//! current. This task checks all of it and prints the commands; it publishes nothing.

use std::path::Path;
use std::process::ExitCode;

/// The crates in the order they are published.
const ORDER: [(&str, &str); 6] = [
    ("contractfit-runtime", "runtime"),
    ("contractfit-codegen", "generator"),
    ("contractfit-fake", "fake"),
    ("contractfit-batch", "batch"),
    ("contractfit-cli", "cli"),
    ("contractfit", "generated"),
];

/// The value of `key = "…"` on the first line that sets it in a TOML text.
fn setting<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines().find_map(|line| {
        line.strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?
            .trim()
            .strip_prefix('"')?
            .split('"')
            .next()
    })
}

/// The version of a dependency line such as `name = { version = "1", path = … }`.
fn requirement<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    text.lines()
        .find(|line| line.starts_with(&format!("{name} = ")))
        .and_then(|line| line.split("version = \"").nth(1))
        .and_then(|rest| rest.split('"').next())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// What disagrees, one line each; empty when the release is ready.
pub fn problems(root: &Path) -> Result<Vec<String>, String> {
    let workspace = read(&root.join("Cargo.toml"))?;
    let generated = read(&root.join("generated/Cargo.toml"))?;
    let changelog = read(&root.join("generated/CHANGELOG.md"))?;
    let mut problems = Vec::new();
    let shared = setting(&workspace, "version").unwrap_or_default();
    let client = setting(&generated, "version").unwrap_or_default();
    let newest = changelog
        .lines()
        .find_map(|line| line.strip_prefix("## "))
        .and_then(|entry| entry.split_whitespace().next())
        .unwrap_or_default();
    if newest != client {
        problems.push(format!(
            "generated/Cargo.toml says {client}, but the newest CHANGELOG.md entry is {newest:?}"
        ));
    }
    for (name, expected) in [
        ("contractfit-runtime", shared),
        ("contractfit-codegen", shared),
        ("contractfit", client),
        ("contractfit-fake", shared),
        ("contractfit-batch", shared),
        ("contractfit-cli", shared),
    ] {
        let required = requirement(&workspace, name).unwrap_or_default();
        if required != expected {
            problems.push(format!(
                "the workspace requires {name} {required}, but it is at {expected}"
            ));
        }
    }
    let runtime = requirement(&generated, "contractfit-runtime").unwrap_or_default();
    if runtime != shared {
        problems.push(format!(
            "the generated crate requires contractfit-runtime {runtime}, but the runtime is at \
             {shared} (run `cargo xtask generate`)"
        ));
    }
    Ok(problems)
}

pub fn run(root: &Path) -> Result<ExitCode, String> {
    let mut problems = problems(root)?;
    let status = crate::cargo()
        .args(["xtask", "generate", "--check"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        problems.push("the generated code is not current: run `cargo xtask generate`".into());
    }
    if !problems.is_empty() {
        eprintln!("not ready to release:");
        for problem in &problems {
            eprintln!("  {problem}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let workspace = read(&root.join("Cargo.toml"))?;
    let generated = read(&root.join("generated/Cargo.toml"))?;
    println!("ready to release; after `cargo xtask test` passes, publish in this order:");
    for (i, (name, folder)) in ORDER.iter().enumerate() {
        let manifest = if *folder == "generated" {
            &generated
        } else {
            &workspace
        };
        let version = setting(manifest, "version").unwrap_or_default();
        println!(
            "  {}. cargo publish -p {name}   # {version}, from {folder}/",
            i + 1
        );
    }
    println!(
        "then tag the commit contractfit-v{}",
        setting(&generated, "version").unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_requirements_are_read_from_manifests() {
        let manifest = "[package]\nname = \"x\"\nversion = \"0.2.0\"\n\n[dependencies]\n\
                        contractfit-runtime = { version = \"0.2.0\", path = \"../runtime\" }\n";
        assert_eq!(setting(manifest, "version"), Some("0.2.0"));
        assert_eq!(requirement(manifest, "contractfit-runtime"), Some("0.2.0"));
        assert_eq!(requirement(manifest, "serde"), None);
    }

    #[test]
    fn the_workspace_as_it_stands_is_ready() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert_eq!(problems(root).unwrap(), Vec::<String>::new());
    }
}
