//! Generates a client crate from a document into a directory: the generator alone, without
//! xtask's checks, so that benchmarks time the same work peers do.
//!
//! `cargo run --release -p contractfit-codegen --example generate -- SPEC [OVERLAY] OUT_DIR
//! [--operation ID]… [--tag TAG]…`: with `--operation` or `--tag`, a crate of those operations
//! only (see `contractfit_codegen::Selection`).

use std::process::ExitCode;

// The generator allocates many small token and syntax-tree nodes; mimalloc serves them faster
// than the system allocator (see BENCHMARKS.md). `cargo xtask generate` uses it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args: Vec<String> = Vec::new();
    let mut selection = contractfit_codegen::Selection::default();
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let list = match arg.as_str() {
            "--operation" => &mut selection.operations,
            "--tag" => &mut selection.tags,
            _ => {
                args.push(arg);
                continue;
            }
        };
        match given.next() {
            Some(name) => list.push(name),
            None => {
                eprintln!("{arg} needs a name");
                return ExitCode::from(2);
            }
        }
    }
    let (spec, overlay, out) = match args.as_slice() {
        [spec, out] => (spec, None, out),
        [spec, overlay, out] => (spec, Some(overlay), out),
        _ => {
            eprintln!("usage: generate SPEC [OVERLAY] OUT_DIR [--operation ID]… [--tag TAG]…");
            return ExitCode::from(2);
        }
    };
    let mut config = contractfit_codegen::Config::new(spec).only(selection);
    if let Some(overlay) = overlay {
        config = config.overlay(overlay);
    }
    let generated = match contractfit_codegen::generate(&config) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for file in &generated.files {
        let path = std::path::Path::new(out).join(&file.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &file.contents));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "operations: {}, types: {}, files: {}",
        generated.api.operations.len(),
        generated.api.types.len(),
        generated.files.len()
    );
    ExitCode::SUCCESS
}
