//! Where a message must come from to be applied: the feed's queue, sent by the platform.
//!
//! Lambda's event source mapping invokes `sync` with records of the queue it reads, each carrying
//! that queue's ARN (`eventSourceARN`) and the sender SQS stamped (`SenderId`, [`crate::sender`]).
//! A record of any other queue (a second mapping added by hand, a test event pasted into the
//! console, a direct `Invoke` with a made-up batch) is refused unread, whatever its sender says.
//! A direct invocation can still copy both values; what stops it is that no role may invoke the
//! function (`lambda:InvokeFunction` is granted to nobody in the stack, a template test holds
//! that, and the README's "Deploying" asks for the same outside it).

use crate::error::SyncError;
use crate::sender::{PlatformSender, SenderConfigError};

/// The environment variable naming the feed's queue (its ARN).
pub const SYNC_QUEUE_VAR: &str = "SYNC_QUEUE_ARN";

/// Why the origin could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginConfigError {
    #[error(transparent)]
    Sender(#[from] SenderConfigError),
    #[error("{SYNC_QUEUE_VAR} is not set: name the feed queue's ARN (arn:aws:sqs:…)")]
    QueueMissing,
    #[error(
        "{SYNC_QUEUE_VAR}={0:?} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)"
    )]
    QueueInvalid(String),
}

/// The feed's queue and the platform: the one origin whose messages are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOrigin {
    queue_arn: String,
    sender: PlatformSender,
}

impl FeedOrigin {
    /// The queue `queue_arn` (an SQS ARN) and the platform `sender`.
    pub fn new(queue_arn: &str, sender: PlatformSender) -> Result<Self, OriginConfigError> {
        let queue_arn = queue_arn.trim();
        let parts: Vec<&str> = queue_arn.split(':').collect();
        let shaped = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "sqs"
            && parts[3..].iter().all(|p| !p.is_empty());
        if !shaped {
            return Err(OriginConfigError::QueueInvalid(queue_arn.to_owned()));
        }
        Ok(Self {
            queue_arn: queue_arn.to_owned(),
            sender,
        })
    }

    /// From [`SYNC_QUEUE_VAR`] and the sender's variable as `lookup` finds them.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, OriginConfigError> {
        let sender = PlatformSender::from_lookup(&lookup)?;
        let queue = lookup(SYNC_QUEUE_VAR).ok_or(OriginConfigError::QueueMissing)?;
        Self::new(&queue, sender)
    }

    pub fn from_env() -> Result<Self, OriginConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Whether a record of queue `source_arn`, sent by `sender`, may be applied: the queue is
    /// checked first, so a record from elsewhere is refused whoever it claims sent it.
    pub fn admits(&self, source_arn: Option<&str>, sender: Option<&str>) -> Result<(), SyncError> {
        if source_arn != Some(self.queue_arn.as_str()) {
            return Err(SyncError::ForeignQueue {
                queue: source_arn.map(str::to_owned),
            });
        }
        if !self.sender.sent(sender) {
            return Err(SyncError::ForeignSender {
                sender: sender.map(str::to_owned),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:beatpass-sync";

    fn origin() -> FeedOrigin {
        FeedOrigin::new(QUEUE, PlatformSender::new("AIDAPLATFORM").expect("an id")).expect("valid")
    }

    #[test]
    fn only_the_queues_records_from_the_platform_are_admitted() {
        let origin = origin();
        assert!(origin.admits(Some(QUEUE), Some("AIDAPLATFORM")).is_ok());
        for queue in [
            None,
            Some(""),
            Some("arn:aws:sqs:us-east-1:123456789012:beatpass-sync-other"),
            Some("arn:aws:sqs:us-east-1:999999999999:beatpass-sync"),
        ] {
            assert!(
                matches!(
                    origin.admits(queue, Some("AIDAPLATFORM")),
                    Err(SyncError::ForeignQueue { .. })
                ),
                "{queue:?}"
            );
        }
        assert!(matches!(
            origin.admits(Some(QUEUE), Some("AIDAMALLORY")),
            Err(SyncError::ForeignSender { .. })
        ));
    }

    #[test]
    fn only_a_queue_arn_is_configured() {
        let lookup = |queue: Option<&str>| {
            let queue = queue.map(str::to_owned);
            move |name: &str| match name {
                SYNC_QUEUE_VAR => queue.clone(),
                _ => Some("AIDAPLATFORM".to_owned()),
            }
        };
        assert_eq!(
            FeedOrigin::from_lookup(lookup(None)),
            Err(OriginConfigError::QueueMissing)
        );
        for bad in [
            "",
            "beatpass-sync",
            "https://sqs.us-east-1.amazonaws.com/1/q",
            "arn:aws:sns:us-east-1:1:q",
        ] {
            assert!(
                FeedOrigin::from_lookup(lookup(Some(bad))).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(FeedOrigin::from_lookup(lookup(Some(QUEUE))), Ok(origin()));
    }
}
