//! Tests of the rules against figures worked out by hand, and of their invariants over arbitrary
//! inputs.

mod properties;
mod table;

use chrono::{DateTime, TimeDelta, Utc};

use crate::{Credits, ProducerId};

/// A fixed as-of instant, so every test is reproducible.
pub(crate) fn as_of() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

/// The instant `months` average Gregorian months before [`as_of`].
pub(crate) fn months_ago(months: f64) -> DateTime<Utc> {
    let millis = (months * crate::SECONDS_PER_MONTH * 1000.0).round() as i64;
    as_of() - TimeDelta::milliseconds(millis)
}

pub(crate) fn credits(n: usize) -> Credits {
    Credits::new(
        (0..n)
            .map(|i| ProducerId::parse(format!("p{i}")).expect("valid id"))
            .collect(),
    )
    .expect("valid credits")
}
