//! Only the platform writes the feed: every message names who sent it, and `sync` applies only
//! the platform's.
//!
//! The feed decides payout destinations, payout readiness, play counts and credits, so a message
//! from anyone else must never be applied. The queue's policy denies every other sender
//! (`infra/template.yaml`); this is the second lock, in the code, for the day a policy is
//! loosened by hand. SQS stamps each message with its sender's unique IAM id (`SenderId`): a
//! user's `AIDA…` id, or a role's `AROA…` id followed by `:` and the session name. The platform's
//! id is configured in `PLATFORM_SENDER_ID`.

/// The environment variable naming the platform's unique IAM id.
pub const PLATFORM_SENDER_VAR: &str = "PLATFORM_SENDER_ID";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderConfigError {
    #[error(
        "{PLATFORM_SENDER_VAR} is not set: name the platform role's unique id (AROA…, from `aws iam get-role`)"
    )]
    Missing,
    #[error(
        "{PLATFORM_SENDER_VAR}={0:?} is not a unique IAM id: a role's AROA… or a user's AIDA… id, upper-case letters and digits"
    )]
    Invalid(String),
}

/// The platform's unique IAM id: the one sender whose messages are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSender(String);

impl PlatformSender {
    /// `id` if it has the shape of a role's or user's unique id.
    pub fn new(id: &str) -> Result<Self, SenderConfigError> {
        let id = id.trim();
        let shaped = (id.starts_with("AROA") || id.starts_with("AIDA"))
            && id.len() > 4
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if shaped {
            Ok(Self(id.to_owned()))
        } else {
            Err(SenderConfigError::Invalid(id.to_owned()))
        }
    }

    /// From [`PLATFORM_SENDER_VAR`] as `lookup` finds it (the process environment in `main`).
    pub fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SenderConfigError> {
        let id = lookup(PLATFORM_SENDER_VAR).ok_or(SenderConfigError::Missing)?;
        Self::new(&id)
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// Whether a message whose `SenderId` attribute is `sender` came from the platform: its
    /// exact id (a user), or its id and a session name (a role).
    pub fn sent(&self, sender: Option<&str>) -> bool {
        sender.is_some_and(|sender| {
            sender == self.0
                || sender
                    .strip_prefix(self.0.as_str())
                    .is_some_and(|session| session.starts_with(':') && session.len() > 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platforms_user_or_role_sessions_are_the_platform() {
        let role = PlatformSender::new("AROAPLATFORM123").expect("a role id");
        assert!(role.sent(Some("AROAPLATFORM123")));
        assert!(role.sent(Some("AROAPLATFORM123:i-0abc")));
        for other in [
            None,
            Some(""),
            Some("AROAPLATFORM123:"),
            Some("AROAPLATFORM1234:s"),
            Some("AROAPLATFORM12"),
            Some("AROANOTTHEPLATFORM:mallory"),
            Some("123456789012"),
        ] {
            assert!(!role.sent(other), "{other:?}");
        }
    }

    #[test]
    fn only_unique_ids_are_configured() {
        assert_eq!(
            PlatformSender::from_lookup(&|_| None),
            Err(SenderConfigError::Missing)
        );
        for bad in [
            "",
            "AROA",
            "arn:aws:iam::123456789012:role/platform",
            "123456789012",
            "AROAabc",
            "ASIAPLATFORM",
        ] {
            assert!(PlatformSender::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            PlatformSender::new(" AIDAPLATFORM ").map(|s| s.id().to_owned()),
            Ok("AIDAPLATFORM".to_owned())
        );
    }
}
