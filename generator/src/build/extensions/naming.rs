//! `x-contractfit-strip-suffix` and `x-contractfit-verb-names` on the document: suffixes its
//! operationIds carry (one, or a list tried in order), and naming operations by what they do
//! (see `build/naming.rs`); `x-contractfit-name` on an operation: its Rust name.

use serde::Deserialize;

use super::{Extensions, NAME, STRIP_SUFFIX, VERB_NAMES};
use crate::build::names::snake;
use crate::build::Builder;
use crate::diagnostics::Error;

#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
enum Suffixes {
    One(String),
    Many(Vec<String>),
}

impl Builder<'_> {
    /// Reads the document's naming extensions into the builder.
    pub(in crate::build) fn read_naming_extensions(&mut self) -> Result<(), Error> {
        let extensions = &self.doc.extensions;
        self.strip_suffixes = match self.extension::<Suffixes>(extensions, STRIP_SUFFIX, "")? {
            None => Vec::new(),
            Some((Suffixes::One(suffix), _)) => vec![suffix],
            Some((Suffixes::Many(list), _)) => list,
        };
        self.verb_names = self
            .extension::<bool>(extensions, VERB_NAMES, "")?
            .is_some_and(|(on, _)| on);
        Ok(())
    }

    /// The Rust name an operation's `x-contractfit-name` asks for.
    pub(in crate::build) fn name_override(
        &self,
        extensions: &Extensions,
        pointer: &str,
    ) -> Result<Option<String>, Error> {
        match self.extension::<String>(extensions, NAME, pointer)? {
            None => Ok(None),
            Some((name, at)) if name.is_empty() => Err(self.invalid(&at, "must not be empty")),
            Some((name, _)) => Ok(Some(snake(&name))),
        }
    }
}
