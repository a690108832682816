// The README is the crate's documentation, so that its example is a doctest.
#![doc = include_str!("../README.md")]

pub mod build;
pub mod diagnostics;
pub mod emit;
pub mod load;
pub mod model;
pub mod overlay;
pub mod summary;
pub mod surface;

use std::path::PathBuf;

pub use build::selection::Selection;
pub use diagnostics::{Error, Location, Warning};
pub use emit::{CrateInfo, File};
pub use overlay::AppliedAction;

/// What to generate from. Everything else is decided by the document and the overlay.
#[derive(Debug, Clone)]
pub struct Config {
    pub spec: PathBuf,
    pub overlay: Option<PathBuf>,
    pub crate_info: CrateInfo,
    /// The operations the crate holds (all by default; see [`Selection`]).
    pub selection: Selection,
}

impl Config {
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Config {
            spec: spec.into(),
            overlay: None,
            crate_info: CrateInfo::default(),
            selection: Selection::default(),
        }
    }

    /// A crate of these operations only (and what they use): for a user of a few operations
    /// of a large API, who then builds only those.
    pub fn only(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    pub fn overlay(mut self, overlay: impl Into<PathBuf>) -> Self {
        self.overlay = Some(overlay.into());
        self
    }

    pub fn crate_info(mut self, crate_info: CrateInfo) -> Self {
        self.crate_info = crate_info;
        self
    }
}

/// The result of a generation: the files of the crate, and what happened on the way.
#[derive(Debug)]
pub struct Generated {
    pub api: model::Api,
    /// Relative to the generated crate's root, sorted by path.
    pub files: Vec<File>,
    pub applied: Vec<AppliedAction>,
    pub warnings: Vec<Warning>,
}

/// Reads the document (and overlay), builds the model and emits the crate's files.
pub fn generate(config: &Config) -> Result<Generated, Error> {
    with_deep_stack(|| {
        let (api, applied, warnings) = read_model(config)?;
        let files = emit::crate_files(&api, &config.crate_info)?;
        Ok(Generated {
            api,
            files,
            applied,
            warnings,
        })
    })
}

/// The first three stages only: document and overlay to model.
pub fn model_of(config: &Config) -> Result<(model::Api, Vec<AppliedAction>, Vec<Warning>), Error> {
    with_deep_stack(|| read_model(config))
}

/// The stack the pipeline runs on. Documents nest (schemas in schemas), and so do the parsers
/// and the builder that walk them: a document nested as deep as the parsers allow (128
/// levels) must not overflow a caller's thread, whose stack may be as small as 2 MiB.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Runs `work` on a thread of its own with a [`STACK_SIZE`] stack (reserved, not committed:
/// only what is used costs memory); on the caller's thread if no thread can be started.
fn with_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let work = std::sync::Mutex::new(Some(work));
    let run = || {
        let work = work.lock().unwrap_or_else(|e| e.into_inner()).take();
        work.map(|work| work())
    };
    let done = std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("contractfit-codegen".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, run);
        match thread {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        }
    });
    done.or_else(run)
        .expect("the work runs on one thread or the other")
}

/// The document as the generator reads it: the overlay applied, then normalised (see
/// `load/normalize.rs`). Tests serve it to a mock server and sample values from it.
pub fn document_of(
    config: &Config,
) -> Result<(serde_json::Value, Vec<AppliedAction>, Vec<Warning>), Error> {
    let (document, applied, _, warnings) = prepared(config)?;
    Ok((document, applied, warnings))
}

/// The document as the generator reads it, and the dialect it was written in.
fn prepared(config: &Config) -> Result<Prepared, Error> {
    let mut document = load::read_value(&config.spec)?;
    let applied = match &config.overlay {
        Some(path) => {
            let overlay = overlay::Overlay::from_value(path, load::read_value(path)?)?;
            overlay.apply(path, &mut document)?
        }
        None => Vec::new(),
    };
    let (places, warnings) = load::prepare(&config.spec, &mut document)?;
    Ok((document, applied, places, warnings))
}

type Prepared = (
    serde_json::Value,
    Vec<AppliedAction>,
    load::Places,
    Vec<Warning>,
);

fn read_model(config: &Config) -> Result<(model::Api, Vec<AppliedAction>, Vec<Warning>), Error> {
    let (document, applied, places, mut warnings) = prepared(config)?;
    let original = |pointer: &str| places.original(pointer);
    let openapi = load::to_openapi(&config.spec, document).map_err(|e| e.map_pointer(original))?;
    let (api, built) = build::build(&config.spec, &openapi).map_err(|e| e.map_pointer(original))?;
    let api = build::selection::keep(api, &config.selection, &config.spec)?;
    warnings.extend(built.into_iter().map(|w| Warning {
        pointer: original(&w.pointer),
        ..w
    }));
    Ok((api, applied, warnings))
}
