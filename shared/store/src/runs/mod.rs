//! A recompute run's partitions, which only `recompute` writes: its results under its run id,
//! the pointer that publishes it, its counter snapshot and the series points that outlive it.
//!
//! [`items`] is how each result is stored (the values are the `results` crate's); `table::pack` packs
//! lists into chunk items and reads them back a page at a time ([`list_page`]); [`sink`] turns a
//! run's values into puts and [`writer`] writes them while the next are made. Through
//! `store.runs()`: [`published`] (the pointer, a run's items, publishing), [`counters`] and
//! [`series`].

pub mod counters;
pub mod list_page;
pub mod partials;
pub mod published;
pub mod series;
pub mod sink;
pub mod writer;

/// How each of these is stored (the `table` crate's, beside the keys: see `table::items`).
pub use table::items::runs as items;
