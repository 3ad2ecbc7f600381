//! The `fanout` world of a test: an EventBridge stand-in (optionally behind the fault proxy), the
//! function's dependencies pointed at it, and DynamoDB Local's stream fed to its handler the way
//! Lambda's two event source mappings feed the real one (`fanout::local_feed`).

use std::time::Duration;

use eventbridge_standin::{Output, StandIn};
use fanout::local_feed::{Drained, LocalFeed, drain};
use fanout::{Bus, Deps};
use serde_json::Value;
use store::Store;
use store::catalog::changes::StreamMapping;

use crate::support::dynamodb::endpoint;

/// The bus the tests' events go to.
pub const TEST_BUS: &str = "beatpass-platform-test";

/// A stand-in bus, fanout's dependencies and the table's stream (a reader per mapping).
pub struct FanoutWorld {
    pub bus: StandIn,
    pub deps: Deps,
    pub feed: LocalFeed,
}

impl FanoutWorld {
    /// Fanout over `store`'s table, its events going straight to a fresh stand-in.
    pub async fn start(store: &Store) -> Self {
        let bus = start_bus().await;
        let url = bus.base_url.clone();
        Self::through(store, bus, &url).await
    }

    /// Fanout over `store`'s table with its events sent to `bus_endpoint` (a proxy in front of
    /// `bus`).
    pub async fn through(store: &Store, bus: StandIn, bus_endpoint: &str) -> Self {
        let deps = Deps {
            store: store.clone(),
            bus: Bus::connect(TEST_BUS, Some(bus_endpoint.to_owned())).await,
        };
        let feed = LocalFeed::open(store, &endpoint())
            .await
            .expect("the table's stream");
        Self { bus, deps, feed }
    }

    /// Feeds every new stream record of every mapping to the handler until none is left (a
    /// failing record is retried up to 20 times, 50 ms apart); nothing may be parked.
    pub async fn drain(&mut self) -> Drained {
        let drained = self
            .feed
            .drain(&self.deps, 20, Duration::from_millis(50))
            .await
            .expect("the stream drains");
        assert_eq!(drained.parked, 0, "records parked: {drained:?}");
        drained
    }

    /// Feeds `mapping`'s new records to the handler, each failing record retried up to
    /// `max_attempts` times (10 ms apart) and then parked, as its retries running out does.
    pub async fn drain_mapping(&mut self, mapping: StreamMapping, max_attempts: u32) -> Drained {
        drain(
            self.feed.stream(mapping),
            &self.deps,
            max_attempts,
            Duration::from_millis(10),
        )
        .await
        .expect("the stream drains")
    }

    /// The details of every event the bus accepted, in order.
    pub fn details(&self) -> Vec<Value> {
        self.bus
            .events()
            .into_iter()
            .map(|e| e["detail"].clone())
            .collect()
    }
}

/// A stand-in bus that knows [`TEST_BUS`], on any free loopback port.
pub async fn start_bus() -> StandIn {
    StandIn::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        &[TEST_BUS],
        Output::default(),
    )
    .await
    .expect("the EventBridge stand-in starts")
}
