//! Streaming aggregation of a catalog into producer contributions and shares.
//!
//! A producer's contribution is the sum of their per-producer value over every track crediting
//! them; the platform total is the sum over all producers; a producer's share is contribution over
//! total (contribution-value.txt). The ledger keeps one exact sum per producer and nothing per
//! track, so memory grows with producers, not tracks. Ledgers built over disjoint parts of a
//! catalog (scan segments, or separate invocations) [`merge`](ContributionLedger::merge) in any
//! order to the same result, to the last bit.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::fixed_point::ExactSum;
use crate::formula::{Breakdown, TrackFacts, breakdown};
use crate::ids::ProducerId;

/// Why two ledgers cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot merge a ledger as of {other} into one as of {this}")]
    AsOfMismatch {
        this: DateTime<Utc>,
        other: DateTime<Utc>,
    },
}

/// Per-producer contribution sums for one as-of instant.
#[derive(Debug, Clone)]
pub struct ContributionLedger {
    as_of: DateTime<Utc>,
    by_producer: HashMap<ProducerId, ExactSum>,
}

/// One producer's contribution and share of the platform total.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerShare {
    pub producer_id: ProducerId,
    pub contribution: ExactSum,
    pub contribution_value: f64,
    pub share: f64,
}

impl ContributionLedger {
    pub fn new(as_of: DateTime<Utc>) -> Self {
        Self {
            as_of,
            by_producer: HashMap::new(),
        }
    }

    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// Adds one track: its per-producer value to every credited producer. Returns the breakdown
    /// so callers can keep or show it. Producers credited only on zero-value tracks are still
    /// listed (with contribution 0).
    pub fn record(&mut self, track: &TrackFacts<'_>) -> Breakdown {
        let breakdown = breakdown(track, self.as_of);
        let value = ExactSum::of(breakdown.value);
        for producer in track.credits.producers() {
            match self.by_producer.get_mut(producer.as_str()) {
                Some(sum) => sum.add(value),
                None => {
                    self.by_producer.insert(producer.clone(), value);
                }
            }
        }
        breakdown
    }

    /// Combines a ledger built over another part of the same catalog at the same instant.
    pub fn merge(&mut self, other: ContributionLedger) -> Result<(), LedgerError> {
        if other.as_of != self.as_of {
            return Err(LedgerError::AsOfMismatch {
                this: self.as_of,
                other: other.as_of,
            });
        }
        for (producer, sum) in other.by_producer {
            self.by_producer.entry(producer).or_default().add(sum);
        }
        Ok(())
    }

    pub fn producer_count(&self) -> usize {
        self.by_producer.len()
    }

    /// The platform total: the sum of every producer's contribution.
    pub fn total(&self) -> ExactSum {
        self.by_producer.values().copied().sum()
    }

    /// One producer's contribution (0 when they appear on no track).
    pub fn contribution(&self, producer: &str) -> ExactSum {
        self.by_producer.get(producer).copied().unwrap_or_default()
    }

    /// Every producer's contribution and share, ordered by producer id.
    pub fn shares(&self) -> Vec<ProducerShare> {
        let total = self.total();
        let mut shares: Vec<ProducerShare> = self
            .by_producer
            .iter()
            .map(|(producer_id, &contribution)| ProducerShare {
                producer_id: producer_id.clone(),
                contribution,
                contribution_value: contribution.to_f64(),
                share: contribution.fraction_of(total),
            })
            .collect();
        shares.sort_by(|a, b| a.producer_id.cmp(&b.producer_id));
        shares
    }
}
