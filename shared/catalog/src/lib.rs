//! The BeatPass catalog: producer profiles and tracks, as validated records.
//!
//! Records reach the system from two doors, the `credits` API and catalog import files, and both
//! go through the same validation here, so a rule (a title's length, a timestamp's range) cannot
//! differ between them. Like the core crate this one is pure: parsing a catalog file or generating
//! a synthetic one needs no I/O, so both can be fuzzed and benchmarked without DynamoDB.
//!
//! - [`records`]: [`Producer`] and [`Track`] and their field rules.
//! - [`jsonl`]: the JSON Lines import format, parsed and checked as a whole file.
//! - [`names`]: how a display name becomes the words the co-producer search finds it by.
//! - [`synthetic`]: realistic generated catalogs for tests, demos and benchmarks.

pub mod jsonl;
pub mod names;
pub mod producer_change;
pub mod records;
#[cfg(feature = "synthetic")]
pub mod synthetic;

#[cfg(test)]
mod fuzz_tests;

pub use producer_change::{ProducerChange, ProducerChangeError};
pub use records::{FieldError, Producer, Track, UploadTime, normalize_tag};
