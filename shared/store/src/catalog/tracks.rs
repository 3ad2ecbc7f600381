//! Tracks, their credits, discographies and credit history.
//!
//! Every change to a track's credits is one `TransactWriteItems`: the track (its version checked
//! and bumped), the discography entry of every credited producer (each entry copies the credits,
//! so a profile page is one Query), the deletion of entries of producers no longer credited, the
//! history entry keyed by the new version, and a check that every newly credited producer has a
//! profile. All of it happens or none of it does; of two edits racing on one version exactly one
//! wins, and the other gets [`StoreError::VersionConflict`].
//!
//! A track's play count is an item of its own beside the track ([`TrackPlays`]), created with
//! the track and written only by counts (`platform.rs`): no write here carries plays.

use std::collections::HashSet;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use catalog::Track;
use contribution::{Credits, ProducerId, TrackId};

use table::access::{transaction_check, transaction_create, transaction_delete, transaction_put};
use table::definition::COLLABORATIVE_INDEX;
use table::entity::{Entity, PrimaryKey, decode, encode, entity_of};
use table::error::StoreError;
use table::items::catalog::{
    Change, ChangeSource, CreditChange, CreditDecline, DiscographyEntry, Profile, StoredTrack,
    TrackPlays, TrackRecord, TrackStamps,
};
use table::keys;
use table::page::{Page, PageQuery, SortRange};
use table::retry::{Attempt, RetryPolicy, resend_leftovers};

/// How often a transaction cancelled only by a conflicting in-flight transaction is re-sent
/// (inside each of the credit edit's own attempts: `credits`' `EDIT_ATTEMPTS` says how the two
/// loops relate).
const TRANSACTION_CONFLICT: RetryPolicy = RetryPolicy {
    max_attempts: 6,
    ..RetryPolicy::DEFAULT
};

/// The part each transaction item plays, to explain a cancellation.
#[derive(Debug, Clone)]
enum Role {
    Track,
    Plays,
    Entry,
    History,
    Profile(ProducerId),
    /// No standing decline by this producer (a Backstage edit crediting them anew).
    NotDeclined(ProducerId),
    /// The decline a producer's removal of themselves writes.
    Decline,
}

#[derive(Default)]
struct Plan {
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
}

impl Plan {
    fn push(&mut self, role: Role, item: TransactWriteItem) {
        self.roles.push(role);
        self.items.push(item);
    }
}

/// How the track item itself is written.
enum TrackWrite {
    /// Put, only if no track has this id.
    Create { stamps: TrackStamps },
    /// Put the whole item, only if the stored version is `expected` and no platform message was
    /// applied since the item was read (its stamp is still `read_stamps`'), so a track message
    /// landing in between is never overwritten. (Plays are not in the item.)
    Replace {
        expected: u64,
        stamps: TrackStamps,
        read_stamps: TrackStamps,
    },
    /// Set only the credits and version (plays and other fields stay as they are).
    Credits { expected: u64 },
}

impl crate::owners::Catalog<'_> {
    /// A track and its plays: one strongly consistent Query of the track's partition from its
    /// plays item to the track item (its history sorts before both).
    pub async fn get_track(&self, id: &TrackId) -> Result<Option<StoredTrack>, StoreError> {
        let track = TrackRecord::primary_key(&(), id);
        let plays = TrackPlays::primary_key(&(), id);
        let out = self
            .table
            .query_between(track.pk, plays.sk, track.sk)
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo("Query"))?;
        let (mut record, mut counted) = (None, None);
        for item in out.items.unwrap_or_default() {
            match entity_of(&item) {
                Some(TrackRecord::NAME) => record = Some(decode::<TrackRecord>(item)?),
                Some(TrackPlays::NAME) => counted = Some(decode::<TrackPlays>(item)?),
                _ => {}
            }
        }
        Ok(record.map(|r| StoredTrack::from_items(r, counted)))
    }

    /// Registers a new track (version 1) with its discography entries and first history entry.
    pub async fn create_track(
        &self,
        track: &Track,
        change: &Change,
    ) -> Result<StoredTrack, StoreError> {
        self.create_stamped_track(track, change, TrackStamps::default())
            .await
    }

    /// [`Store::create_track`], recording which platform messages the new track reflects.
    pub(crate) async fn create_stamped_track(
        &self,
        track: &Track,
        change: &Change,
        stamps: TrackStamps,
    ) -> Result<StoredTrack, StoreError> {
        let plan = self.plan(None, track, 1, TrackWrite::Create { stamps }, change)?;
        self.execute(plan, &track.id, 0).await?;
        Ok(StoredTrack {
            track: track.clone(),
            version: 1,
            stamps,
        })
    }

    /// Replaces the credits of `current` (as read, with its version). Fails with
    /// [`StoreError::VersionConflict`] if the track changed since it was read.
    pub async fn replace_credits(
        &self,
        current: &StoredTrack,
        credits: Credits,
        change: &Change,
    ) -> Result<StoredTrack, StoreError> {
        self.write_credits(current, credits, change, None).await
    }

    /// Removes `decline.producer_id` from `current`'s credits at their own request, and records
    /// the decline (so the uploader cannot credit them there again until they lift it), in the
    /// same versioned transaction as any credit edit; the history entry carries `change`'s reason.
    pub async fn decline_credit(
        &self,
        current: &StoredTrack,
        credits: Credits,
        change: &Change,
        decline: &CreditDecline,
    ) -> Result<StoredTrack, StoreError> {
        self.write_credits(current, credits, change, Some(decline))
            .await
    }

    /// A credit edit's versioned transaction, with `decline` written in it when there is one.
    async fn write_credits(
        &self,
        current: &StoredTrack,
        credits: Credits,
        change: &Change,
        decline: Option<&CreditDecline>,
    ) -> Result<StoredTrack, StoreError> {
        let mut track = current.track.clone();
        track.credits = credits;
        let version = current.version + 1;
        let write = TrackWrite::Credits {
            expected: current.version,
        };
        let mut plan = self.plan(Some(current), &track, version, write, change)?;
        if let Some(decline) = decline {
            plan.push(Role::Decline, transaction_put(self.table.name(), decline)?);
        }
        self.execute(plan, &track.id, current.version).await?;
        Ok(StoredTrack {
            track,
            version,
            stamps: current.stamps,
        })
    }

    /// Lifts `producer`'s decline of a credit on `track`: `true` when there was one.
    pub async fn lift_decline(
        &self,
        track: &TrackId,
        producer: &ProducerId,
    ) -> Result<bool, StoreError> {
        let out = self
            .table
            .client()
            .delete_item()
            .table_name(self.table.name())
            .set_key(Some(
                CreditDecline::primary_key(&(), (track, producer)).item(),
            ))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::dynamo("DeleteItem"))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Replaces every field of `current` with `track`, writing `stamps`, only if no platform
    /// message was applied since `current` was read (else a version conflict: read it again).
    /// The version moves on only when a field the discography copies changed; a plays-only
    /// update keeps it. (The feed's track messages and catalog import.)
    pub(crate) async fn replace_stamped_track(
        &self,
        current: &StoredTrack,
        track: &Track,
        change: &Change,
        stamps: TrackStamps,
    ) -> Result<StoredTrack, StoreError> {
        let old = &current.track;
        let copied_fields_changed = old.credits != track.credits
            || old.title != track.title
            || old.uploader_id != track.uploader_id
            || old.uploaded_at != track.uploaded_at;
        let version = current.version + u64::from(copied_fields_changed);
        let write = TrackWrite::Replace {
            expected: current.version,
            stamps,
            read_stamps: current.stamps,
        };
        let plan = self.plan(Some(current), track, version, write, change)?;
        self.execute(plan, &track.id, current.version).await?;
        Ok(StoredTrack {
            track: track.clone(),
            version,
            stamps,
        })
    }

    /// Everything one write of a track changes, in one transaction: the track itself (by
    /// kind), its plays item when it is new, its discography entries, a history entry when its
    /// credits changed, and the checks that every newly named producer has a profile and (for
    /// a Backstage edit) has not declined a credit on it.
    fn plan(
        &self,
        current: Option<&StoredTrack>,
        track: &Track,
        version: u64,
        write: TrackWrite,
        change: &Change,
    ) -> Result<Plan, StoreError> {
        let mut plan = Plan::default();
        match write {
            TrackWrite::Create { stamps } => {
                let record = TrackRecord::stamped(track, version, stamps);
                plan.push(Role::Track, transaction_create(self.table.name(), &record)?);
                // The count starts with the track (the platform's new tracks start at zero).
                let plays = TrackPlays::of(track, stamps.plays_at);
                plan.push(Role::Plays, transaction_create(self.table.name(), &plays)?);
            }
            TrackWrite::Replace {
                expected,
                stamps,
                read_stamps,
            } => plan.push(
                Role::Track,
                self.replace_put(track, version, expected, stamps, read_stamps)?,
            ),
            TrackWrite::Credits { expected } => {
                plan.push(Role::Track, self.credits_update(track, version, expected)?)
            }
        }
        self.discography_writes(&mut plan, current, track, version)?;
        self.history_write(&mut plan, current, track, version, change)?;
        if change.source == ChangeSource::Backstage {
            self.decline_checks(&mut plan, current, track);
        }
        self.profile_checks(&mut plan, current, track);
        Ok(plan)
    }

    /// The whole track record put over `expected`, holding only if the platform stamp is still
    /// what was read (absent, or the same instant).
    fn replace_put(
        &self,
        track: &Track,
        version: u64,
        expected: u64,
        stamps: TrackStamps,
        read_stamps: TrackStamps,
    ) -> Result<TransactWriteItem, StoreError> {
        let record = TrackRecord::stamped(track, version, stamps);
        let mut put = Put::builder()
            .table_name(self.table.name())
            .set_item(Some(encode(&record, &(), None)?))
            .expression_attribute_names("#version", TrackRecord::VERSION)
            .expression_attribute_names("#platformAt", TrackRecord::PLATFORM_AT)
            .expression_attribute_values(":expected", number(expected));
        put = match read_stamps.platform_at {
            None => put
                .condition_expression("#version = :expected AND attribute_not_exists(#platformAt)"),
            Some(millis) => put
                .condition_expression("#version = :expected AND #platformAt = :platformAt")
                .expression_attribute_values(":platformAt", AttributeValue::N(millis.to_string())),
        };
        Ok(TransactWriteItem::builder()
            .put(put.build().expect("table and item are set"))
            .build())
    }

    /// The credits and version set over `expected` (an uploader's edit).
    fn credits_update(
        &self,
        track: &Track,
        version: u64,
        expected: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(self.table.name())
                    .set_key(Some(TrackRecord::primary_key(&(), &track.id).item()))
                    .update_expression("SET #credits = :credits, #version = :version")
                    .condition_expression("#version = :expected")
                    .expression_attribute_names("#credits", TrackRecord::CREDITS)
                    .expression_attribute_names("#version", TrackRecord::VERSION)
                    .expression_attribute_values(
                        ":credits",
                        serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(&track.credits)
                            .map_err(StoreError::Encode)?,
                    )
                    .expression_attribute_values(":version", number(version))
                    .expression_attribute_values(":expected", number(expected))
                    .build()
                    .expect("table, key and expression are set"),
            )
            .build())
    }

    /// Every wanted discography entry rewritten (when a copied field changed), and the entries
    /// of producers no longer credited deleted.
    fn discography_writes(
        &self,
        plan: &mut Plan,
        current: Option<&StoredTrack>,
        track: &Track,
        version: u64,
    ) -> Result<(), StoreError> {
        let entries = DiscographyEntry::all(track, version);
        let wanted: HashSet<PrimaryKey> = entries.iter().map(|e| e.full_key(&()).primary).collect();
        if let Some(current) = current {
            for old in DiscographyEntry::all(&current.track, current.version) {
                if !wanted.contains(&old.full_key(&()).primary) {
                    plan.push(Role::Entry, transaction_delete(self.table.name(), &old));
                }
            }
        }
        if current.is_none_or(|c| c.version != version) {
            for entry in &entries {
                plan.push(Role::Entry, transaction_put(self.table.name(), entry)?);
            }
        }
        Ok(())
    }

    /// The history entry of a change of credits (or of a new track), keyed by its version.
    fn history_write(
        &self,
        plan: &mut Plan,
        current: Option<&StoredTrack>,
        track: &Track,
        version: u64,
        change: &Change,
    ) -> Result<(), StoreError> {
        let before: Vec<ProducerId> = current
            .map(|c| c.track.credits.producers().to_vec())
            .unwrap_or_default();
        if before.as_slice() != track.credits.producers() {
            let history = CreditChange::new(track, version, change, before);
            plan.push(
                Role::History,
                transaction_create(self.table.name(), &history)?,
            );
        }
        Ok(())
    }

    /// A Backstage edit may not credit anew a producer who declined a credit on this track
    /// (checked in the same transaction, so a decline racing the edit wins or loses whole).
    fn decline_checks(&self, plan: &mut Plan, current: Option<&StoredTrack>, track: &Track) {
        let Some(current) = current else {
            return;
        };
        for producer in track.credits.producers() {
            if !current.track.credits.contains(producer) {
                plan.push(
                    Role::NotDeclined(producer.clone()),
                    transaction_check::<CreditDecline>(
                        self.table.name(),
                        (&track.id, producer),
                        false,
                    ),
                );
            }
        }
    }

    /// Every newly named producer must have a profile, checked in the same transaction.
    fn profile_checks(&self, plan: &mut Plan, current: Option<&StoredTrack>, track: &Track) {
        let mut named: Vec<&ProducerId> = track.credits.producers().iter().collect();
        named.push(&track.uploader_id);
        let mut checked = HashSet::new();
        for producer in named {
            let known_before = current.is_some_and(|c| {
                c.track.credits.contains(producer) || &c.track.uploader_id == producer
            });
            if known_before || !checked.insert(producer) {
                continue;
            }
            plan.push(
                Role::Profile(producer.clone()),
                transaction_check::<Profile>(self.table.name(), producer, true),
            );
        }
    }

    /// Runs a plan, re-sending it while it is cancelled only by conflicting in-flight
    /// transactions, and explains a failed condition in domain terms.
    async fn execute(&self, plan: Plan, track: &TrackId, expected: u64) -> Result<(), StoreError> {
        let outcome = resend_leftovers(&TRANSACTION_CONFLICT, None, |_, _| {
            self.try_once(&plan, track, expected)
        })
        .await?;
        // Still contended after every attempt: the last conflict, as it came.
        outcome.or_else(|last| last.map_or(Ok(()), Err))
    }

    /// One send of a plan: done, a domain error, or (`Again`) cancelled only by contention.
    async fn try_once(
        &self,
        plan: &Plan,
        track: &TrackId,
        expected: u64,
    ) -> Result<Attempt<Option<StoreError>, ()>, StoreError> {
        // No explicit ClientRequestToken: the SDK fills one per `send()` (the model marks it
        // an idempotency token) and its re-sends keep it, so a transaction applied whose
        // answer was lost is answered as a success, not re-applied or failed against itself
        // (tests/src/chaos_credit_edits.rs drops such answers on purpose).
        let result = self
            .table
            .client()
            .transact_write_items()
            .set_transact_items(Some(plan.items.clone()))
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(Attempt::Done(())),
            Err(e) => e,
        };
        let reasons: Vec<Option<String>> = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().map(str::to_owned))
                .collect(),
            _ => return Err(StoreError::dynamo("TransactWriteItems")(error)),
        };
        let failed: Vec<&Role> = reasons
            .iter()
            .zip(&plan.roles)
            .filter(|(code, _)| code.as_deref() == Some("ConditionalCheckFailed"))
            .map(|(_, role)| role)
            .collect();
        // The producers named by the failed checks of one kind.
        let named = |pick: fn(&Role) -> Option<&ProducerId>| -> Vec<ProducerId> {
            failed
                .iter()
                .filter_map(|role| pick(role).cloned())
                .collect()
        };
        let unknown = named(|role| match role {
            Role::Profile(id) => Some(id),
            _ => None,
        });
        if !unknown.is_empty() {
            return Err(StoreError::UnknownProducers(unknown));
        }
        let declined = named(|role| match role {
            Role::NotDeclined(id) => Some(id),
            _ => None,
        });
        if !declined.is_empty() {
            return Err(StoreError::CreditDeclined(declined));
        }
        if failed.iter().any(|role| {
            matches!(
                role,
                Role::Track | Role::Plays | Role::History | Role::Entry | Role::Decline
            )
        }) {
            return Err(if expected == 0 {
                StoreError::TrackExists(track.clone())
            } else {
                StoreError::VersionConflict {
                    track: track.clone(),
                    expected,
                }
            });
        }
        let only_contention = reasons.iter().all(|code| {
            matches!(
                code.as_deref(),
                None | Some("None") | Some("TransactionConflict") | Some("ThrottlingError")
            )
        });
        let error = StoreError::dynamo("TransactWriteItems")(error);
        if only_contention {
            Ok(Attempt::Again(Some(error)))
        } else {
            Err(error)
        }
    }

    /// A producer's discography, newest first; only collaborative tracks when asked.
    pub async fn discography(
        &self,
        producer: &ProducerId,
        collaborative_only: bool,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<DiscographyEntry>, StoreError> {
        self.table
            .query_page(PageQuery {
                index: collaborative_only.then_some(COLLABORATIVE_INDEX),
                partition: keys::producer_pk(producer),
                // The collaborative index's sort key copies the entry's, so one prefix serves both.
                sort: SortRange::Prefix(keys::DISCOGRAPHY_PREFIX),
                backwards: true,
                limit,
                cursor,
            })
            .await
    }

    /// A producer's discography for their public profile, newest first, or `None` when the
    /// producer has no profile. One query: the range runs from the discography entries up to the
    /// profile item (`CREDIT#…` < `PROFILE`), read backwards, so a first page starts with the
    /// profile (dropped here) if it exists. The `collaborative` index holds profiles too, for the
    /// same reason.
    pub async fn profile_discography(
        &self,
        producer: &ProducerId,
        collaborative_only: bool,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Option<Page<DiscographyEntry>>, StoreError> {
        let page = self
            .table
            .query_page_after_marker::<Profile, _>(PageQuery {
                index: collaborative_only.then_some(COLLABORATIVE_INDEX),
                partition: keys::producer_pk(producer),
                sort: SortRange::PrefixThenMarker {
                    prefix: keys::DISCOGRAPHY_PREFIX,
                    marker: keys::PROFILE_SK,
                },
                backwards: true,
                limit,
                cursor,
            })
            .await?;
        Ok(page.map(|(_, page)| page))
    }

    /// A track's credit history, newest first.
    pub async fn credit_history(
        &self,
        track: &TrackId,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<CreditChange>, StoreError> {
        self.table
            .query_page(PageQuery {
                index: None,
                partition: keys::track_pk(track),
                sort: SortRange::Prefix(keys::HISTORY_PREFIX),
                backwards: true,
                limit,
                cursor,
            })
            .await
    }
}

pub(crate) fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}
