//! The two API functions as API Gateway calls them: a request built from event JSON
//! ([`super::events`]) goes through the real handler and comes back as a [`Reply`]. Also the
//! stack most HTTP tests start from (the hand-checked catalog and its published run), the
//! Backstage-style edit loop, and a capture of the request log.

use std::time::Duration;

use leaderboard::PointerCache;
use store::Store;

use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply};
use crate::support::fixtures::{as_of, at, hand_catalog, import, run_at};

/// Production's identity rule: the verified JWT only.
const JWT: http_edge::EdgeConfig = http_edge::EdgeConfig::JWT;
/// The credits function as deployed, with edit limits no test that is not about them reaches.
const CREDITS: credits::Config = credits::Config::unlimited(JWT);

/// `request` answered by the `credits` function under `config`, at a fixed instant.
pub async fn credits_with(store: &Store, config: &credits::Config, request: Http) -> Reply {
    credits::handle(store, config, request.build(), at("2026-11-21T12:00:00Z"))
        .await
        .into()
}

/// `request` answered by the `credits` function as deployed (JWT only).
pub async fn credits(store: &Store, request: Http) -> Reply {
    credits_with(store, &CREDITS, request).await
}

/// `request` answered by the `leaderboard` function as deployed, with a pointer cache that
/// always re-reads, so each test sees the pointer as it is.
pub async fn leaderboard(store: &Store, request: Http) -> Reply {
    let fresh = PointerCache::with_max_age(Duration::ZERO);
    leaderboard::handle(store, &JWT, &fresh, request.build(), chrono::Utc::now())
        .await
        .into()
}

/// `http` answered by the function API Gateway routes its path to.
pub async fn call(store: &Store, http: Http) -> Reply {
    if credits::serves(http.path()) {
        credits(store, http).await
    } else {
        leaderboard(store, http).await
    }
}

/// A table holding the hand-checked catalog and its published run.
pub async fn published(test: &str) -> TestTable {
    fill(TestTable::create(test).await).await
}

/// [`published`] on a table with its change stream, for tests that feed it to `fanout`.
pub async fn published_streaming(test: &str) -> TestTable {
    fill(TestTable::create_streaming(test).await).await
}

async fn fill(table: TestTable) -> TestTable {
    let store = table.store();
    import(&store, &hand_catalog(0)).await;
    run_at(&store, as_of()).await;
    table
}

/// The producer ids a credits answer lists, in order.
pub fn credited(reply: &Reply) -> Vec<String> {
    reply.body["credits"]
        .as_array()
        .expect("a credits list")
        .iter()
        .map(|c| c["producerId"].as_str().expect("an id").to_owned())
        .collect()
}

/// Reads the credits, then sends `edit` with If-Match of that version, as Backstage does, until
/// it gets a 200; a 412 (someone else edited in between) starts over. Returns the 412s seen.
///
/// Only this editor touches `producer`, so every read before the 200 must show the edit not yet
/// applied (`applied` false): a 412 or an error for an edit that went in anyway would be a lie
/// to the caller, which is what a connection dropped after DynamoDB applied a transaction causes
/// when the re-sent request is not recognised as the same one.
pub async fn edit_until_applied(
    store: &Store,
    edit: impl Fn() -> Http,
    applied: impl Fn(&[String]) -> bool,
) -> u32 {
    let mut conflicts = 0;
    loop {
        let read = credits(store, Http::get("/tracks/t1/credits").caller("p1")).await;
        assert_eq!(read.status, 200, "read: {}", read.body);
        assert!(
            !applied(&credited(&read)),
            "an edit answered 412 was applied: {}",
            read.body
        );
        let version = read.body["version"].as_u64().expect("a version");
        let reply = credits(
            store,
            edit()
                .caller("p1")
                .header("if-match", &format!("\"{version}\"")),
        )
        .await;
        match reply.status {
            200 => return conflicts,
            412 => conflicts += 1,
            other => panic!("an edit answered {other}: {}", reply.body),
        }
    }
}

/// A `MakeWriter` into a shared buffer, to read the log lines a request wrote.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// A JSON subscriber, as the functions log, writing here.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(self.clone())
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("log buffer").clone()).expect("utf-8")
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
