//! The function's configuration: the Stripe API base and key, the limits, and the rules a pool
//! event must meet (`PayoutRules`).
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

    /// Whether the base is this machine (the stand-in), where a plain key is allowed: the URL's
    /// host, parsed, is a loopback address or `localhost`, with no user information (so
    /// `http://127.0.0.1:1@elsewhere.example` is not).
    pub fn is_loopback(&self) -> bool {
        let Ok(url) = url::Url::parse(&self.api_base) else {
            return false;
        };
        let plain = matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none();
        plain
            && match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }
}

/// What a pool event must meet before a cent moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRules {
    /// The AWS account billing publishes from: the event's `account` must be it
    /// (`BILLING_ACCOUNT_ID`; the template's `BillingAccountId`, which the rule matches too).
    pub billing_account: String,
    /// How many months back a period may still be split (`PAYOUT_MAX_PERIOD_AGE_MONTHS`,
    /// default 3): last month is 1.
    pub max_period_age_months: u32,
}

impl PayoutRules {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, PayoutsError> {
        let billing_account = lookup("BILLING_ACCOUNT_ID")
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                PayoutsError::Config(
                    "BILLING_ACCOUNT_ID must be the 12-digit AWS account billing publishes its \
                     pool events from"
                        .to_owned(),
                )
            })?;
        let max_period_age_months = match lookup("PAYOUT_MAX_PERIOD_AGE_MONTHS") {
            None => 3,
            Some(text) => text.parse().ok().filter(|m| (1..=24).contains(m)).ok_or_else(|| {
                PayoutsError::Config(format!(
                    "PAYOUT_MAX_PERIOD_AGE_MONTHS must be a whole number from 1 to 24, not {text:?}"
                ))
            })?,
        };
        Ok(Self {
            billing_account,
            max_period_age_months,
        })
    }
}

/// The Stripe secret key: from Secrets Manager, or (loopback only) from `STRIPE_API_KEY`.
pub async fn api_key(
    settings: &StripeSettings,
    lookup: impl Fn(&str) -> Option<String>,
    aws: &aws_config::SdkConfig,
) -> Result<String, PayoutsError> {
    if let Some(arn) = lookup("STRIPE_SECRET_ARN") {
        // The live key goes to Stripe and nowhere else: one changed variable must not send it
        // to another host.
        if settings.api_base != STRIPE_API {
            return Err(PayoutsError::Config(format!(
                "STRIPE_API_BASE must be {STRIPE_API} (or unset) when the key comes from \
                 Secrets Manager, not {:?}",
                settings.api_base
            )));
        }
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
        for (base, loopback) in [
            ("http://localhost:12111", true),
            ("http://[::1]:12111", true),
            ("http://127.0.0.2:80/", true),
            ("http://127.0.0.1:1@example.com", false),
            ("http://user@127.0.0.1:12111", false),
            ("http://127.0.0.1.example.com:80", false),
            ("http://localhost.example.com", false),
            ("ftp://127.0.0.1/", false),
            ("127.0.0.1:12111", false),
        ] {
            let settings = StripeSettings::from_lookup(move |n: &str| {
                (n == "STRIPE_API_BASE").then(|| base.to_owned())
            })
            .expect("settings");
            assert_eq!(settings.is_loopback(), loopback, "{base}");
        }
    }

    #[test]
    fn pool_rules_need_billings_account_and_a_sane_age() {
        let rules = |pairs: Vec<(&'static str, &'static str)>| {
            PayoutRules::from_lookup(move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        let ok = rules(vec![("BILLING_ACCOUNT_ID", "111122223333")]).expect("rules");
        assert_eq!(ok.max_period_age_months, 3);
        assert!(rules(vec![]).is_err());
        assert!(rules(vec![("BILLING_ACCOUNT_ID", "1111")]).is_err());
        for age in ["0", "25", "three", "-1"] {
            assert!(
                rules(vec![
                    ("BILLING_ACCOUNT_ID", "111122223333"),
                    ("PAYOUT_MAX_PERIOD_AGE_MONTHS", age)
                ])
                .is_err(),
                "{age}"
            );
        }
    }
}
