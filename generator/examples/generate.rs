//! Generates a client crate from a document into a directory: the generator alone, without
//! xtask's checks, so that benchmarks time the same work peers do.
//!
//! `cargo run --release -p contractfit-codegen --example generate -- SPEC [OVERLAY] OUT_DIR`

use std::process::ExitCode;

// The generator allocates many small token and syntax-tree nodes; mimalloc serves them faster
// than the system allocator (see BENCHMARKS.md). `cargo xtask generate` uses it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (spec, overlay, out) = match args.as_slice() {
        [spec, out] => (spec, None, out),
        [spec, overlay, out] => (spec, Some(overlay), out),
        _ => {
            eprintln!("usage: generate SPEC [OVERLAY] OUT_DIR");
            return ExitCode::from(2);
        }
    };
    let mut config = contractfit_codegen::Config::new(spec);
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
