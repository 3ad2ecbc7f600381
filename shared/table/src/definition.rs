//! The table definition: keys, indexes and the TTL attribute, in one place.
//!
//! Tests, the local stack and import create tables from [`DEFINITION`]; `infra/` declares the same
//! table for AWS, and a test compares the two so they cannot drift.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};

use crate::error::StoreError;

/// A secondary index: its name and key attributes (all strings), projecting every attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: Option<&'static str>,
}

/// The whole table: string keys, on-demand billing, sparse global secondary indexes, a TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexDefinition],
    pub ttl_attribute: &'static str,
    /// The change stream's view (`fanout` reads old and new images of discography entries).
    pub stream_view: &'static str,
}

/// The sparse index holding exactly the catalog: every track and every producer profile. The
/// recompute scans it (in parallel segments) instead of the whole table.
pub const CATALOG_INDEX: IndexDefinition = IndexDefinition {
    name: "catalog",
    partition_key: "catalogKey",
    sort_key: None,
};

/// The sparse index holding the discography entries of collaborative tracks (2+ credits), by
/// producer: the "collaborative tracks" section of a profile.
pub const COLLABORATIVE_INDEX: IndexDefinition = IndexDefinition {
    name: "collaborative",
    partition_key: "collabPk",
    sort_key: Some("collabSk"),
};

/// Whether a table created here has its change stream.
///
/// The deployed table always has one (`fanout` reads it), and so do the tables of `cargo xtask
/// dev` and of the tests that feed it to `fanout`. DynamoDB Local records every write a second
/// time for a stream and slows down several-fold under the test suite's load, so tables that
/// nothing reads the stream of (most tests, the benchmarks' scratch tables) go without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    On,
    Off,
}

/// The BeatPass table.
pub const DEFINITION: TableDefinition = TableDefinition {
    partition_key: "pk",
    sort_key: "sk",
    indexes: &[CATALOG_INDEX, COLLABORATIVE_INDEX],
    ttl_attribute: "expiresAt",
    stream_view: "NEW_AND_OLD_IMAGES",
};

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("attribute name and key type are set")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute name and type are set")
}

impl TableDefinition {
    /// Every key attribute of the table and its indexes, each once.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            for name in std::iter::once(index.partition_key).chain(index.sort_key) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// Creates table `name` with this definition, waits until it is active and enables TTL;
    /// with `stream`, its change stream too (as deployed; see [`Stream`]).
    pub async fn create(
        &self,
        client: &Client,
        name: &str,
        stream: Stream,
    ) -> Result<(), StoreError> {
        let indexes = self.indexes.iter().map(|index| {
            let mut schema = vec![key(index.partition_key, KeyType::Hash)];
            if let Some(sort) = index.sort_key {
                schema.push(key(sort, KeyType::Range));
            }
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(schema))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index name and key schema are set")
        });
        client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(
                self.key_attributes()
                    .into_iter()
                    .map(string_attribute)
                    .collect(),
            ))
            .key_schema(key(self.partition_key, KeyType::Hash))
            .key_schema(key(self.sort_key, KeyType::Range))
            .set_global_secondary_indexes(Some(indexes.collect()))
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(stream == Stream::On)
                    .set_stream_view_type(
                        (stream == Stream::On).then(|| StreamViewType::from(self.stream_view)),
                    )
                    .build()
                    .expect("the stream flag is set"),
            )
            .send()
            .await
            .map_err(StoreError::dynamo("CreateTable"))?;
        client
            .wait_until_table_exists()
            .table_name(name)
            .wait(std::time::Duration::from_secs(60))
            .await
            .map_err(StoreError::dynamo("DescribeTable"))?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(self.ttl_attribute)
                    .build()
                    .expect("TTL attribute and flag are set"),
            )
            .send()
            .await
            .map_err(StoreError::dynamo("UpdateTimeToLive"))?;
        Ok(())
    }

    /// Creates table `name` unless it exists. Returns true when it was created.
    pub async fn create_if_missing(
        &self,
        client: &Client,
        name: &str,
        stream: Stream,
    ) -> Result<bool, StoreError> {
        match client.describe_table().table_name(name).send().await {
            Ok(_) => Ok(false),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                self.create(client, name, stream).await?;
                Ok(true)
            }
            Err(e) => Err(StoreError::dynamo("DescribeTable")(e)),
        }
    }
}
