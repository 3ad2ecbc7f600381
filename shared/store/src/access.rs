//! Single entities by key, and the write requests for them: the generic operations every access
//! pattern builds on, so none of them assembles a key or an attribute map itself.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, WriteRequest};

use crate::Store;
use crate::entity::{Entity, decode, encode};
use crate::error::StoreError;
use crate::table::DEFINITION;
use crate::write::{delete_request, put_request, transact_delete, transact_put};

impl Store {
    /// The entity `input` names in `scope`, if stored. `consistent` asks for a strongly
    /// consistent read (catalog items that were just written); run results never change once
    /// published and are read eventually consistent.
    pub(crate) async fn get_entity<E: Entity>(
        &self,
        scope: &E::Scope,
        input: E::KeyInput<'_>,
        consistent: bool,
    ) -> Result<Option<E>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(E::primary_key(scope, input).item()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        out.item.map(decode).transpose()
    }
}

/// A batch put of `value`.
pub(crate) fn batch_put<E: Entity>(
    value: &E,
    scope: &E::Scope,
    expires_at: Option<i64>,
) -> Result<WriteRequest, StoreError> {
    Ok(put_request(encode(value, scope, expires_at)?))
}

/// A batch delete of the entity `input` names in `scope`.
pub(crate) fn batch_delete<E: Entity>(scope: &E::Scope, input: E::KeyInput<'_>) -> WriteRequest {
    delete_request(E::primary_key(scope, input).item())
}

/// An unconditional transaction put of `value` into `table`.
pub(crate) fn transaction_put<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> Result<TransactWriteItem, StoreError> {
    Ok(transact_put(table, encode(value, &(), None)?))
}

/// An unconditional transaction delete of `value`'s item in `table`.
pub(crate) fn transaction_delete<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> TransactWriteItem {
    transact_delete(table, value.full_key(&()).primary.item())
}

/// The condition "no item is stored at this key yet", spelled from the table's definition (a
/// renamed key attribute cannot silently turn a create-if-absent into an overwrite).
pub(crate) fn if_absent() -> String {
    format!("attribute_not_exists({})", DEFINITION.partition_key)
}

/// The condition "an item is stored at this key".
pub(crate) fn if_present() -> String {
    format!("attribute_exists({})", DEFINITION.partition_key)
}

/// A transaction put of `value` that holds only if nothing is stored at its key yet.
pub(crate) fn transaction_create<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(encode(value, &(), None)?))
                .condition_expression(if_absent())
                .build()
                .expect("table and item are set"),
        )
        .build())
}

/// A transaction check that the entity `input` names is stored (`present`) or is not.
pub(crate) fn transaction_check<E: Entity<Scope = ()>>(
    table: &str,
    input: E::KeyInput<'_>,
    present: bool,
) -> TransactWriteItem {
    TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(E::primary_key(&(), input).item()))
                .condition_expression(if present { if_present() } else { if_absent() })
                .build()
                .expect("table, key and condition are set"),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use catalog::{Producer, Track, UploadTime};
    use contribution::{Credits, ProducerId, TrackId};
    use results::run::{Baselines, PublishedRun};

    use super::*;
    use crate::catalog_items::{Profile, TrackPlays, TrackRecord, TrackStamps};
    use crate::run_items::PUBLISHED_AS_OF;

    fn holds(item: &crate::entity::Item, names: &[&str]) {
        for name in names {
            assert!(item.contains_key(*name), "{name} is not stored: {item:?}");
        }
    }

    /// The attribute names conditions and updates spell are the ones each entity is stored
    /// with (so a renamed field fails here, not as a condition that can never hold).
    #[test]
    fn stored_attribute_names() {
        let p1 = ProducerId::parse("p1").expect("id");
        let track = Track::new(
            TrackId::parse("t1").expect("id"),
            "Title",
            p1.clone(),
            Credits::new(vec![p1.clone()]).expect("credits"),
            UploadTime::parse("2026-08-21T00:00:00Z").expect("time"),
            5,
            false,
            None,
        )
        .expect("track");
        let stamps = TrackStamps {
            plays_at: Some(1),
            platform_at: Some(2),
        };
        let record = encode(&TrackRecord::stamped(&track, 3, stamps), &(), None).expect("encodes");
        holds(
            &record,
            &[
                TrackRecord::VERSION,
                TrackRecord::CREDITS,
                TrackRecord::PLATFORM_AT,
                DEFINITION.partition_key,
            ],
        );
        let plays = encode(&TrackPlays::of(&track, Some(1)), &(), None).expect("encodes");
        holds(&plays, &[TrackPlays::PLAYS, TrackPlays::PLAYS_AT]);
        let mut profile =
            Profile::from(&Producer::new(p1, "Name", &[], &[], None).expect("producer"));
        profile.payout_at_millis = Some(1);
        profile.profile_at_millis = Some(1);
        profile.synced_at_millis = Some(1);
        let mut profile = encode(&profile, &(), None).expect("encodes");
        holds(
            &profile,
            &[
                Profile::NAME_ATTRIBUTE,
                Profile::PAYOUT_AT,
                Profile::PROFILE_AT,
            ],
        );
        // The legacy stamp is read (never written again): an older item's is what it names.
        profile.insert(
            Profile::SYNCED_AT.to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::N("7".into()),
        );
        let legacy: Profile = crate::entity::decode(profile).expect("decodes");
        assert_eq!(legacy.synced_at_millis, Some(7));
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
            .expect("time")
            .to_utc();
        let pointer = PublishedRun {
            run_id: results::run_id::RunId::of(at),
            as_of: at,
            as_of_millis: at.timestamp_millis(),
            published_at: at,
            baselines: Baselines::default(),
        };
        holds(
            &encode(&pointer, &(), None).expect("encodes"),
            &[PUBLISHED_AS_OF],
        );
        assert_eq!(
            if_absent(),
            format!("attribute_not_exists({})", DEFINITION.partition_key)
        );
    }
}
