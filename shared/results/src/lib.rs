//! The published vocabulary: what a recompute run publishes and what a monthly payout records.
//!
//! These are the product's nouns that outlive one function: `recompute` computes the run's
//! results, the store persists them and the payout records, the `leaderboard` views read them, and
//! `payouts` makes and moves splits and statements. They live here, not in the store, so none of
//! those imports the persistence crate for a type, and producer-facing rules (which statement is
//! owed, what a failure code says) are not persistence's. Plain values: no SDK, no tokio, no
//! clock (the crate is checked alone, as the core is).

pub mod lists;
pub mod payout;
pub mod run;
pub mod run_id;
pub mod units;
