//! The catalog's partitions, which `credits`, `sync` and `fanout` write: tracks and their play
//! counts, profiles and their name-search entries, discographies, credit history and declines,
//! the credit-edit buckets, and the tracks each pair of producers shares.
//!
//! [`items`] is how each of these is stored; the others are its access patterns, reached through
//! `store.catalog()`: [`tracks`] (credit edits, one transaction each), [`producers`] (profiles by
//! id and by name), [`platform`] (the live feed, newest stamp wins), [`scan`] (the recompute's
//! read of every track), [`edit_limits`] (the edit buckets), [`shared_tracks`] (the pair
//! projection), and [`changes`] (the table's stream read as domain changes, with the two stream
//! mappings' filters).

pub mod changes;
pub mod edit_limits;
pub mod platform;
pub mod producers;
pub mod scan;
pub mod shared_tracks;
pub mod tracks;

/// How each of these is stored (the `table` crate's, beside the keys: see `table::items`).
pub use table::items::catalog as items;
