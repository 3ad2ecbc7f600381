//! Limits on credit edits: a token bucket per acting producer and per account, kept in the table
//! (review N5: an uploader's script adding and removing a producer in a loop sent them two
//! `Credit Changed` events an iteration, limited only by the API's shared throttle).
//!
//! A bucket holds up to `burst` tokens and refills at `per_minute`; an edit takes one. It is kept
//! in the generic cell rate algorithm's form (GCRA, the token bucket's "virtual scheduling"
//! twin): one number, the *theoretical arrival time* `tat` of the next edit at the sustained rate.
//! An edit at `now` is allowed when `tat <= now + (burst - 1) × interval`, and moves `tat` to
//! `max(tat, now) + interval`. Both branches of that `max` are a single conditional
//! `UpdateItem` (`tat = tat + interval` when `tat >= now`; `tat = now + interval` when it is older),
//! so concurrent edits from one caller never read-modify-write: no take is lost and none is
//! counted twice, however many race. A bucket left alone expires by TTL once it is full again.

use std::time::Duration;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, TimeDelta, Utc};
use contribution::ProducerId;
use serde::{Deserialize, Serialize};

use table::entity::{Entity, FullKey, PrimaryKey, decode};
use table::error::StoreError;
use table::keys;

/// Whose edits a bucket limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editor<'a> {
    /// The producer an edit acts as (the uploader managing credits, or a producer declining).
    Producer(&'a ProducerId),
    /// The account behind it (the JWT's `sub`).
    Account(&'a str),
}

impl Editor<'_> {
    fn key(&self) -> String {
        match self {
            Editor::Producer(id) => format!("producer#{id}"),
            Editor::Account(sub) => format!("account#{sub}"),
        }
    }
}

/// A bucket's size and refill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditLimit {
    /// Edits allowed at once.
    pub burst: u32,
    /// Edits allowed per minute, sustained.
    pub per_minute: u32,
}

impl EditLimit {
    /// Milliseconds between edits at the sustained rate (at least 1).
    fn interval_millis(self) -> i64 {
        (60_000 / i64::from(self.per_minute.max(1))).max(1)
    }

    /// How far ahead of `now` the theoretical arrival time may be and still allow an edit.
    fn tolerance_millis(self) -> i64 {
        i64::from(self.burst.max(1) - 1) * self.interval_millis()
    }
}

/// What a take found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Granted,
    /// No token: the next one is there after this long.
    Wait(Duration),
}

/// One bucket: the theoretical arrival time of its editor's next edit (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditBucket {
    pub editor: String,
    pub tat_millis: i64,
}

impl Entity for EditBucket {
    const NAME: &'static str = "editBucket";
    type Scope = ();
    type KeyInput<'a> = &'a str;

    fn primary_key(_: &(), editor: &str) -> PrimaryKey {
        PrimaryKey::new(keys::edit_bucket_pk(editor), keys::EDIT_BUCKET_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, &self.editor).into()
    }
}

/// The decision for a bucket whose theoretical arrival time is `tat` (none: a new editor) at
/// `now`: the new `tat`, or how long until an edit is allowed. Pure: what both conditional
/// updates below encode.
pub fn decide(tat: Option<i64>, limit: EditLimit, now_millis: i64) -> Result<i64, Duration> {
    let start = tat.map_or(now_millis, |t| t.max(now_millis));
    let allowed_until = now_millis + limit.tolerance_millis();
    if start <= allowed_until {
        Ok(start + limit.interval_millis())
    } else {
        Err(Duration::from_millis((start - allowed_until) as u64))
    }
}

/// How many times a take switches between the two updates before it answers "wait" (each switch
/// means another edit moved the bucket across `now` meanwhile).
const SWITCHES: u32 = 6;

/// The two conditional updates of a take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branch {
    /// `tat >= now` and within tolerance: `tat += interval`.
    Ahead,
    /// No bucket, or `tat < now`: `tat = now + interval`.
    Behind,
}

impl crate::owners::Catalog<'_> {
    /// Takes one edit token from `editor`'s bucket at `now`.
    pub async fn take_edit_token(
        &self,
        editor: &Editor<'_>,
        limit: EditLimit,
        now: DateTime<Utc>,
    ) -> Result<Taken, StoreError> {
        let key = editor.key();
        let now_millis = now.timestamp_millis();
        // A bucket untouched until it is full again can go: TTL removes it an hour after.
        let full_again = i64::from(limit.burst) * limit.interval_millis();
        let expires_at = (now + TimeDelta::milliseconds(full_again) + TimeDelta::hours(1))
            .timestamp()
            .to_string();
        let mut branch = Branch::Ahead;
        for _ in 0..SWITCHES {
            let request = self
                .table
                .client()
                .update_item()
                .table_name(self.table.name())
                .set_key(Some(EditBucket::primary_key(&(), &key).item()))
                .expression_attribute_names("#tat", "tatMillis")
                .expression_attribute_names("#expires", table::definition::DEFINITION.ttl_attribute)
                .expression_attribute_values(":now", millis(now_millis))
                .expression_attribute_values(":expires", AttributeValue::N(expires_at.clone()))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
            let request = match branch {
                Branch::Ahead => request
                    .update_expression("SET #tat = #tat + :interval, #expires = :expires")
                    .expression_attribute_values(":interval", millis(limit.interval_millis()))
                    .condition_expression("#tat >= :now AND #tat <= :until")
                    .expression_attribute_values(
                        ":until",
                        millis(now_millis + limit.tolerance_millis()),
                    ),
                Branch::Behind => request
                    .update_expression(
                        "SET #tat = :next, #expires = :expires, editor = :editor, #entity = :entity",
                    )
                    .condition_expression("attribute_not_exists(#tat) OR #tat < :now")
                    .expression_attribute_names("#entity", table::entity::ENTITY_ATTRIBUTE)
                    .expression_attribute_values(":next", millis(now_millis + limit.interval_millis()))
                    .expression_attribute_values(":editor", AttributeValue::S(key.clone()))
                    .expression_attribute_values(
                        ":entity",
                        AttributeValue::S(EditBucket::NAME.to_owned()),
                    ),
            };
            let failed = match request.send().await {
                Ok(_) => return Ok(Taken::Granted),
                Err(e) => match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(failed)) => failed
                        .item()
                        .filter(|item| !item.is_empty())
                        .map(|item| decode::<EditBucket>(item.clone()))
                        .transpose()?,
                    _ => return Err(StoreError::dynamo("UpdateItem")(e)),
                },
            };
            let tat = failed.map(|b| b.tat_millis);
            match decide(tat, limit, now_millis) {
                Err(wait) => return Ok(Taken::Wait(wait)),
                // The bucket is as old as `now` or older (or new): the other update applies.
                Ok(_) if tat.is_none_or(|t| t < now_millis) => branch = Branch::Behind,
                // Another edit moved it ahead of `now` meanwhile, still within the burst.
                Ok(_) => branch = Branch::Ahead,
            }
        }
        // Switched back and forth by the editor's own concurrent edits: that is a burst.
        Ok(Taken::Wait(Duration::from_millis(
            limit.interval_millis() as u64
        )))
    }
}

fn millis(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: EditLimit = EditLimit {
        burst: 10,
        per_minute: 30,
    };

    #[test]
    fn a_bucket_gives_its_burst_then_refills_at_its_rate() {
        // A new editor has the whole burst at one instant...
        let mut tat = None;
        for n in 0..10 {
            let next = decide(tat, LIMIT, 0).expect("allowed");
            assert_eq!(next, (n + 1) * 2_000);
            tat = Some(next);
        }
        // ...the eleventh waits two seconds (30 a minute: one every 2 s)...
        assert_eq!(decide(tat, LIMIT, 0), Err(Duration::from_secs(2)));
        // ...half a second later, 1.5 s more...
        assert_eq!(decide(tat, LIMIT, 500), Err(Duration::from_millis(1_500)));
        // ...and two seconds later, one edit.
        assert_eq!(decide(tat, LIMIT, 2_000), Ok(22_000));
        // An hour idle: the full burst again, never more.
        let idle = Some(20_000);
        let mut tat = idle;
        let mut allowed = 0;
        while let Ok(next) = decide(tat, LIMIT, 3_600_000) {
            tat = Some(next);
            allowed += 1;
        }
        assert_eq!(allowed, 10);
        // A clock that went backwards gives nothing extra.
        assert_eq!(decide(Some(40_000), LIMIT, 0), Err(Duration::from_secs(22)));
    }
}
