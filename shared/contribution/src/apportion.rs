//! Dividing a whole number of units (cents, hundredths of a percent) among exact fractions so the
//! parts add up to the whole, exactly.
//!
//! Rounding each part on its own loses or invents units (three thirds of 100.00% shown as 33.33
//! sum to 99.99). The largest-remainder method (Hamilton's) does not: everyone gets the floor of
//! their exact part, then the units left over go one each to the largest remainders, ties to the
//! smaller key. Integer arithmetic only, so the result is the same on every machine and in every
//! input order; each part is within one unit of its exact value.
//!
//! Written here rather than taken from a crate: the apportionment crates on crates.io are
//! seat-allocation tools over floats, and the tie rule (by key) is ours. Products are taken in
//! 256 bits (`ethnum`), so a pool of any `u64` minor units times contribution units of any `u128`
//! never overflows.

use ethnum::U256;

/// One claimant: a key for ties, and its weight (the numerator of its exact fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim<K> {
    pub key: K,
    pub weight: u128,
}

/// One claimant's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<K> {
    pub key: K,
    /// `floor(total × weight / Σweights)`.
    pub floor: u64,
    /// Whether one leftover unit was added to the floor.
    pub remainder_unit: bool,
}

impl<K> Part<K> {
    /// The units this claimant gets.
    pub fn units(&self) -> u64 {
        self.floor + u64::from(self.remainder_unit)
    }
}

/// Why units cannot be apportioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApportionError {
    #[error("there is nobody to apportion among (the weights sum to zero)")]
    NoWeight,
}

/// Splits `total` units among `claims` in proportion to their weights, by largest remainder
/// (ties by key ascending). The parts come back in the order of `claims` and sum to `total`.
/// Claims of weight 0 get 0.
pub fn apportion<K: Ord + Clone>(
    total: u64,
    claims: &[Claim<K>],
) -> Result<Vec<Part<K>>, ApportionError> {
    // At most 2^32 claims of < 2^128 each: the sum fits in 256 bits, as does total × weight.
    let weights: U256 = claims.iter().map(|c| U256::from(c.weight)).sum();
    if weights == U256::ZERO {
        return Err(ApportionError::NoWeight);
    }
    let mut parts = Vec::with_capacity(claims.len());
    let mut remainders = Vec::with_capacity(claims.len());
    let mut given: u64 = 0;
    for (i, claim) in claims.iter().enumerate() {
        let exact = U256::from(total) * U256::from(claim.weight);
        // floor ≤ total, so it fits in u64.
        let floor = (exact / weights).as_u64();
        given += floor;
        remainders.push((exact % weights, i));
        parts.push(Part {
            key: claim.key.clone(),
            floor,
            remainder_unit: false,
        });
    }
    // Fewer leftover units than claimants: each floor loses less than one unit.
    let leftover = (total - given) as usize;
    remainders.sort_by(|(ra, ia), (rb, ib)| {
        rb.cmp(ra)
            .then_with(|| claims[*ia].key.cmp(&claims[*ib].key))
    });
    for &(_, i) in remainders.iter().take(leftover) {
        parts[i].remainder_unit = true;
    }
    Ok(parts)
}

/// `hundredths` (of a percent) as a display percent with two decimals: `3334` → `"33.34"`.
pub fn percent_text(hundredths: u64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn units(parts: &[Part<&str>]) -> Vec<u64> {
        parts.iter().map(Part::units).collect()
    }

    #[test]
    fn three_equal_parts_of_100_go_34_33_33_by_key() {
        let claims = [
            Claim {
                key: "c",
                weight: 1,
            },
            Claim {
                key: "a",
                weight: 1,
            },
            Claim {
                key: "b",
                weight: 1,
            },
        ];
        let parts = apportion(100, &claims).expect("weights");
        assert_eq!(units(&parts), vec![33, 34, 33]);
        assert!(parts[1].remainder_unit && !parts[0].remainder_unit);
        assert_eq!(percent_text(3334), "33.34");
        assert_eq!(percent_text(5), "0.05");
        assert_eq!(percent_text(10_000), "100.00");
    }

    #[test]
    fn the_largest_remainder_wins_before_the_key() {
        // 10 × 1/6 = 1.67, 10 × 2/6 = 3.33, 10 × 3/6 = 5: floors 1+3+5 = 9, the unit goes to "z".
        let claims = [
            Claim {
                key: "a",
                weight: 2,
            },
            Claim {
                key: "z",
                weight: 1,
            },
            Claim {
                key: "m",
                weight: 3,
            },
        ];
        assert_eq!(
            units(&apportion(10, &claims).expect("weights")),
            vec![3, 2, 5]
        );
    }

    #[test]
    fn nothing_to_share_among_is_an_error() {
        assert_eq!(apportion::<&str>(5, &[]), Err(ApportionError::NoWeight));
        let zero = [Claim {
            key: "a",
            weight: 0,
        }];
        assert_eq!(apportion(5, &zero), Err(ApportionError::NoWeight));
        // The largest weights and pool still split exactly.
        let max = |key| Claim {
            key,
            weight: u128::MAX,
        };
        let huge = [
            max("a"),
            max("b"),
            Claim {
                key: "c",
                weight: 1,
            },
        ];
        let parts = apportion(u64::MAX, &huge).expect("weights");
        let units: Vec<u64> = parts.iter().map(Part::units).collect();
        assert_eq!(units, vec![u64::MAX / 2 + 1, u64::MAX / 2, 0]);
    }

    proptest! {
        #[test]
        fn parts_sum_to_the_total_each_within_one_unit_in_any_order(
            total in 0u64..10_000_000_000,
            weights in prop::collection::vec(prop_oneof![0u128..1u128 << 80, any::<u128>()], 1..60),
            seed in any::<u64>(),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let claims: Vec<Claim<usize>> = weights
                .iter()
                .enumerate()
                .map(|(key, &weight)| Claim { key, weight })
                .collect();
            let parts = apportion(total, &claims).expect("weights");
            let sum: u64 = parts.iter().map(Part::units).sum();
            prop_assert_eq!(sum, total);
            let all: U256 = weights.iter().map(|w| U256::from(*w)).sum();
            for (part, claim) in parts.iter().zip(&claims) {
                // |units − total × w / W| < 1  ⇔  |units × W − total × w| < W
                let exact = U256::from(total) * U256::from(claim.weight);
                let got = U256::from(part.units()) * all;
                let gap = if got > exact { got - exact } else { exact - got };
                prop_assert!(gap < all);
                if claim.weight == 0 {
                    prop_assert_eq!(part.units(), 0);
                }
            }
            // Shuffled input, same parts per key.
            let mut shuffled = claims.clone();
            let mut rng = seed;
            for i in (1..shuffled.len()).rev() {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (rng >> 33) as usize % (i + 1));
            }
            let mut again = apportion(total, &shuffled).expect("weights");
            again.sort_by_key(|p| p.key);
            prop_assert_eq!(again, parts);
        }
    }
}
