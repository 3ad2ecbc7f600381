//! What lives in BeatPass's one table, and who writes it: the only crate a function asks for
//! stored data.
//!
//! `docs/data-model.md` lists every access pattern and the key that serves it. This crate turns
//! those patterns into typed async methods, so no function builds a key or an attribute map, and
//! the rules that keep the table consistent (a credit edit is one transaction; a run is written
//! whole and published by one conditional write; a statement moves forward only) are written
//! once. The table's mechanics (its definition and keys, entities, batches, pages) are the
//! `table` crate underneath, which no function sees.
//!
//! The access patterns are grouped by owner, as `infra/template.yaml` grants writes
//! ([`owners`]): [`catalog`] (`store.catalog()`), [`runs`] (`store.runs()`) and [`payouts`]
//! (`store.payouts()`). `tools` (the `tools` feature: xtask and tests only) holds what no
//! Lambda runs: tables, import, the checker, the shared-track rebuild, the SDK-level pieces.

pub mod catalog;
pub mod owners;
pub mod payouts;
pub mod runs;
#[cfg(feature = "tools")]
pub mod tools;

pub use catalog::items::{Change, ChangeSource, StoredTrack};
pub use table::batch::BatchStats;
pub use table::config::{ConfigError, StoreConfig, TEST_ENDPOINT_VAR};
pub use table::error::StoreError;
pub use table::page::Page;
pub use table::retry::RetryPolicy;

use table::Table;

/// Typed access to the BeatPass table. Cheap to clone (the SDK client is reference-counted).
#[derive(Debug, Clone)]
pub struct Store {
    table: Table,
}

impl Store {
    /// Builds the SDK client from `config` (once per process) and returns the store.
    pub async fn connect(config: &StoreConfig) -> Self {
        Self {
            table: Table::connect(config).await,
        }
    }

    pub fn table_name(&self) -> &str {
        self.table.name()
    }

    /// Opens the client's connection during a Lambda's init with one read of a missing item, for
    /// at most `limit` (`table::warm`). Returns whether the read answered in time.
    pub async fn warm_up(&self, limit: std::time::Duration) -> bool {
        self.table.warm_up(limit).await
    }
}

/// Whether partition key `pk` belongs to run `run` (for tools and tests that read raw items).
pub fn run_owns_partition(run: &results::run_id::RunId, pk: &str) -> bool {
    table::keys::is_run_partition(pk, run)
}

#[cfg(test)]
mod attribute_names;
