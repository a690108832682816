//! The peer generators, at pinned versions: found in the benchmark's own folder, or on `PATH`,
//! or else installed into that folder (`target/bench/peers`), never into the system.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const PROGENITOR_VERSION: &str = "0.15.1";
pub const OPENAPI_GENERATOR_VERSION: &str = "7.26.0";

/// A peer generator's program and version, or why it is unavailable.
pub struct Peer {
    pub name: &'static str,
    pub version: &'static str,
    pub program: Result<PathBuf, String>,
}

impl Peer {
    /// The peer's command that generates a crate named `package` from `input` into `dir`
    /// (`program` is the peer's, from [`Peer::program`]); `extra` arguments follow.
    pub fn generate(
        &self,
        program: &Path,
        input: &Path,
        dir: &Path,
        package: &str,
        extra: &[&str],
    ) -> Command {
        let mut c = Command::new(program);
        if self.name == "progenitor" {
            c.arg("progenitor").arg("-i").arg(input).arg("-o").arg(dir);
            c.args(["-n", package, "-v", "0.1.0"]);
        } else {
            c.arg("generate").arg("-i").arg(input).arg("-o").arg(dir);
            c.args(["-g", "rust", "--skip-validate-spec", "-q"]);
            c.arg("--additional-properties")
                .arg(format!("packageName={package}"));
        }
        c.args(extra);
        c
    }
}

pub fn progenitor(folder: &Path) -> Peer {
    let program = folder.join("bin/cargo-progenitor");
    let program = if program.exists() {
        Ok(program)
    } else if let Some(found) = on_path("cargo-progenitor") {
        Ok(found)
    } else {
        install(
            crate::cargo()
                .args(["install", "--locked", "cargo-progenitor", "--version"])
                .arg(PROGENITOR_VERSION)
                .arg("--root")
                .arg(folder),
        )
        .map(|()| program)
    };
    Peer {
        name: "progenitor",
        version: PROGENITOR_VERSION,
        program,
    }
}

pub fn openapi_generator(folder: &Path) -> Peer {
    let venv = folder.join("venv");
    let program = venv.join("bin/openapi-generator-cli");
    let program = if program.exists() {
        Ok(program)
    } else if let Some(found) = on_path("openapi-generator-cli") {
        Ok(found)
    } else {
        install(Command::new("python3").arg("-m").arg("venv").arg(&venv))
            .and_then(|()| {
                install(
                    Command::new(venv.join("bin/pip"))
                        .args(["install", "--quiet"])
                        .arg(format!(
                            "openapi-generator-cli=={OPENAPI_GENERATOR_VERSION}"
                        )),
                )
            })
            .map(|()| program)
    };
    Peer {
        name: "openapi-generator",
        version: OPENAPI_GENERATOR_VERSION,
        program,
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

fn install(command: &mut Command) -> Result<(), String> {
    eprintln!("installing: {command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}
