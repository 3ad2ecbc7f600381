//! The contribution-value rules of BeatPass, as plain typed Rust.
//!
//! Subscription revenue is shared by *contribution value*: every track is worth
//! `decay × boost × split` to each producer it credits (the product page `contribution-value.txt`;
//! [`formula`] restates it). This crate is the single place those rules live, so the
//! number a producer is paid on, the number the dashboard explains and the number the consistency
//! checker verifies are computed by the same code.
//!
//! The crate is pure on purpose: no async runtime, no AWS types, no clock, no I/O. Everything is a
//! function of its arguments (the as-of instant is always passed in), so it cannot fail for
//! infrastructure reasons and every figure is reproducible to the last bit.
//!
//! - [`ids`]: validated producer and track identifiers.
//! - [`apportion`]: whole units (cents, hundredths of a percent) split exactly by largest remainder.
//! - [`credits`]: the credited-producer list of a track and its rules (distinct, 1 to 20).
//! - [`formula`]: the three factors and their [`Breakdown`].
//! - [`progress`]: XP under the published rules, and levels 1 to 100.
//! - [`payout`]: the monthly pool split into exact minor units (eligible, Excluded and why).
//! - [`statement`]: payout periods, currencies, and the forward-only life of a payout statement.
//! - [`ledger`]: streaming, order-independent aggregation of a catalog into contributions and shares.
//! - [`window`]: leaderboard timeframes (all time, 7 and 30 days), one type everywhere.

pub mod apportion;
pub mod credits;
pub mod fixed_point;
pub mod formula;
pub mod ids;
pub mod ledger;
pub mod payout;
pub mod progress;
pub mod statement;
pub mod window;

pub use credits::{CreditListError, Credits, MAX_CREDITED_PRODUCERS};
pub use fixed_point::ExactSum;
pub use formula::{
    Breakdown, SECONDS_PER_MONTH, TrackFacts, boost, breakdown, breakdown_of, decay,
    months_between, split,
};
pub use ids::{IdError, ProducerId, TrackId};
pub use ledger::{ContributionLedger, LedgerError, ProducerNumber, ProducerShare};

#[cfg(test)]
mod tests;
