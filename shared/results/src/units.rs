//! Exact contribution units (`contribution::ExactSum`, 2⁻⁶⁴ each) as stored: decimal text, parsed
//! strictly when read, so a corrupt figure is a decode error and never a silent 0.
//!
//! Text rather than a DynamoDB number: a number carries 38 significant digits, and a `u128` needs
//! up to 39, so the exact value could be rounded by the table itself.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of 2⁻⁶⁴ contribution units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExactUnits(pub u128);

impl ExactUnits {
    pub fn get(self) -> u128 {
        self.0
    }
}

impl std::fmt::Display for ExactUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for ExactUnits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ExactUnits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(serde::de::Error::custom(format!(
                "{text:?} is not a whole number of contribution units"
            )));
        }
        text.parse().map(Self).map_err(|_| {
            serde::de::Error::custom(format!("{text:?} contribution units overflow 128 bits"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_and_corrupt_ones_are_refused() {
        let units = ExactUnits(u128::MAX);
        let text = serde_json::to_string(&units).expect("encode");
        assert_eq!(text, format!("\"{}\"", u128::MAX));
        assert_eq!(serde_json::from_str::<ExactUnits>(&text).ok(), Some(units));
        for bad in [
            r#""""#,
            r#""12.5""#,
            r#""-1""#,
            r#""1e9""#,
            r#"" 1""#,
            "1",
            r#""340282366920938463463374607431768211456""#,
        ] {
            assert!(serde_json::from_str::<ExactUnits>(bad).is_err(), "{bad}");
        }
    }
}
