//! The producers credited on a track.
//!
//! The product rules (collaborations.txt): a track credits one or more producers, each once, and
//! the contribution value is split equally between them. We also cap the list at
//! [`MAX_CREDITED_PRODUCERS`] so a single edit stays one bounded DynamoDB transaction (one item per
//! discography entry added or removed, plus the track and its history entry).

use crate::apportion::{Claim, Part, apportion};
use std::collections::HashSet;
use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::ids::ProducerId;

/// The most producers one track may credit. An edit rewrites one discography item per producer
/// added or removed in one `TransactWriteItems` (limit 100 items), so 20 leaves ample room.
pub const MAX_CREDITED_PRODUCERS: usize = 20;

/// Why a list of producer ids is not a valid credit list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditListError {
    #[error("a track must credit at least one producer")]
    Empty,
    #[error("a track may credit at most {MAX_CREDITED_PRODUCERS} producers, not {count}")]
    TooMany { count: usize },
    #[error("producer {0} is credited more than once")]
    Duplicate(ProducerId),
}

/// A valid credit list: 1 to [`MAX_CREDITED_PRODUCERS`] distinct producers, in the order given
/// (the order the track page shows them in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ProducerId>", into = "Vec<ProducerId>")]
pub struct Credits(Vec<ProducerId>);

impl Credits {
    pub fn new(producers: Vec<ProducerId>) -> Result<Self, CreditListError> {
        if producers.is_empty() {
            return Err(CreditListError::Empty);
        }
        if producers.len() > MAX_CREDITED_PRODUCERS {
            return Err(CreditListError::TooMany {
                count: producers.len(),
            });
        }
        let mut seen = HashSet::with_capacity(producers.len());
        if let Some(dup) = producers.iter().find(|p| !seen.insert(p.as_str())) {
            return Err(CreditListError::Duplicate(dup.clone()));
        }
        Ok(Self(producers))
    }

    /// A track credited to its uploader alone.
    pub fn solo(producer: ProducerId) -> Self {
        Self(vec![producer])
    }

    pub fn producers(&self) -> &[ProducerId] {
        &self.0
    }

    /// The number of credited producers: never zero.
    pub fn count(&self) -> NonZeroUsize {
        NonZeroUsize::new(self.0.len()).unwrap_or(NonZeroUsize::MIN)
    }

    /// True when the track credits two or more producers (a "collaborative track").
    pub fn is_collaboration(&self) -> bool {
        self.0.len() >= 2
    }

    pub fn contains(&self, producer: &ProducerId) -> bool {
        self.0.contains(producer)
    }

    pub fn into_vec(self) -> Vec<ProducerId> {
        self.0
    }

    /// Each credited producer's equal split as the percent people read: hundredths of a percent
    /// that sum to exactly 100.00 (largest remainder, ties by producer id), in credit order.
    /// The exact split is `1 / count`.
    pub fn display_hundredths(&self) -> Vec<u64> {
        let claims: Vec<Claim<&ProducerId>> =
            self.0.iter().map(|key| Claim { key, weight: 1 }).collect();
        apportion(10_000, &claims)
            .map(|parts| parts.iter().map(Part::units).collect())
            // Credits are never empty, so the weights are never zero.
            .unwrap_or_default()
    }
}

impl TryFrom<Vec<ProducerId>> for Credits {
    type Error = CreditListError;
    fn try_from(producers: Vec<ProducerId>) -> Result<Self, CreditListError> {
        Self::new(producers)
    }
}

impl From<Credits> for Vec<ProducerId> {
    fn from(credits: Credits) -> Self {
        credits.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<ProducerId> {
        names
            .iter()
            .map(|n| ProducerId::parse(*n).expect("valid id"))
            .collect()
    }

    #[test]
    fn accepts_one_to_twenty_distinct() {
        assert_eq!(Credits::new(ids(&["p1"])).map(|c| c.count().get()), Ok(1));
        let twenty: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        let twenty: Vec<&str> = twenty.iter().map(String::as_str).collect();
        assert_eq!(Credits::new(ids(&twenty)).map(|c| c.count().get()), Ok(20));
    }

    #[test]
    fn rejects_empty_duplicates_and_twenty_one() {
        assert_eq!(Credits::new(vec![]), Err(CreditListError::Empty));
        assert_eq!(
            Credits::new(ids(&["p1", "p2", "p1"])),
            Err(CreditListError::Duplicate(ids(&["p1"])[0].clone()))
        );
        let many: Vec<String> = (0..21).map(|i| format!("p{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            Credits::new(ids(&many)),
            Err(CreditListError::TooMany { count: 21 })
        );
    }

    #[test]
    fn keeps_order_and_knows_collaborations() {
        let credits = Credits::new(ids(&["p2", "p1"])).expect("valid");
        assert_eq!(credits.producers(), ids(&["p2", "p1"]).as_slice());
        assert!(credits.is_collaboration());
        assert!(!Credits::solo(ids(&["p1"])[0].clone()).is_collaboration());
    }
}
