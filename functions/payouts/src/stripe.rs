//! Stripe's transfers API over HTTPS: create a transfer with an idempotency key, and list a
//! transfer group's transfers (to find what a lost answer already paid). The same client talks to
//! the loopback stand-in locally (`STRIPE_API_BASE`).
//!
//! Errors are sorted into retryable (429 after in-call backoff, 5xx, timeouts and dropped
//! connections, insufficient platform balance, a rejected API key that an operator can fix) and
//! final (every other 4xx: the request itself is wrong).

use std::time::Duration;

use serde::Deserialize;
use store::payout_items::TransferFailure;

/// A transfer as Stripe returns it (the fields this system reads).
#[derive(Debug, Clone, Deserialize)]
pub struct TransferObject {
    pub id: String,
    pub amount: u64,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct List {
    data: Vec<TransferObject>,
    has_more: bool,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: StripeError,
}

#[derive(Debug, Deserialize)]
struct StripeError {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// What to pay, to whom, under which key.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    pub amount_minor: u64,
    pub currency: &'static str,
    pub destination: String,
    pub transfer_group: String,
    pub period: String,
    pub producer: String,
    pub idempotency_key: String,
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

    /// `POST /v1/transfers`.
    pub async fn create_transfer(
        &self,
        request: &TransferRequest,
    ) -> Result<TransferObject, TransferFailure> {
        let form = [
            ("amount", request.amount_minor.to_string()),
            ("currency", request.currency.to_owned()),
            ("destination", request.destination.clone()),
            ("transfer_group", request.transfer_group.clone()),
            ("metadata[period]", request.period.clone()),
            ("metadata[producer]", request.producer.clone()),
        ];
        let mut backoff = Duration::from_millis(250);
        let mut tries = 0;
        loop {
            let sent = self
                .http
                .post(format!("{}/v1/transfers", self.base))
                .bearer_auth(&self.key)
                .header("Idempotency-Key", &request.idempotency_key)
                .header("Stripe-Version", "2025-03-31.basil")
                .form(&form)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => return Err(transport_failure(&e)),
            };
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

    /// Every transfer in `group` (`GET /v1/transfers?transfer_group=`), all pages.
    pub async fn transfers_in_group(
        &self,
        group: &str,
    ) -> Result<Vec<TransferObject>, TransferFailure> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![
                ("transfer_group", group.to_owned()),
                ("limit", "100".to_owned()),
            ];
            if let Some(after) = &after {
                query.push(("starting_after", after.clone()));
            }
            let response = self
                .http
                .get(format!("{}/v1/transfers", self.base))
                .bearer_auth(&self.key)
                .query(&query)
                .send()
                .await
                .map_err(|e| transport_failure(&e))?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(api_failure(status.as_u16(), &body));
            }
            let page: List = response.json().await.map_err(|e| transport_failure(&e))?;
            after = page.data.last().map(|t| t.id.clone());
            all.extend(page.data);
            if !page.has_more || after.is_none() {
                return Ok(all);
            }
        }
    }
}

fn transport_failure(e: &reqwest::Error) -> TransferFailure {
    let code = if e.is_timeout() { "timeout" } else { "network" };
    TransferFailure {
        code: code.to_owned(),
        message: e.to_string(),
        retryable: true,
    }
}

/// Sorts a Stripe error answer into a failure.
pub fn api_failure(status: u16, body: &str) -> TransferFailure {
    let parsed: Option<StripeError> = serde_json::from_str::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let code = parsed
        .as_ref()
        .map(|e| e.code.clone().unwrap_or_else(|| e.kind.clone()))
        .unwrap_or_else(|| format!("http_{status}"));
    let message = parsed
        .and_then(|e| e.message)
        .unwrap_or_else(|| format!("Stripe answered {status}"));
    let retryable = status == 429
        || status >= 500
        || status == 401
        || code == "balance_insufficient"
        || code == "lock_timeout";
    TransferFailure {
        code,
        message,
        retryable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_sorted_by_what_a_retry_can_fix() {
        let balance = r#"{"error":{"type":"invalid_request_error","code":"balance_insufficient","message":"You have insufficient available funds."}}"#;
        assert!(api_failure(400, balance).retryable);
        let idempotency =
            r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests..."}}"#;
        let f = api_failure(400, idempotency);
        assert_eq!((f.code.as_str(), f.retryable), ("idempotency_error", false));
        assert!(api_failure(500, r#"{"error":{"type":"api_error"}}"#).retryable);
        assert!(api_failure(502, "<html>bad gateway</html>").retryable);
        let missing = r#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such destination"}}"#;
        assert!(!api_failure(400, missing).retryable);
    }
}
