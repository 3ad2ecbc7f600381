//! The store's SDK-level pieces, for tools and tests only (the `tools` feature): the production
//! client as configured, a store over a client of one's own, raw items and batch requests.
//!
//! No Lambda builds this module, so no function can name an SDK type through the store: outside
//! it, the store's public signatures speak in domain values only
//! (`xtask/src/tidy.rs::the_store_names_no_sdk_type_in_a_public_signature`). Tests use these to
//! read and fault the table underneath the access patterns; what is the table layer's own (item
//! sizes, batch requests, the batch loop) they take from `table` itself.

pub use aws_sdk_dynamodb::Client;
pub use aws_sdk_dynamodb::types::WriteRequest;
use results::run::ProducerPoint;

use crate::{Store, StoreConfig};
use table::batch::BatchStats;
use table::error::StoreError;

/// A raw DynamoDB item.
pub type Item = table::entity::Item;

/// The SDK client `config` describes, built as the functions build theirs.
pub async fn client(config: &StoreConfig) -> Client {
    table::config::build_client(config).await
}

/// A store over an already built client.
pub fn store(client: Client, table: impl Into<String>) -> Store {
    Store::new(client, table)
}

impl Store {
    /// A store over table `name` through an already built client (only tools and tests build a
    /// store any other way than `Store::connect`).
    pub(crate) fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            table: table::Table::new(client, name),
        }
    }

    /// One `BatchWriteItem` of at most 25 requests; returns what the service left unprocessed.
    pub async fn send_raw_write_batch(
        &self,
        batch: Vec<WriteRequest>,
    ) -> Result<Vec<WriteRequest>, StoreError> {
        self.table.send_write_batch(batch).await
    }

    /// A producer's series point written alone (a run that wrote its points and died before
    /// publishing, for the tests of what readers see).
    pub async fn put_producer_point(&self, point: &ProducerPoint) -> Result<(), StoreError> {
        let put = crate::runs::series::point_put(point)?;
        self.runs()
            .write_requests(vec![put], &BatchStats::default())
            .await
    }
}

impl Store {
    /// Every item a recompute run published (its partitions, the runs partition, the series),
    /// without the partials of a sharded run, by `pk sk`, rendered exactly ([`Self::dump_items`]).
    pub async fn dump_published_run_items(
        &self,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let mut items = self.dump_items(&table::keys::RUN_WRITTEN_PREFIXES).await?;
        items.retain(|key, _| {
            let pk = key.split(' ').next().unwrap_or_default();
            !table::keys::is_partial_partition(pk)
        });
        Ok(items)
    }

    /// How many items of a sharded run's partials the table holds (until their TTL).
    pub async fn count_partial_items(&self) -> Result<usize, StoreError> {
        let items = self
            .dump_items(&table::keys::RUN_WRITTEN_PREFIXES[..1])
            .await?;
        Ok(items
            .keys()
            .filter(|key| {
                table::keys::is_partial_partition(key.split(' ').next().unwrap_or_default())
            })
            .count())
    }

    /// Every item whose partition key starts with one of `prefixes`, by `pk sk`, each rendered
    /// exactly (attributes in name order, every value as DynamoDB holds it: numbers as their
    /// text, binaries as their bytes): two tables' items compared byte for byte (the sharded
    /// run against the single invocation, `cargo xtask test`).
    pub async fn dump_items(
        &self,
        prefixes: &[&str],
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        use table::definition::DEFINITION;
        type Dump = std::collections::BTreeMap<String, String>;
        let add = |items: &mut Dump, item: Item| {
            let key = |name: &str| match item.get(name) {
                Some(aws_sdk_dynamodb::types::AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            let (pk, sk) = (key(DEFINITION.partition_key), key(DEFINITION.sort_key));
            if prefixes.iter().any(|p| pk.starts_with(p)) {
                items.insert(format!("{pk} {sk}"), exact(&item));
            }
            Ok(())
        };
        Ok(self.scan_all(1, add).await?.into_iter().flatten().collect())
    }
}

/// An item's exact text: maps in key order at every depth (a map's order is not its content),
/// everything else as the SDK holds it.
fn exact(
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> String {
    use aws_sdk_dynamodb::types::AttributeValue;
    fn value(v: &AttributeValue) -> String {
        match v {
            AttributeValue::M(map) => exact(map),
            AttributeValue::L(list) => {
                let parts: Vec<String> = list.iter().map(value).collect();
                format!("L[{}]", parts.join(", "))
            }
            other => format!("{other:?}"),
        }
    }
    let sorted: std::collections::BTreeMap<_, _> = item.iter().collect();
    let parts: Vec<String> = sorted
        .into_iter()
        .map(|(name, v)| format!("{name:?}: {}", value(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}
