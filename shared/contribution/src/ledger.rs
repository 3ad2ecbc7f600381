//! Streaming aggregation of a catalog into producer contributions and shares.
//!
//! A producer's contribution is the sum of their per-producer value over every track crediting
//! them; the platform total is the sum over all producers; a producer's share is contribution over
//! total (contribution-value.txt). The ledger keeps one exact sum per producer and nothing per
//! track, so memory grows with producers, not tracks. Ledgers built over disjoint parts of a
//! catalog (scan segments, or separate invocations) [`merge`](ContributionLedger::merge) in any
//! order to the same result, to the last bit.
//!
//! Producers are interned: the first time an id is seen it gets the next dense number
//! ([`ProducerNumber`]), and every per-producer figure lives in a `Vec` at that number. Callers
//! that keep their own per-producer tallies (the recompute's aggregate) index them by the same
//! numbers, so a track costs one short hash lookup per credited producer and nothing else
//! scattered. Numbers are local to one ledger: [`merge`](ContributionLedger::merge) returns how
//! the other ledger's numbers map to this one's.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fixed_point::ExactSum;
use crate::formula::{AsOf, Breakdown, TrackFacts, breakdown_at};
use crate::ids::ProducerId;

/// A producer's dense number in one ledger (0, 1, 2, … in order of first appearance).
pub type ProducerNumber = u32;

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
    as_of: AsOf,
    /// Every producer seen, at its number.
    producers: IndexSet<ProducerId, FxBuildHasher>,
    /// Contribution sums by producer number.
    sums: Vec<ExactSum>,
    /// Producer numbers in id order, once asked for; forgotten when a producer is numbered.
    id_order: OnceLock<Vec<ProducerNumber>>,
}

/// A ledger as data: what a partial aggregate keeps between the invocations of a sharded run
/// (`recompute`'s scan shards write theirs, the reduce reads and merges them). The ids go in
/// number order, so numbers survive the round trip and the arena's numbers stay valid.
impl Serialize for ContributionLedger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Ids<'a>(&'a IndexSet<ProducerId, FxBuildHasher>);
        impl Serialize for Ids<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter())
            }
        }
        #[derive(Serialize)]
        struct Parts<'a> {
            as_of: DateTime<Utc>,
            producers: Ids<'a>,
            sums: &'a [ExactSum],
        }
        Parts {
            as_of: self.as_of.instant(),
            producers: Ids(&self.producers),
            sums: &self.sums,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ContributionLedger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Parts {
            as_of: DateTime<Utc>,
            producers: Vec<ProducerId>,
            sums: Vec<ExactSum>,
        }
        let parts = Parts::deserialize(deserializer)?;
        if parts.producers.len() != parts.sums.len() {
            return Err(serde::de::Error::custom(format!(
                "a ledger of {} producers with {} sums",
                parts.producers.len(),
                parts.sums.len()
            )));
        }
        let count = parts.producers.len();
        let producers: IndexSet<ProducerId, FxBuildHasher> = parts.producers.into_iter().collect();
        if producers.len() != count {
            return Err(serde::de::Error::custom(
                "a ledger that numbers a producer twice",
            ));
        }
        Ok(Self {
            as_of: AsOf::new(parts.as_of),
            producers,
            sums: parts.sums,
            id_order: OnceLock::new(),
        })
    }
}

/// One producer's contribution and share of the platform total. The id is borrowed from the
/// ledger: listing every share allocates one vector, not one string per producer (cloning ten
/// thousand ids cost as much as aggregating the 100,000 tracks that credited them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerShare<'a> {
    pub producer_id: &'a ProducerId,
    pub contribution: ExactSum,
    pub contribution_value: f64,
    pub share: f64,
}

impl ContributionLedger {
    pub fn new(as_of: DateTime<Utc>) -> Self {
        Self {
            as_of: AsOf::new(as_of),
            producers: IndexSet::default(),
            sums: Vec::new(),
            id_order: OnceLock::new(),
        }
    }

    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of.instant()
    }

    /// The number of `producer`, giving it the next one if it is new.
    pub fn intern(&mut self, producer: &ProducerId) -> ProducerNumber {
        let number = match self.producers.get_index_of(producer.as_str()) {
            Some(n) => n,
            None => {
                self.sums.push(ExactSum::ZERO);
                self.id_order.take();
                self.producers.insert_full(producer.clone()).0
            }
        };
        // A ledger holds fewer than 2^32 producers: the platform has well under a billion.
        number as ProducerNumber
    }

    /// The number of `producer`, if it has one.
    pub fn number_of(&self, producer: &str) -> Option<ProducerNumber> {
        self.producers
            .get_index_of(producer)
            .map(|n| n as ProducerNumber)
    }

    /// The producer with number `number` (numbers come from this ledger).
    pub fn producer(&self, number: ProducerNumber) -> &ProducerId {
        &self.producers[number as usize]
    }

    /// Every producer, in number order.
    pub fn producers(&self) -> impl ExactSizeIterator<Item = &ProducerId> {
        self.producers.iter()
    }

    /// Adds one track: its per-producer value to every credited producer. Returns the breakdown
    /// so callers can keep or show it. Producers credited only on zero-value tracks are still
    /// listed (with contribution 0).
    pub fn record(&mut self, track: &TrackFacts<'_>) -> Breakdown {
        let breakdown = breakdown_at(track, self.as_of);
        let value = ExactSum::of(breakdown.value);
        for producer in track.credits.producers() {
            let n = self.intern(producer);
            self.sums[n as usize].add(value);
        }
        breakdown
    }

    /// [`record`](Self::record) for a caller that has already interned the credited producers
    /// (`credited[i]` is the number of `track.credits.producers()[i]`).
    pub fn record_numbered(
        &mut self,
        track: &TrackFacts<'_>,
        credited: &[ProducerNumber],
    ) -> Breakdown {
        let breakdown = breakdown_at(track, self.as_of);
        let value = ExactSum::of(breakdown.value);
        for &n in credited {
            self.sums[n as usize].add(value);
        }
        breakdown
    }

    /// Combines a ledger built over another part of the same catalog at the same instant.
    /// Returns, for each of `other`'s producer numbers, that producer's number here.
    pub fn merge(&mut self, other: ContributionLedger) -> Result<Vec<ProducerNumber>, LedgerError> {
        if other.as_of != self.as_of {
            return Err(LedgerError::AsOfMismatch {
                this: self.as_of.instant(),
                other: other.as_of.instant(),
            });
        }
        let mut renumbered = Vec::with_capacity(other.producers.len());
        for (producer, sum) in other.producers.iter().zip(other.sums) {
            let n = self.intern(producer);
            self.sums[n as usize].add(sum);
            renumbered.push(n);
        }
        Ok(renumbered)
    }

    pub fn producer_count(&self) -> usize {
        self.producers.len()
    }

    /// The platform total: the sum of every producer's contribution.
    pub fn total(&self) -> ExactSum {
        self.sums.iter().copied().sum()
    }

    /// One producer's contribution (0 when they appear on no track).
    pub fn contribution(&self, producer: &str) -> ExactSum {
        self.number_of(producer)
            .map_or(ExactSum::ZERO, |n| self.sums[n as usize])
    }

    /// The contribution of the producer with number `number`.
    pub fn contribution_of(&self, number: ProducerNumber) -> ExactSum {
        self.sums[number as usize]
    }

    /// Sets every contribution back to 0, keeping the producers' numbers (to aggregate the
    /// same catalog again, as of the same instant, without numbering it again).
    pub fn clear_contributions(&mut self) {
        self.sums.fill(ExactSum::ZERO);
    }

    /// Every producer's number, in id order (sorted once per set of producers).
    pub fn id_order(&self) -> &[ProducerNumber] {
        self.id_order.get_or_init(|| {
            let mut order: Vec<(&ProducerId, ProducerNumber)> =
                self.producers.iter().zip(0..).collect();
            order.sort_unstable();
            order.into_iter().map(|(_, n)| n).collect()
        })
    }

    /// Every producer's contribution and share, ordered by producer id.
    pub fn shares(&self) -> Vec<ProducerShare<'_>> {
        // The total converted once, not once per producer (a 128-bit conversion is a software
        // routine); the figures are the ones `to_f64` and `fraction_of` give, to the bit.
        let total = self.total().units_as_f64();
        self.id_order()
            .iter()
            .map(|&n| {
                let contribution = self.sums[n as usize];
                let units = contribution.units_as_f64();
                ProducerShare {
                    producer_id: &self.producers[n as usize],
                    contribution,
                    contribution_value: ExactSum::units_to_value(units),
                    share: if total == 0.0 { 0.0 } else { units / total },
                }
            })
            .collect()
    }
}
