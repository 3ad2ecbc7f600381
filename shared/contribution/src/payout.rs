//! The monthly split of the producer pool into exact minor units (`published-rules.md`,
//! "monthly payout split"; issue 15's rules).
//!
//! Producers with contribution > 0 in the run are either *eligible* (payout-ready: a Stripe
//! Connect account with charges and payouts enabled) or *Excluded*, with the missing signals
//! named. The excluded share is redistributed: each eligible producer gets their exact
//! contribution (the run's exact units) over the eligible total, times the pool, in whole minor
//! units by largest remainder ([`crate::apportion`]): the amounts sum to the pool exactly, each is
//! within one unit of its exact share, and the same run and pool always give the same amounts.
//! No float touches money.

use std::collections::HashSet;

use crate::apportion::{Claim, apportion};
use crate::ids::ProducerId;

/// What makes a producer payout-ready, each checked on its own so an exclusion can say which is
/// missing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Signal {
    /// A connected Stripe account (`stripeAccountId`).
    StripeAccount,
    /// `chargesEnabled` on that account.
    ChargesEnabled,
    /// `payoutsEnabled` on that account.
    PayoutsEnabled,
}

/// One producer's claim on the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    pub producer: ProducerId,
    /// The run's exact contribution units (`ExactSum::units`, 2⁻⁶⁴ each).
    pub units: u128,
    pub has_stripe_account: bool,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
}

impl Signal {
    /// The signal's name, as stored and answered (the same as its serde name).
    pub fn name(self) -> &'static str {
        match self {
            Signal::StripeAccount => "stripeAccount",
            Signal::ChargesEnabled => "chargesEnabled",
            Signal::PayoutsEnabled => "payoutsEnabled",
        }
    }
}

impl Claimant {
    /// The payout-ready signals this producer lacks, in a fixed order (empty when ready).
    pub fn missing(&self) -> Vec<Signal> {
        missing_signals(
            self.has_stripe_account,
            self.charges_enabled,
            self.payouts_enabled,
        )
    }
}

/// The payout-ready signals lacking from an account's three, in a fixed order (empty when
/// payout-ready): asked at the split and again at every send.
pub fn missing_signals(
    has_stripe_account: bool,
    charges_enabled: bool,
    payouts_enabled: bool,
) -> Vec<Signal> {
    [
        (has_stripe_account, Signal::StripeAccount),
        (charges_enabled, Signal::ChargesEnabled),
        (payouts_enabled, Signal::PayoutsEnabled),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, signal)| signal)
    .collect()
}

/// What one producer gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Eligible: `floor` minor units, plus one when `remainder_unit`.
    Paid { floor: u64, remainder_unit: bool },
    /// Not payout-ready: nothing, and why.
    Excluded { missing: Vec<Signal> },
}

/// One line of the split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub producer: ProducerId,
    pub units: u128,
    pub outcome: Outcome,
}

impl Line {
    /// The minor units this producer is paid (0 when excluded).
    pub fn amount_minor(&self) -> u64 {
        match self.outcome {
            Outcome::Paid {
                floor,
                remainder_unit,
            } => floor + u64::from(remainder_unit),
            Outcome::Excluded { .. } => 0,
        }
    }
}

/// A whole split: every producer with contribution > 0, by producer id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub pool_minor: u64,
    /// The exact contribution units of the eligible producers (the denominator of each share).
    pub eligible_units: u128,
    pub lines: Vec<Line>,
}

impl Split {
    pub fn excluded(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| matches!(l.outcome, Outcome::Excluded { .. }))
            .count()
    }
}

/// Why a pool cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("no producer with contribution is payout-ready: there is nobody to pay the pool to")]
    NobodyEligible,
    #[error("producer {0} is listed twice")]
    Duplicate(ProducerId),
    #[error("the eligible contribution units overflow 128 bits")]
    TooManyUnits,
}

/// Splits `pool_minor` among `claimants` (any order; those with 0 units take no part).
pub fn split(pool_minor: u64, claimants: &[Claimant]) -> Result<Split, SplitError> {
    let mut seen = HashSet::new();
    let mut claimants: Vec<&Claimant> = claimants.iter().filter(|c| c.units > 0).collect();
    for c in &claimants {
        if !seen.insert(&c.producer) {
            return Err(SplitError::Duplicate(c.producer.clone()));
        }
    }
    claimants.sort_by(|a, b| a.producer.cmp(&b.producer));
    let eligible: Vec<&Claimant> = claimants
        .iter()
        .copied()
        .filter(|c| c.missing().is_empty())
        .collect();
    let eligible_units = eligible
        .iter()
        .try_fold(0u128, |sum, c| sum.checked_add(c.units))
        .ok_or(SplitError::TooManyUnits)?;
    let claims: Vec<Claim<&ProducerId>> = eligible
        .iter()
        .map(|c| Claim {
            key: &c.producer,
            weight: c.units,
        })
        .collect();
    let parts = apportion(pool_minor, &claims).map_err(|_| SplitError::NobodyEligible)?;
    let mut parts = parts.into_iter();
    let lines = claimants
        .iter()
        .map(|c| {
            let missing = c.missing();
            let outcome = if missing.is_empty() {
                // Eligible claimants and parts are in the same (id) order.
                let part = parts.next().expect("one part per eligible producer");
                Outcome::Paid {
                    floor: part.floor,
                    remainder_unit: part.remainder_unit,
                }
            } else {
                Outcome::Excluded { missing }
            };
            Line {
                producer: c.producer.clone(),
                units: c.units,
                outcome,
            }
        })
        .collect();
    Ok(Split {
        pool_minor,
        eligible_units,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claimant(id: &str, units: u128, ready: bool) -> Claimant {
        Claimant {
            producer: ProducerId::parse(id).expect("id"),
            units,
            has_stripe_account: ready,
            charges_enabled: ready,
            payouts_enabled: ready,
        }
    }

    fn amounts(split: &Split) -> Vec<(String, u64)> {
        split
            .lines
            .iter()
            .map(|l| (l.producer.to_string(), l.amount_minor()))
            .collect()
    }

    #[test]
    fn a_pool_of_100_over_three_equal_producers_is_34_33_33_by_id() {
        let split = split(
            100,
            &[
                claimant("pc", 7, true),
                claimant("pa", 7, true),
                claimant("pb", 7, true),
            ],
        )
        .expect("split");
        assert_eq!(
            amounts(&split),
            [("pa".into(), 34), ("pb".into(), 33), ("pc".into(), 33)]
        );
        assert_eq!(split.eligible_units, 21);
        assert_eq!(
            split.lines[0].outcome,
            Outcome::Paid {
                floor: 33,
                remainder_unit: true
            }
        );
    }

    #[test]
    fn an_excluded_share_is_redistributed_and_says_why() {
        // pd holds half the contribution but has no payouts: the other half is all the pool.
        let mut pd = claimant("pd", 30, true);
        pd.payouts_enabled = false;
        let mut pe = claimant("pe", 5, false);
        pe.has_stripe_account = true;
        let split = split(
            1_000,
            &[
                claimant("pa", 10, true),
                claimant("pb", 20, true),
                pd,
                pe,
                claimant("pz", 0, true),
            ],
        )
        .expect("split");
        // 1,000 × 10/30 = 333.33…, × 20/30 = 666.66…: floors 333 + 666, the unit to pb.
        assert_eq!(
            amounts(&split),
            [
                ("pa".into(), 333),
                ("pb".into(), 667),
                ("pd".into(), 0),
                ("pe".into(), 0)
            ]
        );
        assert_eq!(
            split.lines[2].outcome,
            Outcome::Excluded {
                missing: vec![Signal::PayoutsEnabled]
            }
        );
        assert_eq!(
            split.lines[3].outcome,
            Outcome::Excluded {
                missing: vec![Signal::ChargesEnabled, Signal::PayoutsEnabled]
            }
        );
        assert_eq!(split.excluded(), 2);
    }

    #[test]
    fn nobody_ready_or_a_duplicate_is_an_error() {
        assert_eq!(
            split(100, &[claimant("pa", 1, false)]),
            Err(SplitError::NobodyEligible)
        );
        assert_eq!(split(100, &[]), Err(SplitError::NobodyEligible));
        assert!(matches!(
            split(100, &[claimant("pa", 1, true), claimant("pa", 2, true)]),
            Err(SplitError::Duplicate(_))
        ));
    }

    proptest! {
        #[test]
        fn amounts_sum_to_the_pool_within_a_unit_of_exact_in_any_order(
            pool in 1u64..10_000_000_000_000,
            claims in prop::collection::vec((0u128..1u128 << 90, any::<bool>()), 1..200),
            rotate in any::<usize>(),
        ) {
            let claimants: Vec<Claimant> = claims
                .iter()
                .enumerate()
                .map(|(i, (units, ready))| claimant(&format!("p{i:04}"), *units, *ready))
                .collect();
            let eligible: u128 = claimants
                .iter()
                .filter(|c| c.units > 0 && c.missing().is_empty())
                .map(|c| c.units)
                .sum();
            prop_assume!(eligible > 0);
            let result = split(pool, &claimants).expect("split");
            let total: u64 = result.lines.iter().map(Line::amount_minor).sum();
            prop_assert_eq!(total, pool);
            for line in &result.lines {
                match &line.outcome {
                    Outcome::Excluded { missing } => prop_assert!(!missing.is_empty()),
                    Outcome::Paid { .. } => {
                        // |amount × E − pool × units| < E, in 256 bits.
                        let e = ethnum::U256::from(eligible);
                        let exact = ethnum::U256::from(pool) * ethnum::U256::from(line.units);
                        let got = ethnum::U256::from(line.amount_minor()) * e;
                        let gap = if got > exact { got - exact } else { exact - got };
                        prop_assert!(gap < e);
                    }
                }
            }
            let mut reordered = claimants.clone();
            let len = reordered.len();
            reordered.rotate_left(rotate % len);
            reordered.reverse();
            prop_assert_eq!(split(pool, &reordered).expect("split"), result);
        }
    }
}
