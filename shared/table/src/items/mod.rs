//! Every item kind the table holds, each a domain struct (or a `results` value) plus one
//! [`crate::entity::Entity`] impl, grouped by the owner that writes it: [`catalog`] (tracks,
//! plays, profiles and their name entries, discographies, credit history and declines, shared
//! tracks), [`runs`] (a run's pointer, meta, summaries and packed lists, pair counts, counter
//! snapshots, series points), [`payouts`] (splits, statements, rosters, open markers).
//!
//! They are here, beside the keys, rather than in the store beside their access patterns,
//! because many are the `results` crate's values: Rust lets a crate implement another crate's
//! trait only for its own types, so the trait and those impls must share a crate.

pub mod catalog;
pub mod payouts;
pub mod runs;
