//! The document's published history (`../shared/spec/history`, then the current version):
//! every version generates a crate that compiles, and each step from one version to the next
//! gets the change report and semver verdict its differences call for.

use std::path::PathBuf;

use contractfit_codegen::surface::{self, Surface, Verdict};
use contractfit_codegen::{generate, model_of, Config, CrateInfo};
use contractfit_tests::{root, shared};

/// The published versions, oldest first, the current one last.
fn versions() -> Vec<PathBuf> {
    let Some(shared) = shared() else {
        panic!(
            "../shared is not beside the checkout; this test reads ../shared/spec/history and \
             ../shared/spec/contract-fit-1.0.yaml"
        );
    };
    let mut versions: Vec<PathBuf> = std::fs::read_dir(shared.join("spec/history"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    versions.sort();
    assert_eq!(versions.len(), 6, "six earlier versions: {versions:?}");
    versions.push(shared.join("spec/contract-fit-1.0.yaml"));
    versions
}

fn label(version: &std::path::Path) -> String {
    let stem = version.file_stem().unwrap().to_string_lossy();
    match stem.strip_prefix("contract-fit-1.0-") {
        Some(date) => date.to_owned(),
        None => "current".to_owned(),
    }
}

/// One crate per version, in a workspace of their own, checked by one `cargo check`.
#[test]
fn every_published_version_generates_a_crate_that_compiles() {
    let dir = contractfit_tests::target_dir().join("generated-crates/history");
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    for version in versions() {
        let name = format!("history-{}", label(&version));
        let generated = generate(&Config::new(&version).crate_info(CrateInfo {
            name: name.clone(),
            runtime_path: Some(root().join("runtime").display().to_string()),
            source: version.display().to_string(),
            ..CrateInfo::default()
        }))
        .unwrap_or_else(|e| panic!("{}: {e}", version.display()));
        for file in &generated.files {
            let path = dir.join(&name).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
        }
        members.push(format!("{name:?}"));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let output = contractfit_tests::check_generated(&dir, &["--workspace"]);
    assert!(
        output.status.success(),
        "a generated crate does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The verdict of each step, with the changes that decide it. Read off the documents by hand:
/// where a step removes or changes something users can name, it is major; where it only adds
/// operations or optional setters, minor; where the public API is the same, patch.
#[test]
fn each_step_of_the_history_gets_the_verdict_its_changes_call_for() {
    let surfaces: Vec<(String, Surface)> = versions()
        .iter()
        .map(|version| {
            let (api, _, _) = model_of(&Config::new(version))
                .unwrap_or_else(|e| panic!("{}: {e}", version.display()));
            (label(version), Surface::of(&api))
        })
        .collect();
    let mut report = String::new();
    let mut verdicts = Vec::new();
    for pair in surfaces.windows(2) {
        let ((from, old), (to, new)) = (&pair[0], &pair[1]);
        let changes = old.changes(new);
        let verdict = surface::verdict(&changes);
        report.push_str(&format!("{from} -> {to}: {verdict}\n"));
        for change in &changes {
            report.push_str(&format!("  {change}\n"));
        }
        verdicts.push(verdict);
    }
    insta::assert_snapshot!("history_change_reports", report);
    assert_eq!(verdicts, EXPECTED, "{report}");
}

/// Checked against the documents themselves (`diff` of each pair, and their operationIds and
/// schema properties compared by a script):
const EXPECTED: [Verdict; 6] = [
    // A `pattern` and an `x-preferred: null` dropped: nothing the client exposes.
    Verdict::Patch,
    // The same document re-wrapped (long lines folded).
    Verdict::Patch,
    // `DocumentModelGet.evaluation_data` removed (major); `versions` and a form field added,
    // optional, so minor on their own.
    Verdict::Major,
    // Descriptions only.
    Verdict::Patch,
    // `post_documents_resource` renamed `post_documents_simple_api_resource`.
    Verdict::Major,
    // Three operations removed (two re-pathed under new ids), `files` retyped, 134 added.
    Verdict::Major,
];

#[test]
fn versions_move_as_cargo_reads_them() {
    assert_eq!(surface::bump("0.1.0", Verdict::Major).unwrap(), "0.2.0");
    assert_eq!(surface::bump("0.1.0", Verdict::Minor).unwrap(), "0.1.1");
    assert_eq!(surface::bump("0.1.3", Verdict::Patch).unwrap(), "0.1.4");
    assert_eq!(surface::bump("1.2.3", Verdict::Major).unwrap(), "2.0.0");
    assert_eq!(surface::bump("1.2.3", Verdict::Minor).unwrap(), "1.3.0");
    assert_eq!(surface::bump("1.2.3", Verdict::Patch).unwrap(), "1.2.4");
    assert!(surface::bump("1.2", Verdict::Patch).is_err());
}
