//! How a recompute run's results are stored (the values are `results::run`'s).
//!
//! Everything a run writes lives under its run id with an `expiresAt` TTL: per producer a
//! summary and three lists (contribution breakdowns, collaborators, recommendations), the ranked
//! boards, trending pairs, the pair counts the next run compares against, and the run's meta
//! item, written last. A summary, the meta and the pointer are one item each (an [`Entity`]
//! impl); a list's entries are rows of chunk items (`crate::pack`), so each entry kind says how
//! it is a row ([`Packed`]) instead of having a key. The parts of the pair counts and counter
//! snapshots are storage's own: many rows an item.

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use results::lists::{Board, Period, ProducerList};
use results::run::{
    BoardEntry, BoardFigures, Collaborator, Contribution, FigureColumns, PairTally, PlatformPoint,
    PlayCounters, ProducerPoint, ProducerSummary, PublishedRun, Recommendation, RunMeta,
    TrendingPair,
};
use results::run_id::RunId;
use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;
use crate::pack::Packed;

/// The pointer's stored as-of in milliseconds, which its forward-only condition names
/// (`tests::stored_attribute_names`).
pub const PUBLISHED_AS_OF: &str = "asOfMillis";

impl Entity for PublishedRun {
    const NAME: &'static str = "runPointer";
    type Scope = ();
    type KeyInput<'a> = ();

    fn primary_key(_: &(), _: ()) -> PrimaryKey {
        PrimaryKey::new(keys::RUN_POINTER_PK.to_owned(), keys::RUN_POINTER_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, ()).into()
    }
}

impl Entity for RunMeta {
    const NAME: &'static str = "runMeta";
    type Scope = RunId;
    type KeyInput<'a> = ();

    fn primary_key(run: &RunId, _: ()) -> PrimaryKey {
        PrimaryKey::new(keys::run_pk(run), keys::RUN_META_SK)
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, ()).into()
    }
}

impl Entity for ProducerSummary {
    const NAME: &'static str = "producerSummary";
    type Scope = RunId;
    type KeyInput<'a> = &'a ProducerId;

    fn primary_key(run: &RunId, producer: &ProducerId) -> PrimaryKey {
        PrimaryKey::new(keys::run_producer_pk(run, producer), keys::SUMMARY_SK)
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, &self.producer_id).into()
    }
}

/// An entry of one of a producer's lists in a run: its owner is the list's.
pub trait ProducerListEntry: Packed<Context = ProducerId> {
    const LIST: ProducerList;
}

impl Packed for Contribution {
    type Row = (TrackId, String, u64, f64, f64, f64, f64, bool, f64);
    type Context = ProducerId;
    const ENTITY: &'static str = "contributionChunk";
    /// Id 128, title 200 four-byte characters, five numbers, a flag.
    const MAX_ROW_BYTES: usize = 3 + 9 + 128 + 800 + 11 + 5 * 11 + 1;

    fn row(&self) -> Self::Row {
        (
            self.track_id.clone(),
            self.title.clone(),
            self.plays,
            self.months_since_upload,
            self.decay,
            self.boost,
            self.split,
            self.eligible,
            self.value,
        )
    }

    fn from_row(row: Self::Row, owner: &ProducerId) -> Self {
        let (track_id, title, plays, months_since_upload, decay, boost, split, eligible, value) =
            row;
        Self {
            owner: owner.clone(),
            track_id,
            title,
            plays,
            months_since_upload,
            decay,
            boost,
            split,
            eligible,
            value,
        }
    }
}

impl ProducerListEntry for Contribution {
    const LIST: ProducerList = ProducerList::Contributions;
}

impl Packed for Collaborator {
    type Row = (ProducerId, String, u32);
    type Context = ProducerId;
    const ENTITY: &'static str = "collaboratorChunk";
    /// Id 128, name 100 four-byte characters, a count.
    const MAX_ROW_BYTES: usize = 3 + 3 + 128 + 400 + 6;

    fn row(&self) -> Self::Row {
        (
            self.producer_id.clone(),
            self.name.clone(),
            self.tracks_together,
        )
    }

    fn from_row((producer_id, name, tracks_together): Self::Row, owner: &ProducerId) -> Self {
        Self {
            owner: owner.clone(),
            producer_id,
            name,
            tracks_together,
        }
    }
}

impl ProducerListEntry for Collaborator {
    const LIST: ProducerList = ProducerList::Collaborators;
}

impl Packed for Recommendation {
    type Row = (u64, ProducerId, String, f64, u8, Vec<String>, Vec<String>);
    type Context = ProducerId;
    const ENTITY: &'static str = "recommendationChunk";
    /// At most ten per producer: one a chunk is the worst case the reader must allow for.
    const MAX_ROW_BYTES: usize = crate::pack::CHUNK_BYTES;

    fn row(&self) -> Self::Row {
        (
            self.rank,
            self.producer_id.clone(),
            self.name.clone(),
            self.score,
            self.match_percent,
            self.common_genres.clone(),
            self.reasons.clone(),
        )
    }

    fn from_row(row: Self::Row, owner: &ProducerId) -> Self {
        let (rank, producer_id, name, score, match_percent, common_genres, reasons) = row;
        Self {
            owner: owner.clone(),
            rank,
            producer_id,
            name,
            score,
            match_percent,
            common_genres,
            reasons,
        }
    }
}

impl ProducerListEntry for Recommendation {
    const LIST: ProducerList = ProducerList::Recommendations;
}

impl Packed for BoardEntry {
    type Row = (u64, ProducerId, String, FigureColumns);
    type Context = (Board, Period);
    const ENTITY: &'static str = "boardChunk";
    /// Ranked lists are cut by count, not size.
    const MAX_ROW_BYTES: usize = 3 + 4 + 11 + 128 + 400 + 3 + 10 * 12;

    fn row(&self) -> Self::Row {
        (
            self.rank,
            self.producer_id.clone(),
            self.name.clone(),
            self.figures.columns(),
        )
    }

    fn from_row(
        (rank, producer_id, name, figures): Self::Row,
        (board, period): &(Board, Period),
    ) -> Self {
        Self {
            board: *board,
            period: *period,
            rank,
            producer_id,
            name,
            figures: BoardFigures::from_columns(figures),
        }
    }
}

impl Packed for TrendingPair {
    type Row = (u64, [ProducerId; 2], [String; 2], u32, u64);
    type Context = ();
    const ENTITY: &'static str = "trendingChunk";
    const MAX_ROW_BYTES: usize = 3 + 5 + 11 + 2 * (128 + 400 + 4) + 6 + 11;

    fn row(&self) -> Self::Row {
        (
            self.rank,
            self.producer_ids.clone(),
            self.names.clone(),
            self.shared_tracks,
            self.plays_gained,
        )
    }

    fn from_row(
        (rank, producer_ids, names, shared_tracks, plays_gained): Self::Row,
        _: &(),
    ) -> Self {
        Self {
            rank,
            producer_ids,
            names,
            shared_tracks,
            plays_gained,
        }
    }
}

/// One part of a run's pair counts: many pairs in one item, one row each. Only the next run
/// reads them, all at once, so there is no reason to pay for an item (a write unit) per pair:
/// 220,000 pairs are a few parts of ~300 KB (`crate::pack::pack_parts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairCountsPart {
    pub run_id: RunId,
    pub part: u32,
    #[serde(with = "crate::rows::as_blob")]
    pub rows: Vec<PairTally>,
}

impl Entity for PairCountsPart {
    const NAME: &'static str = "pairCountsPart";
    type Scope = RunId;
    type KeyInput<'a> = u32;

    fn primary_key(run: &RunId, part: u32) -> PrimaryKey {
        PrimaryKey::new(keys::pairs_pk(run), keys::part_sk(part))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.part).into()
    }
}

/// One part of a run's counter snapshot: many producers' counters in one item, one row each
/// (`[id, plays, collaborativePlays]`), so a snapshot of 5,000 producers is one write, not 5,000.
/// Kept for `store::runs::counters::COUNTER_RETENTION`, longer than the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterSnapshotPart {
    pub run_id: RunId,
    pub part: u32,
    #[serde(with = "crate::rows::as_blob")]
    pub rows: Vec<(ProducerId, u64, u64)>,
}

impl Entity for CounterSnapshotPart {
    const NAME: &'static str = "counterSnapshotPart";
    type Scope = RunId;
    type KeyInput<'a> = u32;

    fn primary_key(run: &RunId, part: u32) -> PrimaryKey {
        PrimaryKey::new(keys::counters_pk(run), keys::part_sk(part))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.part).into()
    }
}

/// The index entry of a complete counter snapshot, written after its parts: a run looking for the
/// newest snapshot at or before an instant finds it with one query of the runs partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CounterSnapshot {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    pub parts: u32,
    pub producers: u64,
}

impl Entity for CounterSnapshot {
    const NAME: &'static str = "counterSnapshot";
    type Scope = ();
    type KeyInput<'a> = &'a RunId;

    fn primary_key(_: &(), run: &RunId) -> PrimaryKey {
        PrimaryKey::new(
            keys::RUN_POINTER_PK.to_owned(),
            keys::counters_index_sk(run),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, &self.run_id).into()
    }
}

/// Packs counters into snapshot parts (in the order given).
pub fn pack_counters<'a>(
    run: &RunId,
    counters: impl IntoIterator<Item = (&'a ProducerId, PlayCounters)>,
) -> Result<Vec<CounterSnapshotPart>, crate::StoreError> {
    let rows = counters
        .into_iter()
        .map(|(id, c)| (id.clone(), c.plays, c.collaborative_plays));
    Ok(crate::pack::pack_parts(rows)?
        .into_iter()
        .enumerate()
        .map(|(part, rows)| CounterSnapshotPart {
            run_id: run.clone(),
            part: part as u32,
            rows,
        })
        .collect())
}

/// The counters a part holds.
pub fn unpack_counters(
    part: CounterSnapshotPart,
) -> impl Iterator<Item = (ProducerId, PlayCounters)> {
    part.rows
        .into_iter()
        .map(|(id, plays, collaborative_plays)| {
            (
                id,
                PlayCounters {
                    plays,
                    collaborative_plays,
                },
            )
        })
}

/// A producer's figures of one run, kept for the dashboard's chart past the run's own items.
impl Entity for ProducerPoint {
    const NAME: &'static str = "producerPoint";
    type Scope = ();
    type KeyInput<'a> = (&'a ProducerId, &'a RunId);

    fn primary_key(_: &(), (producer, run): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(keys::series_pk(producer), keys::series_sk(run))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.producer_id, &self.run_id)).into()
    }
}

/// The platform's figures of one published run.
impl Entity for PlatformPoint {
    const NAME: &'static str = "platformPoint";
    type Scope = ();
    type KeyInput<'a> = &'a RunId;

    fn primary_key(_: &(), run: &RunId) -> PrimaryKey {
        PrimaryKey::new(keys::PLATFORM_SERIES_PK.to_owned(), keys::series_sk(run))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, &self.run_id).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::encode;
    use crate::pack::PART_BYTES;
    use crate::size::item_size;

    /// A run id spelled `text`, unchecked.
    fn run_id_text(text: &str) -> RunId {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).expect("a run id")
    }

    fn id(i: usize) -> ProducerId {
        ProducerId::parse(format!("producer-{i}")).expect("id")
    }

    #[test]
    fn counters_round_trip_through_parts() {
        let run = run_id_text("20261121T000000.000Z");
        let ids: Vec<ProducerId> = (0..40_000).map(id).collect();
        let counters = |i: usize| PlayCounters {
            plays: i as u64 * 1_000_003,
            collaborative_plays: i as u64,
        };
        let parts = pack_counters(
            &run,
            ids.iter().enumerate().map(|(i, id)| (id, counters(i))),
        )
        .expect("packs");
        assert!(parts.len() > 1, "40,000 producers span parts");
        for part in &parts {
            let item = encode(part, &run, None).expect("encodes");
            assert!(item_size(&item) < PART_BYTES + 1024, "{}", item_size(&item));
        }
        let back: Vec<_> = parts.into_iter().flat_map(unpack_counters).collect();
        assert_eq!(back.len(), ids.len());
        for (i, (id, c)) in back.iter().enumerate() {
            assert_eq!((id, *c), (&ids[i], counters(i)));
        }
        assert_eq!(
            pack_counters(&run, []).expect("packs").len(),
            1,
            "an empty snapshot is one empty part"
        );
    }

    #[test]
    fn the_heaviest_rows_weigh_no_more_than_their_bound() {
        use crate::pack::Packed;
        use crate::rows::encode_row;
        use catalog::records::{MAX_NAME_CHARS, MAX_TITLE_CHARS};
        let long = "x".repeat(contribution::ids::MAX_ID_LEN);
        let producer = ProducerId::parse(long.clone()).expect("id");
        let track = TrackId::parse(long).expect("id");
        // Four-byte characters: the most bytes a title or name of its length can take.
        let title = "\u{1F3B5}".repeat(MAX_TITLE_CHARS);
        let name = "\u{1F3B5}".repeat(MAX_NAME_CHARS);
        let weight = |bytes: Vec<u8>| bytes.len();
        let contribution: <Contribution as Packed>::Row = (
            track,
            title,
            u64::MAX,
            f64::MAX,
            f64::MAX,
            f64::MAX,
            f64::MAX,
            true,
            f64::MAX,
        );
        assert!(weight(encode_row(&contribution).expect("encodes")) <= Contribution::MAX_ROW_BYTES);
        let collaborator: <Collaborator as Packed>::Row =
            (producer.clone(), name.clone(), u32::MAX);
        assert!(weight(encode_row(&collaborator).expect("encodes")) <= Collaborator::MAX_ROW_BYTES);
        let board: <BoardEntry as Packed>::Row = (
            u64::MAX,
            producer.clone(),
            name.clone(),
            [Some(u64::MAX); 10],
        );
        assert!(weight(encode_row(&board).expect("encodes")) <= BoardEntry::MAX_ROW_BYTES);
        let trending: <TrendingPair as Packed>::Row = (
            u64::MAX,
            [producer.clone(), producer],
            [name.clone(), name],
            u32::MAX,
            u64::MAX,
        );
        assert!(weight(encode_row(&trending).expect("encodes")) <= TrendingPair::MAX_ROW_BYTES);
    }
}

/// One piece of a scan shard's partial aggregate, in a sharded run: the aggregate's bytes (a
/// `recompute` encoding) cut to fit DynamoDB's item size, kept under the run id until the reduce
/// has read them (a short TTL: `store::runs::partials`). `digest` is the whole partial's, so a
/// piece left by an earlier attempt with other bytes is told apart from this attempt's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialPiece {
    pub run_id: RunId,
    pub shard: u32,
    pub piece: u32,
    pub digest: u64,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

impl Entity for PartialPiece {
    const NAME: &'static str = "partialPiece";
    type Scope = RunId;
    type KeyInput<'a> = (u32, u32);

    fn primary_key(run: &RunId, (shard, piece): (u32, u32)) -> PrimaryKey {
        PrimaryKey::new(keys::partial_pk(run, shard), keys::part_sk(piece))
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, (self.shard, self.piece)).into()
    }
}

/// A complete partial aggregate: written after all its pieces, so a reduce that finds the head
/// finds every piece it names, with the head's digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialHead {
    pub run_id: RunId,
    pub shard: u32,
    pub pieces: u32,
    pub bytes: u64,
    pub digest: u64,
}

impl Entity for PartialHead {
    const NAME: &'static str = "partialHead";
    type Scope = RunId;
    type KeyInput<'a> = u32;

    fn primary_key(run: &RunId, shard: u32) -> PrimaryKey {
        PrimaryKey::new(
            keys::partial_pk(run, shard),
            keys::PARTIAL_HEAD_SK.to_owned(),
        )
    }

    fn full_key(&self, run: &RunId) -> FullKey {
        Self::primary_key(run, self.shard).into()
    }
}
