//! The formula against a table of cases worked out by hand.
//!
//! Each expected figure is derived in the comment beside it from the product formula, not from
//! this crate's code: `decay = 2^(-months/6)`, `boost = 1 + 2L/(L+1)` with `L = log10(1 + plays)`,
//! `split = 1/n`.

use chrono::TimeDelta;

use super::{as_of, credits, months_ago};
use crate::{
    ContributionLedger, ExactSum, TrackFacts, boost, breakdown, decay, months_between, split,
};

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0)
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr) => {{
        let (a, e) = ($actual, $expected);
        assert!(close(a, e), "{} = {a}, expected {e}", stringify!($actual));
    }};
}

#[test]
fn boost_table() {
    // 0 plays: L = 0, boost = 1.
    assert_eq!(boost(0), 1.0);
    // 9 plays: L = log10(10) = 1, boost = 1 + 2·1/2 = 2.
    assert_close!(boost(9), 2.0);
    // 99 plays: L = 2, boost = 1 + 4/3.
    assert_close!(boost(99), 7.0 / 3.0);
    // 999,999 plays: L = 6, boost = 1 + 12/7 = 19/7.
    assert_close!(boost(999_999), 19.0 / 7.0);
    // u64::MAX plays: 1 + plays = 2^64, L = 64·log10(2), boost = 1 + 2L/(L+1); below 3, finite.
    let l = 64.0 * 2f64.log10();
    assert_close!(boost(u64::MAX), 1.0 + 2.0 * l / (l + 1.0));
    assert!(boost(u64::MAX) < 3.0);
}

#[test]
fn decay_table() {
    // Half-life 6 months: 1, 1/2, 1/4, 1/16 at 0, 6, 12, 24 months; 3 months is 2^-1/2.
    assert_eq!(decay(0.0), 1.0);
    assert_eq!(decay(6.0), 0.5);
    assert_eq!(decay(12.0), 0.25);
    assert_eq!(decay(24.0), 0.0625);
    assert_close!(decay(3.0), std::f64::consts::FRAC_1_SQRT_2);
    // The product's own form, exp(-ln2/6 · m), agrees.
    assert_close!(decay(1.0), (-std::f64::consts::LN_2 / 6.0).exp());
}

#[test]
fn months_are_exact_gregorian_months_and_never_negative() {
    // 6 months = 6 × 30.436875 days = 182.62125 days = 15,778,476 s.
    let six = as_of() - TimeDelta::seconds(15_778_476);
    assert_eq!(months_between(six, as_of()), 6.0);
    // Half a day is 43,200 / 2,629,746 of a month: fractional, not rounded.
    let half_day = as_of() - TimeDelta::seconds(43_200);
    assert_close!(months_between(half_day, as_of()), 43_200.0 / 2_629_746.0);
    // An upload a day after the as-of instant (clock skew) counts as 0 months: decay stays 1.
    let future = as_of() + TimeDelta::days(1);
    assert_eq!(months_between(future, as_of()), 0.0);
    assert_eq!(decay(months_between(future, as_of())), 1.0);
}

#[test]
fn split_table() {
    let expected = [1.0, 0.5, 1.0 / 3.0, 0.25, 0.2];
    for (n, want) in (1..=5).zip(expected) {
        assert_eq!(split(credits(n).count()), want, "{n} producers");
    }
}

#[test]
fn worked_example_from_the_product_page() {
    // 3 months old, 9 plays ("moderately played"), 2 producers:
    // decay 2^-1/2 ≈ 0.70711, boost 2, split 1/2 → each producer gets 2^-1/2 ≈ 0.70711,
    // the track as a whole is worth 2·2^-1/2 = √2.
    let c = credits(2);
    let b = breakdown(
        &TrackFacts {
            uploaded_at: months_ago(3.0),
            plays: 9,
            exclusive_only: false,
            credits: &c,
        },
        as_of(),
    );
    assert_close!(b.months_since_upload, 3.0);
    assert_close!(b.decay, std::f64::consts::FRAC_1_SQRT_2);
    assert_close!(b.boost, 2.0);
    assert_eq!(b.split, 0.5);
    assert!(b.eligible);
    assert_close!(b.track_value, std::f64::consts::SQRT_2);
    assert_close!(b.value, std::f64::consts::FRAC_1_SQRT_2);
}

#[test]
fn full_table() {
    // (months, plays, producers, exclusive, expected per-producer value)
    let cases: &[(f64, u64, usize, bool, f64)] = &[
        (0.0, 0, 1, false, 1.0),                // new, unplayed, solo: 1 × 1 × 1
        (0.0, 9, 1, false, 2.0),                // 1 × 2 × 1
        (6.0, 9, 1, false, 1.0),                // 1/2 × 2 × 1
        (12.0, 999_999, 1, false, 19.0 / 28.0), // 1/4 × 19/7
        (24.0, 99, 2, false, 7.0 / 96.0),       // 1/16 × 7/3 × 1/2
        (6.0, 0, 3, false, 1.0 / 6.0),          // 1/2 × 1 × 1/3
        (0.0, 9, 4, false, 0.5),                // 1 × 2 × 1/4
        (12.0, 9, 5, false, 0.1),               // 1/4 × 2 × 1/5
        (0.0, 999_999, 2, true, 0.0),           // exclusive-only: 0 whatever else
        (24.0, u64::MAX, 1, true, 0.0),
    ];
    for &(months, plays, n, exclusive_only, want) in cases {
        let c = credits(n);
        let b = breakdown(
            &TrackFacts {
                uploaded_at: months_ago(months),
                plays,
                exclusive_only,
                credits: &c,
            },
            as_of(),
        );
        assert!(
            close(b.value, want),
            "{months} months, {plays} plays, {n} producers, exclusive {exclusive_only}: got {}, want {want}",
            b.value
        );
        assert_eq!(b.eligible, !exclusive_only);
    }
    // A future upload is valued as brand new, never more.
    let c = credits(1);
    let future = breakdown(
        &TrackFacts {
            uploaded_at: as_of() + TimeDelta::days(400),
            plays: 9,
            exclusive_only: false,
            credits: &c,
        },
        as_of(),
    );
    assert_eq!(future.months_since_upload, 0.0);
    assert_close!(future.value, 2.0);
}

#[test]
fn ledger_sums_shares_and_handles_an_empty_platform() {
    let mut ledger = ContributionLedger::new(as_of());
    let (solo, duo) = (credits(1), credits(2)); // p0 alone; p0 with p1
    // p0 solo, new, 9 plays: 2. p0+p1, new, 0 plays: 1/2 each. An exclusive track adds nothing.
    for (credits, plays, exclusive_only) in [(&solo, 9, false), (&duo, 0, false), (&duo, 9, true)] {
        ledger.record(&TrackFacts {
            uploaded_at: as_of(),
            plays,
            exclusive_only,
            credits,
        });
    }
    assert_eq!(ledger.contribution("p0").to_f64(), 2.5);
    assert_eq!(ledger.contribution("p1").to_f64(), 0.5);
    assert_eq!(ledger.total().to_f64(), 3.0);
    let shares = ledger.shares();
    assert_eq!(shares.len(), 2);
    assert_eq!(
        (shares[0].producer_id.as_str(), shares[0].share),
        ("p0", 2.5 / 3.0)
    );
    assert_eq!(
        (shares[1].producer_id.as_str(), shares[1].share),
        ("p1", 0.5 / 3.0)
    );

    // Only exclusive tracks: the total is 0 and so is every share (not NaN).
    let mut empty = ContributionLedger::new(as_of());
    empty.record(&TrackFacts {
        uploaded_at: as_of(),
        plays: 5,
        exclusive_only: true,
        credits: &solo,
    });
    assert!(empty.total().is_zero());
    assert_eq!(empty.shares()[0].share, 0.0);
    assert_eq!(ExactSum::ZERO.fraction_of(ExactSum::ZERO), 0.0);
}

#[test]
fn ledgers_of_different_instants_do_not_merge() {
    let mut a = ContributionLedger::new(as_of());
    let b = ContributionLedger::new(as_of() + TimeDelta::seconds(1));
    assert!(a.merge(b).is_err());
}
