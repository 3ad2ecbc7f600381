//! Invariants of the rules over arbitrary inputs (proptest).

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use super::{as_of, credits};
use crate::{ContributionLedger, TrackFacts, boost, breakdown, decay, months_between};

/// Any instant from year ~1700 to ~2350, around the fixed as-of: far past and far future uploads.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-10_000_000_000i64..10_000_000_000i64).prop_map(|s| as_of() + TimeDelta::seconds(s))
}

fn track() -> impl Strategy<Value = (DateTime<Utc>, u64, usize, bool)> {
    (instant(), any::<u64>(), 1usize..=20, any::<bool>())
}

proptest! {
    #[test]
    fn value_is_finite_and_within_zero_and_three((uploaded_at, plays, n, exclusive_only) in track()) {
        let c = credits(n);
        let b = breakdown(&TrackFacts { uploaded_at, plays, exclusive_only, credits: &c }, as_of());
        for f in [b.months_since_upload, b.decay, b.boost, b.split, b.track_value, b.value] {
            prop_assert!(f.is_finite());
        }
        prop_assert!((0.0..=3.0).contains(&b.value));
        prop_assert!((0.0..=3.0).contains(&b.track_value));
        prop_assert!((0.0..=1.0).contains(&b.decay));
        prop_assert!((1.0..=3.0).contains(&b.boost));
        prop_assert!(b.months_since_upload >= 0.0);
    }

    #[test]
    fn more_plays_never_lower_the_boost(a in any::<u64>(), b in any::<u64>()) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(boost(low) <= boost(high));
    }

    #[test]
    fn neighbouring_play_counts_are_ordered(p in any::<u64>()) {
        prop_assert!(boost(p) <= boost(p.saturating_add(1)));
    }

    #[test]
    fn older_tracks_never_decay_less(a in instant(), b in instant()) {
        let (older, newer) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(decay(months_between(older, as_of())) <= decay(months_between(newer, as_of())));
    }

    #[test]
    fn decay_halves_every_six_months(months in 0.0f64..600.0) {
        let now = decay(months);
        let later = decay(months + 6.0);
        prop_assert!((later - now / 2.0).abs() <= now * 1e-12);
    }

    #[test]
    fn the_split_sums_back_to_the_whole((uploaded_at, plays, n, exclusive_only) in track()) {
        let c = credits(n);
        let b = breakdown(&TrackFacts { uploaded_at, plays, exclusive_only, credits: &c }, as_of());
        let summed: f64 = (0..n).map(|_| b.value).sum();
        prop_assert!((summed - b.track_value).abs() <= 1e-12 * b.track_value.max(1.0));
    }

    #[test]
    fn ledgers_merge_in_any_order_to_the_same_bits(
        tracks in prop::collection::vec(track(), 0..60),
        cut in 0usize..60,
    ) {
        let cs: Vec<_> = tracks.iter().map(|t| credits(t.2)).collect();
        let facts: Vec<_> = tracks.iter().zip(&cs).map(|(&(uploaded_at, plays, _, exclusive_only), credits)| {
            TrackFacts { uploaded_at, plays, exclusive_only, credits }
        }).collect();
        let cut = cut.min(facts.len());

        let mut whole = ContributionLedger::new(as_of());
        for f in &facts { whole.record(f); }

        let (mut first, mut second) = (ContributionLedger::new(as_of()), ContributionLedger::new(as_of()));
        for f in &facts[..cut] { first.record(f); }
        for f in facts[cut..].iter().rev() { second.record(f); }
        second.merge(first).expect("same as-of");

        prop_assert_eq!(whole.shares(), second.shares());
        prop_assert_eq!(whole.total(), second.total());
        if !whole.total().is_zero() {
            let sum: f64 = whole.shares().iter().map(|s| s.share).sum();
            prop_assert!((sum - 1.0).abs() <= 1e-9);
        }
    }
}
