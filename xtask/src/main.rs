//! Project tasks, in Rust so that they run wherever cargo does.
//!
//! `cargo xtask generate`          regenerate `generated/` (and the fixture clients) from `spec/`
//! `cargo xtask generate --check`  write nothing; fail, naming the files, if any is out of date
//! `cargo xtask test`              every check and test suite, as CI runs them
//! `cargo xtask bench`             time and measure generation against peer generators

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use contractfit_codegen::{generate, Config, CrateInfo, File, Generated};

mod bench;

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
        ["bench"] => bench::run(&project_root()),
        _ => {
            eprintln!(
                "usage: cargo xtask generate [--check] | cargo xtask test | cargo xtask bench"
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
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        (
            "rustdoc",
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        ("tests", &["test", "--workspace"], &[]),
    ];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (name, args, env) in steps {
        println!("\n=== {name}: cargo {}", args.join(" "));
        let started = Instant::now();
        let status = std::process::Command::new(&cargo)
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

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}

/// One crate to generate: from which document, into which folder; and, for the main crate,
/// where the conformance test's calls go.
struct Target {
    config: Config,
    out_dir: PathBuf,
    conformance_calls: Option<PathBuf>,
}

fn targets(root: &Path) -> Result<Vec<Target>, String> {
    let mut targets = vec![Target {
        config: Config::new(root.join("spec/contract-fit.yaml"))
            .overlay(root.join("spec/overlay.yaml")),
        out_dir: root.join("generated"),
        conformance_calls: Some(root.join("tests/tests/generated/conformance_calls.rs")),
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
            conformance_calls: None,
        });
    }
    Ok(targets)
}

fn run_generate(check: bool) -> Result<ExitCode, String> {
    let root = project_root();
    let mut stale = Vec::new();
    for (i, target) in targets(&root)?.into_iter().enumerate() {
        let started = Instant::now();
        let generated = generate(&target.config).map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if i == 0 && !check {
            report(&generated, elapsed);
        }
        let differences = differences(&target.out_dir, &generated.files)?;
        if check {
            stale.extend(differences);
        } else {
            write(&target.out_dir, &generated.files, &differences)?;
        }
        if let Some(path) = &target.conformance_calls {
            // The conformance test's calls, generated from the same model (see tests/).
            let calls = contractfit_codegen::emit::conformance_calls(&generated.api, "contractfit")
                .map_err(|e| e.to_string())?;
            if std::fs::read(path).ok().as_deref() != Some(calls.as_bytes()) {
                if check {
                    stale.push(path.clone());
                } else {
                    std::fs::write(path, calls)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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
    let src = out_dir.join("src");
    if let Ok(entries) = std::fs::read_dir(&src) {
        for entry in entries.flatten() {
            let relative = format!("src/{}", entry.file_name().to_string_lossy());
            if !files.iter().any(|f| f.path == relative) {
                different.push(entry.path());
            }
        }
    }
    different.sort();
    Ok(different)
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
