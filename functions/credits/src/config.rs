//! The function's configuration: how callers are identified (the edge both API functions share)
//! and how many credit edits a producer and an account may make (`CREDIT_EDIT_BURST`,
//! `CREDIT_EDITS_PER_MINUTE`; the template's `CreditEditBurst` and `CreditEditsPerMinute`).

use http_edge::EdgeConfig;
use store::catalog::edit_limits::EditLimit;

/// The credit-edit buckets: one per acting producer, one per account, each this size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditLimits {
    pub per_producer: EditLimit,
    pub per_account: EditLimit,
}

impl EditLimits {
    /// Generous for a person, tight for a script: 10 at once, 30 a minute.
    pub const DEFAULT: EditLimits = EditLimits::both(EditLimit {
        burst: 10,
        per_minute: 30,
    });

    /// A limit no test or tool reaches (the contract run, the load test, the tests that are not
    /// about limits): never deployed, since the template always sets the variables.
    pub const UNREACHED: EditLimits = EditLimits::both(EditLimit {
        burst: 1_000_000,
        per_minute: 1_000_000,
    });

    /// The same limit for both buckets.
    pub const fn both(limit: EditLimit) -> Self {
        Self {
            per_producer: limit,
            per_account: limit,
        }
    }
}

/// How the function treats its callers and their edits, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub edge: EdgeConfig,
    pub limits: EditLimits,
}

impl Config {
    /// Verified JWTs, one producer a token, the default limits.
    pub const JWT: Config = Config {
        edge: EdgeConfig::JWT,
        limits: EditLimits::DEFAULT,
    };

    /// `edge` with `limits`.
    pub const fn with_limits(edge: EdgeConfig, limits: EditLimits) -> Self {
        Self { edge, limits }
    }

    /// `edge` with limits no test reaches ([`EditLimits::UNREACHED`]).
    pub const fn unlimited(edge: EdgeConfig) -> Self {
        Self {
            edge,
            limits: EditLimits::UNREACHED,
        }
    }

    /// The edge configuration (`http_edge::EdgeConfig::from_env`) and the limits from the
    /// environment; a limit that is not a whole number from 1 to 10,000 is refused.
    pub fn from_env(table_endpoint: Option<&str>) -> Result<Self, String> {
        Self::from_lookup(EdgeConfig::from_env(table_endpoint)?, |name| {
            std::env::var(name).ok()
        })
    }

    fn from_lookup(
        edge: EdgeConfig,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let number = |name: &str, default: u32| match lookup(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| {
                    format!("{name} must be a whole number from 1 to 10000, not {text:?}")
                }),
        };
        let default = EditLimits::DEFAULT.per_producer;
        let limit = EditLimit {
            burst: number("CREDIT_EDIT_BURST", default.burst)?,
            per_minute: number("CREDIT_EDITS_PER_MINUTE", default.per_minute)?,
        };
        Ok(Self {
            edge,
            limits: EditLimits::both(limit),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_the_environment_within_bounds() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            Config::from_lookup(EdgeConfig::JWT, move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        assert_eq!(with(&[]), Ok(Config::JWT));
        let tuned =
            with(&[("CREDIT_EDIT_BURST", "3"), ("CREDIT_EDITS_PER_MINUTE", "6")]).expect("valid");
        assert_eq!(
            tuned.limits.per_account,
            EditLimit {
                burst: 3,
                per_minute: 6
            }
        );
        for bad in ["0", "-1", "ten", "10001"] {
            assert!(
                Config::from_lookup(EdgeConfig::JWT, |name| {
                    (name == "CREDIT_EDIT_BURST").then(|| bad.to_owned())
                })
                .is_err(),
                "{bad}"
            );
        }
    }
}
