//! The item kinds a recompute run publishes, and the pointer that publishes it.
//!
//! Everything a run writes lives under its run id with an `expiresAt` TTL: per producer a
//! summary and three lists (contribution breakdowns, collaborators, recommendations), the ranked
//! boards, trending pairs, the pair counts the next run compares against, and the run's meta
//! item, written last. A summary, the meta and the pointer are one item each (a domain struct
//! plus its [`Entity`] impl); a list's entries are rows of chunk items (`crate::chunks`), so each
//! entry kind here says how it is a row ([`Packed`]) instead of having a key.

use chrono::{DateTime, Utc};
use contribution::{ProducerId, TrackId};
use serde::{Deserialize, Serialize};

pub use crate::chunks::EmptyBecause;
use crate::chunks::Packed;
use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;
use crate::lists::{Board, Period, ProducerList};
pub use crate::run_id::RunId;

/// The published run readers should use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPointer {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    /// Which earlier runs the run's window boards compared plays against.
    pub baselines: Baselines,
}

/// The as-of of the counter snapshot each window compared against: the newest at or before the
/// run's as-of minus the window, or `None` when no run was that old (then the window's
/// plays-based boards are empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Baselines {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days7: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days30: Option<DateTime<Utc>>,
}

impl Baselines {
    /// The baselines of each window (in `Period::WINDOWS` order).
    pub fn of_windows(
        [days7, days30]: contribution::window::PerWindow<Option<DateTime<Utc>>>,
    ) -> Self {
        Self { days7, days30 }
    }

    /// The baseline of `period` (`None` for all-time, which compares with nothing).
    pub fn of(&self, period: Period) -> Option<DateTime<Utc>> {
        match period {
            Period::All => None,
            Period::Days7 => self.days7,
            Period::Days30 => self.days30,
        }
    }
}

/// The pointer to the latest completed run, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedRun {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    /// `as_of` in milliseconds, for the forward-only condition.
    pub as_of_millis: i64,
    pub published_at: DateTime<Utc>,
    #[serde(default)]
    pub baselines: Baselines,
}

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

/// What a run covered, written last before the pointer moves: its presence marks a complete run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMeta {
    pub run_id: RunId,
    pub as_of: DateTime<Utc>,
    pub tracks: u64,
    pub producers: u64,
    pub pairs: u64,
    pub result_items: u64,
    /// The platform total, in units of 2^-64, as decimal text.
    pub total_units: String,
    /// Which earlier runs the window boards compared against (for a page sequence still on this
    /// run after a later one is published).
    #[serde(default)]
    pub baselines: Baselines,
    /// Producers whose contribution value is above zero.
    #[serde(default)]
    pub producers_with_share: u64,
    /// Tracks with two or more credited producers.
    #[serde(default)]
    pub collaborative_tracks: u64,
    /// Plays on every track.
    #[serde(default)]
    pub plays: u64,
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

/// A producer's figures in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerSummary {
    pub producer_id: ProducerId,
    pub name: String,
    /// The exact contribution, in units of 2^-64 (see `contribution::ExactSum`).
    pub contribution_units: crate::exact_units::ExactUnits,
    pub contribution_value: f64,
    pub share: f64,
    pub track_count: u64,
    pub collaborative_tracks: u64,
    pub distinct_collaborators: u64,
    pub collaborative_plays: u64,
    pub xp: u64,
    /// The producer's place on every board and period they are placed on (absent: not placed).
    #[serde(default)]
    pub ranks: Vec<PlacedRank>,
}

/// A producer's rank on one board and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedRank {
    pub board: Board,
    pub period: Period,
    pub rank: u64,
}

impl ProducerSummary {
    /// The producer's rank on `board` over `period`, if placed.
    pub fn rank(&self, board: Board, period: Period) -> Option<u64> {
        self.ranks
            .iter()
            .find(|r| r.board == board && r.period == period)
            .map(|r| r.rank)
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

/// Why a track is worth what it is to one producer (the owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    pub owner: ProducerId,
    pub track_id: TrackId,
    pub title: String,
    pub plays: u64,
    pub months_since_upload: f64,
    pub decay: f64,
    pub boost: f64,
    pub split: f64,
    pub eligible: bool,
    pub value: f64,
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

/// A producer the owner is co-credited with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collaborator {
    pub owner: ProducerId,
    pub producer_id: ProducerId,
    pub name: String,
    pub tracks_together: u32,
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

/// A collaborator suggested to the owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub owner: ProducerId,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub score: f64,
    /// The score as a whole percent of the best possible (0 to 100).
    #[serde(default)]
    pub match_percent: u8,
    /// Up to three genres both producers list, alphabetical.
    #[serde(default)]
    pub common_genres: Vec<String>,
    pub reasons: Vec<String>,
}

impl Packed for Recommendation {
    type Row = (u64, ProducerId, String, f64, u8, Vec<String>, Vec<String>);
    type Context = ProducerId;
    const ENTITY: &'static str = "recommendationChunk";
    /// At most ten per producer: one a chunk is the worst case the reader must allow for.
    const MAX_ROW_BYTES: usize = crate::chunks::CHUNK_BYTES;

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

/// One row of a leaderboard: the rank and the figures the board ranks by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntry {
    pub board: Board,
    #[serde(default)]
    pub period: Period,
    pub rank: u64,
    pub producer_id: ProducerId,
    pub name: String,
    pub figures: BoardFigures,
}

/// The figures a board ranks by; each board fills the ones its rule names, the rest are absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardFigures {
    /// Collaborative tracks credited (uploaded in the window, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_tracks: Option<u64>,
    /// Distinct co-credited producers (on those tracks, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_collaborators: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_plays: Option<u64>,
    /// Plays gained on collaborative tracks since the window's baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborative_plays_gained: Option<u64>,
    /// Plays on credited tracks (full plays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays: Option<u64>,
    /// Plays gained on credited tracks since the window's baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays_gained: Option<u64>,
    /// Tracks uploaded (in the window, for a window board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<u64>,
    /// Of the uploads, the metadata-complete ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_complete_uploads: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xp: Option<u64>,
    /// Σ weight × max(0, 100 − rank) over the other boards' all-time ranks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overall_score: Option<u64>,
}

/// The figures in a fixed order (a row's columns; absent figures are nulls of one byte).
type FigureColumns = [Option<u64>; 10];

/// The column order, stated once: a row's figures and the struct's fields both follow it.
macro_rules! figure_columns {
    ($($field:ident),* $(,)?) => {
        impl BoardFigures {
            fn columns(&self) -> FigureColumns {
                [$(self.$field),*]
            }

            fn from_columns([$($field),*]: FigureColumns) -> Self {
                Self { $($field),* }
            }
        }
    };
}

figure_columns!(
    collaborative_tracks,
    distinct_collaborators,
    collaborative_plays,
    collaborative_plays_gained,
    plays,
    plays_gained,
    uploads,
    metadata_complete_uploads,
    xp,
    overall_score,
);

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

/// A trending collaboration: two producers whose shared tracks gained the most plays since the
/// previous run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendingPair {
    pub rank: u64,
    pub producer_ids: [ProducerId; 2],
    pub names: [String; 2],
    pub shared_tracks: u32,
    pub plays_gained: u64,
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

/// Two producers' shared tracks and plays in a run (`a < b`); the next run reads these to find
/// what is trending. Stored many to an item, in [`PairCountsPart`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PairRow", into = "PairRow")]
pub struct PairTally {
    pub a: ProducerId,
    pub b: ProducerId,
    pub tracks: u32,
    pub plays: u64,
}

/// A pair count as a row.
type PairRow = (ProducerId, ProducerId, u32, u64);

impl From<PairRow> for PairTally {
    fn from((a, b, tracks, plays): PairRow) -> Self {
        Self {
            a,
            b,
            tracks,
            plays,
        }
    }
}

impl From<PairTally> for PairRow {
    fn from(p: PairTally) -> Self {
        (p.a, p.b, p.tracks, p.plays)
    }
}

/// One part of a run's pair counts: many pairs in one item, one row each. Only the next run
/// reads them, all at once, so there is no reason to pay for an item (a write unit) per pair:
/// 220,000 pairs are a few parts of ~300 KB (`crate::chunks::pack_parts`).
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

/// A producer's play counters at a run's as-of: what window boards subtract to get plays gained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayCounters {
    /// Plays on every track crediting the producer.
    pub plays: u64,
    /// Plays on the collaborative ones.
    pub collaborative_plays: u64,
}

/// One part of a run's counter snapshot: many producers' counters in one item, one row each
/// (`[id, plays, collaborativePlays]`), so a snapshot of 5,000 producers is one write, not 5,000.
/// Kept for [`COUNTER_RETENTION`](crate::counters::COUNTER_RETENTION), longer than the run.
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
    Ok(crate::chunks::pack_parts(rows)?
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunks::PART_BYTES;
    use crate::entity::encode;
    use crate::size::item_size;

    fn id(i: usize) -> ProducerId {
        ProducerId::parse(format!("producer-{i}")).expect("id")
    }

    #[test]
    fn counters_round_trip_through_parts() {
        let run = RunId::from_text("20261121T000000.000Z");
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
        use crate::chunks::Packed;
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

    /// Keeps every put a run sink sends, as the table would store it.
    struct Kept(Vec<crate::entity::Item>);

    impl crate::run_sink::RequestSink for Kept {
        type Error = crate::StoreError;

        async fn send(&mut self, request: crate::batch::WriteRequest) -> Result<(), Self::Error> {
            let put = request.put_request().expect("the run sink only puts");
            self.0.push(put.item().clone());
            Ok(())
        }
    }

    #[tokio::test]
    async fn pair_counts_round_trip_through_parts() {
        let run = RunId::from_text("20261121T000000.000Z");
        let pairs: Vec<PairTally> = (0..30_000)
            .map(|i| PairTally {
                a: id(i),
                b: id(i + 1),
                tracks: i as u32 % 7 + 1,
                plays: i as u64 * 1_000_003,
            })
            .collect();
        let scope = crate::runs::RunScope {
            run_id: run.clone(),
            expires_at: 0,
        };
        let mut sink = crate::run_sink::RunSink::new(scope, Kept(Vec::new()));
        sink.pairs(pairs.clone().into_iter()).await.expect("packs");
        let items = sink.into_sink().0;
        let parts: Vec<PairCountsPart> = items
            .iter()
            .map(|i| crate::entity::decode::<PairCountsPart>(i.clone()).expect("decodes"))
            .collect();
        assert!(parts.len() > 1, "30,000 pairs span parts");
        assert_eq!(
            parts.iter().map(|p| p.part).collect::<Vec<_>>(),
            (0..parts.len() as u32).collect::<Vec<_>>()
        );
        assert!(items.iter().all(|i| item_size(i) < PART_BYTES + 1024));
        let back: Vec<PairTally> = parts.into_iter().flat_map(|p| p.rows).collect();
        assert_eq!(back, pairs);
    }
}
