//! The generated crate's command-line tool, built here so that the CLI tests can run it
//! (`CARGO_BIN_EXE_contractfit`): the same one line as the generated `src/bin/contractfit.rs`.

fn main() -> std::process::ExitCode {
    contractfit::cli::main()
}
