#![doc = include_str!("../README.md")]

mod engine;
mod journal;
mod pressure;
mod uploads;

pub use engine::{Batch, BatchError, Event, Summary, CLOCK_SKEW};
pub use journal::{Counts, Entry, Failure, FailureKind, Journal, JournalError, State};
pub use uploads::{Accepted, FindError, Source, Uploads, FIND_PAGE_SIZE};

// Plumbing for generated crates' `Uploads`: public so that they can name it, hidden from the
// docs, and free to change in any release.
#[doc(hidden)]
pub use uploads::{has_sha256, id_in, named};
