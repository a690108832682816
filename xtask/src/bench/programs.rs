//! Part 2b: what a program that uses a generated crate pays to build, where users pay it.
//!
//! A crate is built once; the program that uses it is rebuilt on every edit. So each variant
//! is a small program calling 10 operations, and one calling every operation, measured as a
//! user meets them: (a) the small program's clean build with all its dependencies, dev and
//! release; (b) its incremental dev rebuild after a one-line change in `main.rs`; (c) the
//! program calling every operation, built once its dependencies are (dev and release), and its
//! incremental rebuild. Ours is measured beside progenitor's output for the same input (its
//! builder interface, the one most like ours), and beside ours with each other TLS feature:
//! ring instead of aws-lc-rs under rustls, and the platform's library (progenitor's default).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::measure::repeat;
use super::{one_line, Verdicts};

/// Incremental rebuilds measured after each one-line change.
const EDITS: usize = 5;
/// Operations the small program calls.
const SMALL: usize = 10;

/// One crate as a program's dependency, and how the program calls it.
pub struct Variant {
    pub name: String,
    /// The line under `[dependencies]` naming the crate, as `api = { … }`.
    pub dependency: String,
    /// The program's lockfile, if it is to use the versions ours are tested with.
    pub lockfile: Option<PathBuf>,
    /// A statement binding `client`.
    pub client: String,
    /// The body of each call, the same operations in the same order for every variant (an
    /// `async` block's, where `client` is in scope and `?` returns
    /// `Result<(), Box<dyn Error>>`).
    pub calls: Vec<String>,
    /// Whether this is the peer that the verdicts compare ours with.
    pub is_peer: bool,
}

/// What one variant cost, in seconds.
#[derive(Default)]
struct Costs {
    clean_dev: f64,
    clean_release: f64,
    edit_dev: Vec<f64>,
    every_dev: f64,
    every_release: f64,
    every_edit_dev: Vec<f64>,
}

/// Measures each variant in target folders of its own under `out` (removed afterwards), and
/// writes the table. `quick`: the first variant only, its small program in dev, one edit, in
/// `shared_target` (where the workspace's dependencies are built already).
pub fn run(
    variants: &[Variant],
    out: &Path,
    shared_target: &Path,
    quick: bool,
    report: &mut String,
    verdicts: &mut Verdicts,
) -> Result<(), String> {
    let mut rows = Vec::new();
    for variant in variants.iter().take(if quick { 1 } else { variants.len() }) {
        let program = out.join("programs").join(slug(&variant.name));
        // What an interrupted run left would make a clean build warm.
        let _ = std::fs::remove_dir_all(&program);
        let measured = if quick {
            measure_quick(variant, &program, shared_target)
        } else {
            measure(variant, &program)
        };
        let _ = std::fs::remove_dir_all(&program);
        // In the test command, a program that does not build is a failure, not a table cell.
        if let (true, Err(e)) = (quick, &measured) {
            return Err(format!("{}'s program does not build: {e}", variant.name));
        }
        rows.push((variant, measured));
    }
    let calls = variants.first().map_or(0, |v| v.calls.len());
    let _ = write!(
        report,
        "\n### 2b. Building a program that uses the crate\n\n`cargo xtask bench`: a program \
         calling {SMALL} operations (the first {SMALL} of the document), and one calling all \
         {calls}, each compiled (not run). Clean: a fresh target folder, every dependency \
         built, `cargo build` as a user runs it (dev builds incremental). Edit: a one-line change \
         in `main.rs`, then `cargo build` (dev), median of {EDITS}. Every operation: the program \
         changed to call all {calls} and built again, its dependencies built already.\n\n\
         | crate | small: clean dev | small: clean release | small: edit, dev rebuild | every \
         operation: dev | every operation: release | every operation: edit, dev rebuild |\n\
         |---|---:|---:|---:|---:|---:|---:|\n"
    );
    // Nothing measured (the quick run's cells) is a dash.
    let seconds = |s: f64| match s {
        0.0 => "-".to_owned(),
        s => format!("{s:.2} s"),
    };
    let spread = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        match sorted.as_slice() {
            [] => "-".to_owned(),
            [min, .., max] => format!("{:.2} s ({min:.2}–{max:.2})", sorted[sorted.len() / 2]),
            [one] => format!("{one:.2} s"),
        }
    };
    for (variant, measured) in &rows {
        match measured {
            Ok(c) => {
                let _ = writeln!(
                    report,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    variant.name,
                    seconds(c.clean_dev),
                    seconds(c.clean_release),
                    spread(&c.edit_dev),
                    seconds(c.every_dev),
                    seconds(c.every_release),
                    spread(&c.every_edit_dev),
                );
            }
            Err(e) => {
                let _ = writeln!(
                    report,
                    "| {} | does not build: {} | | | | | |",
                    variant.name,
                    one_line(e)
                );
            }
        }
    }
    if quick {
        return Ok(());
    }
    let ours = rows.first().and_then(|(_, m)| m.as_ref().ok());
    let peer = rows
        .iter()
        .find(|(v, _)| v.is_peer)
        .and_then(|(v, m)| Some((&v.name, m.as_ref().ok()?)));
    let (Some(ours), Some((peer_name, peer))) = (ours, peer) else {
        verdicts.push((
            false,
            "the programs of part 2b: ours or the peer's did not build (see the table)".into(),
        ));
        return Ok(());
    };
    {
        let median = |values: &[f64]| {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
        };
        for (what, ours, theirs) in [
            (
                "small program, clean dev build",
                ours.clean_dev,
                peer.clean_dev,
            ),
            (
                "small program, clean release build",
                ours.clean_release,
                peer.clean_release,
            ),
            (
                "small program, dev rebuild after an edit",
                median(&ours.edit_dev),
                median(&peer.edit_dev),
            ),
            ("every operation, dev build", ours.every_dev, peer.every_dev),
            (
                "every operation, release build",
                ours.every_release,
                peer.every_release,
            ),
            (
                "every operation, dev rebuild after an edit",
                median(&ours.every_edit_dev),
                median(&peer.every_edit_dev),
            ),
        ] {
            verdicts.push((
                ours <= theirs,
                format!("{what} no slower than with {peer_name}: {ours:.2} s vs {theirs:.2} s"),
            ));
        }
    }
    Ok(())
}

fn measure(variant: &Variant, program: &Path) -> Result<Costs, String> {
    let mut costs = Costs::default();
    let dev = program.join("target-dev");
    let release = program.join("target-release");
    write_program(variant, program, SMALL, 0)?;
    fetch(program)?;
    costs.clean_dev = build(program, &dev, false, |_| Ok(()), 1)?[0];
    costs.edit_dev = build(
        program,
        &dev,
        false,
        |i| edit(variant, program, SMALL, i),
        EDITS,
    )?;
    costs.clean_release = build(program, &release, true, |_| Ok(()), 1)?[0];
    let every = variant.calls.len();
    costs.every_dev = build(
        program,
        &dev,
        false,
        |_| edit(variant, program, every, 0),
        1,
    )?[0];
    costs.every_edit_dev = build(
        program,
        &dev,
        false,
        |i| edit(variant, program, every, i),
        EDITS,
    )?;
    costs.every_release = build(
        program,
        &release,
        true,
        |_| edit(variant, program, every, 0),
        1,
    )?[0];
    Ok(costs)
}

fn measure_quick(variant: &Variant, program: &Path, target: &Path) -> Result<Costs, String> {
    write_program(variant, program, SMALL, 0)?;
    let mut costs = Costs {
        clean_dev: build(program, target, false, |_| Ok(()), 1)?[0],
        ..Costs::default()
    };
    costs.edit_dev = build(
        program,
        target,
        false,
        |i| edit(variant, program, SMALL, i),
        1,
    )?;
    Ok(costs)
}

/// Resolves and downloads the program's dependencies, untimed: a clean build is timed from
/// there, as a user's is once cargo has what it needs.
fn fetch(program: &Path) -> Result<(), String> {
    let output = crate::cargo()
        .arg("fetch")
        .current_dir(program)
        .output()
        .map_err(|e| format!("cannot run cargo fetch: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// `runs` builds of `program` into `target`, each after `prepare(i)`: their times in seconds.
fn build(
    program: &Path,
    target: &Path,
    release: bool,
    mut prepare: impl FnMut(usize) -> Result<(), String>,
    runs: usize,
) -> Result<Vec<f64>, String> {
    let mut i = 0;
    let measured = repeat(
        &mut || {
            let mut c = crate::cargo();
            c.args(["build", "--offline"])
                .args(release.then_some("--release"))
                .current_dir(program)
                .env("CARGO_TARGET_DIR", target)
                // As a user's shell has it: dev builds incremental, release not.
                .env_remove("CARGO_INCREMENTAL");
            c
        },
        &mut || {
            i += 1;
            prepare(i)
        },
        0,
        runs,
    )?;
    Ok(measured.times.iter().map(|t| t.as_secs_f64()).collect())
}

/// The one-line change: the program's `EDIT` constant becomes `i`.
fn edit(variant: &Variant, program: &Path, calls: usize, i: usize) -> Result<(), String> {
    let path = program.join("src/main.rs");
    std::fs::write(&path, main_rs(variant, calls, i))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn write_program(variant: &Variant, program: &Path, calls: usize, i: usize) -> Result<(), String> {
    std::fs::create_dir_all(program.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"program\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = \
         false\n\n[dependencies]\n{}\n\n[workspace]\n",
        variant.dependency
    );
    std::fs::write(program.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    if let Some(lockfile) = &variant.lockfile {
        std::fs::copy(lockfile, program.join("Cargo.lock"))
            .map_err(|e| format!("cannot copy {}: {e}", lockfile.display()))?;
    }
    edit(variant, program, calls, i)
}

/// A program binding a client and compiling each of the first `calls` calls in a boxed
/// future of its own (so that each is compiled; none is run).
fn main_rs(variant: &Variant, calls: usize, edit: usize) -> String {
    let calls = &variant.calls[..calls.min(variant.calls.len())];
    let mut main = format!(
        "#![allow(unused)]\n\
         type Call = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;\n\
         type Outcome = Result<(), Box<dyn std::error::Error>>;\n\n\
         /// The line the benchmark changes before each incremental build.\n\
         const EDIT: usize = {edit};\n\n\
         use api::Client;\n\n         fn main() {{\n    {}\n    let calls: Vec<fn(&Client) -> Call> = vec![",
        variant.client
    );
    for i in 0..calls.len() {
        let _ = write!(main, "call_{i}, ");
    }
    // Kept opaque to the optimiser, so that a release build compiles every call.
    main.push_str(
        "];\n    let calls = std::hint::black_box(calls);\n    println!(\"{} {}\", EDIT, calls.len());\n}\n",
    );
    for (i, body) in calls.iter().enumerate() {
        let _ = write!(
            main,
            "\nfn call_{i}(client: &Client) -> Call {{\n    let client = client.clone();\n    \
             Box::pin(async move {{\n        let outcome: Outcome = async {{\n{body}            \
             Ok(())\n        }}\n        .await;\n        let _ = outcome;\n    }})\n}}\n"
        );
    }
    main
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The operationIds of a generated `client.rs`'s rustdoc examples and each example's calls,
/// with the crate's name (`krate`, as code names it) replaced by `api`, in the document's order.
pub fn example_calls(client_rs: &Path, krate: &str) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(client_rs).map_err(|e| e.to_string())?;
    let mut calls = Vec::new();
    let mut operation_id = None;
    let mut example: Option<String> = None;
    for line in text.lines().map(str::trim_start) {
        let Some(doc) = line.strip_prefix("///") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if let Some(rest) = doc.split("operationId `").nth(1) {
            operation_id = rest.split('`').next().map(str::to_owned);
        }
        // An operation the document gives no operationId is named by its method.
        if doc.contains("gives no operationId") {
            operation_id = None;
        }
        match (&mut example, doc) {
            (None, "```no_run") => example = Some(String::new()),
            (Some(body), "```") => {
                let method = || {
                    body.split("client.")
                        .nth(1)
                        .and_then(|rest| rest.split('(').next())
                        .map(str::to_owned)
                };
                let id = operation_id.take().or_else(method).ok_or_else(|| {
                    format!("an example in {} calls no method", client_rs.display())
                })?;
                calls.push((id, body.replace(&format!("{krate}::"), "api::")));
                example = None;
            }
            (Some(_), hidden) if hidden.starts_with('#') => {}
            (Some(body), code) => {
                body.push_str("            ");
                body.push_str(code);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    Ok(calls)
}

/// The same calls made through progenitor's builder interface: `client.{id}().send()`, every
/// argument left unset (which fails at run time, and compiles the whole call).
pub fn progenitor_calls(operation_ids: &[String]) -> Vec<String> {
    operation_ids
        .iter()
        .map(|id| format!("            let _ = client.{id}().send().await;\n"))
        .collect()
}
