//! `cargo xtask payouts-bench`: the monthly split and its writes for many producers.
//!
//! Generates a run's claimants (exact contribution units spread over five orders of magnitude,
//! about 80% payout-ready), then times the pure part (`payouts::split::build_statements`: the
//! split in whole minor units and every statement) and the writes (`Store::put_statements`:
//! every statement, the roster and the open-statement markers) into a fresh table on an in-memory DynamoDB Local. Peak
//! memory is this process's own high-water mark (`VmHWM`; DynamoDB Local runs in its own JVM, which
//! `/usr/bin/time` would count). The amounts are checked to sum to the pool.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Result, bail};
use chrono::Utc;
use contribution::ProducerId;
use contribution::payout::Claimant;
use contribution::statement::{Currency, PayoutPeriod, StatementStatus};
use results::payout::PayoutSplit;
use serde_json::json;
use store::BatchStats;
use store::Store;
use store::payouts::items::pack_roster;
use store::runs::published::run_id;

use crate::dynamodb_local::{DynamoDbLocal, Storage};

#[derive(clap::Args)]
pub struct PayoutsBenchArgs {
    /// Producers with a contribution in the run.
    #[arg(long, default_value_t = 100_000)]
    producers: usize,
    /// The pool, in minor units.
    #[arg(long, default_value_t = 987_654_321)]
    pool_minor: u64,
}

pub fn run(args: PayoutsBenchArgs) -> Result<()> {
    let local = DynamoDbLocal::start(Storage::InMemory, None)?;
    tokio::runtime::Runtime::new()?.block_on(measure(&args, &local.endpoint()))
}

async fn measure(args: &PayoutsBenchArgs, endpoint: &str) -> Result<()> {
    let now = Utc::now();
    let mut rng = fastrand::Rng::with_seed(15);
    let claimants: Vec<Claimant> = (0..args.producers)
        .map(|i| {
            let ready = i % 10 < 8;
            Claimant {
                producer: ProducerId::parse(format!("p{i}")).expect("a valid id"),
                // 2^-64 units: values from about 0.01 to 1,000.
                units: u128::from(rng.u64(1..100_000)) * (1u128 << 50) * 10u128.pow(rng.u32(0..3)),
                has_stripe_account: ready || i % 10 == 8,
                charges_enabled: ready,
                payouts_enabled: ready,
            }
        })
        .collect();
    let destinations: HashMap<ProducerId, String> = claimants
        .iter()
        .filter(|c| c.has_stripe_account)
        .map(|c| (c.producer.clone(), format!("acct_{}", c.producer)))
        .collect();
    let split = PayoutSplit::starting(
        PayoutPeriod::parse("2026-11")?,
        args.pool_minor,
        Currency::Usd,
        Some((run_id(now), now)),
        now,
    );

    let started = Instant::now();
    let statements = payouts::split::build_statements(&split, &claimants, &destinations, now)?;
    let ids: Vec<ProducerId> = statements.iter().map(|s| s.producer_id.clone()).collect();
    let roster = pack_roster(split.period, &ids)?;
    let split_seconds = started.elapsed().as_secs_f64();
    let sum: u64 = statements.iter().map(|s| s.amount_minor).sum();
    if sum != args.pool_minor {
        bail!(
            "the statements sum to {sum}, not the pool {}",
            args.pool_minor
        );
    }

    let config = store::StoreConfig::new("beatpass-payouts-bench", Some(endpoint.to_owned()));
    let store = Store::connect(&config).await;
    store.create_table_without_stream().await?;
    let stats = BatchStats::default();
    let started = Instant::now();
    store
        .payouts()
        .put_statements(&statements, &roster, 16, &stats)
        .await?;
    let write_seconds = started.elapsed().as_secs_f64();
    // One open-statement marker for each statement not final (the Queued ones).
    let markers = statements.iter().filter(|s| !s.status.is_final()).count();
    let items = statements.len() + roster.len() + markers;
    println!(
        "{}",
        json!({
            "producers": args.producers,
            "eligible": statements.iter().filter(|s| s.status == StatementStatus::Queued).count(),
            "splitSeconds": split_seconds,
            "itemsWritten": items,
            "rosterParts": roster.len(),
            "openMarkers": markers,
            "writeSeconds": write_seconds,
            "itemsPerSecond": items as f64 / write_seconds,
            "retries": stats.retried(),
            "peakRssMiB": crate::memory::peak_rss_mib(),
        })
    );
    Ok(())
}
