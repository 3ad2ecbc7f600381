//! Which table an xtask command works on, shared by every command that touches one.
//!
//! Local by default (DynamoDB Local on `http://127.0.0.1:8000`, table `beatpass-local`);
//! `DYNAMODB_ENDPOINT` / `TABLE_NAME` or the flags override that; `--aws` targets real AWS through
//! the normal credential chain and region, so the same command can backfill a production table.

use anyhow::{Context, Result};
use store::tools::admin::Stream;
use store::{Store, StoreConfig};

pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:8000";
pub const LOCAL_TABLE: &str = "beatpass-local";

#[derive(clap::Args, Debug, Clone)]
pub struct TableTarget {
    /// DynamoDB endpoint (ignored with --aws).
    #[arg(long, env = "DYNAMODB_ENDPOINT", default_value = LOCAL_ENDPOINT)]
    pub endpoint: String,
    /// Table name.
    #[arg(long, env = "TABLE_NAME", default_value = LOCAL_TABLE)]
    pub table: String,
    /// Use real AWS (credential chain and region from the environment) instead of the endpoint.
    #[arg(long)]
    pub aws: bool,
}

impl TableTarget {
    pub fn describe(&self) -> String {
        if self.aws {
            format!("table {} on AWS", self.table)
        } else {
            format!("table {} at {}", self.table, self.endpoint)
        }
    }

    /// Connects; on a local endpoint, also creates the table when it is missing (never on AWS,
    /// where the table is deployed by `infra/`), without the change stream: DynamoDB Local
    /// writes several times slower with one (a 100,000-track import took minutes, not 71 s),
    /// and only `cargo xtask dev` reads it ([`TableTarget::connect_streaming`]).
    pub async fn connect(&self) -> Result<Store> {
        self.connect_with(Stream::Off).await
    }

    /// [`TableTarget::connect`], a missing local table made with its change stream, as deployed.
    pub async fn connect_streaming(&self) -> Result<Store> {
        self.connect_with(Stream::On).await
    }

    async fn connect_with(&self, stream: Stream) -> Result<Store> {
        let endpoint = (!self.aws).then(|| self.endpoint.clone());
        let store = Store::connect(&StoreConfig::new(&self.table, endpoint)).await;
        if !self.aws {
            let created = store
                .create_table_if_missing_with(stream)
                .await
                .with_context(|| {
                    format!(
                        "could not reach DynamoDB at {} (is `cargo xtask ddb` running?)",
                        self.endpoint
                    )
                })?;
            if created {
                eprintln!("xtask: created {}", self.describe());
            }
        }
        Ok(store)
    }
}
