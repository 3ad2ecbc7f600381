//! The table's change stream, read as domain changes.
//!
//! Two kinds of committed write leave the table through its stream (`NEW_AND_OLD_IMAGES`):
//!
//! - a credit history entry ([`CreditChange`]), written in the same transaction as every change
//!   of a track's credits, is the outbox of the `Credit Changed` events: nothing is announced
//!   that did not commit, and everything that committed is (`fanout` puts the events);
//! - a discography entry, created, rewritten or deleted, from which `fanout` keeps the
//!   shared-track entries of each pair of co-credited producers
//!   ([`crate::Store::apply_discography_change`]).
//!
//! [`STREAM_FILTERS`] says which records the function is given, once: the template's event source
//! mapping must carry exactly [`stream_filter_patterns`] (a test compares them), and the local
//! feed of `cargo xtask dev` applies [`StreamFilter::matches`] to DynamoDB Local's stream. The
//! images arrive as `serde_dynamo` items (the Lambda event's shape); only this module knows the
//! items' layout.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use crate::catalog_items::{CreditChange, DiscographyEntry};
use crate::entity::{Entity, decode, entity_of};
use crate::error::StoreError;
use crate::keys;
use crate::table::DEFINITION;

/// Which stream records `fanout` is given: an event name and key prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFilter {
    /// `INSERT`, `MODIFY`, `REMOVE`; empty: any.
    pub event_names: &'static [&'static str],
    pub partition_prefix: &'static str,
    pub sort_prefix: &'static str,
}

/// The records `fanout` handles: new credit history entries (never modified: each is keyed by
/// the version it created), and every write of a discography entry.
pub const STREAM_FILTERS: [StreamFilter; 2] = [
    StreamFilter {
        event_names: &["INSERT"],
        partition_prefix: keys::TRACK_PREFIX,
        sort_prefix: keys::HISTORY_PREFIX,
    },
    StreamFilter {
        event_names: &[],
        partition_prefix: keys::PRODUCER_PREFIX,
        sort_prefix: keys::DISCOGRAPHY_PREFIX,
    },
];

impl StreamFilter {
    /// The filter as a Lambda event filter pattern (the template's `FilterCriteria`).
    pub fn pattern(&self) -> Value {
        let mut pattern = json!({
            "dynamodb": {
                "Keys": {
                    DEFINITION.partition_key: { "S": [{ "prefix": self.partition_prefix }] },
                    DEFINITION.sort_key: { "S": [{ "prefix": self.sort_prefix }] },
                }
            }
        });
        if !self.event_names.is_empty() {
            pattern["eventName"] = json!(self.event_names);
        }
        pattern
    }

    /// Whether a record with this event name and keys passes the filter (what Lambda's event
    /// filtering does with [`StreamFilter::pattern`]).
    pub fn matches(&self, event_name: &str, partition: &str, sort: &str) -> bool {
        (self.event_names.is_empty() || self.event_names.contains(&event_name))
            && partition.starts_with(self.partition_prefix)
            && sort.starts_with(self.sort_prefix)
    }
}

/// Every filter pattern, as the template must declare them.
pub fn stream_filter_patterns() -> Vec<Value> {
    STREAM_FILTERS.iter().map(StreamFilter::pattern).collect()
}

/// Whether any filter lets a record through.
pub fn stream_record_wanted(event_name: &str, keys: &serde_dynamo::Item) -> bool {
    let keys: HashMap<String, AttributeValue> = keys.clone().into();
    let key = |name: &str| match keys.get(name) {
        Some(AttributeValue::S(s)) => s.clone(),
        _ => String::new(),
    };
    let (pk, sk) = (key(DEFINITION.partition_key), key(DEFINITION.sort_key));
    STREAM_FILTERS
        .iter()
        .any(|f| f.matches(event_name, &pk, &sk))
}

/// What one stream record means.
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    /// A track's credits changed (a new history entry).
    CreditsChanged(CreditChange),
    /// A discography entry was created (`before` none), rewritten, or deleted (`after` none).
    Discography {
        before: Option<DiscographyEntry>,
        after: Option<DiscographyEntry>,
    },
    /// Anything else (a record the filters would not have passed).
    Other,
}

/// The change a stream record describes, from its event name and images (absent images are
/// empty items, as the Lambda event gives them).
pub fn table_change(
    event_name: &str,
    old_image: &serde_dynamo::Item,
    new_image: &serde_dynamo::Item,
) -> Result<TableChange, StoreError> {
    let image = |item: &serde_dynamo::Item| -> Option<HashMap<String, AttributeValue>> {
        (!item.is_empty()).then(|| item.clone().into())
    };
    let (old, new) = (image(old_image), image(new_image));
    let kind = new
        .as_ref()
        .or(old.as_ref())
        .and_then(entity_of)
        .map(str::to_owned);
    match kind.as_deref() {
        Some(CreditChange::NAME) if event_name == "INSERT" => match new {
            Some(item) => Ok(TableChange::CreditsChanged(decode(item)?)),
            None => Ok(TableChange::Other),
        },
        Some(DiscographyEntry::NAME) => Ok(TableChange::Discography {
            before: old.map(decode).transpose()?,
            after: new.map(decode).transpose()?,
        }),
        _ => Ok(TableChange::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_pass_history_inserts_and_discography_writes_only() {
        use contribution::{ProducerId, TrackId};
        let wanted =
            |name: &str, pk: &str, sk: &str| STREAM_FILTERS.iter().any(|f| f.matches(name, pk, sk));
        let (t, p, q) = (
            TrackId::parse("t1").expect("id"),
            ProducerId::parse("p1").expect("id"),
            ProducerId::parse("p2").expect("id"),
        );
        let history = keys::history_sk(2);
        let entry = keys::discography_sk("2026", &t);
        assert!(wanted("INSERT", &keys::track_pk(&t), &history));
        assert!(!wanted("REMOVE", &keys::track_pk(&t), &history));
        assert!(!wanted("MODIFY", &keys::track_pk(&t), keys::TRACK_SK));
        assert!(wanted("MODIFY", &keys::producer_pk(&p), &entry));
        assert!(wanted("REMOVE", &keys::producer_pk(&p), &entry));
        // The entries fanout itself writes never come back to it.
        assert!(!wanted("INSERT", &keys::shared_pk(&p, &q), &entry));
        assert!(!wanted("INSERT", &keys::producer_pk(&p), keys::PROFILE_SK));
        let patterns = stream_filter_patterns();
        assert_eq!(patterns[0]["eventName"], json!(["INSERT"]));
        assert!(patterns[1].get("eventName").is_none());
    }
}
