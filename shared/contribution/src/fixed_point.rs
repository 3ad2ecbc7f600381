//! Exact, order-independent sums of contribution values.
//!
//! Floating-point addition is not associative: summing the same values in a different order (as
//! happens when a parallel scan's segments and pages arrive in a different order) can change the
//! last bits of a total, and so of a payout share. Values are therefore accumulated as integers in
//! units of 2^-64 (a resolution of about 5.4e-20, far below anything money can see) where addition
//! is exact, associative and commutative. A `u128` holds over 10^18 maximal (3.0) values.

use serde::{Deserialize, Serialize};

const SCALE: f64 = 18_446_744_073_709_551_616.0; // 2^64

/// A non-negative sum of values, exact in units of 2^-64.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ExactSum(u128);

impl ExactSum {
    pub const ZERO: Self = Self(0);

    /// The sum holding one value. Negative and NaN values count as 0 (the formula yields neither).
    pub fn of(value: f64) -> Self {
        if value > 0.0 {
            // Saturating cast; `value` is at most 3.0, so this is exact to 2^-64.
            Self((value * SCALE).round() as u128)
        } else {
            Self(0)
        }
    }

    pub fn add(&mut self, other: Self) {
        self.0 = self.0.saturating_add(other.0);
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum as a float (correctly rounded).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE
    }

    /// `self / total`, or 0 when `total` is 0: never NaN, never infinite.
    pub fn fraction_of(self, total: Self) -> f64 {
        if total.0 == 0 {
            0.0
        } else {
            self.0 as f64 / total.0 as f64
        }
    }

    /// The raw count of 2^-64 units, for storage that must round-trip exactly.
    pub fn units(self) -> u128 {
        self.0
    }

    pub fn from_units(units: u128) -> Self {
        Self(units)
    }
}

impl std::iter::Sum for ExactSum {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        let mut total = Self::ZERO;
        for v in iter {
            total.add(v);
        }
        total
    }
}
