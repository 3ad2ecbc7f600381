//! Artist profiles: by id, by many ids, and by name prefix (the co-producer search box).
//!
//! A profile is stored with one name-search entry per word of its name (and one for the whole
//! name), in partitions keyed by the word's first character; a prefix query is then one `Query`
//! with `begins_with` on the sort key, case-insensitive because entries and queries are both
//! lower-cased. Changing a name replaces its entries in the same transaction as the profile.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use catalog::Producer;
use contribution::ProducerId;

use crate::Store;
use crate::error::StoreError;
use crate::items::{ArtistNameItem, ProfileItem, from_item, key, to_item};
use crate::keys;
use crate::write::{transact_delete, transact_put};

/// Name-search entries per profile (words beyond this are not searchable), which keeps a profile
/// write one small transaction.
pub const MAX_NAME_TOKENS: usize = 12;

/// A search hit: who, and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistMatch {
    pub producer_id: ProducerId,
    pub name: String,
}

impl Store {
    /// Creates or replaces a profile with its name-search entries, removing entries of an old name.
    pub async fn put_producer(&self, producer: &Producer) -> Result<(), StoreError> {
        let old = self.get_producer(&producer.id).await?;
        let new_tokens: Vec<ArtistNameItem> = ArtistNameItem::all(producer);
        let new_keys: HashSet<(String, String)> = new_tokens
            .iter()
            .map(|t| (t.pk.clone(), t.sk.clone()))
            .collect();
        let mut writes = vec![transact_put(
            &self.table,
            to_item(&ProfileItem::from(producer))?,
        )];
        if let Some(old) = &old {
            for stale in ArtistNameItem::all(old) {
                if !new_keys.contains(&(stale.pk.clone(), stale.sk.clone())) {
                    writes.push(transact_delete(&self.table, key(stale.pk, stale.sk)));
                }
            }
        }
        for token in &new_tokens {
            writes.push(transact_put(&self.table, to_item(token)?));
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(StoreError::dynamo("TransactWriteItems"))?;
        Ok(())
    }

    pub async fn get_producer(&self, id: &ProducerId) -> Result<Option<Producer>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::producer_pk(id), keys::PROFILE_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        out.item
            .map(|item| from_item::<ProfileItem>(item).map(Producer::from))
            .transpose()
    }

    /// The profiles of `ids` that exist, by id.
    pub async fn get_producers(
        &self,
        ids: impl IntoIterator<Item = &ProducerId>,
    ) -> Result<HashMap<ProducerId, Producer>, StoreError> {
        let unique: HashSet<&ProducerId> = ids.into_iter().collect();
        let keys = unique
            .into_iter()
            .map(|id| key(keys::producer_pk(id), keys::PROFILE_SK))
            .collect();
        self.get_all(keys)
            .await?
            .into_iter()
            .map(|item| from_item::<ProfileItem>(item).map(|p| (p.id.clone(), Producer::from(p))))
            .collect()
    }

    /// The ids among `ids` that have no profile, in the order given.
    pub async fn unknown_producers(
        &self,
        ids: &[ProducerId],
    ) -> Result<Vec<ProducerId>, StoreError> {
        let known = self.get_producers(ids).await?;
        Ok(ids
            .iter()
            .filter(|id| !known.contains_key(*id))
            .cloned()
            .collect())
    }

    /// Up to `limit` profiles with a name word (or the whole name) starting with `query`,
    /// case-insensitive, ordered by the matching word. An empty query matches nothing.
    pub async fn search_producers(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<ArtistMatch>, StoreError> {
        let query = keys::name_query(query);
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut seen = HashSet::new();
        let mut matches = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::artist_name_pk(&query)))
            .expression_attribute_values(":prefix", AttributeValue::S(query))
            .limit(100)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let entry: ArtistNameItem = from_item(item.map_err(StoreError::dynamo("Query"))?)?;
            if seen.insert(entry.producer_id.clone()) {
                matches.push(ArtistMatch {
                    producer_id: entry.producer_id,
                    name: entry.name,
                });
                if matches.len() >= limit {
                    break;
                }
            }
        }
        Ok(matches)
    }
}
