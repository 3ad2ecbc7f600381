//! How monthly payouts are stored (the values are `results::payout`'s): a period's split, each
//! producer's statement, and the period's roster (who has a statement).
//!
//! A statement lives in its producer's partition (`GET /producers/{id}/payouts` is one query,
//! newest period first); the roster packs the period's producer ids many to an item so the
//! transfer step can find every statement of a period without a scan or an index.

use contribution::ProducerId;
use contribution::statement::PayoutPeriod;
use results::payout::{PayoutSplit, PayoutStatement};
use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;

impl Entity for PayoutSplit {
    const NAME: &'static str = "payoutSplit";
    type Scope = ();
    type KeyInput<'a> = PayoutPeriod;

    fn primary_key(_: &(), period: PayoutPeriod) -> PrimaryKey {
        PrimaryKey::new(keys::PAYOUTS_PK.to_owned(), period.to_string())
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, self.period).into()
    }
}

impl Entity for PayoutStatement {
    const NAME: &'static str = "payoutStatement";
    type Scope = ();
    type KeyInput<'a> = (&'a ProducerId, PayoutPeriod);

    fn primary_key(_: &(), (producer, period): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::statement_pk(producer),
            keys::statement_sk(&period.to_string()),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.producer_id, self.period)).into()
    }
}

/// Part of a period's roster: producer ids, one row each (packed as every list is:
/// `crate::pack::pack_parts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutRosterPart {
    pub period: PayoutPeriod,
    pub part: u32,
    #[serde(with = "crate::rows::as_blob")]
    pub producers: Vec<ProducerId>,
}

impl Entity for PayoutRosterPart {
    const NAME: &'static str = "payoutRoster";
    type Scope = ();
    type KeyInput<'a> = (PayoutPeriod, u32);

    fn primary_key(_: &(), (period, part): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(keys::roster_pk(&period.to_string()), keys::roster_sk(part))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (self.period, self.part)).into()
    }
}

/// A statement that is not final yet (owed, held, escalated, or failed for good: money may still
/// move for it): present from the split until the statement is Paid, Excluded, nothing due or
/// Voided. The hourly step and the operators' listing read these, never a month's final ones.
/// Deleted after the statement's final move, so a marker may outlive its reason (the next pass
/// reads the statement, finds it final and deletes it) but a statement that is not final always
/// has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenStatement {
    pub period: PayoutPeriod,
    pub producer_id: ProducerId,
}

impl Entity for OpenStatement {
    const NAME: &'static str = "payoutOpen";
    type Scope = ();
    type KeyInput<'a> = (PayoutPeriod, &'a ProducerId);

    fn primary_key(_: &(), (period, producer): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::open_statements_pk(&period.to_string()),
            producer.to_string(),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (self.period, &self.producer_id)).into()
    }
}

/// Packs a period's producer ids into roster parts.
pub fn pack_roster(
    period: PayoutPeriod,
    producers: &[ProducerId],
) -> Result<Vec<PayoutRosterPart>, crate::StoreError> {
    Ok(crate::pack::pack_parts(producers.to_vec())?
        .into_iter()
        .enumerate()
        .map(|(part, producers)| PayoutRosterPart {
            period,
            part: part as u32,
            producers,
        })
        .collect())
}
