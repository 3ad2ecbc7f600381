//! The latest-run pointer, cached across warm invocations for at most [`MAX_AGE`].
//!
//! Every run-based read needs the pointer; caching it makes most requests a single DynamoDB round
//! trip. A new run becomes visible within a minute of publishing, which the daily schedule makes
//! invisible to users.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use results::run::RunPointer;
use store::{Store, StoreError};

/// How long a read pointer is trusted.
pub const MAX_AGE: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct PointerCache {
    max_age: Duration,
    cached: Mutex<Option<(Instant, Option<RunPointer>)>>,
}

impl Default for PointerCache {
    fn default() -> Self {
        Self::with_max_age(MAX_AGE)
    }
}

impl PointerCache {
    pub fn with_max_age(max_age: Duration) -> Self {
        Self {
            max_age: max_age.min(MAX_AGE),
            cached: Mutex::new(None),
        }
    }

    /// The latest published run (`None` before the first), from the cache when fresh enough.
    pub async fn get(&self, store: &Store) -> Result<Option<RunPointer>, StoreError> {
        if let Ok(cached) = self.cached.lock()
            && let Some((read_at, pointer)) = cached.as_ref()
            && read_at.elapsed() < self.max_age
        {
            return Ok(pointer.clone());
        }
        let pointer = store.runs().latest_run().await?;
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some((Instant::now(), pointer.clone()));
        }
        Ok(pointer)
    }
}
