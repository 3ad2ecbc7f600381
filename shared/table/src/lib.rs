//! BeatPass's one DynamoDB table: how it is defined and keyed, what each item looks like, and
//! how to talk to it well.
//!
//! This is the store's lower layer, split from it so each crate holds one job: here the table's
//! layout and mechanics, in `store` the access patterns by owner. Only `store` (and the tests,
//! which build and read raw items) depend on this crate (`xtask/src/tidy_graph.rs`), so SDK types
//! may appear in its public signatures without reaching a function: the store's own public
//! signatures, and what it passes on from here, name none (`xtask/src/tidy.rs`).
//!
//! - [`config`]: table name and endpoint from the environment; the one SDK client per process.
//! - [`definition`]: the table definition (keys, indexes, TTL), used to create tables and checked
//!   against `infra/`; [`keys`]: how every key is spelled (nowhere else, checked by a tidy test).
//! - [`items`]: every item kind, by the owner that writes it; [`pack`]: lists packed into chunk
//!   items (heads, rows by size or by rank, parts).
//! - [`entity`]: the item-kind trait (a domain struct plus one key function, the modyne pattern);
//!   [`access`]: single entities by key and the write requests for them; [`write`](mod@write): the batch and
//!   transaction writes every caller spells the same way.
//! - [`batch`] and [`retry`]: batch writes and reads that re-send leftovers with backoff;
//!   [`size`]: what an item weighs and bills; [`rows`]: the one encoding of packed rows.
//! - [`page`]: a Query's pages and their opaque cursors; [`warm`]: the init-time warm-up read.
//! - [`error`]: [`StoreError`], what can go wrong talking to the table.

pub mod access;
pub mod batch;
pub mod config;
pub mod definition;
pub mod entity;
pub mod error;
pub mod items;
pub mod keys;
pub mod pack;
pub mod page;
pub mod retry;
pub mod rows;
pub mod size;
pub mod warm;
pub mod write;

pub use config::{ConfigError, StoreConfig};
pub use error::StoreError;
pub use page::Page;

use aws_sdk_dynamodb::Client;

/// The table and the client that reaches it. Cheap to clone (the SDK client is
/// reference-counted).
#[derive(Debug, Clone)]
pub struct Table {
    client: Client,
    name: String,
}

impl Table {
    /// The table `name` through an already built client.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// Builds the SDK client from `config` (once per process) and returns the table.
    pub async fn connect(config: &StoreConfig) -> Self {
        Self::new(
            config::build_client(config).await,
            config.table_name.clone(),
        )
    }

    /// The SDK client, for the store's own requests.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}
