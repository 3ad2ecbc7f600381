//! The one loop that re-sends what DynamoDB left undone, with backoff and jitter.
//!
//! The SDK already retries whole requests that fail (throttling, 5xx, timeouts, dropped
//! connections; see `config`). What it cannot retry is a request that *succeeded* with part of its
//! work left over: a batch write's `UnprocessedItems`, a batch read's `UnprocessedKeys`, or a
//! transaction cancelled only because another transaction held one of its items. Those are
//! re-sent here: after an exponential backoff with full jitter (so many writers do not retry in
//! lockstep), until nothing is left or the policy's attempts are spent.

use std::future::Future;
use std::time::Duration;

use crate::error::StoreError;

/// How often, and after what pause, leftovers are re-sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts, the first included, before giving up.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// About a minute of retries in all before giving up: throttling is waited out, not dropped.
    pub const DEFAULT: Self = Self {
        max_attempts: 15,
        base_delay: Duration::from_millis(25),
        max_delay: Duration::from_secs(5),
    };

    /// A random delay in `[0, min(max_delay, base_delay × 2^attempt)]` ("full jitter").
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What one attempt did.
pub enum Attempt<P, T> {
    /// Everything is done.
    Done(T),
    /// `P` is left to do.
    Again(P),
}

/// Calls `attempt` with the work left (first `work`, then what each attempt handed back), pausing
/// [`RetryPolicy::delay`] before every re-send, until an attempt is done or fails. When the
/// policy's attempts are spent, returns `Err` with what is still left, for the caller to report.
pub async fn resend_leftovers<P, T, F, Fut>(
    policy: &RetryPolicy,
    work: P,
    mut attempt: F,
) -> Result<Result<T, P>, StoreError>
where
    F: FnMut(P, u32) -> Fut,
    Fut: Future<Output = Result<Attempt<P, T>, StoreError>>,
{
    let mut left = work;
    for number in 0..policy.max_attempts.max(1) {
        if number > 0 {
            tokio::time::sleep(policy.delay(number)).await;
        }
        match attempt(left, number).await? {
            Attempt::Done(done) => return Ok(Ok(done)),
            Attempt::Again(rest) => left = rest,
        }
    }
    Ok(Err(left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let policy = RetryPolicy::DEFAULT;
        for attempt in 0..40 {
            let d = policy.delay(attempt);
            assert!(d <= policy.max_delay);
            assert!(d <= policy.base_delay.saturating_mul(1 << attempt.min(16)));
        }
    }
}
