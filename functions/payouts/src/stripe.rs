//! Stripe's transfers API over HTTPS: create a transfer with an idempotency key, and list a
//! transfer group's transfers (to find what a lost answer already paid). The same client talks to
//! the loopback stand-in locally (`STRIPE_API_BASE`).
//!
//! Every answer that is not a success becomes a [`StripeFailure`], sorted by Stripe's documented
//! status codes and error codes (stripe.com/docs/api/errors, /docs/error-codes) into this
//! project's [`FailureCode`]: what a retry can fix, what needs the producer's new account, and
//! what needs a person. Both calls retry a 429 inside the call with exponential backoff and
//! jitter, as Stripe asks.

use std::collections::HashMap;
use std::time::Duration;

use contribution::statement::{Currency, PayoutPeriod};
use results::payout::{FailureCode, TransferFailure};
use serde::Deserialize;

pub use contribution::statement::MAX_TRANSFER_MINOR;

/// The transfer group of a period's payouts: listed before anything sent before is sent again.
pub fn transfer_group(period: PayoutPeriod) -> String {
    format!("payout-{period}")
}

/// The idempotency key of one send of one part of a statement: the same for every retry of it
/// (so Stripe replays a request whose answer was lost), and a new one when the destination
/// changes (it is named in the key) or the statement is sent again after a hold (`round`: an
/// error Stripe saved under the old key, such as a paused capability, is not replayed to the
/// recovered account). A statement paid in several transfers names the part. Before any key but
/// a statement's first is used, the period's group is listed, so no earlier transfer for the
/// same part is ever repeated under a new key.
pub fn idempotency_key(
    period: PayoutPeriod,
    producer: &str,
    destination: &str,
    round: u32,
    part: Option<u32>,
) -> String {
    let mut key = format!("payout-{period}-{producer}-{destination}");
    if round > 0 {
        key.push_str(&format!("-round-{round}"));
    }
    if let Some(part) = part {
        key.push_str(&format!("-part-{part}"));
    }
    key
}

/// The metadata key naming the producer a transfer pays (read back from the group listing).
pub const METADATA_PRODUCER: &str = "producer";
/// The metadata key naming the period a transfer pays.
pub const METADATA_PERIOD: &str = "period";
/// The metadata key naming which part of a statement a transfer pays (1 when it is paid whole;
/// transfers made before parts existed have none, and count as part 1).
pub const METADATA_PART: &str = "part";

/// A transfer as Stripe returns it (the fields this system reads).
#[derive(Debug, Clone, Deserialize)]
pub struct TransferObject {
    pub id: String,
    pub amount: u64,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

impl TransferObject {
    /// The producer the transfer pays, from its metadata.
    pub fn producer(&self) -> Option<&str> {
        self.metadata.get(METADATA_PRODUCER).map(String::as_str)
    }

    /// The part of the producer's statement it pays (1 when the metadata names none).
    pub fn part(&self) -> u32 {
        self.metadata
            .get(METADATA_PART)
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    }
}

#[derive(Debug, Deserialize)]
struct List {
    data: Vec<TransferObject>,
    has_more: bool,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Debug, Deserialize)]
struct ErrorObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// What to pay, to whom, under which key. The key, the group and the metadata sit together:
/// they are what makes a lost answer findable and a retry harmless.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    pub amount_minor: u64,
    pub currency: Currency,
    /// A connected account, `acct_…`.
    pub destination: String,
    /// The same for every send of the same statement to the same account.
    pub idempotency_key: String,
    /// [`transfer_group`] of the period.
    pub transfer_group: String,
    /// [`METADATA_PERIOD`], [`METADATA_PRODUCER`] and [`METADATA_PART`].
    pub period: PayoutPeriod,
    pub producer: String,
    pub part: u32,
}

impl TransferRequest {
    fn form(&self) -> Vec<(String, String)> {
        vec![
            ("amount".into(), self.amount_minor.to_string()),
            ("currency".into(), self.currency.stripe_code().to_owned()),
            ("destination".into(), self.destination.clone()),
            ("transfer_group".into(), self.transfer_group.clone()),
            (
                format!("metadata[{METADATA_PERIOD}]"),
                self.period.to_string(),
            ),
            (
                format!("metadata[{METADATA_PRODUCER}]"),
                self.producer.clone(),
            ),
            (format!("metadata[{METADATA_PART}]"), self.part.to_string()),
        ]
    }
}

/// A Stripe call that did not succeed: this project's code for it, Stripe's own code, and (for
/// logs only, never stored or shown) Stripe's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Stripe call failed: {code:?} (HTTP {status:?}, Stripe code {stripe_code:?}): {detail}")]
pub struct StripeFailure {
    pub code: FailureCode,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub stripe_code: Option<String>,
    /// Stripe's message, or the transport error: for the log line.
    pub detail: String,
}

impl StripeFailure {
    /// What the statement keeps.
    pub fn stored(&self) -> TransferFailure {
        TransferFailure::new(self.code, self.stripe_code.clone())
    }

    /// Whether the platform's key itself was refused: every other call would fail the same way.
    pub fn is_key_problem(&self) -> bool {
        matches!(
            self.code,
            FailureCode::KeyRejected | FailureCode::KeyNotPermitted
        )
    }
}

/// Sorts an answer by Stripe's documented status and error codes.
pub fn classify(status: u16, kind: &str, code: Option<&str>, param: Option<&str>) -> FailureCode {
    match (status, code) {
        (429, _) | (_, Some("rate_limit")) => FailureCode::RateLimited,
        (500..=599, _) | (_, Some("lock_timeout")) => FailureCode::StripeUnavailable,
        (401, _) => FailureCode::KeyRejected,
        (403, _) => FailureCode::KeyNotPermitted,
        (409, _) => FailureCode::RequestInProgress,
        (_, Some("balance_insufficient")) => FailureCode::PlatformBalance,
        (
            _,
            Some(
                "account_invalid"
                | "account_closed"
                | "insufficient_capabilities_for_transfer"
                | "transfers_not_allowed",
            ),
        ) => FailureCode::AccountUnusable,
        (_, Some("resource_missing")) if param == Some("destination") => {
            FailureCode::AccountUnusable
        }
        _ if kind == "api_error" => FailureCode::StripeUnavailable,
        _ => FailureCode::TransferRefused,
    }
}

/// An error answer's body into a failure.
pub fn api_failure(status: u16, body: &str) -> StripeFailure {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => StripeFailure {
            code: classify(
                status,
                &error.kind,
                error.code.as_deref(),
                error.param.as_deref(),
            ),
            status: Some(status),
            stripe_code: Some(error.code.unwrap_or(error.kind)),
            detail: error.message.unwrap_or_default(),
        },
        Err(_) => StripeFailure {
            code: classify(status, "", None, None),
            status: Some(status),
            stripe_code: Some(format!("http_{status}")),
            detail: body.chars().take(200).collect(),
        },
    }
}

fn transport_failure(e: &reqwest::Error) -> StripeFailure {
    StripeFailure {
        code: FailureCode::NoAnswer,
        status: None,
        stripe_code: None,
        detail: if e.is_timeout() {
            format!("timed out: {e}")
        } else {
            e.to_string()
        },
    }
}

/// The Stripe API client: base URL, secret key, and an HTTP client with a request timeout.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    key: String,
    /// Extra tries of a 429 inside one call, with exponential backoff.
    rate_limit_retries: u32,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Stripe")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The API version every request pins.
const STRIPE_VERSION: &str = "2025-03-31.basil";

impl Stripe {
    pub fn new(base: &str, key: String, timeout: Duration) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(Duration::from_secs(5))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            key,
            rate_limit_retries: 3,
        })
    }

    /// Sends what `request` builds, retrying a 429 with backoff; the successful answer's body.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, StripeFailure> {
        let mut backoff = Duration::from_millis(250);
        let mut tries = 0;
        loop {
            let response = request()
                .bearer_auth(&self.key)
                .header("Stripe-Version", STRIPE_VERSION)
                .send()
                .await
                .map_err(|e| transport_failure(&e))?;
            let status = response.status();
            if status.is_success() {
                return response.json().await.map_err(|e| transport_failure(&e));
            }
            if status.as_u16() == 429 && tries < self.rate_limit_retries {
                tries += 1;
                let jitter =
                    Duration::from_millis(fastrand::u64(0..=backoff.as_millis() as u64 / 2));
                tokio::time::sleep(backoff + jitter).await;
                backoff *= 2;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            return Err(api_failure(status.as_u16(), &body));
        }
    }

    /// `POST /v1/transfers`.
    pub async fn create_transfer(
        &self,
        request: &TransferRequest,
    ) -> Result<TransferObject, StripeFailure> {
        let form = request.form();
        let url = format!("{}/v1/transfers", self.base);
        self.send(|| {
            self.http
                .post(&url)
                .header("Idempotency-Key", &request.idempotency_key)
                .form(&form)
        })
        .await
    }

    /// Every transfer in `group` (`GET /v1/transfers?transfer_group=`), all pages.
    pub async fn transfers_in_group(
        &self,
        group: &str,
    ) -> Result<Vec<TransferObject>, StripeFailure> {
        let url = format!("{}/v1/transfers", self.base);
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![
                ("transfer_group", group.to_owned()),
                ("limit", "100".into()),
            ];
            if let Some(after) = &after {
                query.push(("starting_after", after.clone()));
            }
            let page: List = self.send(|| self.http.get(&url).query(&query)).await?;
            after = page.data.last().map(|t| t.id.clone());
            all.extend(page.data);
            if !page.has_more || after.is_none() {
                return Ok(all);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureCode::*;

    /// One documented answer: status, error type, code and param; what it means here, and
    /// whether the hourly step retries it.
    type Row = (
        u16,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        FailureCode,
        bool,
    );

    /// Stripe's documented answers (status × type × code × param) and what each means here.
    #[test]
    fn answers_are_sorted_by_stripes_documented_codes() {
        let table: &[Row] = &[
            (
                429,
                "invalid_request_error",
                Some("rate_limit"),
                None,
                RateLimited,
                true,
            ),
            (
                400,
                "invalid_request_error",
                Some("rate_limit"),
                None,
                RateLimited,
                true,
            ),
            (500, "api_error", None, None, StripeUnavailable, true),
            (502, "", None, None, StripeUnavailable, true),
            (503, "api_error", None, None, StripeUnavailable, true),
            (
                400,
                "invalid_request_error",
                Some("lock_timeout"),
                None,
                StripeUnavailable,
                true,
            ),
            (401, "invalid_request_error", None, None, KeyRejected, true),
            (
                403,
                "invalid_request_error",
                None,
                None,
                KeyNotPermitted,
                true,
            ),
            (403, "permission_error", None, None, KeyNotPermitted, true),
            (
                409,
                "idempotency_error",
                Some("idempotency_key_in_use"),
                None,
                RequestInProgress,
                true,
            ),
            (
                400,
                "invalid_request_error",
                Some("balance_insufficient"),
                None,
                PlatformBalance,
                true,
            ),
            (
                400,
                "invalid_request_error",
                Some("account_invalid"),
                None,
                AccountUnusable,
                false,
            ),
            (
                400,
                "invalid_request_error",
                Some("insufficient_capabilities_for_transfer"),
                Some("destination"),
                AccountUnusable,
                false,
            ),
            (
                400,
                "invalid_request_error",
                Some("transfers_not_allowed"),
                None,
                AccountUnusable,
                false,
            ),
            (
                404,
                "invalid_request_error",
                Some("resource_missing"),
                Some("destination"),
                AccountUnusable,
                false,
            ),
            (
                404,
                "invalid_request_error",
                Some("resource_missing"),
                Some("id"),
                TransferRefused,
                false,
            ),
            (400, "idempotency_error", None, None, TransferRefused, false),
            (
                400,
                "invalid_request_error",
                Some("parameter_invalid_integer"),
                Some("amount"),
                TransferRefused,
                false,
            ),
            (
                400,
                "invalid_request_error",
                Some("amount_too_large"),
                Some("amount"),
                TransferRefused,
                false,
            ),
            (
                400,
                "invalid_request_error",
                Some("parameter_missing"),
                Some("currency"),
                TransferRefused,
                false,
            ),
            (402, "card_error", None, None, TransferRefused, false),
        ];
        for &(status, kind, code, param, want, retryable) in table {
            let got = classify(status, kind, code, param);
            assert_eq!(got, want, "{status} {kind} {code:?} {param:?}");
            assert_eq!(got.is_retryable(), retryable, "{status} {code:?}");
        }
    }

    #[test]
    fn keys_name_the_destination_the_round_and_the_part() {
        let period = PayoutPeriod::parse("2026-11").expect("period");
        assert_eq!(
            idempotency_key(period, "p1", "acct_1", 0, None),
            "payout-2026-11-p1-acct_1"
        );
        assert_eq!(
            idempotency_key(period, "p1", "acct_2", 2, Some(3)),
            "payout-2026-11-p1-acct_2-round-2-part-3"
        );
        let keys: std::collections::HashSet<String> = [
            idempotency_key(period, "p1", "acct_1", 0, None),
            idempotency_key(period, "p1", "acct_2", 0, None),
            idempotency_key(period, "p1", "acct_1", 1, None),
            idempotency_key(period, "p1", "acct_1", 0, Some(1)),
            idempotency_key(period, "p1", "acct_1", 0, Some(2)),
        ]
        .into();
        assert_eq!(
            keys.len(),
            5,
            "every destination, round and part has its own key"
        );
    }

    #[test]
    fn error_bodies_keep_stripes_code_and_not_its_text_in_what_is_stored() {
        let revoked = r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_live_****1234"}}"#;
        let f = api_failure(401, revoked);
        assert_eq!(f.code, KeyRejected);
        assert!(f.is_key_problem());
        let stored = serde_json::to_string(&f.stored()).expect("encode");
        assert!(!stored.contains("sk_live"), "{stored}");
        assert_eq!(
            stored,
            r#"{"code":"key_rejected","retryable":true,"stripeCode":"invalid_request_error"}"#
        );
        let html = api_failure(502, "<html>bad gateway</html>");
        assert_eq!(
            (html.code, html.stripe_code.as_deref()),
            (StripeUnavailable, Some("http_502"))
        );
    }
}
