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

    /// The sum holding one value: `value × 2^64` rounded half away from zero. Negative and NaN
    /// values count as 0 (the formula yields neither); too large a value saturates.
    ///
    /// Computed from the float's bits (`value = mantissa × 2^exponent`, so `value × 2^64` is the
    /// mantissa shifted by `exponent + 64`), the same result as `(value * 2^64).round() as u128`
    /// without the software float-to-128-bit conversion, which cost more than the rest of a
    /// track's aggregation.
    pub fn of(value: f64) -> Self {
        if value.is_nan() || value <= 0.0 {
            return Self(0);
        }
        const FRACTION_BITS: u32 = 52;
        let bits = value.to_bits();
        let biased = ((bits >> FRACTION_BITS) & 0x7ff) as i32;
        if biased == 0x7ff {
            return Self(u128::MAX); // infinity
        }
        let fraction = bits & ((1 << FRACTION_BITS) - 1);
        let (mantissa, exponent) = if biased == 0 {
            (fraction, -1074) // subnormal
        } else {
            (fraction | (1 << FRACTION_BITS), biased - 1075)
        };
        let mantissa = u128::from(mantissa);
        let shift = exponent + 64;
        if shift >= 0 {
            // The mantissa has 53 bits: beyond a shift of 75 the result overflows 128.
            if shift > 75 {
                Self(u128::MAX)
            } else {
                Self(mantissa << shift)
            }
        } else {
            let right = shift.unsigned_abs();
            if right > 64 {
                // Below half a unit (the mantissa is under 2^53 <= 2^(right - 1)).
                Self(0)
            } else {
                // Half away from zero (all values here are positive): add half, drop the bits.
                Self((mantissa + (1 << (right - 1))) >> right)
            }
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
        Self::units_to_value(self.units_as_f64())
    }

    /// `self / total`, or 0 when `total` is 0: never NaN, never infinite.
    pub fn fraction_of(self, total: Self) -> f64 {
        if total.0 == 0 {
            0.0
        } else {
            self.units_as_f64() / total.units_as_f64()
        }
    }

    /// The count of units as a float (correctly rounded): the costly step of [`to_f64`] and
    /// [`fraction_of`], for callers that use one sum in both (or one total many times).
    ///
    /// [`to_f64`]: Self::to_f64
    /// [`fraction_of`]: Self::fraction_of
    pub fn units_as_f64(self) -> f64 {
        self.0 as f64
    }

    /// [`to_f64`](Self::to_f64) from [`units_as_f64`](Self::units_as_f64).
    pub fn units_to_value(units: f64) -> f64 {
        units / SCALE
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversion `of` replaced, kept as its reference.
    fn reference(value: f64) -> u128 {
        if value > 0.0 {
            (value * SCALE).round() as u128
        } else {
            0
        }
    }

    #[test]
    fn of_is_the_rounded_product_to_the_last_unit() {
        let mut values = vec![
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            2.0f64.powi(-65),
            2.0f64.powi(-65) * 1.5,
            2.0f64.powi(-64),
            1.0,
            3.0,
            0.1,
            1.0 / 3.0,
            2.0f64.powi(70),
            1e300,
        ];
        // Many values of the formula's range, and every power of two around the unit.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> 11) as f64 / (1u64 << 53) as f64 * 3.0);
            values.push(f64::from_bits(x >> 2));
        }
        for e in -80..80 {
            values.push(2.0f64.powi(e));
            values.push(2.0f64.powi(e) * 1.25);
        }
        for v in values {
            assert_eq!(ExactSum::of(v).units(), reference(v), "{v:e}");
        }
    }
}
