//! The only crate that talks to DynamoDB.
//!
//! BeatPass keeps everything in one table (`docs/data-model.md` lists every access pattern and the
//! key that serves it). This crate turns those patterns into typed async methods on [`Store`], so
//! no function builds a key or an attribute map by hand, and the rules that keep the table
//! consistent (a credit edit is one transaction; a batch write is retried until every item is in;
//! a run is published by one conditional write) are written once.
//!
//! - [`config`]: table name and endpoint from the environment; the one SDK client per process.
//! - [`table`]: the table definition (keys, indexes, TTL), used to create tables and checked
//!   against `infra/`.
//! - [`entity`]: the item-kind trait; [`catalog_items`], [`run_items`] and [`payout_items`]: how
//!   each item kind is stored (the values of a run and of payouts are the `results` crate's);
//!   `keys` (private): how every key is spelled.
//! - [`chunks`]: the one codec of packed lists (a run's lists, its pair counts and counter
//!   snapshots, payout rosters); [`run_sink`] and [`run_writer`]: the one writer of a run's items.
//! - [`producers`], [`tracks`], [`runs`], [`scan`]: the access patterns; [`platform`]: the
//!   platform's live data (plays, profiles, accepted tracks), newest wins.
//! - [`batch`] and [`retry`]: batch writes and reads that re-send leftovers with backoff.
//! - `tools` (the `tools` feature: xtask and tests only): tables, import, the checker, the
//!   shared-track rebuild, the SDK-level pieces, DynamoDB Local's stream.

mod access;
pub mod batch;
pub mod catalog_items;
pub mod changes;
pub mod chunks;
pub mod config;
pub mod counters;
pub mod edit_limits;
pub mod entity;
pub mod error;
mod keys;
pub mod names;
pub mod owners;
pub mod page;
pub mod payout_items;
pub mod payouts;
pub mod platform;
pub mod producers;
pub mod retry;
pub mod rows;
pub mod run_items;
pub mod run_sink;
pub mod run_writer;
pub mod runs;
pub mod scan;
pub mod series;
pub mod shared_tracks;
pub mod size;
pub mod table;
#[cfg(feature = "tools")]
pub mod tools;
pub mod tracks;
pub mod warm;
mod write;

pub use catalog_items::{Change, ChangeSource, StoredTrack};
pub use config::{ConfigError, StoreConfig};
pub use error::StoreError;
pub use page::Page;

use aws_sdk_dynamodb::Client;

/// Typed access to the BeatPass table. Cheap to clone (the SDK client is reference-counted).
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    /// A store over `table` through an already built client.
    pub(crate) fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Builds the SDK client from `config` (once per process) and returns the store.
    pub async fn connect(config: &StoreConfig) -> Self {
        Self::new(config.client().await, config.table_name.clone())
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }
}

/// A run id spelled `text`, unchecked (the unit tests' ids, one malformed on purpose).
#[cfg(test)]
pub(crate) fn run_id_text(text: &str) -> results::run_id::RunId {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).expect("a run id")
}

/// Whether partition key `pk` belongs to run `run` (for tools and tests that read raw items).
pub fn run_owns_partition(run: &results::run_id::RunId, pk: &str) -> bool {
    keys::is_run_partition(pk, run)
}
