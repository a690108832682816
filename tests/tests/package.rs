//! The crates as crates.io would serve them: `contractfit-runtime`, `contractfit`,
//! `contractfit-codegen`, `contractfit-fake`, `contractfit-batch` and `contractfit-cli` are
//! packaged (`cargo package`), each with its README and licence files and nothing test-only,
//! within a size bound; then a consumer crate outside the workspace is built from the unpacked
//! `.crate` files (through `[patch.crates-io]`, as a registry would resolve them; with the
//! client's `batch` and `cli` features, so that they build from packages too), with each of the
//! crate README's programs as a binary, and every one of them
//! run against the fake Contract.fit with a username and password in the environment: getting
//! started, logging in, upload-and-wait, a wait with progress, every page, errors. This
//! catches a README that drifts from the crate, a path dependency, a file missing from a
//! package, and a feature only the workspace turns on.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use contractfit_fake::credentials::{PASSWORD, USERNAME};
use contractfit_fake::{Behaviour, Fake};
use contractfit_tests::{cargo_for_generated, generated_target, root};

/// The packages meant for crates.io.
const PUBLISHED: [&str; 6] = [
    "contractfit-runtime",
    "contractfit",
    "contractfit-codegen",
    "contractfit-fake",
    "contractfit-batch",
    "contractfit-cli",
];

/// No package may be larger than this, compressed.
const MAX_PACKAGE_BYTES: u64 = 512 * 1024;

fn run(mut command: Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Packages every published crate; the `.crate` files by package name.
fn package() -> Vec<(String, PathBuf)> {
    let mut command = cargo_for_generated();
    command
        .current_dir(root())
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"]);
    for name in PUBLISHED {
        command.args(["-p", name]);
    }
    run(command, "cargo package");
    let dir = generated_target().join("package");
    PUBLISHED
        .iter()
        .map(|name| {
            let file = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let file_name = p.file_name().unwrap().to_string_lossy();
                    p.extension().is_some_and(|e| e == "crate")
                        && file_name
                            .strip_prefix(&format!("{name}-"))
                            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                })
                .max()
                .unwrap_or_else(|| panic!("no package of {name} in {}", dir.display()));
            (name.to_string(), file)
        })
        .collect()
}

/// The files a package holds, as `cargo package --list` says.
fn listing(name: &str) -> Vec<String> {
    let mut command = cargo_for_generated();
    command
        .current_dir(root())
        .args(["package", "--list", "--allow-dirty", "-p", name]);
    run(command, "cargo package --list")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Unpacks a `.crate` (a gzipped tar) into `into`; the folder it made. The files get the
/// current time (`-m`), not the archive's: with the archive's older times, cargo would take a
/// build of the previous unpacking as current and run stale code (it did, once).
fn unpack(file: &Path, into: &Path) -> PathBuf {
    std::fs::create_dir_all(into).unwrap();
    let mut command = Command::new("tar");
    command.arg("-xzmf").arg(file).arg("-C").arg(into);
    run(command, "tar");
    into.join(file.file_stem().unwrap())
}

/// The crate README's whole programs (its async examples), each with a name made from the
/// heading it stands under.
fn programs(readme: &str) -> Vec<(String, String)> {
    let mut programs = Vec::new();
    for section in readme.split("\n## ").skip(1) {
        let heading = section.lines().next().unwrap_or_default();
        let name: String = heading
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if let Some(code) = section
            .split("```rust,no_run\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
        {
            programs.push((name, code.to_owned()));
        }
    }
    programs
}

#[test]
fn published_crates_package_and_a_consumer_builds_and_runs_from_them() {
    let packages = package();
    for (name, file) in &packages {
        let size = std::fs::metadata(file).unwrap().len();
        eprintln!("{name}: {} ({} KiB)", file.display(), size / 1024);
        assert!(
            size <= MAX_PACKAGE_BYTES,
            "{name} is {size} bytes packaged, over {MAX_PACKAGE_BYTES}"
        );
        let files = listing(name);
        for needed in ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.toml"] {
            assert!(
                files.iter().any(|f| f == needed),
                "{name} lacks {needed}: {files:#?}"
            );
        }
        for file in &files {
            let test_only = [
                "tests/",
                "benches/",
                "fixtures/",
                "snapshots/",
                "surface.json",
            ]
            .iter()
            .any(|part| file.contains(part));
            assert!(!test_only, "{name} ships {file}");
        }
    }

    let dir = contractfit_tests::target_dir().join("generated-crates/packaged");
    let _ = std::fs::remove_dir_all(&dir);
    let unpacked: Vec<(String, PathBuf)> = packages
        .iter()
        .map(|(name, file)| (name.clone(), unpack(file, &dir)))
        .collect();
    let folder = |name: &str| {
        unpacked
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, path)| path.display().to_string())
            .unwrap()
    };
    let client = folder("contractfit");
    let version = client.rsplit('-').next().unwrap().to_owned();
    let readme = std::fs::read_to_string(Path::new(&client).join("README.md")).unwrap();
    let consumer = dir.join("consumer");
    std::fs::create_dir_all(consumer.join("src/bin")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        format!(
            "[package]\nname = \"packaged-consumer\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n\
             contractfit = {{ version = \"={version}\", features = [\"batch\", \"cli\"] }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
             [patch.crates-io]\ncontractfit = {{ path = {client:?} }}\n\
             contractfit-runtime = {{ path = {:?} }}\ncontractfit-batch = {{ path = {:?} }}\n\
             contractfit-cli = {{ path = {:?} }}\n\n[workspace]\n",
            folder("contractfit-runtime"),
            folder("contractfit-batch"),
            folder("contractfit-cli"),
        ),
    )
    .unwrap();
    let programs = programs(&readme);
    let names: Vec<&str> = programs.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "getting-started",
        "logging-in",
        "upload-then-wait-for-the-result",
        "waiting-with-progress",
        "every-page",
        "errors",
    ] {
        assert!(
            names.contains(&expected),
            "the crate README shows {expected}: {names:?}"
        );
    }
    for (name, code) in &programs {
        std::fs::write(consumer.join(format!("src/bin/{name}.rs")), code).unwrap();
    }
    let mut build = cargo_for_generated();
    build.current_dir(&consumer).args(["build", "--quiet"]);
    run(build, "building the consumer from the packages");

    // Run each as a user would, against the fake, with a username and password (sent as
    // Basic, or exchanged for a token by the login example), from a folder holding the file
    // the upload example sends.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(200))
            .with_required_auth(true),
    );
    fake.seed_document("your-document-id", "your-inbox-id");
    fake.seed_inbox("your-inbox-id", 3);
    let running = runtime.block_on(fake.start());
    let work = contractfit_tests::scratch("packaged-consumer");
    std::fs::write(work.path().join("invoice.pdf"), b"%PDF-1.7 packaged").unwrap();
    for (name, _) in &programs {
        let mut program = Command::new(generated_target().join("debug").join(name));
        program
            .current_dir(work.path())
            .env_clear()
            .env("CONTRACTFIT_BASE_URL", running.url())
            .env("CONTRACTFIT_USERNAME", USERNAME)
            .env("CONTRACTFIT_PASSWORD", PASSWORD);
        let printed = run(program, &format!("the README's {name} program"));
        eprintln!("{name}: {}", printed.trim());
        assert!(!printed.trim().is_empty(), "{name} printed nothing");
    }
    assert_eq!(fake.uploads(), 1, "the upload example uploaded once");
    assert!(
        fake.logins() >= 1,
        "the login example logged in for a token ({} requests)",
        fake.requests()
    );
    assert_eq!(fake.unauthorized(), 0, "every request carried the token");

    // The example of testing your own code (`examples/testing-your-code`), as its user has it:
    // depending on the packaged client (with `testing`) and fake; its tests run.
    let example = dir.join("testing-your-code");
    copy_dir(&root().join("examples/testing-your-code"), &example);
    let mut manifest = std::fs::read_to_string(example.join("Cargo.toml")).unwrap();
    manifest.push_str(&format!(
        "\n[patch.crates-io]\ncontractfit = {{ path = {client:?} }}\n\
         contractfit-runtime = {{ path = {:?} }}\ncontractfit-fake = {{ path = {:?} }}\n",
        folder("contractfit-runtime"),
        folder("contractfit-fake"),
    ));
    std::fs::write(example.join("Cargo.toml"), manifest).unwrap();
    let mut tests = cargo_for_generated();
    tests.current_dir(&example).args(["test", "--quiet"]);
    let printed = run(tests, "the testing-your-code example's tests");
    assert!(printed.contains("3 passed"), "{printed}");
}

/// Copies the files of `from` (and its folders) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
