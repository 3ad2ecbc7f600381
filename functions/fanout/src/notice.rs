//! The `Credit Changed` event: what one producer is told about one committed credit change.
//!
//! Every producer the change touches gets exactly one: those added, those removed, and those
//! still credited. The detail carries the track, what happened to this producer, who changed it
//! and how, the track's new version and credits, and when; nothing private (no shares, no
//! Stripe accounts, no figures). Its `eventId` is made from the change itself (track, version,
//! producer), so a redelivered stream record gives the same ids and the platform can drop the
//! copy. Pure: no I/O.

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::Serialize;
use store::ChangeSource;
use store::catalog::items::{ChangeReason, CreditChange};

/// The event's `source` on the bus.
pub const SOURCE: &str = "beatpass.collaborations";
/// The event's `detail-type` on the bus.
pub const DETAIL_TYPE: &str = "Credit Changed";

/// What happened to the producer an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CreditChangeKind {
    /// Newly credited (every producer of a track that has just arrived).
    Added,
    /// No longer credited.
    Removed,
    /// Credited before and after; the list around them changed.
    StillCredited,
}

/// The detail of one `Credit Changed` event (documented in `docs/events.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditChanged {
    /// The same for every delivery of this change to this producer.
    pub event_id: String,
    pub producer_id: ProducerId,
    pub change: CreditChangeKind,
    pub track_id: TrackId,
    pub title: String,
    /// The track's version after the change (its credits ETag).
    pub version: u64,
    /// Every producer credited after the change, in credit order.
    pub credits: Vec<ProducerId>,
    pub changed_by: ProducerId,
    /// The account behind `changed_by` (Backstage changes), for the platform's audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by_account: Option<String>,
    pub source: ChangeSource,
    /// `declined` when the producer removed was the one who removed themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ChangeReason>,
    pub changed_at: DateTime<Utc>,
}

/// The events of one committed change: one per affected producer, the still and newly
/// credited in credit order, then the removed in their old order.
pub fn notices_of(change: &CreditChange) -> Vec<CreditChanged> {
    let notice = |producer: &ProducerId, kind| CreditChanged {
        event_id: format!("{}/{}/{}", change.track_id, change.version, producer),
        producer_id: producer.clone(),
        change: kind,
        track_id: change.track_id.clone(),
        title: change.title.clone(),
        version: change.version,
        credits: change.after.clone(),
        changed_by: change.changed_by.clone(),
        changed_by_account: change.account.clone(),
        source: change.source,
        reason: change.reason,
        changed_at: change.changed_at,
    };
    let credited = change.after.iter().map(|p| {
        let kind = if change.before.contains(p) {
            CreditChangeKind::StillCredited
        } else {
            CreditChangeKind::Added
        };
        notice(p, kind)
    });
    let removed = change
        .before
        .iter()
        .filter(|p| !change.after.contains(p))
        .map(|p| notice(p, CreditChangeKind::Removed));
    credited.chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ProducerId {
        ProducerId::parse(s).expect("id")
    }

    fn change(before: &[&str], after: &[&str]) -> CreditChange {
        CreditChange {
            track_id: TrackId::parse("t1").expect("id"),
            title: "Night Drive".into(),
            version: 4,
            changed_by: id("pa"),
            source: ChangeSource::Backstage,
            changed_at: DateTime::from_timestamp(1_790_000_000, 0).expect("instant"),
            before: before.iter().map(|p| id(p)).collect(),
            after: after.iter().map(|p| id(p)).collect(),
            account: None,
            reason: None,
        }
    }

    #[test]
    fn each_affected_producer_is_told_once_what_happened_to_them() {
        let notices = notices_of(&change(&["pa", "pb", "pc"], &["pa", "pd"]));
        let told: Vec<(&str, CreditChangeKind)> = notices
            .iter()
            .map(|n| (n.producer_id.as_str(), n.change))
            .collect();
        assert_eq!(
            told,
            [
                ("pa", CreditChangeKind::StillCredited),
                ("pd", CreditChangeKind::Added),
                ("pb", CreditChangeKind::Removed),
                ("pc", CreditChangeKind::Removed),
            ]
        );
        assert!(notices.iter().all(|n| n.credits == [id("pa"), id("pd")]));
        assert_eq!(notices[3].event_id, "t1/4/pc");
    }

    #[test]
    fn a_new_track_tells_every_credited_producer_they_were_added() {
        let notices = notices_of(&change(&[], &["pa", "pb"]));
        assert_eq!(notices.len(), 2);
        assert!(notices.iter().all(|n| n.change == CreditChangeKind::Added));
    }

    #[test]
    fn the_same_change_gives_the_same_ids_and_nothing_private() {
        let c = change(&["pa"], &["pa", "pb"]);
        let first: Vec<String> = notices_of(&c).into_iter().map(|n| n.event_id).collect();
        let again: Vec<String> = notices_of(&c).into_iter().map(|n| n.event_id).collect();
        assert_eq!(first, again);
        let detail = serde_json::to_string(&notices_of(&c)).expect("json");
        for private in ["share", "stripe", "contribution", "payout", "xp"] {
            assert!(
                !detail.to_lowercase().contains(private),
                "{private}: {detail}"
            );
        }
    }
}
