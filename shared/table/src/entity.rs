//! Typed entities: every item kind is a plain domain struct plus one [`Entity`] impl.
//!
//! The pattern is modyne's (neoeinstein/modyne, its `dynamodb-book` examples), written here
//! rather than depended on because that crate lags the 1.x SDK. An entity says what its `entity`
//! attribute is and computes its keys — table keys, index keys — from typed inputs; [`encode`]
//! adds those (and the TTL, for items that expire) to the struct's own attributes, and [`decode`]
//! reads the struct back, ignoring them. Callers pass and get domain values only: the key module
//! is private to this crate, and a key can only be built through an entity.
//!
//! Adding an item kind: write the struct (serde, camelCase), implement [`Entity`] with a key
//! function from `crate::keys`, and document the layout in `docs/data-model.md`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::definition::DEFINITION;
use crate::error::StoreError;

/// A raw DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The attribute naming an item's kind.
pub const ENTITY_ATTRIBUTE: &str = "entity";

/// The table key of an item. Built only inside the store (from `crate::keys`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrimaryKey {
    pub pk: String,
    pub sk: String,
}

impl PrimaryKey {
    pub fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }

    /// The partition key: what IAM's `dynamodb:LeadingKeys` conditions see (the least-privilege
    /// tests read it to check who may write an item kind).
    pub fn partition(&self) -> &str {
        &self.pk
    }

    /// Where a raw item is stored (its key attributes), if it has them (the checker's).
    pub fn of_item(item: &Item) -> Option<Self> {
        Some(Self::new(
            string_attribute(item, DEFINITION.partition_key)?.to_owned(),
            string_attribute(item, DEFINITION.sort_key)?,
        ))
    }

    /// The key as an SDK attribute map.
    pub fn item(&self) -> Item {
        HashMap::from([
            (
                DEFINITION.partition_key.to_owned(),
                AttributeValue::S(self.pk.clone()),
            ),
            (
                DEFINITION.sort_key.to_owned(),
                AttributeValue::S(self.sk.clone()),
            ),
        ])
    }
}

/// Every key an item carries: its table key and the keys of the indexes it is in (sparse indexes
/// hold only the items that carry their keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullKey {
    pub primary: PrimaryKey,
    /// Index key attributes (`table::DEFINITION`'s names) and their values.
    pub indexes: Vec<(&'static str, String)>,
}

impl From<PrimaryKey> for FullKey {
    fn from(primary: PrimaryKey) -> Self {
        Self {
            primary,
            indexes: Vec::new(),
        }
    }
}

/// An item kind of the table.
pub trait Entity: Serialize + DeserializeOwned {
    /// The `entity` attribute, which tells item kinds apart in a scan or a mixed query.
    const NAME: &'static str;
    /// What the key needs beyond the item itself: `()` for catalog items, the run for a run's
    /// results.
    type Scope: ?Sized;
    /// What identifies one item within its scope (for reads by key).
    type KeyInput<'a>;

    /// The table key of the item `input` names.
    fn primary_key(scope: &Self::Scope, input: Self::KeyInput<'_>) -> PrimaryKey;

    /// This item's table key and index keys.
    fn full_key(&self, scope: &Self::Scope) -> FullKey;
}

/// The item for `value`: its attributes plus keys, `entity` and, when given, the TTL attribute.
pub fn encode<E: Entity>(
    value: &E,
    scope: &E::Scope,
    expires_at: Option<i64>,
) -> Result<Item, StoreError> {
    let mut item: Item =
        serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(StoreError::Encode)?;
    let key = value.full_key(scope);
    item.extend(key.primary.item());
    for (attribute, value) in key.indexes {
        item.insert(attribute.to_owned(), AttributeValue::S(value));
    }
    item.insert(
        ENTITY_ATTRIBUTE.to_owned(),
        AttributeValue::S(E::NAME.to_owned()),
    );
    if let Some(expires_at) = expires_at {
        item.insert(
            DEFINITION.ttl_attribute.to_owned(),
            AttributeValue::N(expires_at.to_string()),
        );
    }
    Ok(item)
}

/// The entity stored in `item` (its key attributes are ignored).
pub fn decode<E: Entity>(item: Item) -> Result<E, StoreError> {
    let key = describe_key(&item);
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(StoreError::decode(&key))
}

/// The `entity` attribute of a raw item.
pub fn entity_of(item: &Item) -> Option<&str> {
    match item.get(ENTITY_ATTRIBUTE) {
        Some(AttributeValue::S(e)) => Some(e.as_str()),
        _ => None,
    }
}

/// A string attribute of a raw item.
pub fn string_attribute<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn describe_key(item: &Item) -> String {
    let part = |name: &str| string_attribute(item, name).unwrap_or("?");
    format!(
        "{}/{}",
        part(DEFINITION.partition_key),
        part(DEFINITION.sort_key)
    )
}
