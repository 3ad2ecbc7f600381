//! `cargo xtask sync-event`: an SQS event carrying one platform message, for
//! `cargo lambda invoke sync --data-file` against `cargo xtask dev`.
//!
//! The message is checked by the `sync` function's own parser before it is printed, so a typo
//! is an error here rather than a failed message there.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use test_events::sqs_event;

#[derive(clap::Args)]
pub struct SyncEventArgs {
    #[command(subcommand)]
    message: MessageArgs,
    /// Write the event here instead of printing it.
    #[arg(long, global = true)]
    out: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum MessageArgs {
    /// Absolute play counts as of `--at`.
    Plays {
        /// The instant the counts describe (RFC 3339; default now).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// `TRACK=PLAYS` pairs, comma-separated: `t1=10,t2=5`.
        #[arg(long, value_delimiter = ',', required = true)]
        counts: Vec<String>,
    },
    /// A change to a producer's profile: only the fields given are sent, the others stay as
    /// stored (`--clear-stripe-account` removes the account).
    Producer {
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        #[arg(long)]
        id: String,
        /// Required for a producer the table does not know yet.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_delimiter = ',')]
        genres: Option<Vec<String>>,
        #[arg(long, value_delimiter = ',')]
        styles: Option<Vec<String>>,
        #[arg(long, conflicts_with = "clear_stripe_account")]
        stripe_account_id: Option<String>,
        /// Send `"stripeAccountId": null`: the producer no longer has a payout account.
        #[arg(long)]
        clear_stripe_account: bool,
        /// `--charges-enabled` (true) or `--charges-enabled false`.
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        charges_enabled: Option<bool>,
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        payouts_enabled: Option<bool>,
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        profile_complete: Option<bool>,
    },
    /// A track the platform accepted, with its initial credits.
    Track {
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        #[arg(long)]
        id: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        uploader: String,
        /// Credited producers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        credits: Vec<String>,
        /// The upload instant (default: `--at`).
        #[arg(long)]
        uploaded_at: Option<DateTime<Utc>>,
        #[arg(long)]
        genre: Option<String>,
        #[arg(long)]
        exclusive_only: bool,
        #[arg(long)]
        metadata_complete: bool,
    },
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn message(args: MessageArgs, now: DateTime<Utc>) -> Result<Value> {
    Ok(match args {
        MessageArgs::Plays { at, counts } => {
            let counts = counts
                .iter()
                .map(|pair| {
                    let (track, plays) = pair
                        .split_once('=')
                        .with_context(|| format!("{pair:?} is not TRACK=PLAYS"))?;
                    let plays: u64 = plays
                        .parse()
                        .with_context(|| format!("{plays:?} is not a play count"))?;
                    Ok(json!({"trackId": track, "plays": plays}))
                })
                .collect::<Result<Vec<_>>>()?;
            json!({"type": "plays", "at": stamp(at.unwrap_or(now)), "counts": counts})
        }
        MessageArgs::Producer {
            at,
            id,
            name,
            genres,
            styles,
            stripe_account_id,
            clear_stripe_account,
            charges_enabled,
            payouts_enabled,
            profile_complete,
        } => {
            let mut message = json!({"type": "producer", "at": stamp(at.unwrap_or(now)), "id": id});
            let fields = [
                ("name", name.map(Value::from)),
                ("genres", genres.map(Value::from)),
                ("styles", styles.map(Value::from)),
                (
                    "stripeAccountId",
                    match (stripe_account_id, clear_stripe_account) {
                        (_, true) => Some(Value::Null),
                        (account, false) => account.map(Value::from),
                    },
                ),
                ("chargesEnabled", charges_enabled.map(Value::from)),
                ("payoutsEnabled", payouts_enabled.map(Value::from)),
                ("profileComplete", profile_complete.map(Value::from)),
            ];
            for (field, value) in fields {
                if let Some(value) = value {
                    message[field] = value;
                }
            }
            message
        }
        MessageArgs::Track {
            at,
            id,
            title,
            uploader,
            credits,
            uploaded_at,
            genre,
            exclusive_only,
            metadata_complete,
        } => {
            let at = at.unwrap_or(now);
            json!({
                "type": "track", "at": stamp(at), "trackId": id, "title": title,
                "uploaderId": uploader, "credits": credits,
                "uploadedAt": stamp(uploaded_at.unwrap_or(at)), "genre": genre,
                "exclusiveOnly": exclusive_only, "metadataComplete": metadata_complete,
            })
        }
    })
}

pub fn run(args: SyncEventArgs) -> Result<()> {
    let now = Utc::now();
    let body = message(args.message, now)?.to_string();
    if let Err(e) = sync::Message::parse(&body, now) {
        bail!("the sync function would refuse this message: {e}");
    }
    let event = serde_json::to_string_pretty(&sqs_event(&[body]))?;
    crate::project::emit(&event, args.out.as_deref())
}
