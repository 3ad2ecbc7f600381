//! Run results: written under a run id, published by a forward-only pointer, read in rank order,
//! and marked to expire.

use results::lists::{Board, Period};
use results::run::{Baselines, BoardEntry, BoardFigures, RunPointer};
use store::BatchStats;
use store::runs::published::{DEFAULT_RETENTION, Publication, RunScope, expires_at, run_id};
use store::runs::sink::{RunSink, TableSink};

use crate::support::dynamodb::TestTable;
use crate::support::fixtures::{at, pid};

fn board(n: u64) -> Vec<BoardEntry> {
    (1..=n)
        .map(|rank| BoardEntry {
            board: Board::Contribution,
            period: Period::All,
            rank,
            producer_id: pid(&format!("p{rank}")),
            name: format!("Producer {rank}"),
            figures: BoardFigures {
                xp: Some(1),
                ..BoardFigures::default()
            },
        })
        .collect()
}

#[tokio::test]
async fn the_pointer_only_moves_forward_and_boards_read_in_rank_order() {
    let table = TestTable::create("runs").await;
    let store = table.store();
    assert_eq!(store.runs().latest_run().await.expect("read pointer"), None);

    let day1 = at("2026-11-20T00:00:00Z");
    let day2 = at("2026-11-21T00:00:00Z");
    let (run1, run2) = (run_id(day1), run_id(day2));
    assert_eq!(run1, "20261120T000000.000Z");
    let stats = BatchStats::default();
    let scope = RunScope {
        run_id: run2.clone(),
        expires_at: expires_at(day2, DEFAULT_RETENTION),
    };
    let mut sink = RunSink::new(scope, TableSink::new(&store, &stats));
    sink.board(Board::Contribution, Period::All, &board(120))
        .await
        .expect("write run 2");
    sink.into_sink().flush().await.expect("write run 2");

    let newer = RunPointer {
        run_id: run2.clone(),
        as_of: day2,
        baselines: Baselines {
            days7: Some(day1),
            days30: None,
        },
    };
    assert_eq!(
        store
            .runs()
            .publish_run(&newer, day2)
            .await
            .expect("publish"),
        Publication::Published
    );
    // A replayed older event cannot move the pointer back.
    let older = RunPointer {
        run_id: run1,
        as_of: day1,
        baselines: Baselines::default(),
    };
    assert_eq!(
        store
            .runs()
            .publish_run(&older, day2)
            .await
            .expect("publish"),
        Publication::AlreadyNewer(newer.clone())
    );
    // Publishing the same run again (as a re-sent request whose first answer was lost does)
    // reports it published, and changes nothing.
    assert_eq!(
        store
            .runs()
            .publish_run(&newer, day2)
            .await
            .expect("publish"),
        Publication::Published
    );
    assert_eq!(
        store.runs().latest_run().await.expect("read pointer"),
        Some(newer)
    );

    // The board, in rank order, to the end, 50 at a time.
    let mut ranks = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .runs()
            .board_page(
                &run2,
                Board::Contribution,
                Period::All,
                50,
                cursor.as_deref(),
            )
            .await
            .expect("page");
        ranks.extend(page.items.iter().map(|e| e.rank));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(ranks, (1..=120).collect::<Vec<_>>());

    // Any page starts where its cursor says: ranks 33 to 52 straddle two chunks.
    let first = store
        .runs()
        .board_page(&run2, Board::Contribution, Period::All, 32, None)
        .await
        .expect("page");
    let next = store
        .runs()
        .board_page(
            &run2,
            Board::Contribution,
            Period::All,
            20,
            first.next_cursor.as_deref(),
        )
        .await
        .expect("page");
    assert_eq!(
        next.items.iter().map(|e| e.rank).collect::<Vec<_>>(),
        (33..=52).collect::<Vec<_>>()
    );
    assert_eq!(next.items[0].producer_id, pid("p33"));
    // Items expire seven days after the run's as-of instant: every item carries the TTL. 120
    // entries are four chunks of at most 32 rows.
    let mut stored = crate::support::chaos::table_items(&table).await;
    stored.retain(|(pk, _), _| store::run_owns_partition(&run2, pk));
    assert_eq!(stored.len(), 4);
    for item in stored.values() {
        assert_eq!(
            item.get("expiresAt")
                .and_then(|v| v.as_n().ok())
                .map(String::as_str),
            Some(at("2026-11-28T00:00:00Z").timestamp().to_string().as_str())
        );
    }

    let ttl = table
        .client
        .describe_time_to_live()
        .table_name(&table.name)
        .send()
        .await
        .expect("describe TTL");
    let ttl = ttl.time_to_live_description().expect("TTL is described");
    assert_eq!(ttl.attribute_name(), Some("expiresAt"));
}

/// A run guard with no deadline.
struct Unlimited(BatchStats);

impl store::runs::writer::RunGuard for Unlimited {
    type Stop = store::StoreError;

    fn check(&self) -> Result<(), store::StoreError> {
        Ok(())
    }

    fn stats(&self) -> &BatchStats {
        &self.0
    }

    fn written(&self, _items: u64) {}
}

/// A sharded run's partial comes back as written, across pieces; an attempt killed while
/// overwriting it leaves pieces the head does not name, and the reduce is refused the mixture
/// rather than merging it.
#[tokio::test]
async fn a_partial_overwritten_by_a_killed_attempt_is_refused_not_mixed() {
    use store::runs::partials::{PIECE_BYTES, partial_scope};
    let table = TestTable::create("partials").await;
    let store = table.store();
    let as_of = at("2026-11-21T00:00:00Z");
    let run = run_id(as_of);
    let scope = partial_scope(run.clone(), as_of);
    // Three pieces: two full and a short one.
    let first: Vec<u8> = (0..PIECE_BYTES * 2 + 10).map(|i| (i % 251) as u8).collect();
    let pieces = store
        .runs()
        .write_partial(scope.clone(), &Unlimited(BatchStats::default()), 1, &first)
        .await
        .expect("write");
    assert_eq!(pieces, 3);
    let read = store.runs().read_partial(&run, 1).await.expect("read");
    assert!(
        read.as_deref() == Some(first.as_slice()),
        "the partial came back changed"
    );
    assert_eq!(
        store.runs().read_partial(&run, 2).await.expect("read"),
        None
    );

    // A second attempt with other bytes is killed after writing its first piece: the head
    // is still the first attempt's.
    let second: Vec<u8> = first.iter().map(|b| b ^ 0xff).collect();
    let stray = table::items::runs::PartialPiece {
        run_id: run.clone(),
        shard: 1,
        piece: 0,
        digest: store::runs::partials::digest(&second),
        bytes: second[..PIECE_BYTES].to_vec(),
    };
    let put = table::access::batch_put(&stray, &run, Some(scope.expires_at)).expect("a put");
    let left = store.send_raw_write_batch(vec![put]).await.expect("write");
    assert!(left.is_empty());
    let mixed = store.runs().read_partial(&run, 1).await;
    match mixed {
        Err(store::StoreError::BadPartial {
            shard: 1, problem, ..
        }) => {
            assert!(problem.contains("another attempt's"), "{problem}");
        }
        Err(other) => panic!("a mixed partial read as another error: {other}"),
        Ok(read) => panic!(
            "a mixed partial was read ({} bytes)",
            read.map_or(0, |b| b.len())
        ),
    }
}
