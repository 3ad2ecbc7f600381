//! Splitting a closed month's pool: once per period, by the latest published run at the time.
//!
//! 1. The period's split item fixes the run, the pool and the currency (a conditional put): the
//!    same event again finds it and reports it; another pool for the period is refused.
//! 2. Every producer with contribution > 0 in that run (the run's contribution board) is a
//!    claimant, with the run's exact units and their payout-ready signals as the profile says now.
//! 3. `contribution::payout::split` gives each eligible producer their exact share of the pool in
//!    whole minor units (largest remainder); the rest are Excluded, with why.
//! 4. Statements (Queued or Excluded) and the period's roster are written, then the split item
//!    moves to `Split`. A crash in between leaves it `Splitting`: the retried event (or the hourly
//!    step) recomputes the same lines from the same run and rewrites the same items.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use contribution::payout::{self, Claimant, Outcome, Signal};
use contribution::statement::StatementStatus;
use contribution::{ExactSum, ProducerId};
use store::batch::BatchStats;
use store::payout_items::{PayoutSplit, PayoutStatement, SplitState, StatusChange, pack_roster};
use store::payouts::SplitStart;
use store::run_items::RunMeta;
use store::{Board, Period, Store};

use crate::error::PayoutsError;
use crate::event::PoolClosed;

/// Board entries read per page while collecting claimants.
const PAGE: u32 = 1_000;

/// Splits `pool` (or finds the period's split), and returns the split as it now stands.
pub async fn split_pool(
    store: &Store,
    pool: &PoolClosed,
    now: DateTime<Utc>,
) -> Result<PayoutSplit, PayoutsError> {
    let existing = store.payout_split(pool.period).await?;
    if let Some(existing) = &existing {
        refuse_another_pool(existing, pool)?;
        if existing.state != SplitState::Splitting {
            tracing::info!(period = %pool.period, state = ?existing.state, "the period is already split; nothing to do");
            return Ok(existing.clone());
        }
    }
    let (run_id, run_as_of) = match &existing {
        Some(split) => (split.run_id.clone(), split.run_as_of),
        None => {
            let run = store
                .latest_run()
                .await?
                .ok_or(PayoutsError::NoPublishedRun)?;
            (run.run_id, run.as_of)
        }
    };
    let is_new = existing.is_none();
    let mut record = existing.unwrap_or_else(|| {
        PayoutSplit::starting(
            pool.period,
            pool.amount_minor,
            pool.currency,
            (run_id.clone(), run_as_of),
            now,
        )
    });
    let statements = statements(store, &record, now).await?;

    if is_new {
        // A new split: claim the period (a concurrent invocation may have won).
        if let SplitStart::Exists(other) = store.start_split(&record).await? {
            refuse_another_pool(&other, pool)?;
            if other.run_id != record.run_id {
                return Err(PayoutsError::Config(format!(
                    "period {} was claimed concurrently with run {}; retry the event",
                    pool.period, other.run_id
                )));
            }
            record = other;
        }
    }
    let ids: Vec<ProducerId> = statements.iter().map(|s| s.producer_id.clone()).collect();
    let roster = pack_roster(pool.period, &ids);
    store
        .put_statements(&statements, &roster, &BatchStats::default())
        .await?;
    record.state = SplitState::Split;
    record.statements = statements.len() as u64;
    record.excluded = statements
        .iter()
        .filter(|s| s.status == StatementStatus::Excluded)
        .count() as u64;
    record.eligible = record.statements - record.excluded;
    record.roster_parts = roster.len() as u32;
    store.put_split(&record).await?;
    tracing::info!(
        period = %record.period, run = %record.run_id, pool_minor = record.amount_minor,
        eligible = record.eligible, excluded = record.excluded, "pool split"
    );
    Ok(record)
}

fn refuse_another_pool(existing: &PayoutSplit, pool: &PoolClosed) -> Result<(), PayoutsError> {
    if existing.amount_minor != pool.amount_minor || existing.currency != pool.currency {
        return Err(PayoutsError::ConflictingPool {
            period: pool.period,
            existing_minor: existing.amount_minor,
            existing_currency: existing.currency,
            asked_minor: pool.amount_minor,
            asked_currency: pool.currency,
        });
    }
    Ok(())
}

fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::StripeAccount => "stripeAccount",
        Signal::ChargesEnabled => "chargesEnabled",
        Signal::PayoutsEnabled => "payoutsEnabled",
    }
}

/// Every claimant's statement for `split` (deterministic for the same run, pool and profiles).
async fn statements(
    store: &Store,
    split: &PayoutSplit,
    now: DateTime<Utc>,
) -> Result<Vec<PayoutStatement>, PayoutsError> {
    let run = &split.run_id;
    if store.run_item::<RunMeta>(run, ()).await?.is_none() {
        return Err(PayoutsError::RunGone(run.to_string()));
    }
    let mut ids: Vec<ProducerId> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .board_page(
                run,
                Board::Contribution,
                Period::All,
                PAGE,
                cursor.as_deref(),
            )
            .await?;
        ids.extend(page.items.into_iter().map(|e| e.producer_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let summaries = store.run_summaries(run, &ids).await?;
    let profiles = store.get_producers(&ids).await?;
    let mut claimants = Vec::with_capacity(ids.len());
    for id in &ids {
        let units: u128 = summaries
            .get(id)
            .and_then(|s| s.contribution_units.parse().ok())
            .ok_or_else(|| PayoutsError::RunGone(format!("{run} (no summary for {id})")))?;
        let profile = profiles.get(id);
        claimants.push(Claimant {
            producer: id.clone(),
            units,
            has_stripe_account: profile.is_some_and(|p| p.stripe_account_id.is_some()),
            charges_enabled: profile.is_some_and(|p| p.charges_enabled),
            payouts_enabled: profile.is_some_and(|p| p.payouts_enabled),
        });
    }
    let destinations: HashMap<ProducerId, String> = profiles
        .into_iter()
        .filter_map(|(id, p)| Some((id, p.stripe_account_id?)))
        .collect();
    build_statements(split, &claimants, &destinations, now)
}

/// The statements of `split` for `claimants` (pure: the same inputs give the same statements).
/// `destinations` are the claimants' Stripe accounts.
pub fn build_statements(
    split: &PayoutSplit,
    claimants: &[Claimant],
    destinations: &HashMap<ProducerId, String>,
    now: DateTime<Utc>,
) -> Result<Vec<PayoutStatement>, PayoutsError> {
    let lines =
        payout::split(split.amount_minor, claimants).map_err(|source| PayoutsError::Split {
            period: split.period,
            source,
        })?;
    let excluded = lines.excluded() as u64;
    let eligible_units = lines.eligible_units.to_string();
    Ok(lines
        .lines
        .iter()
        .map(|line| {
            let (status, floor, remainder, missing) = match line.outcome.clone() {
                Outcome::Paid {
                    floor,
                    remainder_unit,
                } => (StatementStatus::Queued, floor, remainder_unit, Vec::new()),
                Outcome::Excluded { missing } => (
                    StatementStatus::Excluded,
                    0,
                    false,
                    missing.iter().map(|s| signal_name(*s).to_owned()).collect(),
                ),
            };
            let note = (!missing.is_empty())
                .then(|| format!("not payout-ready: missing {}", missing.join(", ")));
            PayoutStatement {
                producer_id: line.producer.clone(),
                period: split.period,
                currency: split.currency,
                amount_minor: line.amount_minor(),
                run_id: split.run_id.clone(),
                run_as_of: split.run_as_of,
                contribution_units: line.units.to_string(),
                contribution_value: ExactSum::from_units(line.units).to_f64(),
                eligible_units: eligible_units.clone(),
                pool_minor: split.amount_minor,
                floor_minor: floor,
                remainder_unit: remainder,
                excluded_producers: excluded,
                missing,
                destination: destinations
                    .get(&line.producer)
                    .cloned()
                    .filter(|_| status == StatementStatus::Queued),
                status,
                transfer_id: None,
                failure: None,
                attempts: 0,
                revision: 0,
                history: vec![StatusChange {
                    status,
                    at: now,
                    note,
                }],
            }
        })
        .collect())
}
