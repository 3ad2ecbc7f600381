//! Splitting a closed month's pool: once per period, by the latest published run, which must be
//! as of the period's end or later.
//!
//! 0. A pool that arrives before such a run (billing closes the month just after midnight; the
//!    daily run may be hours away) is stored as `Waiting`: pool, currency and sender. The hourly
//!    step ([`start_waiting`]) splits it once a run as of after the month's end is published.
//! 1. The period's split item fixes the run, the pool and the currency (a conditional put), and
//!    names the invocation that writes the statements (its claim, for 16 minutes: longer than an
//!    invocation can live). The same event again finds it and reports it; another pool for the
//!    period is refused, unless an operator voided the first before it paid anything.
//! 2. Every producer with contribution > 0 in that run (the run's contribution board) is a
//!    claimant, with the run's exact units and their payout-ready signals as the profile says now.
//! 3. `contribution::payout::split` gives each eligible producer their exact share of the pool in
//!    whole minor units (largest remainder); the rest are Excluded, with why; a share that rounds
//!    to 0 is "nothing due". A share above what Stripe takes in one transfer is paid in parts
//!    (`transfer.rs`), so it never holds up the others.
//! 4. Statements and the period's roster are written (each statement only if it never moved),
//!    then the split item moves to `Split`, conditional on the revision read. A crash in between
//!    leaves it `Splitting`: once the claim lapses, the next invocation ([`resume`]) takes it and
//!    rewrites the same lines from the same run.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use contribution::payout::{self, Claimant, Outcome};
use contribution::statement::StatementStatus;
use contribution::{ExactSum, ProducerId};
use results::lists::{Board, Period};
use results::payout::{
    PayoutSplit, PayoutStatement, PoolSender, SplitClaim, SplitState, StatusChange,
};
use results::run::RunMeta;
use results::units::ExactUnits;
use store::BatchStats;
use store::Store;
use store::payouts::items::pack_roster;
use store::payouts::statements::{Moved, SplitStart};

use crate::error::PayoutsError;
use crate::event::PoolClosed;

/// Board entries read per page while collecting claimants.
const PAGE: u32 = 1_000;

/// How long a claim on a split holds: longer than the function's 900-second timeout, so a claim
/// lapses only once its invocation is surely gone.
const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(16);

/// Statements written at once.
const WRITE_CONCURRENCY: usize = 16;

pub(crate) fn claim(now: DateTime<Utc>) -> SplitClaim {
    SplitClaim {
        token: format!("{:016x}", fastrand::u64(..)),
        until: now + CLAIM_LEASE,
    }
}

/// Splits `pool` (or finds the period's split, or keeps the pool waiting for its run), and
/// returns the split as it now stands.
pub async fn split_pool(
    store: &Store,
    pool: &PoolClosed,
    sender: PoolSender,
    now: DateTime<Utc>,
) -> Result<PayoutSplit, PayoutsError> {
    let existing = store.payouts().payout_split(pool.period).await?;
    if let Some(existing) = &existing
        && existing.state != SplitState::Voided
    {
        refuse_another_pool(existing, pool)?;
        return match existing.state {
            SplitState::Waiting => start_waiting(store, existing.clone(), now).await,
            SplitState::Splitting => resume(store, existing.clone(), now).await,
            _ => {
                tracing::info!(period = %pool.period, state = ?existing.state, "the period is already split; nothing to do");
                Ok(existing.clone())
            }
        };
    }
    if let Some(voided) = &existing
        && voided.claim.is_some()
    {
        return Err(PayoutsError::VoidUnfinished(pool.period));
    }
    let ends = pool.period.end();
    let run = store
        .runs()
        .latest_run()
        .await?
        .filter(|run| run.as_of >= ends);
    let mut record = PayoutSplit::starting(
        pool.period,
        pool.amount_minor,
        pool.currency,
        run.map(|run| (run.run_id, run.as_of)),
        now,
    );
    record.sent_by = Some(sender);
    if record.state == SplitState::Splitting {
        record.claim = Some(claim(now));
    }
    // Every line is known (and checked) before the period is claimed: a refused split writes
    // nothing.
    let statements = match record.state {
        SplitState::Splitting => statements(store, &record, now).await?,
        _ => Vec::new(),
    };
    let started = match existing {
        // A voided split (it paid nothing) gives way to the new pool, keeping its record.
        Some(voided) => {
            record.actions = voided.actions.clone();
            store.payouts().replace_split(&voided, &mut record).await? == Moved::Done
        }
        None => match store.payouts().start_split(&record).await? {
            SplitStart::Started => true,
            SplitStart::Exists(other) => {
                refuse_another_pool(&other, pool)?;
                tracing::info!(period = %pool.period, "the period was claimed by another invocation meanwhile");
                return Ok(*other);
            }
        },
    };
    if !started {
        tracing::info!(period = %pool.period, "the voided split was replaced by another invocation meanwhile");
        return Ok(store
            .payouts()
            .payout_split(pool.period)
            .await?
            .unwrap_or(record));
    }
    if record.state == SplitState::Waiting {
        tracing::info!(period = %pool.period, ends = %ends,
            "the pool waits for a run as of the month's end or later; the hourly step splits it then");
        return Ok(record);
    }
    write(store, &record, &statements).await
}

/// Splits a pool that was waiting for its run, once the latest published run is as of the
/// period's end or later; until then it is left as it is.
pub async fn start_waiting(
    store: &Store,
    waiting: PayoutSplit,
    now: DateTime<Utc>,
) -> Result<PayoutSplit, PayoutsError> {
    let ends = waiting.period.end();
    let Some(run) = store
        .runs()
        .latest_run()
        .await?
        .filter(|run| run.as_of >= ends)
    else {
        return Ok(waiting);
    };
    let mut claimed = waiting.clone();
    claimed.state = SplitState::Splitting;
    claimed.run_id = Some(run.run_id);
    claimed.run_as_of = Some(run.as_of);
    claimed.claim = Some(claim(now));
    if store
        .payouts()
        .replace_split(&waiting, &mut claimed)
        .await?
        == Moved::Lost
    {
        tracing::info!(period = %waiting.period, "another invocation started the waiting split first");
        return Ok(store
            .payouts()
            .payout_split(waiting.period)
            .await?
            .unwrap_or(waiting));
    }
    tracing::info!(period = %claimed.period, run_as_of = %run.as_of, "the waiting pool's run is published: splitting");
    let statements = statements(store, &claimed, now).await?;
    write(store, &claimed, &statements).await
}

/// Finishes a split left `Splitting` by an invocation that died: takes its claim once lapsed and
/// writes its statements from its own run and pool. A claim still held is left alone.
pub async fn resume(
    store: &Store,
    split: PayoutSplit,
    now: DateTime<Utc>,
) -> Result<PayoutSplit, PayoutsError> {
    if split.is_claimed(now)
        && let Some(held) = &split.claim
    {
        tracing::info!(period = %split.period, until = %held.until, "the split is being written by another invocation");
        return Ok(split);
    }
    let mut claimed = split.clone();
    claimed.claim = Some(claim(now));
    if store.payouts().replace_split(&split, &mut claimed).await? == Moved::Lost {
        tracing::info!(period = %split.period, "another invocation took the split first");
        return Ok(store
            .payouts()
            .payout_split(split.period)
            .await?
            .unwrap_or(split));
    }
    let statements = statements(store, &claimed, now).await?;
    write(store, &claimed, &statements).await
}

/// Writes the statements and roster of the split `claimed` (as stored, this invocation's claim
/// on it), then moves it to `Split`.
async fn write(
    store: &Store,
    claimed: &PayoutSplit,
    statements: &[PayoutStatement],
) -> Result<PayoutSplit, PayoutsError> {
    let ids: Vec<ProducerId> = statements.iter().map(|s| s.producer_id.clone()).collect();
    let roster = pack_roster(claimed.period, &ids)?;
    let moved_on = store
        .payouts()
        .put_statements(
            statements,
            &roster,
            WRITE_CONCURRENCY,
            &BatchStats::default(),
        )
        .await?;
    if moved_on > 0 {
        tracing::warn!(period = %claimed.period, moved_on, "statements had moved already and were left as they are");
    }
    let mut done = claimed.clone();
    done.state = SplitState::Split;
    done.claim = None;
    done.statements = statements.len() as u64;
    done.excluded = statements
        .iter()
        .filter(|s| s.status == StatementStatus::Excluded)
        .count() as u64;
    done.eligible = done.statements - done.excluded;
    done.roster_parts = roster.len() as u32;
    if store.payouts().replace_split(claimed, &mut done).await? == Moved::Lost {
        return Err(PayoutsError::LostClaim(claimed.period));
    }
    tracing::info!(
        period = %done.period, run = ?done.run_id, pool_minor = done.amount_minor,
        eligible = done.eligible, excluded = done.excluded, "pool split"
    );
    Ok(done)
}

/// How many times [`update_split`] re-reads a split another writer moved meanwhile.
const SPLIT_RACES: u32 = 10;

/// Applies `change` to the period's split as stored, re-read and re-applied while another writer
/// (a pass settling it, another operator) moves it meanwhile: the split as written, `None` when
/// the period has none, [`PayoutsError::LostClaim`] when it kept moving.
pub(crate) async fn update_split(
    store: &Store,
    period: contribution::statement::PayoutPeriod,
    change: impl Fn(&mut PayoutSplit),
) -> Result<Option<PayoutSplit>, PayoutsError> {
    for _ in 0..SPLIT_RACES {
        let Some(current) = store.payouts().payout_split(period).await? else {
            return Ok(None);
        };
        let mut next = current.clone();
        change(&mut next);
        if store.payouts().replace_split(&current, &mut next).await? == Moved::Done {
            return Ok(Some(next));
        }
    }
    Err(PayoutsError::LostClaim(period))
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

/// Every claimant's statement for `split` (deterministic for the same run, pool and profiles).
async fn statements(
    store: &Store,
    split: &PayoutSplit,
    now: DateTime<Utc>,
) -> Result<Vec<PayoutStatement>, PayoutsError> {
    let run = split.run_id.as_ref().ok_or_else(|| {
        PayoutsError::RunGone(format!("{} (the split names no run)", split.period))
    })?;
    if store.runs().run_item::<RunMeta>(run, ()).await?.is_none() {
        return Err(PayoutsError::RunGone(run.to_string()));
    }
    let mut ids: Vec<ProducerId> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .runs()
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
    let summaries = store.runs().run_summaries(run, &ids).await?;
    let profiles = store.catalog().get_producers(&ids).await?;
    let mut claimants = Vec::with_capacity(ids.len());
    for id in &ids {
        let units = summaries
            .get(id)
            .map(|s| s.contribution_units.get())
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
/// `destinations` are the claimants' Stripe accounts when the split ran (each send reads the
/// account again).
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
    let (Some(run_id), Some(run_as_of)) = (&split.run_id, split.run_as_of) else {
        return Err(PayoutsError::RunGone(format!(
            "{} (the split names no run)",
            split.period
        )));
    };
    let excluded = lines.excluded() as u64;
    let eligible_units = ExactUnits(lines.eligible_units);
    Ok(lines
        .lines
        .iter()
        .map(|line| {
            let (status, floor, remainder, missing) = match line.outcome.clone() {
                Outcome::Paid {
                    floor,
                    remainder_unit,
                } => (StatementStatus::Queued, floor, remainder_unit, Vec::new()),
                Outcome::Excluded { missing } => (StatementStatus::Excluded, 0, false, missing),
            };
            let (status, note) = if status == StatementStatus::Excluded {
                let names: Vec<&str> = missing.iter().map(|s| s.name()).collect();
                (
                    status,
                    Some(format!("not payout-ready: missing {}", names.join(", "))),
                )
            } else if line.amount_minor() == 0 {
                (
                    StatementStatus::NothingDue,
                    Some("nothing due: the exact share rounds to 0 minor units".to_owned()),
                )
            } else {
                (status, None)
            };
            PayoutStatement {
                producer_id: line.producer.clone(),
                period: split.period,
                currency: split.currency,
                amount_minor: line.amount_minor(),
                run_id: run_id.clone(),
                run_as_of,
                contribution_units: ExactUnits(line.units),
                contribution_value: ExactSum::from_units(line.units).to_f64(),
                eligible_units,
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
                paid_parts: Vec::new(),
                failure: None,
                hold: None,
                attempts: 0,
                send_round: 0,
                revision: 0,
                history: vec![StatusChange {
                    status,
                    at: now,
                    note,
                }],
                history_dropped: 0,
            }
        })
        .collect())
}
