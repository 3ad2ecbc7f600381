//! Artist profiles: by id, by many ids, and by name prefix (the co-producer search box).
//!
//! A profile is stored with one name-search entry per word of its name (and one for the whole
//! name), in partitions keyed by the word's first character; a prefix query is then one `Query`
//! with `begins_with` on the sort key, case-insensitive because entries and queries are both
//! lower-cased. Changing a name replaces its entries in the same transaction as the profile.

use std::collections::{HashMap, HashSet};

use catalog::Producer;
use contribution::ProducerId;

use catalog::names::name_query;
use table::access::{transaction_delete, transaction_put};
use table::entity::{Entity, PrimaryKey, decode};
use table::error::StoreError;
use table::items::catalog::{ArtistNameEntry, Profile};
use table::keys;
use table::page::{PageQuery, SortRange};

/// A producer's payout fields as the profile has them now, with their stamp: what a payout send
/// reads at the moment it sends (the destination is never taken from an older copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutFields {
    pub stripe_account_id: Option<String>,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    /// The `at` of the newest platform message applied to these fields (epoch ms).
    pub stamp: Option<i64>,
}

impl PayoutFields {
    /// The payout-ready signals missing (empty: payout-ready).
    pub fn missing(&self) -> Vec<contribution::payout::Signal> {
        contribution::payout::missing_signals(
            self.stripe_account_id.is_some(),
            self.charges_enabled,
            self.payouts_enabled,
        )
    }

    /// The account to pay, when payout-ready.
    pub fn ready_account(&self) -> Option<&str> {
        self.stripe_account_id
            .as_deref()
            .filter(|_| self.charges_enabled && self.payouts_enabled)
    }
}

impl From<&Profile> for PayoutFields {
    fn from(p: &Profile) -> Self {
        Self {
            stripe_account_id: p.stripe_account_id.clone(),
            charges_enabled: p.charges_enabled,
            payouts_enabled: p.payouts_enabled,
            stamp: p.payout_stamp(),
        }
    }
}

/// A search hit: who, and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistMatch {
    pub producer_id: ProducerId,
    pub name: String,
}

/// The name-search entries of `old` that `new` no longer has.
pub(crate) fn stale_name_entries<'a>(
    old: &'a [ArtistNameEntry],
    new: &[ArtistNameEntry],
) -> impl Iterator<Item = &'a ArtistNameEntry> {
    let keep: HashSet<PrimaryKey> = new.iter().map(|e| e.full_key(&()).primary).collect();
    old.iter()
        .filter(move |e| !keep.contains(&e.full_key(&()).primary))
}

impl crate::owners::Catalog<'_> {
    /// Creates or replaces a profile with its name-search entries, removing entries of an old name.
    pub async fn put_producer(&self, producer: &Producer) -> Result<(), StoreError> {
        let old = self.get_producer(&producer.id).await?;
        let new_entries = ArtistNameEntry::all(producer);
        let old_entries = old.as_ref().map(ArtistNameEntry::all).unwrap_or_default();
        let mut writes = vec![transaction_put(
            self.table.name(),
            &Profile::from(producer),
        )?];
        for stale in stale_name_entries(&old_entries, &new_entries) {
            writes.push(transaction_delete(self.table.name(), stale));
        }
        for entry in &new_entries {
            writes.push(transaction_put(self.table.name(), entry)?);
        }
        self.table
            .client()
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(StoreError::dynamo("TransactWriteItems"))?;
        Ok(())
    }

    pub async fn get_producer(&self, id: &ProducerId) -> Result<Option<Producer>, StoreError> {
        Ok(self
            .table
            .get_entity::<Profile>(&(), id, true)
            .await?
            .map(Producer::from))
    }

    /// The profiles of `ids` that exist, by id.
    pub async fn get_producers(
        &self,
        ids: impl IntoIterator<Item = &ProducerId>,
    ) -> Result<HashMap<ProducerId, Producer>, StoreError> {
        Ok(self
            .profiles_of(ids)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), Producer::from(p)))
            .collect())
    }

    /// The stored profiles of `ids` that exist (consistent reads, each id once).
    async fn profiles_of(
        &self,
        ids: impl IntoIterator<Item = &ProducerId>,
    ) -> Result<Vec<Profile>, StoreError> {
        let unique: HashSet<&ProducerId> = ids.into_iter().collect();
        let keys = unique
            .into_iter()
            .map(|id| Profile::primary_key(&(), id).item())
            .collect();
        self.table
            .get_all(keys)
            .await?
            .into_iter()
            .map(decode::<Profile>)
            .collect()
    }

    /// A producer's payout fields now (a consistent read), if the producer has a profile.
    pub async fn payout_fields(&self, id: &ProducerId) -> Result<Option<PayoutFields>, StoreError> {
        Ok(self
            .table
            .get_entity::<Profile>(&(), id, true)
            .await?
            .as_ref()
            .map(PayoutFields::from))
    }

    /// The payout fields of `ids` that have a profile, by id (consistent reads).
    pub async fn payout_fields_of(
        &self,
        ids: impl IntoIterator<Item = &ProducerId>,
    ) -> Result<HashMap<ProducerId, PayoutFields>, StoreError> {
        Ok(self
            .profiles_of(ids)
            .await?
            .iter()
            .map(|p| (p.id.clone(), PayoutFields::from(p)))
            .collect())
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
        let query = name_query(query);
        if query.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // Every word starting with `query` shares its first character's partition, and the
        // entries' sort keys start with the word.
        let partition = keys::artist_name_pk(&query);
        let mut seen = HashSet::new();
        let mut matches = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .table
                .query_page::<ArtistNameEntry>(PageQuery {
                    index: None,
                    partition: partition.clone(),
                    sort: SortRange::Prefix(&query),
                    backwards: false,
                    limit: 100,
                    cursor: cursor.as_deref(),
                })
                .await?;
            for entry in page.items {
                if seen.insert(entry.producer_id.clone()) {
                    matches.push(ArtistMatch {
                        producer_id: entry.producer_id,
                        name: entry.name,
                    });
                    if matches.len() >= limit {
                        return Ok(matches);
                    }
                }
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(matches),
            }
        }
    }
}
