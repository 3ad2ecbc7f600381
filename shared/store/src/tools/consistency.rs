//! The consistency checker: reads the whole table and reports every broken invariant.
//!
//! The invariants the design promises (docs/data-model.md):
//! - every track's discography entries match its credits exactly: one entry per credited
//!   producer, at the right key, copying the track's credits and version; no entry for anyone else;
//! - every credited or uploading producer has a profile;
//! - every track has its plays item, and every plays item its track;
//! - every profile carries its `collaborative` index keys;
//! - the latest-run pointer names a complete run (its meta item exists);
//! - in every complete run, shares sum to 1 (when anything is worth anything) and the collaboration
//!   network is symmetric (P lists Q with n tracks exactly when Q lists P with n);
//! - every finished payout split's statements sum to its pool exactly, a Paid statement names its
//!   transfer, an Excluded one carries nothing.
//!
//! Apart from those, the same scan compares the shared-track entries with the discography entries
//! they project ([`ConsistencyReport::shared_tracks`], `crate::tools::shared_track_projection`): that
//! projection trails the table's stream by about a second and is only as complete as `fanout`
//! has made it, so its differences are reported beside the invariants, not among them.
//!
//! It is an operator's tool (`cargo xtask check`) and the last step of every chaos test; it scans,
//! which no request path does.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures_util::future::try_join_all;

use crate::Store;
use crate::tools::shared_track_projection::{Drift, ProjectionItems, projection_drift};
use contribution::statement::StatementStatus;
use results::payout::{PayoutSplit, PayoutStatement, SplitState};
use results::run::{Collaborator, ProducerSummary, PublishedRun, RunMeta};
use table::definition::{COLLABORATIVE_INDEX, DEFINITION};
use table::entity::{Entity, Item, PrimaryKey, decode, entity_of, string_attribute};
use table::error::StoreError;
use table::items::catalog::{DiscographyEntry, Profile, SharedTrack, TrackPlays, TrackRecord};
use table::items::payouts::OpenStatement;
use table::keys;
use table::pack::{Packed, decode_chunk};

/// One broken invariant, described for a person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation(pub String);

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Default)]
struct Seen {
    profiles: BTreeSet<String>,
    /// Profiles written before profiles carried the `collaborative` index keys.
    unindexed_profiles: BTreeSet<String>,
    tracks: Vec<TrackRecord>,
    /// The tracks whose plays items were seen.
    counted: BTreeSet<String>,
    /// Each discography entry, where it is stored, and whether it carries the `collaborative`
    /// index keys.
    entries: Vec<(DiscographyEntry, PrimaryKey, bool)>,
    pointer: Option<PublishedRun>,
    metas: BTreeSet<String>,
    /// Summaries and collaborators, by the run they belong to.
    summaries: Vec<(String, ProducerSummary)>,
    collaborators: Vec<(String, Collaborator)>,
    splits: Vec<PayoutSplit>,
    statements: Vec<PayoutStatement>,
    open_markers: HashSet<(String, String)>,
    /// Discography and shared-track entries, for the projection's comparison.
    projection: ProjectionItems,
}

/// What a check found: the invariants broken, and where the shared-track projection differs
/// from its source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsistencyReport {
    pub violations: Vec<Violation>,
    pub shared_tracks: Vec<Drift>,
}

/// The run a run item belongs to (from its partition key).
fn run_of(item: &Item) -> String {
    string_attribute(item, DEFINITION.partition_key)
        .and_then(keys::run_of_partition)
        .unwrap_or_default()
        .to_owned()
}

fn in_collaborative_index(item: &Item) -> bool {
    string_attribute(item, COLLABORATIVE_INDEX.partition_key).is_some()
}

impl Seen {
    fn add(&mut self, item: Item) -> Result<(), StoreError> {
        match entity_of(&item).unwrap_or_default() {
            Profile::NAME => {
                let indexed = in_collaborative_index(&item);
                let p: Profile = decode(item)?;
                if !indexed {
                    self.unindexed_profiles.insert(p.id.to_string());
                }
                self.profiles.insert(p.id.to_string());
            }
            TrackRecord::NAME => self.tracks.push(decode(item)?),
            TrackPlays::NAME => {
                let plays: TrackPlays = decode(item)?;
                self.counted.insert(plays.track_id.to_string());
            }
            DiscographyEntry::NAME => {
                self.projection.add(&item)?;
                let indexed = in_collaborative_index(&item);
                let stored_at = PrimaryKey::of_item(&item).unwrap_or_default();
                self.entries.push((decode(item)?, stored_at, indexed));
            }
            SharedTrack::NAME => {
                self.projection.add(&item)?;
            }
            PublishedRun::NAME => self.pointer = Some(decode(item)?),
            RunMeta::NAME => {
                let meta: RunMeta = decode(item)?;
                self.metas.insert(meta.run_id.to_string());
            }
            ProducerSummary::NAME => {
                let run = run_of(&item);
                self.summaries.push((run, decode(item)?));
            }
            Collaborator::ENTITY => {
                let run = run_of(&item);
                let owner = string_attribute(&item, DEFINITION.partition_key)
                    .and_then(keys::producer_of_run_partition)
                    .and_then(|id| contribution::ProducerId::parse(id).ok());
                let Some(owner) = owner else {
                    return Ok(());
                };
                let first = chunk_index(&item) == Some(0);
                let (_, rows) = decode_chunk::<Collaborator>(&item, &owner, first)?;
                self.collaborators
                    .extend(rows.into_iter().map(|c| (run.clone(), c)));
            }
            PayoutSplit::NAME => self.splits.push(decode(item)?),
            PayoutStatement::NAME => self.statements.push(decode(item)?),
            OpenStatement::NAME => {
                let marker: OpenStatement = decode(item)?;
                self.open_markers
                    .insert((marker.period.to_string(), marker.producer_id.to_string()));
            }
            _ => {}
        }
        Ok(())
    }

    fn report(self) -> ConsistencyReport {
        let shared_tracks = projection_drift(&self.projection)
            .into_values()
            .flatten()
            .collect();
        ConsistencyReport {
            violations: self.violations(),
            shared_tracks,
        }
    }

    fn violations(self) -> Vec<Violation> {
        let mut found = Vec::new();
        self.catalog_violations(&mut found);
        self.run_violations(&mut found);
        self.payout_violations(&mut found);
        found.sort();
        found
    }

    /// Profiles, tracks, plays items and discography entries against each other.
    fn catalog_violations(&self, found: &mut Vec<Violation>) {
        let mut report = |text: String| found.push(Violation(text));
        for id in &self.unindexed_profiles {
            report(format!(
                "profile {id} lacks its collaborative-index keys (an older layout): rewrite it (put_producer)"
            ));
        }

        // Discographies against tracks.
        let mut expected: HashMap<PrimaryKey, (&TrackRecord, String)> = HashMap::new();
        for track in &self.tracks {
            for producer in track.credits.producers() {
                expected.insert(
                    DiscographyEntry::primary_key(&(), (producer, track.uploaded_at, &track.id)),
                    (track, producer.to_string()),
                );
                if !self.profiles.contains(producer.as_str()) {
                    report(format!(
                        "track {} credits {producer}, who has no profile",
                        track.id
                    ));
                }
            }
            if !self.profiles.contains(track.uploader_id.as_str()) {
                report(format!(
                    "track {} was uploaded by {}, who has no profile",
                    track.id, track.uploader_id
                ));
            }
        }
        // Every track has its count, and every count its track.
        let tracks: BTreeSet<&str> = self.tracks.iter().map(|t| t.id.as_str()).collect();
        for track in &tracks {
            if !self.counted.contains(*track) {
                report(format!("track {track} has no plays item"));
            }
        }
        for counted in &self.counted {
            if !tracks.contains(counted.as_str()) {
                report(format!(
                    "plays item of {counted}, a track that does not exist"
                ));
            }
        }

        let mut present = BTreeSet::new();
        for (entry, key, indexed) in &self.entries {
            // Where the entry is stored, not where its fields say it belongs: a copy in another
            // producer's partition is an orphan there.
            match expected.get(key) {
                None => report(format!(
                    "orphaned discography entry {}/{} (track {} does not credit {} there)",
                    key.pk, key.sk, entry.track_id, entry.producer_id
                )),
                Some((track, _)) => {
                    if entry.credits != track.credits || entry.version != track.version {
                        report(format!(
                            "discography entry of {} for track {} is stale (version {} vs the track's {})",
                            entry.producer_id, track.id, entry.version, track.version
                        ));
                    }
                    let collaborative = track.credits.is_collaboration();
                    if *indexed != collaborative {
                        report(format!(
                            "discography entry of {} for track {} is {} the collaborative index",
                            entry.producer_id,
                            track.id,
                            if collaborative {
                                "missing from"
                            } else {
                                "wrongly in"
                            }
                        ));
                    }
                }
            }
            present.insert(key.clone());
        }
        let mut missing: Vec<_> = expected
            .iter()
            .filter(|(k, _)| !present.contains(*k))
            .collect();
        missing.sort_by(|a, b| a.0.cmp(b.0));
        for (_, (track, producer)) in missing {
            report(format!(
                "track {} credits {producer} but is missing from their discography",
                track.id
            ));
        }
    }

    /// The pointer, and every complete run: shares sum to 1, the network is symmetric.
    fn run_violations(&self, found: &mut Vec<Violation>) {
        let mut report = |text: String| found.push(Violation(text));
        // The pointer names a complete run.
        if let Some(pointer) = &self.pointer
            && !self.metas.contains(pointer.run_id.as_str())
        {
            report(format!(
                "the latest-run pointer names run {}, which is not complete",
                pointer.run_id
            ));
        }

        // Every complete run: shares sum to 1, the network is symmetric.
        let mut shares: BTreeMap<String, f64> = BTreeMap::new();
        for (run, summary) in &self.summaries {
            *shares.entry(run.clone()).or_default() += summary.share;
        }
        for (run, sum) in &shares {
            if self.metas.contains(run) && sum.abs() > 0.0 && (sum - 1.0).abs() > 1e-9 {
                report(format!("run {run}: shares sum to {sum}, not 1"));
            }
        }
        let mut edges: BTreeMap<(String, String, String), u32> = BTreeMap::new();
        for (run, c) in &self.collaborators {
            edges.insert(
                (run.clone(), c.owner.to_string(), c.producer_id.to_string()),
                c.tracks_together,
            );
        }
        for ((run, a, b), n) in &edges {
            if !self.metas.contains(run) {
                continue;
            }
            match edges.get(&(run.clone(), b.clone(), a.clone())) {
                Some(m) if m == n => {}
                Some(m) => report(format!(
                    "run {run}: {a} shares {n} tracks with {b}, but {b} says {m}"
                )),
                None => report(format!(
                    "run {run}: {a} lists {b} as a collaborator, but {b} does not list {a}"
                )),
            }
        }
    }

    /// Splits and statements: sums, transfers, open markers.
    fn payout_violations(&self, found: &mut Vec<Violation>) {
        let mut report = |text: String| found.push(Violation(text));
        // Payouts: a finished split's statements sum to its pool; Paid means its transfers (one
        // per part, summing to the amount); money only goes to eligible statements; nothing is
        // settled while a statement is still open. Voided statements belong to no split.
        let mut per_period: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut open: BTreeMap<String, u64> = BTreeMap::new();
        for s in &self.statements {
            if s.status == StatementStatus::Voided {
                continue;
            }
            let entry = per_period.entry(s.period.to_string()).or_default();
            entry.0 += s.amount_minor;
            entry.1 += 1;
            if s.is_open() {
                *open.entry(s.period.to_string()).or_default() += 1;
            }
            if !s.status.is_final()
                && !self
                    .open_markers
                    .contains(&(s.period.to_string(), s.producer_id.to_string()))
            {
                report(format!(
                    "payout {} of {} is not final ({:?}) but not marked open: the hourly \
                         step would never look at it",
                    s.period, s.producer_id, s.status
                ));
            }
            if s.status == StatementStatus::NothingDue
                && (s.amount_minor != 0 || s.transfer_id.is_some())
            {
                report(format!(
                    "payout {} of {} is nothing due but carries {} minor units or a transfer",
                    s.period, s.producer_id, s.amount_minor
                ));
            }
            if s.status == StatementStatus::Paid && s.transfer_id.is_none() {
                report(format!(
                    "payout {} of {} is Paid without a transfer id",
                    s.period, s.producer_id
                ));
            }
            if s.status == StatementStatus::Paid
                && !s.paid_parts.is_empty()
                && s.paid_minor() != s.amount_minor
            {
                report(format!(
                    "payout {} of {} is Paid with transfers of {} minor units, not its {}",
                    s.period,
                    s.producer_id,
                    s.paid_minor(),
                    s.amount_minor
                ));
            }
            if s.status != StatementStatus::Paid
                && s.paid_minor() >= s.amount_minor
                && s.paid_minor() > 0
            {
                report(format!(
                    "payout {} of {} has every part paid but is {:?}",
                    s.period, s.producer_id, s.status
                ));
            }
            if s.status == StatementStatus::Excluded && s.amount_minor != 0 {
                report(format!(
                    "payout {} of {} is Excluded but carries {} minor units",
                    s.period, s.producer_id, s.amount_minor
                ));
            }
        }
        for split in &self.splits {
            if matches!(
                split.state,
                SplitState::Waiting | SplitState::Splitting | SplitState::Voided
            ) {
                continue;
            }
            let still_open = open.get(&split.period.to_string()).copied().unwrap_or(0);
            if split.state == SplitState::Settled && still_open > 0 {
                report(format!(
                    "payout split {} is settled while {still_open} statements are still open",
                    split.period
                ));
            }
            let (sum, count) = per_period
                .get(&split.period.to_string())
                .copied()
                .unwrap_or_default();
            if sum != split.amount_minor || count != split.statements {
                report(format!(
                    "payout split {}: {count} statements summing to {sum}, but the split says {} \
                     statements and a pool of {}",
                    split.period, split.statements, split.amount_minor
                ));
            }
        }
    }
}

impl Store {
    /// Scans the whole table (`segments` at once) and returns every violated invariant.
    pub async fn check_consistency(&self, segments: u32) -> Result<Vec<Violation>, StoreError> {
        Ok(self.check_consistency_report(segments).await?.violations)
    }

    /// Scans the whole table (`segments` at once): every violated invariant, and every
    /// difference between the shared-track entries and the discography entries.
    pub async fn check_consistency_report(
        &self,
        segments: u32,
    ) -> Result<ConsistencyReport, StoreError> {
        let parts = self
            .scan_all(segments, |seen: &mut Seen, item| seen.add(item))
            .await?;
        let mut all = Seen::default();
        for part in parts {
            all.profiles.extend(part.profiles);
            all.unindexed_profiles.extend(part.unindexed_profiles);
            all.tracks.extend(part.tracks);
            all.counted.extend(part.counted);
            all.entries.extend(part.entries);
            all.pointer = all.pointer.or(part.pointer);
            all.metas.extend(part.metas);
            all.summaries.extend(part.summaries);
            all.collaborators.extend(part.collaborators);
            all.splits.extend(part.splits);
            all.statements.extend(part.statements);
            all.open_markers.extend(part.open_markers);
            all.projection.extend(part.projection);
        }
        Ok(all.report())
    }

    /// Scans the whole table, strongly consistent, in `segments` parallel segments, each item
    /// given to `add` with its segment's own `T`; returns each segment's `T`.
    pub(crate) async fn scan_all<T, F>(&self, segments: u32, add: F) -> Result<Vec<T>, StoreError>
    where
        T: Default,
        F: Fn(&mut T, Item) -> Result<(), StoreError> + Copy,
    {
        let segments = segments.max(1);
        try_join_all((0..segments).map(|segment| async move {
            let mut part = T::default();
            let mut start = None;
            loop {
                let out = self
                    .table
                    .client()
                    .scan()
                    .table_name(self.table.name())
                    .segment(segment as i32)
                    .total_segments(segments as i32)
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(StoreError::dynamo("Scan"))?;
                for item in out.items.unwrap_or_default() {
                    add(&mut part, item)?;
                }
                match out.last_evaluated_key {
                    Some(next) => start = Some(next),
                    None => return Ok::<_, StoreError>(part),
                }
            }
        }))
        .await
    }
}

/// A stored chunk's number (0: the head), from its sort key (the checker's).
fn chunk_index(item: &Item) -> Option<u32> {
    let sk = string_attribute(item, DEFINITION.sort_key)?;
    let number = sk.rsplit('#').next()?;
    if number.is_empty() {
        Some(0)
    } else {
        number.parse().ok()
    }
}
