//! The function's configuration: the Stripe API base and key, and the limits.
//!
//! The key is read from AWS Secrets Manager (`STRIPE_SECRET_ARN`, the secret's ARN; the secret
//! string is the key itself, or JSON with an `apiKey` field), never from the template or a log
//! line. Local runs against the loopback stand-in may pass `STRIPE_API_KEY` instead; it is
//! refused for any other base, so a deployed function cannot be configured with a plain-text key.

use std::time::Duration;

use crate::error::PayoutsError;

/// Where and how to talk to Stripe.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub api_base: String,
    pub timeout: Duration,
    pub concurrency: usize,
}

/// The real Stripe API.
pub const STRIPE_API: &str = "https://api.stripe.com";

impl StripeSettings {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, PayoutsError> {
        let number = |name: &str, default: u64| -> Result<u64, PayoutsError> {
            match lookup(name) {
                None => Ok(default),
                Some(text) => text.parse().map_err(|_| {
                    PayoutsError::Config(format!("{name} must be a whole number, not {text:?}"))
                }),
            }
        };
        Ok(Self {
            api_base: lookup("STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API.to_owned()),
            timeout: Duration::from_millis(number("STRIPE_TIMEOUT_MS", 20_000)?),
            concurrency: number("TRANSFER_CONCURRENCY", 8)?.clamp(1, 64) as usize,
        })
    }

    /// Whether the base is this machine (the stand-in), where a plain key is allowed.
    pub fn is_loopback(&self) -> bool {
        ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
            .iter()
            .any(|p| self.api_base.starts_with(p))
    }
}

/// The Stripe secret key: from Secrets Manager, or (loopback only) from `STRIPE_API_KEY`.
pub async fn api_key(
    settings: &StripeSettings,
    lookup: impl Fn(&str) -> Option<String>,
    aws: &aws_config::SdkConfig,
) -> Result<String, PayoutsError> {
    if let Some(arn) = lookup("STRIPE_SECRET_ARN") {
        let client = aws_sdk_secretsmanager::Client::new(aws);
        let secret = client
            .get_secret_value()
            .secret_id(&arn)
            .send()
            .await
            .map_err(|e| {
                PayoutsError::Config(format!(
                    "reading the Stripe secret {arn}: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                ))
            })?;
        let text = secret.secret_string().unwrap_or_default().trim().to_owned();
        let key = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => json
                .get("apiKey")
                .and_then(|k| k.as_str())
                .map(str::to_owned)
                .unwrap_or_default(),
            Err(_) => text,
        };
        if !key.starts_with("sk_") && !key.starts_with("rk_") {
            return Err(PayoutsError::Config(format!(
                "the secret {arn} does not hold a Stripe secret or restricted key"
            )));
        }
        return Ok(key);
    }
    match lookup("STRIPE_API_KEY") {
        Some(key) if settings.is_loopback() => Ok(key),
        Some(_) => Err(PayoutsError::Config(
            "STRIPE_API_KEY is only honoured with a loopback STRIPE_API_BASE; deployed functions \
             read the key from Secrets Manager (STRIPE_SECRET_ARN)"
                .to_owned(),
        )),
        None => Err(PayoutsError::Config(
            "set STRIPE_SECRET_ARN (or, against the local stand-in, STRIPE_API_KEY)".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_key_is_only_for_the_stand_in() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let local =
            StripeSettings::from_lookup(env(&[("STRIPE_API_BASE", "http://127.0.0.1:12111")]))
                .expect("settings");
        assert!(local.is_loopback());
        let remote = StripeSettings::from_lookup(env(&[])).expect("settings");
        assert_eq!(remote.api_base, STRIPE_API);
        assert!(!remote.is_loopback());
        assert!(StripeSettings::from_lookup(env(&[("TRANSFER_CONCURRENCY", "many")])).is_err());
    }
}
