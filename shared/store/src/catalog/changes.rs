//! The table's change stream, read as domain changes.
//!
//! Two kinds of committed write leave the table through its stream (`NEW_AND_OLD_IMAGES`):
//!
//! - a credit history entry ([`CreditChange`]), written in the same transaction as every change
//!   of a track's credits, is the outbox of the `Credit Changed` events: nothing is announced
//!   that did not commit, and everything that committed is (`fanout` puts the events);
//! - a discography entry, created, rewritten or deleted, from which `fanout` keeps the
//!   shared-track entries of each pair of co-credited producers
//!   ([`crate::owners::Catalog::apply_discography_change`]).
//!
//! The stream is read by two event source mappings ([`StreamMapping`]), one for each kind: a bus
//! outage stalls the events, never the shared-track entries, and a record that fails every retry
//! parks only its own kind's work. Each mapping's filters are said once here: the template's
//! mappings must carry exactly [`StreamMapping::patterns`] (a test compares them), and the local
//! feed of `cargo xtask dev` hands the same patterns to the stream stand-in, which applies them
//! to DynamoDB Local's stream as Lambda does. The
//! images arrive as `serde_dynamo` items (the Lambda event's shape); only this module knows the
//! items' layout.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use table::definition::DEFINITION;
use table::entity::{Entity, decode, entity_of};
use table::error::StoreError;
use table::items::catalog::{CreditChange, DiscographyEntry};
use table::keys;

/// Which stream records a mapping passes: an event name and key prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFilter {
    /// `INSERT`, `MODIFY`, `REMOVE`; empty: any.
    pub event_names: &'static [&'static str],
    pub partition_prefix: &'static str,
    pub sort_prefix: &'static str,
}

/// The event source mappings that give `fanout` the table's stream, each reading it on its own
/// (its own position, retries and parked records). DynamoDB Streams serves at most two readers
/// per shard without throttling: these two are all this stream can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMapping {
    /// New credit history entries (never modified: each is keyed by the version it created),
    /// which become `Credit Changed` events on the platform's bus.
    Events,
    /// Every write of a discography entry, from which the shared-track entries are kept.
    SharedTracks,
}

const EVENTS_FILTERS: [StreamFilter; 1] = [StreamFilter {
    event_names: &["INSERT"],
    partition_prefix: keys::TRACK_PREFIX,
    sort_prefix: keys::HISTORY_PREFIX,
}];

const SHARED_TRACKS_FILTERS: [StreamFilter; 1] = [StreamFilter {
    event_names: &[],
    partition_prefix: keys::PRODUCER_PREFIX,
    sort_prefix: keys::DISCOGRAPHY_PREFIX,
}];

impl StreamMapping {
    /// Both mappings.
    pub const ALL: [StreamMapping; 2] = [StreamMapping::Events, StreamMapping::SharedTracks];

    /// What this mapping passes.
    pub fn filters(self) -> &'static [StreamFilter] {
        match self {
            StreamMapping::Events => &EVENTS_FILTERS,
            StreamMapping::SharedTracks => &SHARED_TRACKS_FILTERS,
        }
    }

    /// The mapping's filter patterns, as the template must declare them.
    pub fn patterns(self) -> Vec<Value> {
        self.filters().iter().map(StreamFilter::pattern).collect()
    }
}

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
    /// Anything else (a record no mapping would have passed).
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
    fn each_mapping_passes_its_own_kind_only() {
        use contribution::{ProducerId, TrackId};
        let wanted = |mapping: StreamMapping, name: &str, pk: &str, sk: &str| {
            mapping.filters().iter().any(|f| f.matches(name, pk, sk))
        };
        let (t, p, q) = (
            TrackId::parse("t1").expect("id"),
            ProducerId::parse("p1").expect("id"),
            ProducerId::parse("p2").expect("id"),
        );
        let history = keys::history_sk(2);
        let entry = keys::discography_sk("2026", &t);
        let (events, shared) = (StreamMapping::Events, StreamMapping::SharedTracks);
        assert!(wanted(events, "INSERT", &keys::track_pk(&t), &history));
        assert!(!wanted(shared, "INSERT", &keys::track_pk(&t), &history));
        assert!(!wanted(events, "REMOVE", &keys::track_pk(&t), &history));
        assert!(!wanted(
            events,
            "MODIFY",
            &keys::track_pk(&t),
            keys::TRACK_SK
        ));
        assert!(wanted(shared, "MODIFY", &keys::producer_pk(&p), &entry));
        assert!(wanted(shared, "REMOVE", &keys::producer_pk(&p), &entry));
        assert!(!wanted(events, "MODIFY", &keys::producer_pk(&p), &entry));
        // The entries fanout itself writes never come back to it.
        for mapping in StreamMapping::ALL {
            assert!(!wanted(mapping, "INSERT", &keys::shared_pk(&p, &q), &entry));
            assert!(!wanted(
                mapping,
                "INSERT",
                &keys::producer_pk(&p),
                keys::PROFILE_SK
            ));
        }
        assert_eq!(events.patterns()[0]["eventName"], json!(["INSERT"]));
        assert!(shared.patterns()[0].get("eventName").is_none());
    }
}
