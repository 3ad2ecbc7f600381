//! One page of a Query, and the opaque cursor that resumes it.
//!
//! A cursor is DynamoDB's `LastEvaluatedKey`, encoded as URL-safe base64 JSON. It is opaque to
//! clients but not trusted: on the way back in it must decode to string key attributes whose
//! partition key is the one being queried, so a cursor edited to point into another partition
//! (another producer's private results) is refused as [`StoreError::BadCursor`].

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Store;
use crate::entity::{Entity, Item, decode, entity_of};
use crate::error::StoreError;
use crate::table::{DEFINITION, IndexDefinition};

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
pub(crate) enum SortRange<'a> {
    All,
    Prefix(&'a str),
    /// Inclusive bounds.
    Between(&'a str, &'a str),
}

/// One page of a partition of the table or of an index, over a range of sort keys.
pub(crate) struct PageQuery<'a> {
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

impl Store {
    pub(crate) async fn query_page<T: Entity>(
        &self,
        query: PageQuery<'_>,
    ) -> Result<Page<T>, StoreError> {
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
    /// Markers are dropped, the rest decoded; the first page asks for one item more so the caller
    /// still gets `limit` items.
    pub(crate) async fn query_page_after_marker<M: Entity, T: Entity>(
        &self,
        mut query: PageQuery<'_>,
    ) -> Result<Option<Page<T>>, StoreError> {
        let marker = M::NAME;
        let first_page = query.cursor.is_none();
        query.limit += u32::from(first_page);
        let page = self.query_page_raw(query).await?;
        if first_page && page.items.first().and_then(entity_of) != Some(marker) {
            return Ok(None);
        }
        let items = page
            .items
            .into_iter()
            .filter(|item| entity_of(item) != Some(marker))
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(Some(Page {
            items,
            next_cursor: page.next_cursor,
        }))
    }

    /// [`Store::query_page`] without decoding, for partitions that hold several item shapes.
    pub(crate) async fn query_page_raw(
        &self,
        query: PageQuery<'_>,
    ) -> Result<Page<Item>, StoreError> {
        let pk_attribute = query
            .index
            .map_or(DEFINITION.partition_key, |i| i.partition_key);
        let sk_attribute = query
            .index
            .map_or(Some(DEFINITION.sort_key), |i| i.sort_key);
        let start = query
            .cursor
            .map(|c| decode_cursor(c, pk_attribute, &query.partition))
            .transpose()?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
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
            (SortRange::Between(from, to), Some(sk)) => request
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

pub(crate) fn encode_cursor(key: Option<Item>) -> Option<String> {
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

/// Decodes `cursor` for a query of partition `pk_value` (in attribute `pk_name`).
pub(crate) fn decode_cursor(
    cursor: &str,
    pk_name: &str,
    pk_value: &str,
) -> Result<Item, StoreError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(StoreError::BadCursor);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let strings: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    if strings.get(pk_name).map(String::as_str) != Some(pk_value) || strings.len() > 4 {
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
    fn cursors_round_trip_and_stay_in_their_partition() {
        let p1 = keys::producer_pk(&ProducerId::parse("p1").expect("id"));
        let p2 = keys::producer_pk(&ProducerId::parse("p2").expect("id"));
        let sk = keys::discography_sk("x", &TrackId::parse("t1").expect("id"));
        let key: Item = HashMap::from([
            ("pk".into(), AttributeValue::S(p1.clone())),
            ("sk".into(), AttributeValue::S(sk)),
        ]);
        let cursor = encode_cursor(Some(key.clone())).expect("a key gives a cursor");
        assert_eq!(decode_cursor(&cursor, "pk", &p1).ok(), Some(key));
        assert!(matches!(
            decode_cursor(&cursor, "pk", &p2),
            Err(StoreError::BadCursor)
        ));
        for forged in ["", "!!!", "bm90IGpzb24", &"A".repeat(5000)] {
            assert!(decode_cursor(forged, "pk", &p1).is_err(), "{forged}");
        }
        assert_eq!(encode_cursor(None), None);
    }
}
