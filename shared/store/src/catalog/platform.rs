//! The platform's live data: play counts, profiles and accepted tracks, each applied only if it
//! is newer than what the table already reflects.
//!
//! The platform sends changes through a queue that delivers at least once and in no particular
//! order. Every change carries the instant it describes (`at`); the table keeps, per item, the
//! newest `at` applied (`playsAtMillis`, `platformAtMillis` on tracks, `payoutAtMillis` and
//! `profileAtMillis` on profiles), and every write is conditional on being newer. So a duplicate or a late, older
//! delivery changes nothing, and a count never goes backwards by accident.
//!
//! - Plays are one conditional `UpdateItem` each (`SET plays, playsAtMillis`) of the track's own
//!   plays item (`catalog_items::TrackPlays`), many at once: they touch neither the track item
//!   nor its version (the credits ETag), and the plays item is in no index, so a new count costs
//!   one write unit (a refused one too: DynamoDB bills a failed condition). Grouping them into
//!   transactions of 100 was measured too: no faster on DynamoDB Local, and twice the write
//!   units on AWS.
//! - A profile is one transaction with its name-search entries, like a profile write
//!   (`producers.rs`), conditional on the stamps and the name it read. A message changes only the
//!   fields it carries (`catalog::ProducerChange`), and each of the two field groups is
//!   newest-wins on its own stamp: the payout fields (`stripeAccountId`, `chargesEnabled`,
//!   `payoutsEnabled`, what Stripe's `account.updated` changes) and the profile fields (name,
//!   genres, styles, completeness). So a disconnect that arrives after a newer name edit still
//!   applies (review N3), and messages of different groups give the same profile in either
//!   order.
//! - A track the platform accepted is created with its initial credits (the credit rules and the
//!   profile checks of `tracks.rs`), or has its platform-owned fields updated; its credits are
//!   never touched here, they are the uploader's to edit.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use catalog::{Producer, ProducerChange, Track};
use chrono::{DateTime, Utc};
use contribution::TrackId;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::catalog::producers::stale_name_entries;
use table::access::{if_absent, if_present, transaction_delete, transaction_put};
use table::batch::BatchStats;
use table::entity::{Entity, encode};
use table::error::StoreError;
use table::items::catalog::{
    ArtistNameEntry, Change, ChangeSource, Profile, StoredTrack, TrackPlays, TrackStamps,
};

/// Play-count updates in flight at once.
pub const PLAYS_CONCURRENCY: usize = 32;
/// How often a profile or track change is re-read and re-tried when something else changed the
/// item between its read and its write.
pub(crate) const RACE_ATTEMPTS: u32 = 5;

/// What a batch of play counts did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaysApplied {
    /// Counts written.
    pub applied: u64,
    /// Counts not newer than what the track already had (duplicates, late deliveries).
    pub stale: u64,
    /// Tracks the table does not know (skipped).
    pub unknown: Vec<TrackId>,
    /// Write units the counts consumed: what DynamoDB reported (`ReturnConsumedCapacity`) for
    /// the counts written, plus one for each refused (a failed condition reports none).
    pub write_units: f64,
}

/// What a profile or track change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new item was created.
    Created,
    /// An existing item was brought up to the change.
    Updated,
    /// The item already reflects this change or a newer one: nothing was written.
    Stale,
}

/// Whether a change stamped exactly as the stored item is applied again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ties {
    /// The feed: the same `at` is the same message, delivered again.
    Stale,
    /// Import: the same instant again is a corrected file, which wins. (Import is a tool, so
    /// without the `tools` feature nothing builds this.)
    #[cfg_attr(not(feature = "tools"), allow(dead_code))]
    Apply,
}

impl Ties {
    /// Whether a change at `at` is older than (or, for [`Ties::Stale`], as old as) `stored`.
    pub(crate) fn is_stale(self, stored: Option<i64>, at: i64) -> bool {
        match self {
            Ties::Stale => stored >= Some(at),
            Ties::Apply => stored > Some(at),
        }
    }
}

pub(crate) enum PlayOutcome {
    Applied,
    Stale,
    Unknown(TrackId),
}

fn millis(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp_millis().to_string())
}

impl crate::owners::Catalog<'_> {
    /// Applies absolute play counts as of `at`: each only to a known track whose stored count
    /// is older.
    pub async fn apply_plays(
        &self,
        at: DateTime<Utc>,
        counts: &[(TrackId, u64)],
    ) -> Result<PlaysApplied, StoreError> {
        let stats = BatchStats::default();
        let outcomes: Vec<PlayOutcome> = stream::iter(counts)
            .map(|(track, plays)| self.write_play_count(at, track, *plays, Ties::Stale, &stats))
            .buffer_unordered(PLAYS_CONCURRENCY)
            .try_collect()
            .await?;
        let mut report = PlaysApplied {
            write_units: stats.write_units(),
            ..PlaysApplied::default()
        };
        for outcome in outcomes {
            match outcome {
                PlayOutcome::Applied => report.applied += 1,
                PlayOutcome::Stale => report.stale += 1,
                PlayOutcome::Unknown(track) => report.unknown.push(track),
            }
        }
        report.unknown.sort();
        Ok(report)
    }

    /// One count as of `at`: a conditional `UpdateItem` of the track's plays item (one write
    /// unit; a transaction would cost twice that), applied only over an older count (`ties`:
    /// whether the same instant again applies), and only to a track that exists (its plays item
    /// does). The units it consumed go to `stats`.
    pub(crate) async fn write_play_count(
        &self,
        at: DateTime<Utc>,
        track: &TrackId,
        plays: u64,
        ties: Ties,
        stats: &BatchStats,
    ) -> Result<PlayOutcome, StoreError> {
        let result = self
            .table
            .client()
            .update_item()
            .table_name(self.table.name())
            .set_key(Some(TrackPlays::primary_key(&(), track).item()))
            .update_expression("SET #plays = :plays, #playsAt = :at")
            .condition_expression(format!(
                "{} AND (attribute_not_exists(#playsAt) OR #playsAt {} :at)",
                if_present(),
                match ties {
                    Ties::Stale => "<",
                    Ties::Apply => "<=",
                }
            ))
            .expression_attribute_names("#plays", TrackPlays::PLAYS)
            .expression_attribute_names("#playsAt", TrackPlays::PLAYS_AT)
            .expression_attribute_values(":plays", AttributeValue::N(plays.to_string()))
            .expression_attribute_values(":at", millis(at))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                table::batch::count_consumed(stats, out.consumed_capacity());
                Ok(PlayOutcome::Applied)
            }
            Err(e) => match e.as_service_error() {
                // The old item comes back when the track exists: then the count was stale.
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    stats.add_unreported_units(1);
                    Ok(if failed.item().is_some_and(|item| !item.is_empty()) {
                        PlayOutcome::Stale
                    } else {
                        PlayOutcome::Unknown(track.clone())
                    })
                }
                _ => Err(StoreError::dynamo("UpdateItem")(e)),
            },
        }
    }

    /// Creates or updates a profile as of `at` with the fields `change` carries (the others stay
    /// as stored), with its name-search entries in the same transaction. A field group (payout
    /// fields, profile fields) already reflecting `at` or later keeps its stored values; a
    /// change none of whose groups is newer is left alone.
    pub async fn sync_producer(
        &self,
        change: &ProducerChange,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        self.write_producer(change, at, Ties::Stale).await
    }

    /// [`Store::sync_producer`], with `ties` saying whether a group already stamped exactly `at`
    /// takes the change (an import re-run with a corrected file) or keeps its values (a
    /// redelivered message).
    pub(crate) async fn write_producer(
        &self,
        change: &ProducerChange,
        at: DateTime<Utc>,
        ties: Ties,
    ) -> Result<Applied, StoreError> {
        let at_millis = at.timestamp_millis();
        for _ in 0..RACE_ATTEMPTS {
            let current = self
                .table
                .get_entity::<Profile>(&(), &change.id, true)
                .await?;
            let (payout_stale, profile_stale) = match &current {
                None => (false, false),
                Some(current) => (
                    ties.is_stale(current.payout_stamp(), at_millis),
                    ties.is_stale(current.profile_stamp(), at_millis),
                ),
            };
            let fresh = change.without(payout_stale, profile_stale);
            let carries_payout = fresh.carries_payout_fields();
            let carries_profile = fresh.carries_profile_fields();
            if current.is_some() && !carries_payout && !carries_profile {
                return Ok(Applied::Stale);
            }
            let stored = current.clone().map(Producer::from);
            let producer = &fresh.apply(stored.as_ref())?;
            let mut profile = Profile::from(producer);
            let stamp = |carried: bool, stored: Option<i64>| {
                if carried { Some(at_millis) } else { stored }
            };
            profile.payout_at_millis = stamp(
                carries_payout,
                current.as_ref().and_then(Profile::payout_stamp),
            );
            profile.profile_at_millis = stamp(
                carries_profile,
                current.as_ref().and_then(Profile::profile_stamp),
            );
            let mut put = Put::builder()
                .table_name(self.table.name())
                .set_item(Some(encode(&profile, &(), None)?));
            put = match &current {
                None => put.condition_expression(if_absent()),
                // Still the stamps this write read, and the name whose search entries it
                // replaces: any other write in between changed a stamp, and this one reads again.
                Some(current) => {
                    let mut conditions = vec!["#name = :name".to_owned()];
                    put = put
                        .expression_attribute_names("#name", Profile::NAME_ATTRIBUTE)
                        .expression_attribute_values(
                            ":name",
                            AttributeValue::S(current.name.clone()),
                        );
                    for (name, value) in [
                        (Profile::PAYOUT_AT, current.payout_at_millis),
                        (Profile::PROFILE_AT, current.profile_at_millis),
                        (Profile::SYNCED_AT, current.synced_at_millis),
                    ] {
                        match value {
                            Some(v) => {
                                conditions.push(format!("{name} = :{name}"));
                                put = put.expression_attribute_values(
                                    format!(":{name}"),
                                    AttributeValue::N(v.to_string()),
                                );
                            }
                            None => conditions.push(format!("attribute_not_exists({name})")),
                        }
                    }
                    put.condition_expression(conditions.join(" AND "))
                }
            };
            let old_entries = stored
                .as_ref()
                .map(ArtistNameEntry::all)
                .unwrap_or_default();
            let new_entries = ArtistNameEntry::all(producer);
            let mut writes = vec![
                TransactWriteItem::builder()
                    .put(
                        put.build()
                            .map_err(StoreError::request("TransactWriteItems"))?,
                    )
                    .build(),
            ];
            for stale in stale_name_entries(&old_entries, &new_entries) {
                writes.push(transaction_delete(self.table.name(), stale));
            }
            for entry in &new_entries {
                writes.push(transaction_put(self.table.name(), entry)?);
            }
            let result = self
                .table
                .client()
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await;
            match result {
                Ok(_) => {
                    return Ok(if current.is_some() {
                        Applied::Updated
                    } else {
                        Applied::Created
                    });
                }
                // Something changed the profile since it was read: read it again.
                Err(e)
                    if matches!(
                        e.as_service_error(),
                        Some(TransactWriteItemsError::TransactionCanceledException(_))
                    ) => {}
                Err(e) => return Err(StoreError::dynamo("TransactWriteItems")(e)),
            }
        }
        Err(StoreError::Contended {
            what: format!("profile {}", change.id),
            attempts: RACE_ATTEMPTS,
        })
    }

    /// A track the platform accepted, as of `at`: created with its initial credits when new, or
    /// its platform-owned fields (title, exclusive-only, genre, metadata completeness) brought up
    /// to the message when known. Credits of a known track are never changed here.
    pub async fn sync_track(
        &self,
        track: &Track,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let at_millis = at.timestamp_millis();
        let change = Change::new(track.uploader_id.clone(), ChangeSource::Platform, at);
        for _ in 0..RACE_ATTEMPTS {
            match self.get_track(&track.id).await? {
                None => {
                    let mut new = track.clone();
                    new.plays = 0;
                    let stamps = TrackStamps {
                        plays_at: None,
                        platform_at: Some(at_millis),
                    };
                    match self.create_stamped_track(&new, &change, stamps).await {
                        Ok(_) => return Ok(Applied::Created),
                        // Created meanwhile (another delivery): read it and go on.
                        Err(StoreError::TrackExists(_)) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Some(current) => {
                    if current.stamps.platform_at >= Some(at_millis) {
                        return Ok(Applied::Stale);
                    }
                    let updated = with_platform_fields(&current, track);
                    let stamps = TrackStamps {
                        platform_at: Some(at_millis),
                        ..current.stamps
                    };
                    match self
                        .replace_stamped_track(&current, &updated, &change, stamps)
                        .await
                    {
                        Ok(_) => return Ok(Applied::Updated),
                        // Edited (or synced) meanwhile: read it again.
                        Err(StoreError::VersionConflict { .. }) => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Err(StoreError::Contended {
            what: format!("track {}", track.id),
            attempts: RACE_ATTEMPTS,
        })
    }
}

/// `current` with the platform-owned fields of `message`; everything else (credits, uploader,
/// upload time, plays) as stored.
fn with_platform_fields(current: &StoredTrack, message: &Track) -> Track {
    let mut track = current.track.clone();
    copy_platform_fields(&mut track, message);
    track
}

/// Sets the fields the platform's track messages own (title, exclusive-only, genre, metadata
/// completeness) on `track` from `from`: the fields `platformAtMillis` stamps.
pub(crate) fn copy_platform_fields(track: &mut Track, from: &Track) {
    track.title = from.title.clone();
    track.exclusive_only = from.exclusive_only;
    track.genre = from.genre.clone();
    track.metadata_complete = from.metadata_complete;
}
