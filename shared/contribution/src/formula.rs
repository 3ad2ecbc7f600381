//! The contribution-value formula and its per-factor breakdown.
//!
//! `value = decay × boost × split` (contribution-value.txt), where
//!
//! - `decay = exp(-ln 2 / 6 × months)`: a 6-month half-life. `months` is the exact elapsed time
//!   from upload to the as-of instant divided by the average Gregorian month ([`SECONDS_PER_MONTH`]),
//!   never rounded to whole months. An upload after the as-of instant (clock skew) counts as 0
//!   months: skew never earns a bonus above 1.
//! - `boost = 1 + 2 × L / (L + 1)` with `L = log10(1 + plays)`: 1× at no plays, approaching 3×.
//! - `split = 1 / producerCount`: the equal collaboration split.
//! - exclusive-only tracks are worth 0 for subscription sharing.
//!
//! Each factor is computed in a form that is algebraically the same as the product doc but keeps
//! floating point well behaved: `decay = 2^(-months/6)` (exact halves at 6, 12, 24 months) and
//! `boost = 3 - 2 / (L + 1)` (monotone in plays, since every step is). `L` is computed with `ln_1p`
//! from the `u64` count, so even `u64::MAX` plays cannot overflow. No input yields NaN, infinity or
//! a value outside `[0, 3]`.

use std::num::NonZeroUsize;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::credits::Credits;

/// The average Gregorian month: 365.2425 / 12 days = 30.436875 days = 2,629,746 seconds.
pub const SECONDS_PER_MONTH: f64 = 2_629_746.0;

/// The half-life of the time decay, in months.
pub const HALF_LIFE_MONTHS: f64 = 6.0;

/// Months (fractional) from `uploaded_at` to `as_of`; 0 when the upload is after `as_of`.
pub fn months_between(uploaded_at: DateTime<Utc>, as_of: DateTime<Utc>) -> f64 {
    AsOf::new(as_of).months_since(uploaded_at)
}

/// The as-of instant with its Unix seconds and nanoseconds worked out once, so that a ledger
/// converts only each upload time, not the same as-of instant again for every track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsOf {
    instant: DateTime<Utc>,
    seconds: i64,
    nanos: u32,
}

impl AsOf {
    pub(crate) fn new(instant: DateTime<Utc>) -> Self {
        Self {
            instant,
            seconds: instant.timestamp(),
            nanos: instant.timestamp_subsec_nanos(),
        }
    }

    pub(crate) fn instant(self) -> DateTime<Utc> {
        self.instant
    }

    /// [`months_between`]: the elapsed whole seconds and nanoseconds, as chrono's
    /// `signed_duration_since` would give them, from the two Unix timestamps.
    fn months_since(self, uploaded_at: DateTime<Utc>) -> f64 {
        if uploaded_at >= self.instant {
            return 0.0;
        }
        let upload_nanos = uploaded_at.timestamp_subsec_nanos();
        let (whole, nanos) = if self.nanos >= NANOS_PER_SECOND || upload_nanos >= NANOS_PER_SECOND {
            // A leap second (chrono keeps it as nanoseconds past 10^9): chrono's own arithmetic.
            let elapsed = self.instant.signed_duration_since(uploaded_at);
            (elapsed.num_seconds(), elapsed.subsec_nanos().unsigned_abs())
        } else if self.nanos >= upload_nanos {
            (
                self.seconds - uploaded_at.timestamp(),
                self.nanos - upload_nanos,
            )
        } else {
            (
                self.seconds - uploaded_at.timestamp() - 1,
                self.nanos + NANOS_PER_SECOND - upload_nanos,
            )
        };
        (whole as f64 + f64::from(nanos) * 1e-9) / SECONDS_PER_MONTH
    }
}

const NANOS_PER_SECOND: u32 = 1_000_000_000;

/// The recency factor in `(0, 1]` (0 only after thousands of years): halves every 6 months.
/// Negative or NaN months are treated as 0 so the factor never exceeds 1.
pub fn decay(months: f64) -> f64 {
    let months = if months > 0.0 { months } else { 0.0 };
    (-months / HALF_LIFE_MONTHS).exp2()
}

/// The popularity factor in `[1, 3)`: 1 at no plays, 2 at 9 plays, approaching 3.
pub fn boost(plays: u64) -> f64 {
    match SMALL_COUNT_BOOSTS.get(plays as usize) {
        Some(&boost) => boost,
        None => boost_of(plays),
    }
}

fn boost_of(plays: u64) -> f64 {
    // log10(1 + plays), exact for small counts and overflow-free for u64::MAX.
    let l = (plays as f64).ln_1p() / std::f64::consts::LN_10;
    3.0 - 2.0 / (l + 1.0)
}

/// Play counts below this have their boost looked up instead of computed.
const SMALL_COUNTS: usize = 1024;

/// The boost of every play count below [`SMALL_COUNTS`], computed once by the same expression
/// (so a looked-up boost is the computed one to the bit). Play counts have a heavy tail: about
/// half the tracks of a catalog like the synthetic one have fewer plays than that, and the
/// logarithm was a fifth of the aggregation's time.
static SMALL_COUNT_BOOSTS: std::sync::LazyLock<[f64; SMALL_COUNTS]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|plays| boost_of(plays as u64)));

/// The equal collaboration split: each of `producer_count` producers gets `1 / producer_count`.
pub fn split(producer_count: NonZeroUsize) -> f64 {
    1.0 / producer_count.get() as f64
}

/// What the formula needs to know about a track.
#[derive(Debug, Clone, Copy)]
pub struct TrackFacts<'a> {
    pub uploaded_at: DateTime<Utc>,
    pub plays: u64,
    pub exclusive_only: bool,
    pub credits: &'a Credits,
}

/// Every factor of a track's contribution value, so the API can explain each number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    pub months_since_upload: f64,
    pub decay: f64,
    pub boost: f64,
    pub split: f64,
    /// False for exclusive-only tracks, which earn nothing from subscriptions.
    pub eligible: bool,
    /// `decay × boost` (0 when not eligible): what the track is worth before the split.
    pub track_value: f64,
    /// `track_value × split`: what the track is worth to each credited producer.
    pub value: f64,
}

/// The contribution breakdown of one track as of `as_of`.
pub fn breakdown(track: &TrackFacts<'_>, as_of: DateTime<Utc>) -> Breakdown {
    breakdown_at(track, AsOf::new(as_of))
}

/// [`breakdown`] with the as-of instant's conversion done by the caller, once.
pub(crate) fn breakdown_at(track: &TrackFacts<'_>, as_of: AsOf) -> Breakdown {
    breakdown_of_counted(
        track.uploaded_at,
        track.plays,
        track.exclusive_only,
        track.credits.count(),
        as_of,
    )
}

/// [`breakdown`] from the facts with the credits counted: for a caller that kept a track's
/// credit count rather than its credits (the recompute's per-track arena). The same arithmetic,
/// so the same bits.
pub fn breakdown_of(
    uploaded_at: DateTime<Utc>,
    plays: u64,
    exclusive_only: bool,
    producer_count: NonZeroUsize,
    as_of: DateTime<Utc>,
) -> Breakdown {
    breakdown_of_counted(
        uploaded_at,
        plays,
        exclusive_only,
        producer_count,
        AsOf::new(as_of),
    )
}

fn breakdown_of_counted(
    uploaded_at: DateTime<Utc>,
    plays: u64,
    exclusive_only: bool,
    producer_count: NonZeroUsize,
    as_of: AsOf,
) -> Breakdown {
    let months_since_upload = as_of.months_since(uploaded_at);
    let decay = decay(months_since_upload);
    let boost = boost(plays);
    let split = split(producer_count);
    let eligible = !exclusive_only;
    let track_value = if eligible { decay * boost } else { 0.0 };
    Breakdown {
        months_since_upload,
        decay,
        boost,
        split,
        eligible,
        track_value,
        value: track_value * split,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;

    /// The expression `months_between` had before it worked from Unix timestamps.
    fn months_by_chrono(uploaded_at: DateTime<Utc>, as_of: DateTime<Utc>) -> f64 {
        if uploaded_at >= as_of {
            return 0.0;
        }
        let elapsed = as_of.signed_duration_since(uploaded_at);
        (elapsed.num_seconds() as f64 + f64::from(elapsed.subsec_nanos()) * 1e-9)
            / SECONDS_PER_MONTH
    }

    #[test]
    fn a_looked_up_boost_is_the_computed_one_to_the_bit() {
        for plays in 0..2 * SMALL_COUNTS as u64 {
            assert_eq!(boost(plays).to_bits(), boost_of(plays).to_bits(), "{plays}");
        }
    }

    #[test]
    fn months_across_a_leap_second_are_chrono_s() {
        let leap = DateTime::parse_from_rfc3339("2016-12-31T23:59:60.5Z")
            .expect("a leap second")
            .with_timezone(&Utc);
        for (uploaded_at, as_of) in [
            (leap - TimeDelta::days(40), leap),
            (leap, leap + TimeDelta::days(3)),
        ] {
            assert_eq!(
                months_between(uploaded_at, as_of).to_bits(),
                months_by_chrono(uploaded_at, as_of).to_bits()
            );
        }
    }

    proptest! {
        #[test]
        fn months_from_timestamps_are_chrono_s_to_the_bit(
            upload in -10_000_000_000i64..10_000_000_000i64,
            upload_nanos in 0u32..1_000_000_000,
            as_of in -10_000_000_000i64..10_000_000_000i64,
            as_of_nanos in 0u32..1_000_000_000,
        ) {
            let instant = |s, n| DateTime::from_timestamp(s, n).expect("in range");
            let (uploaded_at, as_of) = (instant(upload, upload_nanos), instant(as_of, as_of_nanos));
            prop_assert_eq!(
                months_between(uploaded_at, as_of).to_bits(),
                months_by_chrono(uploaded_at, as_of).to_bits()
            );
        }
    }
}
