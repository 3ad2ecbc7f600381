//! The payout partitions, which only `payouts` writes: each period's split and roster, each
//! producer's statements, and the open-statement markers the hourly pass reads.
//!
//! [`items`] is how they are stored (the values are `results::payout`'s); [`statements`] is their
//! reads and conditional moves, through `store.payouts()`.

pub mod statements;

/// How each of these is stored (the `table` crate's, beside the keys: see `table::items`).
pub use table::items::payouts as items;
