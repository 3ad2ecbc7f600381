//! Time on the wire: how long a handler's DynamoDB requests were in flight, so the load test
//! can report the handler's own overhead (its wall time minus this).
//!
//! An SDK interceptor marks when each request is handed to the HTTP client and when its
//! response arrives; the time is added to a task-local clock that [`measure`] sets up around
//! one handler call. Overlapping requests (a handler's concurrent reads) count once: the clock
//! runs while at least one is in flight. What remains is the handler's own work plus the SDK's
//! serialising, signing and parsing, which is what a Lambda pays for beside DynamoDB itself.

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
}

tokio::task_local! {
    static CLOCK: RefCell<Clock>;
}

/// Runs `call`, returning its output and the time its DynamoDB requests were in flight.
pub async fn measure<T>(call: impl Future<Output = T>) -> (T, Duration) {
    CLOCK
        .scope(RefCell::new(Clock::default()), async {
            let output = call.await;
            let total = CLOCK.with(|c| c.borrow().total);
            (output, total)
        })
        .await
}

/// `client` with the wire clock attached.
pub fn instrument(client: Client) -> Client {
    let config = client.config().to_builder().interceptor(WireClock).build();
    Client::from_conf(config)
}

#[derive(Debug)]
struct WireClock;

impl Intercept for WireClock {
    fn name(&self) -> &'static str {
        "WireClock"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CLOCK.try_with(|c| {
            let mut clock = c.borrow_mut();
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
