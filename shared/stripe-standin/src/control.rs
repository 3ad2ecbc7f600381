//! `POST /_standin/control`: steering the stand-in over HTTP, for `cargo xtask dev` users (make
//! Stripe fail, then recover, and watch the payouts function cope) and for the conformance script
//! that drives the stand-in with Stripe's own client library. Not part of Stripe's API; the
//! stand-in only ever listens on loopback.
//!
//! The body is one JSON object, `{"action": …}`:
//! `{"action":"faults","rateLimited":0.1,"serverError":0,"timeoutAfterApply":0,"internalError":0}`,
//! `{"action":"listFailure","failure":"rateLimited"|"serverError"|"timeout"|null}`,
//! `{"action":"advanceHours","hours":25}`, `{"action":"revokeKey","key":"sk_…"}`,
//! `{"action":"restrictKey","key":"rk_…","readTransfers":false,"writeTransfers":true}`,
//! `{"action":"closeAccount","account":"acct_…"}`,
//! `{"action":"removeTransfersCapability","account":"acct_…"}`,
//! `{"action":"restoreTransfersCapability","account":"acct_…"}`,
//! `{"action":"balance","currency":"usd","minor":0}`, `{"action":"processingDelayMs","ms":500}`,
//! `{"action":"recover"}`. The answer is `{"ok":true}`, or a 400 saying what was wrong.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Faults, Permissions, StandIn};

/// How list requests fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ListFailure {
    /// A 429 `rate_limit`.
    RateLimited,
    /// A 500 `api_error`.
    ServerError,
    /// No answer for longer than any client waits.
    Timeout,
}

/// One steering command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase", deny_unknown_fields)]
pub enum Control {
    Faults(Faults),
    #[serde(rename_all = "camelCase")]
    ListFailure {
        failure: Option<ListFailure>,
    },
    AdvanceHours {
        hours: u32,
    },
    RevokeKey {
        key: String,
    },
    #[serde(rename_all = "camelCase")]
    RestrictKey {
        key: String,
        read_transfers: bool,
        write_transfers: bool,
    },
    CloseAccount {
        account: String,
    },
    RemoveTransfersCapability {
        account: String,
    },
    RestoreTransfersCapability {
        account: String,
    },
    Balance {
        currency: String,
        minor: u64,
    },
    ProcessingDelayMs {
        ms: u64,
    },
    Recover,
}

impl StandIn {
    /// Carries out one steering command.
    pub fn control(&self, command: Control) {
        match command {
            Control::Faults(faults) => self.set_faults(faults),
            Control::ListFailure { failure } => self.set_list_failure(failure),
            Control::AdvanceHours { hours } => {
                self.advance(Duration::from_secs(u64::from(hours) * 3600))
            }
            Control::RevokeKey { key } => self.revoke_key(&key),
            Control::RestrictKey {
                key,
                read_transfers,
                write_transfers,
            } => self.restrict_key(
                &key,
                Permissions {
                    read_transfers,
                    write_transfers,
                },
            ),
            Control::CloseAccount { account } => self.close_account(&account),
            Control::RemoveTransfersCapability { account } => {
                self.remove_transfers_capability(&account)
            }
            Control::RestoreTransfersCapability { account } => {
                self.restore_transfers_capability(&account)
            }
            Control::Balance { currency, minor } => {
                self.set_balance(&currency.to_ascii_lowercase(), minor)
            }
            Control::ProcessingDelayMs { ms } => {
                self.set_processing_delay(Duration::from_millis(ms))
            }
            Control::Recover => self.recover(),
        }
    }
}

pub(crate) async fn handle(
    State(stand_in): State<StandIn>,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    match serde_json::from_slice::<Control>(&body) {
        Ok(command) => {
            stand_in.control(command);
            (StatusCode::OK, Json(json!({"ok": true})))
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"ok": false, "error": e.to_string()})),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_from_their_documented_json() {
        let parse = |text: &str| serde_json::from_str::<Control>(text);
        assert_eq!(
            parse(r#"{"action":"listFailure","failure":"rateLimited"}"#).ok(),
            Some(Control::ListFailure {
                failure: Some(ListFailure::RateLimited)
            })
        );
        assert_eq!(
            parse(r#"{"action":"faults","internalError":1}"#).ok(),
            Some(Control::Faults(Faults {
                internal_error: 1.0,
                ..Faults::default()
            }))
        );
        assert_eq!(
            parse(r#"{"action":"recover"}"#).ok(),
            Some(Control::Recover)
        );
        assert_eq!(
            parse(r#"{"action":"restoreTransfersCapability","account":"acct_1"}"#).ok(),
            Some(Control::RestoreTransfersCapability {
                account: "acct_1".into()
            })
        );
        assert!(parse(r#"{"action":"explode"}"#).is_err());
        assert!(parse(r#"{"action":"advanceHours","hours":-1}"#).is_err());
    }
}
