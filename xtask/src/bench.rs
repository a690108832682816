//! `cargo xtask bench`: generation time and peak memory, ours against peer generators, all
//! measured in the same run on the same input (see BENCHMARKS.md).
//!
//! Needs `hyperfine` and GNU `time` (Debian packages), `cargo-progenitor`
//! (`cargo install cargo-progenitor`) and `openapi-generator-cli` (PyPI package of that name;
//! set `OPENAPI_GENERATOR_CLI` to its path if it is not on `PATH`). Missing peers are skipped
//! with a note, never silently.

use std::path::Path;
use std::process::{Command, ExitCode};

use contractfit_codegen::{load, overlay::Overlay};

pub fn run(root: &Path) -> Result<ExitCode, String> {
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let input = out.join("peer-input.json");
    prepare_input(root, &input)?;

    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "-p",
            "contractfit-codegen",
            "--example",
            "generate",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the generate example failed".into());
    }
    let ours = root.join("target/release/examples/generate");
    let spec = root.join("spec/contract-fit.yaml");
    let overlay = root.join("spec/overlay.yaml");
    let (input, out_s) = (input.display().to_string(), out.display().to_string());

    let mut commands: Vec<(String, String)> = vec![
        (
            "contractfit-codegen".into(),
            format!("{} {input} {out_s}/ours", ours.display()),
        ),
        (
            "contractfit-codegen, full document + overlay".into(),
            format!(
                "{} {} {} {out_s}/ours-full",
                ours.display(),
                spec.display(),
                overlay.display()
            ),
        ),
    ];
    if found("cargo-progenitor") {
        commands.push((
            "progenitor 0.15 (cargo-progenitor)".into(),
            format!("cargo-progenitor progenitor -i {input} -o {out_s}/progenitor -n cf -v 0.1.0"),
        ));
    } else {
        eprintln!("note: cargo-progenitor not found; skipped (cargo install cargo-progenitor)");
    }
    let oag =
        std::env::var("OPENAPI_GENERATOR_CLI").unwrap_or_else(|_| "openapi-generator-cli".into());
    if found(&oag) {
        commands.push((
            "openapi-generator (rust)".into(),
            format!("{oag} generate -i {input} -g rust -o {out_s}/openapi-generator --skip-validate-spec -q"),
        ));
    } else {
        eprintln!(
            "note: openapi-generator-cli not found; skipped (pip install openapi-generator-cli)"
        );
    }

    println!("\n## Peak memory (max RSS, one run each)\n");
    println!("| generator | max RSS |\n|---|---|");
    for (name, command) in &commands {
        let output = Command::new("/usr/bin/time")
            .args([
                "-f",
                "%M",
                "sh",
                "-c",
                &format!("{command} >/dev/null 2>&1"),
            ])
            .output()
            .map_err(|e| format!("cannot run /usr/bin/time (apt-get install time): {e}"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let kib: u64 = stderr
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        let status = if output.status.success() {
            ""
        } else {
            " (command failed)"
        };
        println!("| {name} | {:.1} MiB{status} |", kib as f64 / 1024.0);
    }

    let mut hyperfine = Command::new("hyperfine");
    hyperfine
        .args(["--warmup", "2", "--runs", "10", "--style", "basic"])
        .arg("--export-markdown")
        .arg(out.join("time.md"))
        .arg("--export-json")
        .arg(out.join("time.json"));
    for (name, command) in &commands {
        hyperfine.args(["-n", name, command]);
    }
    let status = hyperfine
        .status()
        .map_err(|e| format!("cannot run hyperfine (apt-get install hyperfine): {e}"))?;
    if !status.success() {
        return Err("hyperfine failed".into());
    }
    println!("\n## Time\n");
    print!(
        "{}",
        std::fs::read_to_string(out.join("time.md")).unwrap_or_default()
    );
    print_medians(&out.join("time.json"))?;
    Ok(ExitCode::SUCCESS)
}

/// The upstream document with `benches/peer-input.overlay.yaml` applied, as JSON.
fn prepare_input(root: &Path, path: &Path) -> Result<(), String> {
    let spec = root.join("spec/contract-fit.yaml");
    let overlay_path = root.join("benches/peer-input.overlay.yaml");
    let mut document = load::read_value(&spec).map_err(|e| e.to_string())?;
    let overlay = Overlay::from_value(
        &overlay_path,
        load::read_value(&overlay_path).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    overlay
        .apply(&overlay_path, &mut document)
        .map_err(|e| e.to_string())?;
    let text = serde_json_text(&document)?;
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn serde_json_text(value: &contractfit_codegen::load::Value) -> Result<String, String> {
    contractfit_codegen::load::to_json_text(value).map_err(|e| e.to_string())
}

/// Medians, and each as a multiple of the first command's (ours on the shared input).
fn print_medians(json: &Path) -> Result<(), String> {
    let results = load::read_value(json).map_err(|e| e.to_string())?;
    let results = results["results"].as_array().cloned().unwrap_or_default();
    let median = |r: &load::Value| r["median"].as_f64().unwrap_or(f64::NAN) * 1000.0;
    let base = results.first().map(median).unwrap_or(f64::NAN);
    println!("\n| generator | median [ms] | × ours |\n|---|---:|---:|");
    for result in &results {
        let name = result["command"].as_str().unwrap_or("?");
        println!(
            "| {name} | {:.1} | {:.2} |",
            median(result),
            median(result) / base
        );
    }
    Ok(())
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}
