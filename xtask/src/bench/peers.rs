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
    ///
    /// Run as documented, with two settings that make a failure a fair one: openapi-generator's
    /// YAML reader has a limit of 3 MiB of text by default, which refuses the largest
    /// documents before reading them (the parser's `maxYamlCodePoints` property lifts it), and
    /// progenitor runs without a backtrace, so that its failure ends with its message.
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
            c.env("RUST_BACKTRACE", "0");
        } else {
            c.arg("generate").arg("-i").arg(input).arg("-o").arg(dir);
            c.args(["-g", "rust", "--skip-validate-spec", "-q"]);
            // Its default package version is the document's, which need not be semver.
            c.arg("--additional-properties")
                .arg(format!("packageName={package},packageVersion=0.1.0"));
            // Read by the java launcher itself, beside any `JAVA_OPTS` the user set (which the
            // wrapper passes as one argument, so it cannot be appended to).
            c.env("JDK_JAVA_OPTIONS", "-DmaxYamlCodePoints=2000000000");
        }
        c.args(extra);
        c
    }
}

/// Why a generator failed, from what it printed: a Rust panic's message, a Java exception's
/// deepest cause, the first `Error:` line; else its last lines. `panicked` tells a panic from a
/// refusal.
pub struct Failure {
    pub panicked: bool,
    pub reason: String,
}

impl Failure {
    pub fn read(output: &str) -> Failure {
        let lines: Vec<&str> = output.lines().map(str::trim).collect();
        // `thread 'main' (17993) panicked at src/method.rs:2057:23:`, then the message.
        if let Some(at) = lines.iter().position(|l| l.contains(" panicked at ")) {
            let place = lines[at].split(" panicked at ").nth(1).unwrap_or_default();
            let place = place
                .rsplit('/')
                .next()
                .unwrap_or(place)
                .trim_end_matches(':');
            let message = lines.get(at + 1).copied().unwrap_or_default();
            return Failure {
                panicked: true,
                reason: format!("{message} ({place})"),
            };
        }
        let cause = |prefix: &str| lines.iter().rev().find(|l| l.starts_with(prefix)).copied();
        // `…Exception: message`, `Exception in thread "main" java.lang.StackOverflowError`,
        // `java.lang.OutOfMemoryError: Java heap space`; never a stack frame (`at …`).
        let exception = || {
            lines
                .iter()
                .filter(|l| !l.starts_with("at "))
                .find(|l| {
                    l.contains("Exception: ")
                        || l.starts_with("Exception in thread ")
                        || (l.contains("java.lang.") && l.contains("Error"))
                })
                .copied()
        };
        let error = || {
            lines
                .iter()
                .find(|l| l.starts_with("Error: ") || l.starts_with("error: "))
                .copied()
        };
        let reason = match cause("Caused by: ").or_else(exception).or_else(error) {
            Some(line) => line.to_owned(),
            None => {
                // Stack frames, blank lines and the JVM's note of its options say nothing.
                let said: Vec<&str> = lines
                    .iter()
                    .filter(|l| !l.is_empty() && !l.starts_with("at "))
                    .filter(|l| !l.starts_with("NOTE: Picked up "))
                    .copied()
                    .collect();
                let last: Vec<&str> = said.iter().rev().take(3).rev().copied().collect();
                match last.is_empty() {
                    true => "failed without a message".to_owned(),
                    false => last.join(" / "),
                }
            }
        };
        Failure {
            panicked: false,
            reason,
        }
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

#[cfg(test)]
mod tests {
    use super::Failure;

    /// As each generator prints them (openapi-generator's cut short).
    #[test]
    fn a_failure_is_read_as_its_cause() {
        let panic = "\nthread 'main' (17993) panicked at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/progenitor-impl-0.15.1/src/method.rs:2057:23:\nnot yet implemented: more media types than expected for markdown/render-raw: 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        let read = Failure::read(panic);
        assert!(read.panicked);
        assert_eq!(
            read.reason,
            "not yet implemented: more media types than expected for markdown/render-raw: 2 \
             (method.rs:2057:23)"
        );
        let refused = Failure::read(
            "Error: paths: no variant of enum ParameterSchemaOrContent found in flattened data",
        );
        assert!(!refused.panicked);
        assert!(refused.reason.starts_with("Error: paths: no variant"));
        let java = "[main] ERROR i.s.v.p.util.DeserializationUtils - Error parsing content\n\
            com.fasterxml.jackson.dataformat.yaml.JacksonYAMLParseException: The incoming YAML document exceeds the limit: 3145728 code points.\n\
            \tat com.fasterxml.jackson.dataformat.yaml.YAMLParser.nextToken(YAMLParser.java:1)\n\
            Caused by: org.yaml.snakeyaml.error.YAMLException: The incoming YAML document exceeds the limit: 3145728 code points.\n\
            \tat org.openapitools.codegen.OpenAPIGenerator.main(OpenAPIGenerator.java:66)\n";
        assert_eq!(
            Failure::read(java).reason,
            "Caused by: org.yaml.snakeyaml.error.YAMLException: The incoming YAML document \
             exceeds the limit: 3145728 code points."
        );
        let ours = Failure::read("error: #/paths/~1a/get: no responses\n  while reading\n");
        assert_eq!(ours.reason, "error: #/paths/~1a/get: no responses");
        assert_eq!(Failure::read("").reason, "failed without a message");
        assert_eq!(Failure::read("a\nb\nc\n\nd\n").reason, "b / c / d");
        let overflow = "NOTE: Picked up JDK_JAVA_OPTIONS: -Dx=1\n\
            Exception in thread \"main\" java.lang.StackOverflowError\n\
            \tat java.base/java.util.HashMap.hash(HashMap.java:338)\n";
        assert_eq!(
            Failure::read(overflow).reason,
            "Exception in thread \"main\" java.lang.StackOverflowError"
        );
    }
}
