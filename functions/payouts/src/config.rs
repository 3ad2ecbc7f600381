//! The function's configuration: the Stripe API base and key, the limits, and the rules a pool
//! event must meet and holds are kept to (`PayoutRules`).
//!
//! The key is read from AWS Secrets Manager (`STRIPE_SECRET_ARN`, the secret's ARN; the secret
//! string is the key itself, or JSON with an `apiKey` field), never from the template or a log
//! line. Local runs against the loopback stand-in may pass `STRIPE_API_KEY` instead; it is
//! refused for any other base, so a deployed function cannot be configured with a plain-text key.
//! The key's mode must fit where it goes: with the real Stripe base a live key (`sk_live_`,
//! `rk_live_`), unless the stack says it is a test stack (`STRIPE_MODE=test`); a live key is
//! never sent to any other base.

use std::time::Duration;

use chrono::TimeDelta;

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

/// What a pool event must meet before a cent moves, and how long holds and waits may last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRules {
    /// The AWS account billing publishes from: the event's `account` must be it
    /// (`BILLING_ACCOUNT_ID`; the template's `BillingAccountId`, which the rule matches too).
    pub billing_account: String,
    /// How many months back a period may still be split (`PAYOUT_MAX_PERIOD_AGE_MONTHS`,
    /// default 3): last month is 1.
    pub max_period_age_months: u32,
    /// The largest pool accepted, in minor units (`PAYOUT_MAX_POOL_MINOR`, default
    /// 1,000,000,000: 10 million in the major unit): a mis-scaled pool is refused, not paid.
    pub max_pool_minor: u64,
    /// A statement held longer than this raises `HeldTooLong` (`PAYOUT_HOLD_ALARM_HOURS`,
    /// default 72).
    pub hold_alarm: TimeDelta,
    /// A statement held longer than this is handed to operators: Escalated, no longer retried
    /// (`PAYOUT_HOLD_LIMIT_DAYS`, default 90).
    pub hold_limit: TimeDelta,
    /// A pool waiting longer than this for its run raises `PoolsWaitingTooLong`
    /// (`PAYOUT_WAIT_ALARM_HOURS`, default 36: a day's schedule and then some).
    pub wait_alarm: TimeDelta,
}

/// The largest pool `PAYOUT_MAX_POOL_MINOR` may allow: at most 100 transfers for one producer.
pub const POOL_CEILING_LIMIT: u64 = 100 * contribution::statement::MAX_TRANSFER_MINOR;

impl PayoutRules {
    /// The defaults, for billing's `account`.
    pub fn new(billing_account: &str) -> Self {
        Self {
            billing_account: billing_account.to_owned(),
            max_period_age_months: 3,
            max_pool_minor: 1_000_000_000,
            hold_alarm: TimeDelta::hours(72),
            hold_limit: TimeDelta::days(90),
            wait_alarm: TimeDelta::hours(36),
        }
    }

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
        let defaults = Self::new(&billing_account);
        let number =
            |name: &str, range: std::ops::RangeInclusive<u64>, default: u64| match lookup(name) {
                None => Ok(default),
                Some(text) => text
                    .parse()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        PayoutsError::Config(format!(
                            "{name} must be a whole number from {} to {}, not {text:?}",
                            range.start(),
                            range.end()
                        ))
                    }),
            };
        Ok(Self {
            max_period_age_months: number(
                "PAYOUT_MAX_PERIOD_AGE_MONTHS",
                1..=24,
                u64::from(defaults.max_period_age_months),
            )? as u32,
            max_pool_minor: number(
                "PAYOUT_MAX_POOL_MINOR",
                1..=POOL_CEILING_LIMIT,
                defaults.max_pool_minor,
            )?,
            hold_alarm: TimeDelta::hours(number("PAYOUT_HOLD_ALARM_HOURS", 1..=24 * 90, 72)? as i64),
            hold_limit: TimeDelta::days(number("PAYOUT_HOLD_LIMIT_DAYS", 1..=730, 90)? as i64),
            wait_alarm: TimeDelta::hours(number("PAYOUT_WAIT_ALARM_HOURS", 1..=24 * 31, 36)? as i64),
            billing_account,
        })
    }
}

/// Which kind of Stripe key a deployment expects with the real base (`STRIPE_MODE`: `live`, the
/// default, or `test` for a staging stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeMode {
    Live,
    Test,
}

impl StripeMode {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, PayoutsError> {
        match lookup("STRIPE_MODE").as_deref() {
            None | Some("live") => Ok(StripeMode::Live),
            Some("test") => Ok(StripeMode::Test),
            Some(other) => Err(PayoutsError::Config(format!(
                "STRIPE_MODE must be live or test, not {other:?}"
            ))),
        }
    }
}

/// Whether `key` is a live-mode key (`sk_live_…`, `rk_live_…`).
fn is_live_key(key: &str) -> bool {
    key.starts_with("sk_live_") || key.starts_with("rk_live_")
}

/// Whether a key of `key`'s mode may be sent to `settings`' base: a live key only to the real
/// Stripe, and with the real Stripe only the mode the stack expects.
pub fn check_key_mode(
    settings: &StripeSettings,
    mode: StripeMode,
    key: &str,
) -> Result<(), PayoutsError> {
    let live = is_live_key(key);
    if settings.api_base == STRIPE_API {
        return match (mode, live) {
            (StripeMode::Live, true) | (StripeMode::Test, false) => Ok(()),
            (StripeMode::Live, false) => Err(PayoutsError::Config(
                "the Stripe key is a test-mode key, and this stack pays with the real Stripe in \
                 live mode (STRIPE_MODE=live): no transfer would reach a producer"
                    .to_owned(),
            )),
            (StripeMode::Test, true) => Err(PayoutsError::Config(
                "the Stripe key is a live key, and this stack is a test stack (STRIPE_MODE=test)"
                    .to_owned(),
            )),
        };
    }
    if live {
        return Err(PayoutsError::Config(format!(
            "a live Stripe key goes to {STRIPE_API} only, not {:?}",
            settings.api_base
        )));
    }
    Ok(())
}

/// The Stripe secret key: from Secrets Manager, or (loopback only) from `STRIPE_API_KEY`; its
/// mode checked against the base ([`check_key_mode`]).
pub async fn api_key(
    settings: &StripeSettings,
    lookup: impl Fn(&str) -> Option<String> + Copy,
    aws: &aws_config::SdkConfig,
) -> Result<String, PayoutsError> {
    let key = read_key(settings, lookup, aws).await?;
    check_key_mode(settings, StripeMode::from_lookup(lookup)?, &key)?;
    Ok(key)
}

async fn read_key(
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

    /// Review L7's residue: a test-mode key with the real Stripe (transfers that never reach
    /// anyone) and a live key anywhere else (real money through a stand-in or a stray base) are
    /// both refused.
    #[test]
    fn a_key_must_fit_the_base_it_goes_to() {
        let real = StripeSettings::from_lookup(|_: &str| None).expect("settings");
        let local = StripeSettings::from_lookup(|n: &str| {
            (n == "STRIPE_API_BASE").then(|| "http://127.0.0.1:12111".to_owned())
        })
        .expect("settings");
        use StripeMode::*;
        for (settings, mode, key, ok) in [
            (&real, Live, "sk_live_abc", true),
            (&real, Live, "rk_live_abc", true),
            (&real, Live, "sk_test_abc", false),
            (&real, Live, "rk_test_abc", false),
            (&real, Test, "sk_test_abc", true),
            (&real, Test, "sk_live_abc", false),
            (&local, Live, "sk_test_local", true),
            (&local, Live, "sk_live_abc", false),
            (&local, Test, "rk_live_abc", false),
        ] {
            assert_eq!(
                check_key_mode(settings, mode, key).is_ok(),
                ok,
                "{} {mode:?} {key}",
                settings.api_base
            );
        }
        assert!(StripeMode::from_lookup(|_: &str| Some("sandbox".into())).is_err());
        assert_eq!(
            StripeMode::from_lookup(|_: &str| None).ok(),
            Some(StripeMode::Live)
        );
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
        assert_eq!(ok, PayoutRules::new("111122223333"));
        assert_eq!(ok.max_period_age_months, 3);
        let tuned = rules(vec![
            ("BILLING_ACCOUNT_ID", "111122223333"),
            ("PAYOUT_HOLD_ALARM_HOURS", "24"),
            ("PAYOUT_HOLD_LIMIT_DAYS", "30"),
            ("PAYOUT_MAX_POOL_MINOR", "5000"),
        ])
        .expect("rules");
        assert_eq!(
            (tuned.hold_alarm, tuned.hold_limit, tuned.max_pool_minor),
            (TimeDelta::hours(24), TimeDelta::days(30), 5000)
        );
        for (name, bad) in [
            ("PAYOUT_HOLD_LIMIT_DAYS", "0"),
            ("PAYOUT_MAX_POOL_MINOR", "0"),
            ("PAYOUT_MAX_POOL_MINOR", "99999999999"),
            ("PAYOUT_WAIT_ALARM_HOURS", "soon"),
        ] {
            assert!(
                rules(vec![("BILLING_ACCOUNT_ID", "111122223333"), (name, bad)]).is_err(),
                "{name}={bad}"
            );
        }
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
