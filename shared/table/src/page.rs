//! One page of a Query, and the opaque cursor that resumes it.
//!
//! A cursor is DynamoDB's `LastEvaluatedKey`, encoded as URL-safe base64 JSON. It is opaque to
//! clients but not trusted: on the way back in it must be exactly the key shape the query
//! produces (the same attribute names, all strings, nothing more or less), its partition the one
//! being queried, and its sort key inside the query's range. So a cursor edited to point into
//! another partition (another producer's private results), or one DynamoDB would reject as
//! outside the query's bounds, is refused as [`StoreError::BadCursor`] (a 400) before it is sent.
//! Paged index queries (the collaborative index) mirror the table key, so there the table key
//! must equal the index key too.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Table;
use crate::definition::{DEFINITION, IndexDefinition};
use crate::entity::{Entity, Item, decode, entity_of};
use crate::error::StoreError;

/// The longest cursor accepted, in characters.
const MAX_CURSOR_LEN: usize = 2048;

/// A page of results and the cursor of the next page (`None` at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which sort keys a page query covers.
#[derive(Debug, Clone, Copy)]
pub enum SortRange<'a> {
    All,
    Prefix(&'a str),
    /// Entries under `prefix` and, sorting after them, one marker item whose sort key is
    /// `marker` (the query runs BETWEEN `prefix` AND `marker`). Pages only ever end on an entry,
    /// so a cursor must resume inside `prefix`.
    PrefixThenMarker {
        prefix: &'a str,
        marker: &'a str,
    },
    /// Sort keys from `from` to `to`, inclusive.
    Between {
        from: &'a str,
        to: &'a str,
    },
}

/// One page of a partition of the table or of an index, over a range of sort keys.
pub struct PageQuery<'a> {
    /// `None` for the table itself.
    pub index: Option<IndexDefinition>,
    pub partition: String,
    /// Which sort keys (of the table or the index).
    pub sort: SortRange<'a>,
    /// Descending sort-key order (newest first for time-keyed items).
    pub backwards: bool,
    pub limit: u32,
    pub cursor: Option<&'a str>,
}

impl Table {
    /// Calls `each` with every item of `partition` (all of kind `T`), `per_page` at a time, in
    /// sort-key order: for the packed parts that are always read whole (counter snapshots, pair
    /// counts, payout rosters).
    pub async fn each_in_partition<T: Entity>(
        &self,
        partition: String,
        per_page: u32,
        mut each: impl FnMut(T) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .query_page::<T>(PageQuery {
                    index: None,
                    partition: partition.clone(),
                    sort: SortRange::All,
                    backwards: false,
                    limit: per_page,
                    cursor: cursor.as_deref(),
                })
                .await?;
            for item in page.items {
                each(item)?;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    pub async fn query_page<T: Entity>(&self, query: PageQuery<'_>) -> Result<Page<T>, StoreError> {
        let page = self.query_page_raw(query).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(decode)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }

    /// A page of a partition whose first item, on the first page, is a marker of kind `M`
    /// proving the partition's owner exists: `None` when the first page does not start with one.
    /// The marker comes back decoded (first page only), the rest as `T`; the first page asks for
    /// one item more so the caller still gets `limit` items.
    pub async fn query_page_after_marker<M: Entity, T: Entity>(
        &self,
        mut query: PageQuery<'_>,
    ) -> Result<Option<(Option<M>, Page<T>)>, StoreError> {
        let marker = M::NAME;
        let first_page = query.cursor.is_none();
        query.limit += u32::from(first_page);
        let page = self.query_page_raw(query).await?;
        if first_page && page.items.first().and_then(entity_of) != Some(marker) {
            return Ok(None);
        }
        let mut head = None;
        let mut items = Vec::with_capacity(page.items.len());
        for item in page.items {
            if entity_of(&item) == Some(marker) {
                head = Some(decode(item)?);
            } else {
                items.push(decode(item)?);
            }
        }
        let page = Page {
            items,
            next_cursor: page.next_cursor,
        };
        Ok(Some((head, page)))
    }

    /// [`Table::query_page`] without decoding, for partitions that hold several item shapes.
    pub async fn query_page_raw(&self, query: PageQuery<'_>) -> Result<Page<Item>, StoreError> {
        let pk_attribute = query
            .index
            .map_or(DEFINITION.partition_key, |i| i.partition_key);
        let sk_attribute = query
            .index
            .map_or(Some(DEFINITION.sort_key), |i| i.sort_key);
        let start = query.cursor.map(|c| decode_cursor(c, &query)).transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.name)
            .set_index_name(query.index.map(|i| i.name.to_owned()))
            .expression_attribute_names("#pk", pk_attribute)
            .expression_attribute_values(":pk", AttributeValue::S(query.partition))
            .scan_index_forward(!query.backwards)
            .limit(query.limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(start);
        request = match (query.sort, sk_attribute) {
            (SortRange::Prefix(prefix), Some(sk)) => request
                .expression_attribute_names("#sk", sk)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned())),
            (
                SortRange::PrefixThenMarker {
                    prefix: from,
                    marker: to,
                },
                Some(sk),
            )
            | (SortRange::Between { from, to }, Some(sk)) => request
                .expression_attribute_names("#sk", sk)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_values(":from", AttributeValue::S(from.to_owned()))
                .expression_attribute_values(":to", AttributeValue::S(to.to_owned())),
            _ => request.key_condition_expression("#pk = :pk"),
        };
        let out = request.send().await.map_err(StoreError::dynamo("Query"))?;
        Ok(Page {
            items: out.items.unwrap_or_default(),
            next_cursor: encode_cursor(out.last_evaluated_key),
        })
    }
}

impl Table {
    /// A Query of the items of partition `pk` whose sort keys are between `from` and `to`
    /// (inclusive), for the caller to finish (limit, order, consistency).
    pub fn query_between(
        &self,
        pk: String,
        from: String,
        to: String,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.name)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", DEFINITION.partition_key)
            .expression_attribute_names("#sk", DEFINITION.sort_key)
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(":from", AttributeValue::S(from))
            .expression_attribute_values(":to", AttributeValue::S(to))
    }
}

pub fn encode_cursor(key: Option<Item>) -> Option<String> {
    let key = key?;
    let strings: BTreeMap<String, String> = key
        .into_iter()
        .filter_map(|(name, value)| match value {
            AttributeValue::S(s) => Some((name, s)),
            _ => None,
        })
        .collect();
    let json = serde_json::to_vec(&strings).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

impl SortRange<'_> {
    /// Whether a page can end on `sort_key` (so a cursor may resume from it).
    fn can_resume_at(&self, sort_key: &str) -> bool {
        match self {
            Self::All => true,
            Self::Prefix(prefix) | Self::PrefixThenMarker { prefix, .. } => {
                sort_key.starts_with(prefix)
            }
            Self::Between { from, to } => (*from..=*to).contains(&sort_key),
        }
    }
}

/// Decodes `cursor` for `query`: exactly the key attributes the query's pages end on, in its
/// partition and sort range.
pub fn decode_cursor(cursor: &str, query: &PageQuery<'_>) -> Result<Item, StoreError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(StoreError::BadCursor);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let strings: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let get = |name: &str| strings.get(name).map(String::as_str);
    let table_pk = DEFINITION.partition_key;
    let table_sk = DEFINITION.sort_key;
    let valid = match query.index {
        None => {
            strings.len() == 2
                && get(table_pk) == Some(query.partition.as_str())
                && get(table_sk).is_some_and(|sk| query.sort.can_resume_at(sk))
        }
        Some(index) => {
            let index_sk = index.sort_key.and_then(&get);
            let expected = 2 + 1 + usize::from(index.sort_key.is_some());
            strings.len() == expected
                && get(index.partition_key) == Some(query.partition.as_str())
                && get(table_pk) == Some(query.partition.as_str())
                && index.sort_key.is_some()
                && index_sk.is_some_and(|sk| query.sort.can_resume_at(sk))
                && get(table_sk) == index_sk
        }
    };
    if !valid {
        return Err(StoreError::BadCursor);
    }
    Ok(strings
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;
    use contribution::{ProducerId, TrackId};

    #[test]
    fn cursors_round_trip_and_stay_in_their_partition_and_range() {
        let p1 = keys::producer_pk(&ProducerId::parse("p1").expect("id"));
        let p2 = keys::producer_pk(&ProducerId::parse("p2").expect("id"));
        let sk = keys::discography_sk("x", &TrackId::parse("t1").expect("id"));
        let query = |partition: &str| PageQuery {
            index: None,
            partition: partition.to_owned(),
            sort: SortRange::Prefix(keys::DISCOGRAPHY_PREFIX),
            backwards: true,
            limit: 10,
            cursor: None,
        };
        let strings = |pairs: &[(&str, &str)]| -> String {
            let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).expect("json"))
        };
        let key: Item = HashMap::from([
            ("pk".into(), AttributeValue::S(p1.clone())),
            ("sk".into(), AttributeValue::S(sk.clone())),
        ]);
        let cursor = encode_cursor(Some(key.clone())).expect("a key gives a cursor");
        assert_eq!(decode_cursor(&cursor, &query(&p1)).ok(), Some(key));
        let forged = [
            // Another partition, a sort key outside the range, extra and missing attributes.
            cursor.clone(),
            strings(&[("pk", &p1), ("sk", keys::PROFILE_SK)]),
            strings(&[("pk", &p1), ("sk", &sk), ("extra", "x")]),
            strings(&[("pk", &p1)]),
            strings(&[("sk", &sk)]),
            strings(&[("pk", &p1), ("collabSk", &sk)]),
            "".into(),
            "!!!".into(),
            "bm90IGpzb24".into(),
            "A".repeat(5000),
        ];
        for (i, forged) in forged.iter().enumerate() {
            let partition = if i == 0 { &p2 } else { &p1 };
            assert!(
                matches!(
                    decode_cursor(forged, &query(partition)),
                    Err(StoreError::BadCursor)
                ),
                "{forged}"
            );
        }
        // A number instead of a string.
        let numeric = URL_SAFE_NO_PAD.encode(format!(r#"{{"pk":"{p1}","sk":1}}"#));
        assert!(decode_cursor(&numeric, &query(&p1)).is_err());
        assert_eq!(encode_cursor(None), None);
    }

    #[test]
    fn index_cursors_mirror_the_table_key() {
        let p1 = keys::producer_pk(&ProducerId::parse("p1").expect("id"));
        let sk = keys::discography_sk("x", &TrackId::parse("t1").expect("id"));
        let query = PageQuery {
            index: Some(crate::definition::COLLABORATIVE_INDEX),
            partition: p1.clone(),
            sort: SortRange::Prefix(keys::DISCOGRAPHY_PREFIX),
            backwards: true,
            limit: 10,
            cursor: None,
        };
        let encode = |pairs: &[(&str, &str)]| -> String {
            let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).expect("json"))
        };
        let genuine = encode(&[
            ("pk", &p1),
            ("sk", &sk),
            ("collabPk", &p1),
            ("collabSk", &sk),
        ]);
        let track = keys::track_pk(&TrackId::parse("t1").expect("id"));
        let profile = keys::PROFILE_SK;
        assert!(decode_cursor(&genuine, &query).is_ok());
        for forged in [
            encode(&[
                ("pk", &track),
                ("sk", &sk),
                ("collabPk", &p1),
                ("collabSk", &sk),
            ]),
            encode(&[
                ("pk", &p1),
                ("sk", keys::TRACK_SK),
                ("collabPk", &p1),
                ("collabSk", &sk),
            ]),
            encode(&[("pk", &p1), ("sk", &sk), ("collabPk", &p1)]),
            encode(&[
                ("pk", &p1),
                ("sk", profile),
                ("collabPk", &p1),
                ("collabSk", profile),
            ]),
        ] {
            assert!(decode_cursor(&forged, &query).is_err(), "{forged}");
        }
    }
}
