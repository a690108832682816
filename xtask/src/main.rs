//! Project tasks, in Rust so that they run wherever cargo does.
//!
//! `cargo xtask generate`          regenerate `generated/` (and the fixture clients) from `spec/`
//! `cargo xtask generate --check`  write nothing; fail, naming the files, if any is out of date
//! `cargo xtask test`              every check and test suite, as CI runs them
//! `cargo xtask bench`             the benchmarks against peers, written into BENCHMARKS.md
//! `cargo xtask bench --quick`     the same, small, without peers: that they still work
//! `cargo xtask bench --programs`  part 2b alone (building programs that use the crate), printed
//! `cargo xtask bench --largest`   part 7 alone (the largest documents), printed
//! `cargo xtask corpus [DIR]`      every document in DIR generated and built, as a table;
//!                                 `--prism`: every operation of each called against Prism too;
//!                                 `--sample`: that, on a few documents (in `xtask test`)
//! `cargo xtask release`           check that versions and changelog agree; the publish order
//! `cargo xtask docs-rs`           every published crate's docs as docs.rs builds them (nightly
//!                                 rustdoc, `--cfg docsrs`, its `package.metadata.docs.rs`)
//! `cargo xtask minimal-versions`  the runtime tested against the lowest versions its manifest
//!                                 allows of its dependencies

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use std::fmt::Write as _;

use contractfit_codegen::surface::{self, Surface};
use contractfit_codegen::{generate, Config, CrateInfo, File, Generated};

mod bench;
mod corpus;
mod minimal;
mod release;

// The generator allocates many small token and syntax-tree nodes, which mimalloc serves faster
// than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate"] => run_generate(false),
        ["generate", "--check"] => run_generate(true),
        ["test"] => run_tests(),
        ["bench"] => bench::run(&project_root(), false),
        ["bench", "--quick"] => bench::run(&project_root(), true),
        ["bench", "--programs"] => bench::programs_only(&project_root()),
        ["bench", "--largest"] => bench::largest_only(&project_root()),
        ["corpus", rest @ ..] => corpus::run(&project_root(), rest),
        ["release"] => release::run(&project_root()),
        ["docs-rs"] => docs_rs(&project_root()),
        ["minimal-versions"] => minimal::run(&project_root()),
        _ => {
            eprintln!(
                "usage: cargo xtask generate [--check] | test | bench [--quick | --programs | --largest] | corpus [DIR] [--with-peers] [--prism | --sample] | release | docs-rs | minimal-versions"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A named cargo invocation with extra environment variables.
type Step = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Formatting, generated code, lints, docs and tests, stopping at the first failure.
fn run_tests() -> Result<ExitCode, String> {
    let root = project_root();
    if !root.parent().is_some_and(|p| p.join("shared").is_dir()) {
        eprintln!("note: ../shared is not beside this checkout; the tests that read it will fail");
    }
    if let Some(free) = free_bytes(&root).filter(|&free| free < NEEDED_DISK) {
        eprintln!(
            "note: {:.1} GB free on the disk of {}; a run from clean needs about {:.0} GB",
            free as f64 / 1e9,
            root.display(),
            NEEDED_DISK as f64 / 1e9
        );
    }
    // `--features cli` reaches every generated crate, fixtures included, so that each one's
    // command-line tool is compiled, linted and documented as well as its library.
    let steps: &[Step] = &[
        ("formatting", &["fmt", "--all", "--check"], &[]),
        (
            "generated code is current",
            &["xtask", "generate", "--check"],
            &[],
        ),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--features",
                "cli",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        (
            "rustdoc",
            &["doc", "--workspace", "--no-deps", "--features", "cli"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        ("tests", &["test", "--workspace", "--features", "cli"], &[]),
        (
            "the runtime with TLS by ring alone (feature rustls-ring)",
            &[
                "test",
                "-p",
                "contractfit-runtime",
                "--no-default-features",
                "--features",
                "rustls-ring",
                "--lib",
                "tls_provider",
            ],
            &[],
        ),
        (
            "the runtime at its dependencies' lowest versions, under each TLS feature",
            &["xtask", "minimal-versions"],
            &[],
        ),
        ("docs as docs.rs builds them", &["xtask", "docs-rs"], &[]),
        (
            "public documents against Prism, a sample",
            &["xtask", "corpus", "--sample"],
            &[],
        ),
        ("benchmarks, quick", &["xtask", "bench", "--quick"], &[]),
    ];
    for (name, args, env) in steps {
        println!("\n=== {name}: cargo {}", args.join(" "));
        let started = Instant::now();
        let status = cargo()
            .args(*args)
            .envs(env.iter().copied())
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        println!(
            "=== {name}: {} in {:.1} s",
            if status.success() { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if !status.success() {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Documents every published crate as docs.rs does: nightly rustdoc with `--cfg docsrs`, the
/// features and rustdoc arguments of the crate's `package.metadata.docs.rs`, warnings denied.
/// A crate whose docs fail here would show a failed build on docs.rs instead of its
/// documentation; the stable `cargo doc` of the test command cannot see that. A target folder
/// of its own, for the nightly toolchain's builds.
/// rustup's `cargo +nightly` (so that `+nightly` picks the toolchain), building into `target`
/// whatever the caller's environment or configuration sets, with the nightly toolchain's own
/// rustc and rustdoc, not those the cargo running xtask put in the environment.
fn nightly_cargo(target: &Path) -> std::process::Command {
    let mut cargo = std::process::Command::new("cargo");
    cargo
        .arg("+nightly")
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO");
    cargo
}

fn docs_rs(root: &Path) -> Result<ExitCode, String> {
    let metadata = cargo_metadata(root, None)?;
    let target = target_dir(root)?.join("docs-rs");
    let published = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        // `publish = false` is an empty list of registries; no `publish` is crates.io.
        .filter(|package| package["publish"].as_array().is_none_or(|r| !r.is_empty()));
    let mut failed = Vec::new();
    for package in published {
        let name = package["name"].as_str().unwrap_or_default();
        let docs = &package["metadata"]["docs"]["rs"];
        let mut args: Vec<String> = ["doc", "--no-deps", "-p", name].map(String::from).into();
        if docs["all-features"].as_bool() == Some(true) {
            args.push("--all-features".into());
        } else if let Some(features) = docs["features"].as_array() {
            let features: Vec<&str> = features.iter().filter_map(|f| f.as_str()).collect();
            if !features.is_empty() {
                args.extend(["--features".into(), features.join(",")]);
            }
        }
        if docs["no-default-features"].as_bool() == Some(true) {
            args.push("--no-default-features".into());
        }
        let mut rustdoc_flags = vec!["--cfg".to_owned(), "docsrs".into(), "-Dwarnings".into()];
        rustdoc_flags.extend(
            docs["rustdoc-args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .filter(|a| !matches!(*a, "--cfg" | "docsrs"))
                .map(str::to_owned),
        );
        println!("docs.rs: cargo +nightly {}", args.join(" "));
        let status = nightly_cargo(&target)
            .args(&args)
            .env("RUSTDOCFLAGS", rustdoc_flags.join(" "))
            .current_dir(root)
            .status()
            .map_err(|e| {
                format!("cannot run cargo +nightly (is rustup's nightly installed?): {e}")
            })?;
        if !status.success() {
            failed.push(name.to_owned());
        }
    }
    if !failed.is_empty() {
        eprintln!("docs.rs could not build the docs of: {}", failed.join(", "));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// What `cargo xtask test` leaves in a clean checkout's `target/` (6.9 GB, measured on
/// 2026-12-06, dependencies built without debug information: the generated crates checked,
/// packaged and built outside the workspace, the public documents' sample clients in
/// `target/corpus`, the nightly docs.rs build in `target/docs-rs` and the runtime at its
/// lowest dependency versions in `target/minimal-versions` add to it), with some room: a CI
/// run once failed for want of disk.
const NEEDED_DISK: u64 = 8_000_000_000;

/// Bytes free to this user on the file system holding `path`, when the system says.
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and `stats` is written by the call before it is read.
    let stats = unsafe {
        if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    Some(stats.f_bavail as u64 * stats.f_frsize as u64)
}

/// Replaces what lies between the lines `begin` and `end` of the Markdown file at `path` with
/// `section`: generated tables live between such markers, written words outside them.
fn replace_section(path: &Path, begin: &str, end: &str, section: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(from), Some(to)) = (text.find(begin), text.find(end)) else {
        return Err(format!(
            "{} has no `{begin}` … `{end}` markers",
            path.display()
        ));
    };
    let updated = format!("{}{begin}\n\n{section}\n{}", &text[..from], &text[to..]);
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The workspace's target folder, wherever `CARGO_TARGET_DIR` or cargo's configuration puts it
/// (as `cargo metadata` says): built binaries and the tasks' own folders are found there, not
/// under `target/` by path.
fn target_dir(root: &Path) -> Result<PathBuf, String> {
    static FOUND: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| cargo_target_dir(root, None)).clone()
}

/// What `cargo metadata` says the target folder is, with `CARGO_TARGET_DIR` set to `set`.
fn cargo_target_dir(root: &Path, set: Option<&Path>) -> Result<PathBuf, String> {
    cargo_metadata(root, set)?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata gave no target directory".to_owned())
}

/// The workspace as `cargo metadata` describes it (its own packages), with `CARGO_TARGET_DIR`
/// set to `target` if given.
fn cargo_metadata(root: &Path, target: Option<&Path>) -> Result<serde_json::Value, String> {
    let mut metadata = cargo();
    metadata
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root);
    if let Some(target) = target {
        metadata.env("CARGO_TARGET_DIR", target);
    }
    let output = metadata
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata gave no JSON: {e}"))
}

/// The cargo that runs this task (`$CARGO`), for the tasks that run cargo in turn.
fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Writes a generated crate's files into `dir`: those that differ, and removes stale ones.
fn write_crate(dir: &Path, files: &[File]) -> Result<(), String> {
    write(dir, files, &differences(dir, files)?)
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}

/// One crate to generate: from which document, into which folder; and, for the main crate,
/// where the tests generated from its model go (the conformance test's calls, the round trips).
struct Target {
    config: Config,
    out_dir: PathBuf,
    test_files: Option<PathBuf>,
    /// Whether the crate is published: its version and CHANGELOG.md follow its changes.
    versioned: bool,
}

fn targets(root: &Path) -> Result<Vec<Target>, String> {
    let mut targets = vec![Target {
        config: Config::new(root.join("spec/contract-fit.yaml"))
            .overlay(root.join("spec/overlay.yaml")),
        out_dir: root.join("generated"),
        test_files: Some(root.join("tests/tests/generated")),
        versioned: true,
    }];
    // Each fixture document also becomes a small crate, so that the workspace build proves the
    // generator's output compiles for every feature the fixtures exercise.
    let fixtures = root.join("tests/fixtures");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("cannot list {}: {e}", fixtures.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    names.sort();
    for document in names {
        let stem = document
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let name = format!("fixture-{}", stem.replace('_', "-"));
        targets.push(Target {
            config: Config::new(&document).crate_info(CrateInfo {
                name,
                runtime_path: Some("../../../../runtime".into()),
                source: format!("tests/fixtures/{stem}.yaml"),
                ..CrateInfo::default()
            }),
            out_dir: fixtures.join("clients").join(stem),
            test_files: None,
            versioned: false,
        });
    }
    Ok(targets)
}

fn run_generate(check: bool) -> Result<ExitCode, String> {
    let root = project_root();
    let mut stale = Vec::new();
    for (i, target) in targets(&root)?.into_iter().enumerate() {
        let started = Instant::now();
        let mut config = target.config.clone();
        let previous = target.versioned.then(|| Release::read(&target.out_dir));
        if let Some(previous) = &previous {
            config.crate_info.version = previous.version.clone();
        }
        let published = |config: &Config| -> Result<Generated, String> {
            let mut generated = generate(config).map_err(|e| e.to_string())?;
            if target.versioned {
                generated.files.extend(licence_files(&root)?);
            }
            Ok(generated)
        };
        let mut generated = published(&config)?;
        let elapsed = started.elapsed();
        if i == 0 && !check {
            report(&generated, elapsed);
        }
        let mut differences = differences(&target.out_dir, &generated.files)?;
        if let (Some(previous), false, false) = (&previous, check, differences.is_empty()) {
            // The crate changes: say how for its users, and version it accordingly.
            if let Some(version) = release(&target.out_dir, previous, &generated.api)? {
                follow_version(&root, &config.crate_info.name, &version)?;
                config.crate_info.version = version;
                generated = published(&config)?;
                differences = self::differences(&target.out_dir, &generated.files)?;
            }
        }
        if check {
            stale.extend(differences);
        } else {
            write(&target.out_dir, &generated.files, &differences)?;
        }
        if let Some(dir) = &target.test_files {
            // Tests generated from the same model (see tests/).
            let files = contractfit_codegen::emit::test_files(&generated.api, "contractfit")
                .map_err(|e| e.to_string())?;
            for file in files {
                let path = dir.join(&file.path);
                if std::fs::read(&path).ok().as_deref() != Some(file.contents.as_bytes()) {
                    if check {
                        stale.push(path);
                    } else {
                        std::fs::write(&path, file.contents)
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    }
                }
            }
        }
    }
    if check && !stale.is_empty() {
        eprintln!("out of date (run `cargo xtask generate`):");
        for path in &stale {
            eprintln!("  {}", path.strip_prefix(&root).unwrap_or(path).display());
        }
        return Ok(ExitCode::FAILURE);
    }
    if check {
        println!("generated code is up to date");
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace's licence texts, which a published crate ships beside its code.
fn licence_files(root: &Path) -> Result<Vec<File>, String> {
    ["LICENSE-MIT", "LICENSE-APACHE"]
        .into_iter()
        .map(|name| {
            let contents = std::fs::read_to_string(root.join(name))
                .map_err(|e| format!("cannot read {name}: {e}"))?;
            Ok(File {
                path: name.into(),
                contents,
            })
        })
        .collect()
}

/// Points the workspace's dependency on the generated crate `name` at its new `version`, so
/// that a breaking bump (0.1 to 0.2) does not leave the workspace requiring the old one.
fn follow_version(root: &Path, name: &str, version: &str) -> Result<(), String> {
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let prefix = format!("{name} = {{ path = ");
    let updated: Vec<String> = text
        .lines()
        .map(
            |line| match (line.starts_with(&prefix), line.find("version = \"")) {
                (true, Some(at)) => {
                    let start = at + "version = \"".len();
                    let end = line[start..].find('"').map_or(line.len(), |e| start + e);
                    format!("{}{version}{}", &line[..start], &line[end..])
                }
                _ => line.to_owned(),
            },
        )
        .collect();
    std::fs::write(&manifest, updated.join("\n") + "\n")
        .map_err(|e| format!("cannot write {}: {e}", manifest.display()))
}

/// A published crate as it stands: its version, and the surface it was generated with.
struct Release {
    version: String,
    surface: Option<Surface>,
}

impl Release {
    fn read(dir: &Path) -> Release {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let version = manifest
            .lines()
            .find_map(|line| line.strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .map_or_else(|| CrateInfo::default().version, str::to_owned);
        let surface = std::fs::read_to_string(dir.join("surface.json"))
            .ok()
            .and_then(|text| Surface::from_json(&text).ok());
        Release { version, surface }
    }
}

/// Prints what changed for users since `previous`, appends an entry to CHANGELOG.md and
/// returns the new version; `None` when there is no earlier surface to compare with (the
/// first generation with change reports), which only starts the changelog.
fn release(
    dir: &Path,
    previous: &Release,
    api: &contractfit_codegen::model::Api,
) -> Result<Option<String>, String> {
    let changelog = dir.join("CHANGELOG.md");
    let mut text = std::fs::read_to_string(&changelog).unwrap_or_else(|_| {
        "# Changelog\n\nWritten by `cargo xtask generate` each time the generated crate changes: \
         what changed for users, and the semver verdict the version follows.\n"
            .to_owned()
    });
    let Some(surface) = &previous.surface else {
        if !changelog.exists() {
            let _ = writeln!(
                text,
                "\n## {} ({})\n\n- First release with change reports.",
                previous.version,
                today()
            );
            std::fs::write(&changelog, text)
                .map_err(|e| format!("cannot write {}: {e}", changelog.display()))?;
        }
        return Ok(None);
    };
    let changes = surface.changes(&Surface::of(api));
    let verdict = surface::verdict(&changes);
    let version = surface::bump(&previous.version, verdict)?;
    println!(
        "\nchanges for users ({verdict}: {} -> {version}):",
        previous.version
    );
    for change in &changes {
        println!("  {change}");
    }
    if changes.is_empty() {
        println!("  none to the public API: documentation or internals only");
    }
    let entry = surface::changelog_entry(&version, &today(), &changes);
    // Newest first, after the file's introduction.
    let at = text.find("\n## ").map_or(text.len(), |i| i + 1);
    text.insert_str(at, &format!("{entry}\n"));
    std::fs::write(&changelog, text)
        .map_err(|e| format!("cannot write {}: {e}", changelog.display()))?;
    Ok(Some(version))
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn report(generated: &Generated, elapsed: std::time::Duration) {
    for action in &generated.applied {
        println!(
            "overlay: {:?} {} ({} match{}){}",
            action.kind,
            action.target,
            action.matched.len(),
            if action.matched.len() == 1 { "" } else { "es" },
            action
                .description
                .as_deref()
                .map(|d| format!(": {}", d.lines().next().unwrap_or("")))
                .unwrap_or_default()
        );
    }
    for warning in &generated.warnings {
        println!("warning: {warning}");
    }
    println!("operations: {}", generated.api.operations.len());
    println!("types: {}", generated.api.types.len());
    println!("overlay actions: {}", generated.applied.len());
    println!("warnings: {}", generated.warnings.len());
    println!("generated in {} ms", elapsed.as_millis());
}

/// Files whose contents differ from what is on disk, and files on disk the generator no
/// longer produces (under `src/`, which the generator owns).
fn differences(out_dir: &Path, files: &[File]) -> Result<Vec<PathBuf>, String> {
    let mut different = Vec::new();
    for file in files {
        let path = out_dir.join(&file.path);
        if std::fs::read(&path).ok().as_deref() != Some(file.contents.as_bytes()) {
            different.push(path);
        }
    }
    for path in files_under(&out_dir.join("src")) {
        let relative = path.strip_prefix(out_dir).unwrap_or(&path);
        if !files.iter().any(|f| Path::new(&f.path) == relative) {
            different.push(path);
        }
    }
    different.sort();
    Ok(different)
}

/// Every file under `dir`, in its subfolders too (none when `dir` does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

fn write(out_dir: &Path, files: &[File], differences: &[PathBuf]) -> Result<(), String> {
    for path in differences {
        let relative = path.strip_prefix(out_dir).unwrap_or(path);
        let file = files.iter().find(|f| Path::new(&f.path) == relative);
        match file {
            Some(file) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                std::fs::write(path, &file.contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            None => std::fs::remove_file(path)
                .map_err(|e| format!("cannot remove stale {}: {e}", path.display()))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: get_a\n      responses: {'200': {description: ok}}\n";

    fn api_of(dir: &Path, name: &str, document: &str) -> contractfit_codegen::model::Api {
        let path = dir.join(name);
        std::fs::write(&path, document).unwrap();
        generate(&Config::new(&path)).unwrap().api
    }

    /// The tasks find built binaries and keep their folders where cargo builds, a shared
    /// `CARGO_TARGET_DIR` too. (Before: `target/debug` by path, and `cargo xtask test` ended with
    /// `cannot run contractfit-bench: No such file or directory` for a contributor who sets it.)
    #[test]
    fn the_target_folder_is_cargo_s() {
        let root = project_root();
        let elsewhere = std::env::temp_dir().join("contractfit-shared-target");
        assert_eq!(
            cargo_target_dir(&root, Some(&elsewhere)).unwrap(),
            elsewhere
        );
        assert_eq!(
            target_dir(&root).unwrap(),
            cargo_target_dir(&root, None).unwrap()
        );
    }

    #[test]
    fn free_disk_space_is_read() {
        let free = free_bytes(&project_root()).expect("statvfs answers for the checkout");
        assert!(
            free > 0,
            "{free} bytes free, yet this test's binary was just written"
        );
        assert_eq!(free_bytes(Path::new("/no/such/folder")), None);
    }

    #[test]
    fn a_changed_crate_gets_a_changelog_entry_and_the_version_its_changes_call_for() {
        let scratch = tempfile::Builder::new()
            .prefix("xtask-release-")
            .tempdir()
            .unwrap();
        let dir = scratch.path();
        let v1 = api_of(dir, "v1.yaml", V1);
        let v2 = api_of(
            dir,
            "v2.yaml",
            &format!("{V1}  /b:\n    get:\n      operationId: get_b\n      responses: {{'200': {{description: ok}}}}\n"),
        );

        // The first generation with change reports only starts the changelog.
        let first = Release {
            version: "0.3.1".into(),
            surface: None,
        };
        assert_eq!(release(dir, &first, &v1).unwrap(), None);
        assert!(std::fs::read_to_string(dir.join("CHANGELOG.md"))
            .unwrap()
            .contains("## 0.3.1 ("));

        // An operation added: minor, which before 1.0 moves the patch number.
        let previous = Release {
            version: "0.3.1".into(),
            surface: Some(Surface::of(&v1)),
        };
        assert_eq!(
            release(dir, &previous, &v2).unwrap().as_deref(),
            Some("0.3.2")
        );
        let changelog = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap();
        assert!(
            changelog.contains("## 0.3.2 (") && changelog.contains(", minor)"),
            "{changelog}"
        );
        assert!(
            changelog.contains("- operation `get_b` added (minor)"),
            "{changelog}"
        );

        // Removed again: major, which before 1.0 moves the minor number. Newest entry first.
        let previous = Release {
            version: "0.3.2".into(),
            surface: Some(Surface::of(&v2)),
        };
        assert_eq!(
            release(dir, &previous, &v1).unwrap().as_deref(),
            Some("0.4.0")
        );
        let changelog = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap();
        assert!(
            changelog.contains("- operation `get_b` removed (major)"),
            "{changelog}"
        );
        assert!(changelog.find("## 0.4.0").unwrap() < changelog.find("## 0.3.2").unwrap());
        assert!(changelog.find("## 0.3.2").unwrap() < changelog.find("## 0.3.1").unwrap());

        // Read back from a generated crate: its manifest's version and its surface.
        let generated = generate(&Config::new(dir.join("v2.yaml"))).unwrap();
        let out = dir.join("crate");
        write(
            &out,
            &generated.files,
            &differences(&out, &generated.files).unwrap(),
        )
        .unwrap();
        let read = Release::read(&out);
        assert_eq!(read.version, CrateInfo::default().version);
        assert_eq!(read.surface, Some(Surface::of(&v2)));
    }
}
