//! `cargo xtask payouts …`: the payouts function's operator commands against the local stack
//! (`cargo xtask dev`'s table and Stripe stand-in): what is owed or held and why, hold and release
//! one statement, void a split that sent nothing, reconcile a month, and the hourly retry.
//!
//! Each command is built as the JSON payload an operator invokes the deployed function with
//! (`docs/payouts.md`, "Operators") and handed to the same handler (`payouts::invoke`), so the
//! local and deployed commands are one parser and one code path. Deployed, invoke the function
//! instead: the real Stripe key lives in Secrets Manager, never on a laptop.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::target::TableTarget;

#[derive(clap::Args)]
pub struct PayoutsArgs {
    #[command(subcommand)]
    command: PayoutsCommand,
    /// The Stripe stand-in's base URL (`cargo xtask dev` starts it on port 12111).
    #[arg(long, global = true, default_value = "http://127.0.0.1:12111")]
    stripe: String,
    #[command(flatten)]
    target: TableTarget,
}

#[derive(clap::Subcommand)]
enum PayoutsCommand {
    /// Every month with a statement not final (or one month): status, amount and why.
    Owed {
        #[arg(long)]
        period: Option<String>,
    },
    /// Hold one statement: not sent until released.
    Hold(StatementArgs),
    /// Release a held, escalated or failed statement: the next pass sends it.
    Release(StatementArgs),
    /// Void a split that has sent nothing (a wrong pool).
    Void {
        #[arg(long)]
        period: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        why: String,
    },
    /// Check a month (or every recent one) against Stripe's listing of its transfers.
    Reconcile {
        #[arg(long)]
        period: Option<String>,
    },
    /// The hourly step now: split waiting pools, pay what is owed, send held statements whose
    /// producer's account changed.
    Retry,
}

#[derive(clap::Args)]
struct StatementArgs {
    #[arg(long)]
    period: String,
    #[arg(long)]
    producer: String,
    /// Who acts (recorded on the split and in the statement's history).
    #[arg(long)]
    by: String,
    /// Why (recorded likewise).
    #[arg(long)]
    why: String,
}

/// The payload the deployed function takes for `command`.
fn payload(command: &PayoutsCommand) -> Value {
    let statement = |action: &str, a: &StatementArgs| {
        json!({"action": action, "period": a.period, "producer": a.producer, "by": a.by,
            "why": a.why})
    };
    let with_period = |action: &str, period: &Option<String>| match period {
        Some(period) => json!({"action": action, "period": period}),
        None => json!({"action": action}),
    };
    match command {
        PayoutsCommand::Owed { period } => with_period("owed", period),
        PayoutsCommand::Hold(a) => statement("hold", a),
        PayoutsCommand::Release(a) => statement("release", a),
        PayoutsCommand::Void { period, by, why } => {
            json!({"action": "void", "period": period, "by": by, "why": why})
        }
        PayoutsCommand::Reconcile { period } => with_period("reconcile", period),
        PayoutsCommand::Retry => json!({"action": payouts::event::RETRY_ACTION}),
    }
}

pub fn run(args: PayoutsArgs) -> Result<()> {
    if args.target.aws {
        bail!(
            "deployed, an operator invokes the function itself: aws lambda invoke --function-name \
             <Payouts> --cli-binary-format raw-in-base64-out --payload '{}' out.json",
            payload(&args.command)
        );
    }
    let payload = payload(&args.command);
    let runtime = tokio::runtime::Runtime::new()?;
    let answer = runtime.block_on(async {
        let store = args.target.connect().await?;
        let deps = payouts::Deps {
            store,
            stripe: payouts::Stripe::new(
                &args.stripe,
                crate::dev::LOCAL_STRIPE_KEY.to_owned(),
                std::time::Duration::from_secs(20),
            )?,
            concurrency: 8,
            rules: payouts::PayoutRules::new(crate::pool_event::LOCAL_BILLING_ACCOUNT),
        };
        payouts::invoke(&deps, &payload, chrono::Utc::now)
            .await
            .with_context(|| format!("payouts refused {payload}"))
    })?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every local command is a payload the deployed function parses as that command.
    #[test]
    fn each_command_is_the_deployed_functions_payload() {
        let statement = || StatementArgs {
            period: "2026-11".into(),
            producer: "p3".into(),
            by: "ana".into(),
            why: "checked".into(),
        };
        for command in [
            PayoutsCommand::Owed { period: None },
            PayoutsCommand::Owed {
                period: Some("2026-11".into()),
            },
            PayoutsCommand::Hold(statement()),
            PayoutsCommand::Release(statement()),
            PayoutsCommand::Void {
                period: "2026-11".into(),
                by: "ana".into(),
                why: "wrong pool".into(),
            },
            PayoutsCommand::Reconcile { period: None },
            PayoutsCommand::Retry,
        ] {
            let payload = payload(&command);
            let parsed = payouts::event::command(&payload);
            assert!(parsed.is_ok(), "{payload}: {parsed:?}");
        }
    }
}
