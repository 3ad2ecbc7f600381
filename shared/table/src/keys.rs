//! How every item's key is spelled. Nothing outside this module formats a key or names a key
//! prefix (the tidy test in `xtask/src/tidy.rs` checks the whole workspace for it).
//!
//! Ids cannot contain `#` (see `contribution::ids`), so `#` separates key parts unambiguously.
//! Version numbers and ranks are zero-padded so they sort as text. Only the store calls them, from
//! its entities' key functions (see [`crate::entity`]); no function crate depends on this crate
//! (`xtask/src/tidy_graph.rs`), so callers outside the store name items by typed key inputs.

use contribution::{ProducerId, TrackId};

use results::lists::{Board, Period, ProducerList};
use results::run_id::RunId;

pub const PROFILE_SK: &str = "PROFILE";
pub const TRACK_SK: &str = "TRACK";
/// A track's play count, beside the track (sorts after its history, before the track item).
pub const PLAYS_SK: &str = "PLAYS";
/// Sort-key prefix of a producer's discography entries (under the producer's partition).
pub const DISCOGRAPHY_PREFIX: &str = "CREDIT#";
/// Sort-key prefix of a track's credit-change history (under the track's partition).
pub const HISTORY_PREFIX: &str = "HISTORY#";
/// The partition and sort key of the pointer to the latest completed run.
pub const RUN_POINTER_PK: &str = "RUNS";
pub const RUN_POINTER_SK: &str = "LATEST";
pub const RUN_META_SK: &str = "META";
pub const SUMMARY_SK: &str = "SUMMARY";
/// Sort-key prefix of ranked lists (boards, trending).
pub const RANK_PREFIX: &str = "RANK#";
/// The key the client warm-up reads; nothing is ever stored under it.
pub const WARM_UP: &str = "WARMUP";

/// The prefix of a producer's partition (also what the table's stream is filtered on for
/// discography entries: `store::catalog::changes`).
pub const PRODUCER_PREFIX: &str = "PRODUCER#";
/// The prefix of a track's partition (also what the stream is filtered on for credit history).
pub const TRACK_PREFIX: &str = "TRACK#";

pub fn producer_pk(id: &ProducerId) -> String {
    format!("{PRODUCER_PREFIX}{id}")
}

pub fn track_pk(id: &TrackId) -> String {
    format!("{TRACK_PREFIX}{id}")
}

/// A discography entry sorts by upload time, then track id: newest first when read backwards.
pub fn discography_sk(uploaded_at: &str, track: &TrackId) -> String {
    format!("{DISCOGRAPHY_PREFIX}{uploaded_at}#{track}")
}

/// The partition of one editor's credit-edit bucket (`edit_limits.rs`): a prefix of its own, which
/// the credits function may write and nothing else reads.
pub fn edit_bucket_pk(editor: &str) -> String {
    format!("LIMIT#{editor}")
}

pub const EDIT_BUCKET_SK: &str = "BUCKET";

/// The sort key of a producer's decline of a credit, in the track's partition (sorting before the
/// history, the plays and the track, so no read of those ranges meets it).
pub fn decline_sk(producer: &ProducerId) -> String {
    format!("DECLINED#{producer}")
}

pub fn history_sk(version: u64) -> String {
    format!("{HISTORY_PREFIX}{version:020}")
}

/// Name-search entries are partitioned by the first character of the word.
pub fn artist_name_pk(token: &str) -> String {
    let first: String = token.chars().take(1).collect();
    format!("ARTISTNAME#{first}")
}

pub fn artist_name_sk(token: &str, producer: &ProducerId) -> String {
    format!("{token}#{producer}")
}

/// The partition of a run's own items (its meta item).
pub fn run_pk(run: &RunId) -> String {
    format!("RUN#{run}")
}

/// Whether partition key `pk` belongs to run `run` (any of its partitions).
pub fn is_run_partition(pk: &str, run: &RunId) -> bool {
    pk.strip_prefix(&run_pk(run))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('#'))
}

/// The run a run partition key belongs to.
pub fn run_of_partition(pk: &str) -> Option<&str> {
    pk.strip_prefix("RUN#")?.split('#').next()
}

/// A producer's partition in a run: their summary and their lists.
pub fn run_producer_pk(run: &RunId, producer: &ProducerId) -> String {
    format!("RUN#{run}#PRODUCER#{producer}")
}

/// A board's partition in a run; all-time boards keep the bare name, windows add the period.
pub fn board_pk(run: &RunId, board: Board, period: Period) -> String {
    match period {
        Period::All => format!("RUN#{run}#BOARD#{board}"),
        window => format!("RUN#{run}#BOARD#{board}#{window}"),
    }
}

/// The partition of a run's per-producer counter snapshot (kept longer than the run's other
/// items: window boards compare against runs up to 30 days old).
pub fn counters_pk(run: &RunId) -> String {
    format!("RUN#{run}#COUNTERS")
}

/// The partition of one scan shard's partial aggregate in a sharded run (its pieces and head).
pub fn partial_pk(run: &RunId, shard: u32) -> String {
    format!("RUN#{run}#PARTIAL#{shard:05}")
}

/// The sort key of a partial aggregate's head, written after its pieces.
pub const PARTIAL_HEAD_SK: &str = "PARTIALHEAD";

/// Whether `pk` is a partition of a sharded run's partial aggregate (kept only until the reduce
/// reads it: not a published item).
pub fn is_partial_partition(pk: &str) -> bool {
    run_of_partition(pk).is_some() && pk.contains("#PARTIAL#")
}

/// The prefixes of every partition a recompute run writes: its own partitions, the runs
/// partition (pointer, counter index), the producers' series and the platform's.
pub const RUN_WRITTEN_PREFIXES: [&str; 4] = ["RUN#", RUN_POINTER_PK, "SERIES#", PLATFORM_SERIES_PK];

/// The sort key of one part of a packed list (counter snapshots, pair counts).
pub fn part_sk(part: u32) -> String {
    format!("PART#{part:05}")
}

/// The index entry of a run's counter snapshot, in the runs partition: sorts by run id, so by
/// as-of time.
pub const COUNTERS_INDEX_PREFIX: &str = "COUNTERS#";

pub fn counters_index_sk(run: &RunId) -> String {
    format!("{COUNTERS_INDEX_PREFIX}{run}")
}

pub fn trending_pk(run: &RunId) -> String {
    format!("RUN#{run}#TRENDING")
}

pub fn pairs_pk(run: &RunId) -> String {
    format!("RUN#{run}#PAIRS")
}

/// The sort-key prefix of a producer's list in a run; the bare prefix is the list's head item.
pub fn list_prefix(list: ProducerList) -> &'static str {
    match list {
        ProducerList::Contributions => "CONTRIB#",
        ProducerList::Collaborators => "COLLAB#",
        ProducerList::Recommendations => "REC#",
    }
}

/// The most chunks a list can have (their numbers are five digits).
pub const MAX_CHUNKS: u32 = 99_999;

/// The sort key of chunk `index` of the list under `prefix`: the first chunk (the list's head)
/// is the bare prefix, so it sorts first; the rest are numbered.
pub fn chunk_sk(prefix: &str, index: u32) -> String {
    if index == 0 {
        prefix.to_owned()
    } else {
        format!("{prefix}{index:05}")
    }
}

/// The last sort key a list's chunks can have (a page query runs BETWEEN a chunk and this).
pub fn chunk_range_end(prefix: &str) -> String {
    chunk_sk(prefix, MAX_CHUNKS)
}

/// The producer a run partition belongs to, if it is a producer's.
pub fn producer_of_run_partition(pk: &str) -> Option<&str> {
    pk.strip_prefix("RUN#")?
        .split_once("#PRODUCER#")
        .map(|(_, id)| id)
}

/// The partition of every period's payout split (one item per period, sort key the period).
pub const PAYOUTS_PK: &str = "PAYOUTS";

/// The partition of a producer's payout statements: a prefix of their own, not the producer's
/// `PRODUCER#` partition, because IAM's `LeadingKeys` sees only partition keys and `credits` and
/// `sync` may write `PRODUCER#*`. Only `payouts` may write `PAYSTMT#*` (review M4: payouts sends
/// exactly what a statement says, so whoever can write one can redirect money).
pub fn statement_pk(producer: &ProducerId) -> String {
    format!("PAYSTMT#{producer}")
}

/// Sort-key prefix of a producer's payout statements: periods sort as text, so newest first when
/// read backwards.
pub const STATEMENT_PREFIX: &str = "STATEMENT#";

pub fn statement_sk(period: &str) -> String {
    format!("{STATEMENT_PREFIX}{period}")
}

/// The partition of a period's roster: who has a statement, many ids per item.
pub fn roster_pk(period: &str) -> String {
    format!("PAYOUT#{period}")
}

pub fn roster_sk(part: u32) -> String {
    format!("ROSTER#{part:05}")
}

/// The partition of a period's open statements: one small item per statement the hourly step
/// still looks at (owed, or held for the producer's account), so it reads only those, never a
/// settled month's others (review N8). Under `PAYOUT#` like the roster, which only payouts may
/// write.
pub fn open_statements_pk(period: &str) -> String {
    format!("PAYOUT#{period}#OPEN")
}

/// The partition of the tracks two producers share, as `owner` sees them: one item per shared
/// track, sorting like a discography entry (`discography_sk`), so newest first is one Query read
/// backwards. A prefix of its own, not `PRODUCER#`, so only the function that keeps these
/// entries (`fanout`) may write them (IAM's `LeadingKeys`).
pub fn shared_pk(owner: &ProducerId, with: &ProducerId) -> String {
    format!("SHARED#{owner}#{with}")
}

/// The partition of a producer's figures over time: one item per run, keyed by run id (so by
/// as-of time). A prefix of its own so the recompute may write it without `PRODUCER#*`.
pub fn series_pk(producer: &ProducerId) -> String {
    format!("SERIES#{producer}")
}

/// The partition of the platform's figures over time: one item per published run.
pub const PLATFORM_SERIES_PK: &str = "STATS";

/// The sort key of a run's point in a series: the run id itself, which sorts by as-of time.
pub fn series_sk(run: &RunId) -> String {
    run.as_str().to_owned()
}

/// The partition of the write-throughput probe's filler items (`cargo xtask io-floor`), spread
/// over `spread` partitions like a run's items are. Fixed-width, so every filler of one payload
/// weighs the same and the probe's bytes follow from its payload (`Store::filler_payload_for`).
pub fn filler_pk(i: u64, spread: u64) -> String {
    format!("FLOOR#{:06}", i % spread.max(1))
}
pub fn filler_sk(i: u64) -> String {
    format!("{i:012}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run id spelled `text`, unchecked (one malformed on purpose).
    fn run_id_text(text: &str) -> RunId {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).expect("a run id")
    }

    #[test]
    fn padded_numbers_sort_as_text() {
        assert!(history_sk(9) < history_sk(10));
        assert!(chunk_sk("COLLAB#", 0) < chunk_sk("COLLAB#", 1));
        assert!(chunk_sk("COLLAB#", 9) < chunk_sk("COLLAB#", 10));
        assert!(chunk_sk("RANK#", 99) < chunk_range_end("RANK#"));
        assert!(!chunk_range_end("CONTRIB#").starts_with("COLLAB#"));
    }

    #[test]
    fn run_partitions_are_told_apart() {
        let run = run_id_text("20261121T000000.000Z");
        let other = run_id_text("20261121T000000.000Z2");
        let p = ProducerId::parse("p1").expect("id");
        assert!(is_run_partition(&run_producer_pk(&run, &p), &run));
        assert!(is_run_partition(&run_pk(&run), &run));
        assert!(!is_run_partition(&run_pk(&other), &run));
        assert!(is_run_partition(&counters_pk(&run), &run));
        assert!(statement_sk("2026-11").as_str() > PROFILE_SK);
        let later = run_id_text("20261128T000000.000Z");
        assert!(counters_index_sk(&run) < counters_index_sk(&later));
    }
    #[test]
    fn the_checker_reads_the_run_and_producer_of_a_partition() {
        let run = run_id_text("20261121T000000.000Z");
        let p = ProducerId::parse("p1").expect("id");
        assert_eq!(
            run_of_partition(&board_pk(&run, Board::Contribution, Period::All)),
            Some(run.as_str())
        );
        assert_eq!(
            run_of_partition(&board_pk(&run, Board::Plays, Period::Days7)),
            Some(run.as_str())
        );
        assert_eq!(run_of_partition(&producer_pk(&p)), None);
        assert_eq!(
            producer_of_run_partition(&run_producer_pk(&run, &p)),
            Some("p1")
        );
        assert_eq!(
            producer_of_run_partition(&board_pk(&run, Board::Plays, Period::All)),
            None
        );
    }
}
