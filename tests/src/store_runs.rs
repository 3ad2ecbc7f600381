//! Run results: written under a run id, published by a forward-only pointer, read in rank order,
//! and marked to expire.

use serde::{Deserialize, Serialize};
use store::batch::BatchStats;
use store::keys;
use store::runs::{DEFAULT_RETENTION, Publication, RunPointer, expires_at, run_id};

use crate::fixtures::at;
use crate::harness::TestTable;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BoardEntry {
    pk: String,
    sk: String,
    expires_at: i64,
    rank: u64,
    producer_id: String,
}

fn board(run: &str, as_of: chrono::DateTime<chrono::Utc>, n: u64) -> Vec<BoardEntry> {
    (1..=n)
        .map(|rank| BoardEntry {
            pk: keys::run_board_pk(run, "contribution"),
            sk: keys::rank_sk(rank),
            expires_at: expires_at(as_of, DEFAULT_RETENTION),
            rank,
            producer_id: format!("p{rank}"),
        })
        .collect()
}

#[tokio::test]
async fn the_pointer_only_moves_forward_and_boards_read_in_rank_order() {
    let table = TestTable::create("runs").await;
    let store = table.store();
    assert_eq!(store.latest_run().await.expect("read pointer"), None);

    let day1 = at("2026-11-20T00:00:00Z");
    let day2 = at("2026-11-21T00:00:00Z");
    let (run1, run2) = (run_id(day1), run_id(day2));
    assert_eq!(run1, "20261120T000000.000Z");
    let stats = BatchStats::default();
    store
        .put_run_items(&board(&run2, day2, 120), &stats)
        .await
        .expect("write run 2");

    let newer = RunPointer {
        run_id: run2.clone(),
        as_of: day2,
    };
    assert_eq!(
        store.publish_run(&newer, day2).await.expect("publish"),
        Publication::Published
    );
    // A replayed older event cannot move the pointer back.
    let older = RunPointer {
        run_id: run1,
        as_of: day1,
    };
    assert_eq!(
        store.publish_run(&older, day2).await.expect("publish"),
        Publication::AlreadyNewer(newer.clone())
    );
    // Publishing the same run again (as a re-sent request whose first answer was lost does)
    // reports it published, and changes nothing.
    assert_eq!(
        store.publish_run(&newer, day2).await.expect("publish"),
        Publication::Published
    );
    assert_eq!(store.latest_run().await.expect("read pointer"), Some(newer));

    // The board, in rank order, to the end, 50 at a time.
    let mut ranks = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .run_items_page::<BoardEntry>(
                keys::run_board_pk(&run2, "contribution"),
                "RANK#",
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

    let one: Option<BoardEntry> = store
        .run_item(keys::run_board_pk(&run2, "contribution"), &keys::rank_sk(7))
        .await
        .expect("get");
    let one = one.expect("rank 7 exists");
    assert_eq!(one.producer_id, "p7");
    // Items expire seven days after the run's as-of instant.
    assert_eq!(one.expires_at, at("2026-11-28T00:00:00Z").timestamp());

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
