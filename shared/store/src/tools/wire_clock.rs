//! Time on the wire: how long a handler's DynamoDB requests were in flight, so the load test
//! (`cargo xtask load`) can report the handler's own overhead (its wall time minus this). It
//! lives here because it hooks into the SDK client, which only this crate touches.
//!
//! An SDK interceptor marks when each request is handed to the HTTP client and when its
//! response arrives; the time is added to a task-local clock that [`measure`] sets up around
//! one handler call. Overlapping requests (a handler's concurrent reads) count once: the clock
//! runs while at least one is in flight. What remains is the handler's own work plus the SDK's
//! serialising, signing and parsing, which is what a Lambda pays for beside DynamoDB itself.
//!
//! The clock also lists the operations sent (`GetItem`, `Query`, …), which is how a test shows
//! every read route costs at most two round trips and never scans.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

#[derive(Default)]
struct Clock {
    in_flight: u32,
    since: Option<Instant>,
    total: Duration,
    operations: Vec<String>,
}

/// What a call's DynamoDB requests cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wire {
    /// Time with at least one request in flight.
    pub time: Duration,
    /// Each request sent (retries included), by operation name, in order.
    pub operations: Vec<String>,
}

tokio::task_local! {
    static CLOCK: RefCell<Clock>;
}

/// Runs `call`, returning its output and what its DynamoDB requests cost (through a store
/// made by [`crate::Store::with_wire_clock`]).
pub async fn measure<T>(call: impl Future<Output = T>) -> (T, Wire) {
    CLOCK
        .scope(RefCell::new(Clock::default()), async {
            let output = call.await;
            let wire = CLOCK.with(|c| {
                let clock = c.borrow();
                Wire {
                    time: clock.total,
                    operations: clock.operations.clone(),
                }
            });
            (output, wire)
        })
        .await
}

impl crate::Store {
    /// This store with the wire clock attached to its client: requests made inside [`measure`]
    /// add their time in flight to its clock.
    pub fn with_wire_clock(&self) -> Self {
        let config = self
            .table
            .client()
            .config()
            .to_builder()
            .interceptor(WireClock)
            .build();
        Self::new(Client::from_conf(config), self.table.name())
    }
}

#[derive(Debug)]
struct WireClock;

impl Intercept for WireClock {
    fn name(&self) -> &'static str {
        "WireClock"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // DynamoDB's JSON protocol names the operation in `X-Amz-Target: DynamoDB_20120810.<Op>`.
        let operation = context
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_owned();
        let _ = CLOCK.try_with(|c| {
            let mut clock = c.borrow_mut();
            clock.operations.push(operation);
            if clock.in_flight == 0 {
                clock.since = Some(Instant::now());
            }
            clock.in_flight += 1;
        });
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CLOCK.try_with(|c| {
            let mut clock = c.borrow_mut();
            clock.in_flight = clock.in_flight.saturating_sub(1);
            if clock.in_flight == 0
                && let Some(since) = clock.since.take()
            {
                clock.total += since.elapsed();
            }
        });
        Ok(())
    }
}
