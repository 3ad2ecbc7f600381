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
//!   against `infra/`; [`admin`]: creating and deleting tables for tools and tests.
//! - [`entity`]: the item-kind trait; [`catalog_items`] and [`run_items`]: every item kind, a
//!   domain struct plus its key function each; `keys` (private): how every key is spelled;
//!   [`run_id`]: a run's id.
//! - [`chunks`]: the one codec of packed lists (a run's lists, its pair counts and counter
//!   snapshots, payout rosters); [`run_sink`]: the one writer of a run's results.
//! - [`producers`], [`tracks`], [`runs`], [`scan`]: the access patterns; [`platform`]: the
//!   platform's live data (plays, profiles, accepted tracks), newest wins.
//! - [`batch`] and [`retry`]: batch writes and reads that re-send leftovers with backoff.
//! - [`import`]: loading a catalog file, idempotently; [`consistency`]: the checker.

mod access;
#[cfg(feature = "tools")]
pub mod admin;
pub mod batch;
pub mod catalog_items;
pub mod changes;
pub mod chunks;
pub mod config;
#[cfg(feature = "tools")]
pub mod consistency;
pub mod counters;
pub mod edit_limits;
pub mod entity;
pub mod error;
pub mod exact_units;
#[cfg(feature = "tools")]
pub mod import;
mod keys;
pub mod lists;
#[cfg(feature = "local-stream")]
pub mod local_stream;
pub mod names;
pub mod page;
pub mod payout_items;
pub mod payouts;
pub mod platform;
pub mod producers;
pub mod retry;
pub mod rows;
pub mod run_id;
pub mod run_items;
pub mod run_sink;
pub mod runs;
pub mod scan;
pub mod series;
#[cfg(feature = "tools")]
pub mod shared_track_projection;
pub mod shared_tracks;
pub mod size;
pub mod table;
pub mod tracks;
pub mod warm;
#[cfg(feature = "tools")]
pub mod wire_clock;
mod write;

pub use catalog_items::{Change, ChangeSource, StoredTrack};
pub use config::{ConfigError, StoreConfig};
pub use error::StoreError;
pub use lists::{Board, Period, ProducerList};
pub use page::Page;
pub use run_id::RunId;
pub use run_items::RunPointer;

use aws_sdk_dynamodb::Client;

/// Typed access to the BeatPass table. Cheap to clone (the SDK client is reference-counted).
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    /// A store over `table` through an already built client.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
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
