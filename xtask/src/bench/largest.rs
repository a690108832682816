//! Part 7: the largest documents, where a generator's cost per operation adds up: each
//! generator's time and peak memory on each, the cold build of the largest one's crate, and
//! what a user of one of its operations pays when the crate holds only that operation
//! (`Config::only`).
//!
//! The documents are the five with the most operations in the APIs.guru directory (commit
//! 3f25f9de3) when `CONTRACTFIT_BENCH_DIRECTORY` names its `APIs` folder, counted when the
//! directory was first measured; otherwise the five largest of `../shared/openapi-corpus`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use contractfit_codegen::{generate, model_of, Config, CrateInfo, Selection};

use super::measure::repeat;
use super::{one_line, peers::Peer, Verdicts};

/// The directory's five largest by operation count (945, 823, 822, 756, 744).
const DIRECTORY_LARGEST: [&str; 5] = [
    "kubernetes.io/v1.10.0/swagger.yaml",
    "googleapis.com/compute/alpha/openapi.yaml",
    "kubernetes.io/unversioned/swagger.yaml",
    "googleapis.com/compute/beta/openapi.yaml",
    "github.com/api.github.com/1.1.4/openapi.yaml",
];

/// Generation of any document of the directory: under this many seconds and this much memory.
const GENERATION_TARGET_S: f64 = 2.0;
const GENERATION_TARGET_MIB: f64 = 1024.0;

pub fn run(
    root: &Path,
    bin: &Path,
    out: &Path,
    peers: &[Peer],
    quick: bool,
    report: &mut String,
    verdicts: &mut Verdicts,
) -> Result<(), String> {
    let (documents, source) = documents(root, if quick { 1 } else { 5 })?;
    let out = out.join("largest");
    let _ = std::fs::remove_dir_all(&out);
    let runs = if quick { 1 } else { 5 };
    let _ = write!(
        report,
        "\n### 7. The largest documents\n\n`cargo xtask bench`: the {} documents with the most \
         operations {source}. Each generator as a whole process: ours {runs} times (median), \
         each peer once. Code: the size of the Rust it writes.\n\n\
         | document | operations | generator | time | peak memory | code |\n\
         |---|---:|---|---:|---:|---:|\n",
        documents.len()
    );
    for (i, (document, operations)) in documents.iter().enumerate() {
        let name = short_name(document);
        let dir = out.join(format!("{i}-ours"));
        let ours = repeat(
            &mut || {
                let mut c = Command::new(bin.join("examples/generate"));
                c.arg(document).arg(&dir);
                c
            },
            &mut || Ok(()),
            0,
            runs,
        )?;
        let seconds = ours.median_ms() / 1e3;
        let mib = ours.max_rss_kib as f64 / 1024.0;
        let _ = writeln!(
            report,
            "| {name} | {operations} | contractfit-codegen (ours) | {seconds:.2} s | {mib:.0} MiB | {:.1} MB |",
            code_mb(&dir)
        );
        verdicts.push((
            seconds < GENERATION_TARGET_S && mib < GENERATION_TARGET_MIB,
            format!(
                "generation under {GENERATION_TARGET_S} s and {GENERATION_TARGET_MIB} MiB \
                 ({name}, {operations} operations): {seconds:.2} s, {mib:.0} MiB"
            ),
        ));
        for peer in peers {
            let dir = out.join(format!("{i}-{}", peer.name));
            let cell = match peer_generation(peer, document, &dir) {
                Ok((seconds, mib)) => {
                    format!("{seconds:.2} s | {mib:.0} MiB | {:.1} MB", code_mb(&dir))
                }
                // The measuring helper's error starts with the whole command line.
                Err(e) => {
                    let reason = e.split_once(" failed: ").map_or(e.as_str(), |(_, r)| r);
                    format!("failed: {} | | ", one_line(reason))
                }
            };
            let _ = writeln!(
                report,
                "| {name} | {operations} | {} {} | {cell} |",
                peer.name, peer.version
            );
        }
    }
    let (largest, _) = &documents[0];
    builds(root, largest, &out, peers, quick, report)
}

/// The documents to measure and where they come from, each with its operation count, the
/// largest first.
fn documents(root: &Path, count: usize) -> Result<(Vec<(PathBuf, usize)>, String), String> {
    let (paths, source): (Vec<PathBuf>, String) =
        match std::env::var_os("CONTRACTFIT_BENCH_DIRECTORY") {
            Some(dir) => (
                DIRECTORY_LARGEST
                    .iter()
                    .map(|p| Path::new(&dir).join(p))
                    .collect(),
                "of the APIs.guru directory (commit 3f25f9de3)".to_owned(),
            ),
            None => {
                let corpus = root.join("../shared/openapi-corpus");
                let mut paths: Vec<PathBuf> = crate::files_under(&corpus)
                    .into_iter()
                    .filter(|p| p.parent() == Some(corpus.as_path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
                    .collect();
                paths.sort();
                (
                    paths,
                    "of `../shared/openapi-corpus` (set `CONTRACTFIT_BENCH_DIRECTORY` to the \
                     APIs.guru directory's `APIs` folder for its largest)"
                        .to_owned(),
                )
            }
        };
    // Ranked by a count of the text's `operationId`s (reading 40 documents with this debug
    // build would take a minute); the table gives the generator's own count.
    let mut ranked: Vec<(usize, PathBuf)> = paths
        .into_iter()
        .map(|path| {
            let ids =
                std::fs::read_to_string(&path).map_or(0, |t| t.matches("operationId").count());
            (ids, path)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut counted = Vec::new();
    for (_, path) in ranked.into_iter().take(count) {
        let operations = model_of(&Config::new(&path))
            .map(|(api, _, _)| api.operations.len())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        counted.push((path, operations));
    }
    Ok((counted, source))
}

fn short_name(document: &Path) -> String {
    let parts: Vec<_> = document
        .iter()
        .rev()
        .take(4)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let parts: Vec<_> = parts.into_iter().rev().collect();
    match parts.as_slice() {
        [.., file] if file.contains("__") => file.trim_end_matches(".yaml").to_owned(),
        [first, rest @ .., _] if first == "APIs" => rest.join("/"),
        [rest @ .., _] => rest.join("/"),
        [] => document.display().to_string(),
    }
}

/// A peer's generation of `document` into `dir`, once: seconds and peak MiB.
fn peer_generation(peer: &Peer, document: &Path, dir: &Path) -> Result<(f64, f64), String> {
    let program = peer.program.clone()?;
    let package = format!("big-{}", peer.name);
    let runs = repeat(
        &mut || limited(&peer.generate(&program, document, dir, &package, &[])),
        &mut || Ok(()),
        0,
        1,
    )?;
    Ok((runs.median_ms() / 1e3, runs.max_rss_kib as f64 / 1024.0))
}

/// How long any one build or generation of this part may take: a peer's crate for a document
/// of 945 operations may not build in any reasonable time, and the run must go on.
const LIMIT_S: u64 = 1200;

/// `command` under `timeout`, killed at [`LIMIT_S`].
fn limited(command: &Command) -> Command {
    let mut timeout = Command::new("timeout");
    timeout.arg(LIMIT_S.to_string());
    super::measure::run_by(timeout, command)
}

/// The cold dev build of the crate in `dir` (ms): its dependencies built first, untimed, then
/// the crate alone, each within [`LIMIT_S`].
fn crate_build(dir: &Path, target: &Path) -> Result<f64, String> {
    let build = || {
        let mut c = crate::cargo();
        c.arg("build")
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_INCREMENTAL", "0");
        limited(&c)
    };
    super::build_once(&mut build())?;
    let package = super::package_name(dir)?;
    let clean = || super::clean_package(dir, target, &package, false);
    repeat(&mut || build(), &mut || clean(), 0, 1).map(|runs| runs.median_ms())
}

/// Megabytes of Rust under `dir/src`.
fn code_mb(dir: &Path) -> f64 {
    crate::files_under(&dir.join("src"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum::<u64>() as f64
        / 1e6
}

/// The largest document's crates: the cold dev build of each generator's crate alone, and a
/// program calling one operation built clean (every dependency) against our whole crate and
/// against a crate of that operation only.
fn builds(
    root: &Path,
    document: &Path,
    out: &Path,
    peers: &[Peer],
    quick: bool,
    report: &mut String,
) -> Result<(), String> {
    let name = short_name(document);
    let runtime = Some(root.join("runtime").display().to_string());
    let crate_info = |name: &str| CrateInfo {
        name: name.into(),
        runtime_path: runtime.clone(),
        source: "the benchmark".into(),
        ..CrateInfo::default()
    };
    let (full_api, _, _) = model_of(&Config::new(document)).map_err(|e| e.to_string())?;
    let first = full_api
        .operations
        .first()
        .ok_or("the largest document has no operation")?
        .name
        .clone();
    let write = |config: Config, dir: &Path| -> Result<(), String> {
        let generated = generate(&config).map_err(|e| e.to_string())?;
        crate::write_crate(dir, &generated.files)
    };
    let whole = out.join("build/whole");
    let one = out.join("build/one");
    write(
        Config::new(document).crate_info(crate_info("big-ours")),
        &whole,
    )?;
    let selection = Selection {
        operations: vec![first.clone()],
        tags: Vec::new(),
    };
    write(
        Config::new(document)
            .crate_info(crate_info("big-ours"))
            .only(selection),
        &one,
    )?;
    if quick {
        // The builds take minutes; that the crates are written is what the test command checks.
        return Ok(());
    }
    let _ = write!(
        report,
        "\n**Building the largest ({name}).** The crate alone, cold, dev (its dependencies \
         built first, as in part 2; one build each):\n\n| crate | code | cold dev build |\n\
         |---|---:|---:|\n"
    );
    let mut crates = vec![("contractfit-codegen (ours)".to_owned(), whole.clone())];
    for peer in peers {
        let dir = out.join(format!("0-{}", peer.name));
        if dir.join("Cargo.toml").exists() {
            crates.push((format!("{} {}", peer.name, peer.version), dir));
        }
    }
    crates.push((
        format!("ours, `{first}` only (`Config::only`)"),
        one.clone(),
    ));
    for (i, (label, dir)) in crates.iter().enumerate() {
        let target = out.join("build-target").join(i.to_string());
        let cell = match crate_build(dir, &target) {
            Ok(ms) => format!("{:.1} s", ms / 1e3),
            Err(e) => format!("does not build: {}", one_line(&e)),
        };
        let _ = writeln!(report, "| {label} | {:.2} MB | {cell} |", code_mb(dir));
        let _ = std::fs::remove_dir_all(&target);
    }
    // A program calling the one operation, clean with every dependency.
    let calls = super::programs::example_calls(&one.join("src/client.rs"), "big_ours")?;
    let (_, call) = calls
        .into_iter()
        .next()
        .ok_or("the one operation has no example")?;
    let _ = write!(
        report,
        "\nA program calling `{first}` (its example), built clean with every dependency \
         (`cargo build`, dev, a fresh target folder):\n\n| against | clean dev build |\n|---|---:|\n"
    );
    for (label, dir) in [
        ("the whole crate", &whole),
        ("the crate of that operation only", &one),
    ] {
        let program = out.join("program");
        let _ = std::fs::remove_dir_all(&program);
        std::fs::create_dir_all(program.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(
            program.join("Cargo.toml"),
            format!(
                "[package]\nname = \"program\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\napi = {{ package = \"big-ours\", path = \"{}\" }}\n\n[workspace]\n",
                dir.display()
            ),
        )
        .map_err(|e| e.to_string())?;
        std::fs::copy(root.join("Cargo.lock"), program.join("Cargo.lock"))
            .map_err(|e| e.to_string())?;
        std::fs::write(
            program.join("src/main.rs"),
            format!(
                "#![allow(unused)]\n\
                 type Call = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), api::Error>>>>;\n\n\
                 async fn one_call(client: api::Client) -> Result<(), api::Error> {{\n{call}            Ok(())\n}}\n\n\
                 fn main() {{\n    let call: fn(api::Client) -> Call = |client| Box::pin(one_call(client));\n    \
                 println!(\"{{:p}}\", call as *const ());\n}}\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        let target = program.join("target");
        let built = repeat(
            &mut || {
                let mut c = crate::cargo();
                c.arg("build")
                    .current_dir(&program)
                    .env("CARGO_TARGET_DIR", &target)
                    .env_remove("CARGO_INCREMENTAL");
                c
            },
            &mut || Ok(()),
            0,
            1,
        );
        let cell = match built {
            Ok(runs) => format!("{:.1} s", runs.median_ms() / 1e3),
            Err(e) => format!("does not build: {}", one_line(&e)),
        };
        let _ = writeln!(report, "| {label} | {cell} |");
        let _ = std::fs::remove_dir_all(&program);
    }
    Ok(())
}
