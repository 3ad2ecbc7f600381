//! `cargo xtask pool-event`: billing's "Producer Pool Closed" EventBridge event, for
//! `cargo lambda invoke payouts --data-file` against `cargo xtask dev`.
//!
//! The amount is given in major units as written on an invoice (`12345.67`) and converted to
//! minor units exactly, as text: no float ever holds it. The event is checked by the `payouts`
//! function's own parser before it is printed.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::json;

#[derive(clap::Args)]
pub struct PoolEventArgs {
    /// The month closed, `YYYY-MM` (default: last month, the one a pool can be paid for now).
    #[arg(long)]
    period: Option<String>,
    /// The producer pool in major units, at most two decimals (`12345.67`).
    #[arg(long)]
    amount: String,
    /// USD, EUR, GBP or CAD.
    #[arg(long, default_value = "USD")]
    currency: String,
    /// Write the event here instead of printing it.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `12345.67` → 1,234,567 minor units, exactly (two-decimal currencies).
pub fn minor_units(amount: &str) -> Result<u64> {
    let text = amount.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || fraction.len() > 2 {
        bail!("{amount:?} is not an amount: write it like 12345.67 (at most two decimals)");
    }
    let cents = format!("{fraction:0<2}");
    let minor = whole
        .parse::<u64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(cents.parse::<u64>().ok()?))
        .with_context(|| format!("{amount:?} is too large"))?;
    if minor == 0 {
        bail!("the pool must be more than zero");
    }
    Ok(minor)
}

/// The AWS account local pool events come from: `cargo xtask dev` gives the payouts function the
/// same one as `BILLING_ACCOUNT_ID`.
pub const LOCAL_BILLING_ACCOUNT: &str = "000000000000";

/// The month before `now`'s: the latest period whose pool can be split.
pub fn last_closed_period(now: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    let (year, month) = match now.month() {
        1 => (now.year() - 1, 12),
        m => (now.year(), m - 1),
    };
    format!("{year:04}-{month:02}")
}

/// Billing's "Producer Pool Closed" event for `period`, from the local billing account.
pub fn event(period: &str, amount_minor: u64, currency: &str) -> serde_json::Value {
    json!({
        "version": "0",
        "id": format!("local-{period}"),
        "detail-type": payouts::event::POOL_CLOSED,
        "source": payouts::event::BILLING_SOURCE,
        "account": LOCAL_BILLING_ACCOUNT,
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "local",
        "resources": [],
        "detail": {"period": period, "amountMinor": amount_minor, "currency": currency},
    })
}

pub fn run(args: PoolEventArgs) -> Result<()> {
    let period = args
        .period
        .unwrap_or_else(|| last_closed_period(chrono::Utc::now()));
    let event = event(
        &period,
        minor_units(&args.amount)?,
        &args.currency.to_ascii_uppercase(),
    );
    if let Err(e) = payouts::event::command(&event) {
        bail!("the payouts function would refuse this event: {e}");
    }
    let text = serde_json::to_string_pretty(&event)?;
    crate::project::emit(&text, args.out.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_exact_minor_units() {
        assert_eq!(minor_units("12345.67").ok(), Some(1_234_567));
        assert_eq!(minor_units("100").ok(), Some(10_000));
        assert_eq!(minor_units("0.5").ok(), Some(50));
        assert_eq!(minor_units("0.07").ok(), Some(7));
        for bad in [
            "",
            "1.234",
            "-5",
            "1e3",
            "12,50",
            "0",
            "0.00",
            ".5",
            "NaN",
            "184467440737095516.16",
        ] {
            assert!(minor_units(bad).is_err(), "{bad}");
        }
    }
}
