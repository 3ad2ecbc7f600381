//! The messages the platform sends, and the checks each passes before anything is written.
//!
//! One message is one change, a JSON object with a `type`:
//!
//! ```text
//! {"type":"plays","at":"2026-11-21T10:00:00Z","counts":[{"trackId":"t1","plays":1234}]}
//! {"type":"producer","at":"…","id":"p1","name":"Nova Beats","genres":["trap"],"styles":[],
//!  "stripeAccountId":"acct_1","chargesEnabled":true,"payoutsEnabled":true,"profileComplete":true}
//! {"type":"track","at":"…","trackId":"t1","title":"Midnight","uploaderId":"p1",
//!  "uploadedAt":"2026-11-20T00:00:00Z","credits":["p1","p2"],"exclusiveOnly":false,
//!  "genre":"trap","metadataComplete":true}
//! ```
//!
//! Plays are absolute counts as of `at` (at most [`MAX_PLAY_COUNTS`] a message, each track once).
//! A producer message carries the catalog import's producer fields (`catalog::jsonl`), but only
//! those that changed: an absent field is left as stored, `"stripeAccountId": null` removes the
//! account (`catalog::ProducerChange`), and an unknown field is refused. A track message is a track the platform
//! accepted (its audio uploaded and published); its ids come from the platform. `at` may be at
//! most [`MAX_CLOCK_SKEW`] ahead of the clock: one far-future message would make every later
//! change to its item look old.

use catalog::jsonl::{LineProblem, TrackFields};
use catalog::{ProducerChange, Track};
use chrono::{DateTime, TimeDelta, Utc};
use contribution::{ProducerId, TrackId};
use serde::Deserialize;

use crate::error::SyncError;

/// Play counts in one message, at most.
pub const MAX_PLAY_COUNTS: usize = 500;
/// How far ahead of the clock a message's `at` (or a track's upload time) may be.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(15);

/// A checked message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Plays {
        at: DateTime<Utc>,
        counts: Vec<(TrackId, u64)>,
    },
    Producer {
        at: DateTime<Utc>,
        change: ProducerChange,
    },
    Track {
        at: DateTime<Utc>,
        track: Track,
    },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Wire {
    Plays(WirePlays),
    Producer(WireProducer),
    Track(WireTrack),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePlays {
    at: String,
    counts: Vec<WireCount>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireCount {
    track_id: String,
    plays: u64,
}

/// A producer message: `id` and `at`, then only the fields that changed. A misspelt field is
/// refused rather than silently dropped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireProducer {
    at: String,
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    genres: Option<Vec<String>>,
    #[serde(default)]
    styles: Option<Vec<String>>,
    /// Absent: unchanged; `null`: the account is removed.
    #[serde(default, deserialize_with = "present")]
    stripe_account_id: Option<Option<String>>,
    #[serde(default)]
    charges_enabled: Option<bool>,
    #[serde(default)]
    payouts_enabled: Option<bool>,
    #[serde(default)]
    profile_complete: Option<bool>,
}

/// A field that is present, `null` included (serde maps an absent one to the `default`, `None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTrack {
    at: String,
    track_id: String,
    title: String,
    uploader_id: String,
    uploaded_at: String,
    credits: Vec<String>,
    #[serde(default)]
    exclusive_only: bool,
    #[serde(default)]
    genre: Option<String>,
    #[serde(default)]
    metadata_complete: bool,
}

fn invalid(field: &'static str, problem: impl ToString) -> SyncError {
    SyncError::Invalid {
        field,
        problem: problem.to_string(),
    }
}

fn track_id(text: String) -> Result<TrackId, SyncError> {
    TrackId::parse(text).map_err(|e| invalid("trackId", e))
}

/// The instant of `text`, no further ahead of `now` than [`MAX_CLOCK_SKEW`].
fn instant(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, SyncError> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| invalid("at", format!("{text:?} is not an RFC 3339 timestamp")))?
        .with_timezone(&Utc);
    if at > now + MAX_CLOCK_SKEW {
        return Err(SyncError::FromTheFuture {
            at: text.to_owned(),
            minutes: MAX_CLOCK_SKEW.num_minutes(),
        });
    }
    Ok(at)
}

impl Message {
    /// Parses and checks a message body received at `now`.
    pub fn parse(body: &str, now: DateTime<Utc>) -> Result<Self, SyncError> {
        let wire: Wire =
            serde_json::from_str(body).map_err(|e| SyncError::Malformed(e.to_string()))?;
        match wire {
            Wire::Plays(plays) => {
                let at = instant(&plays.at, now)?;
                if plays.counts.len() > MAX_PLAY_COUNTS {
                    return Err(invalid(
                        "counts",
                        format!("{} counts; at most {MAX_PLAY_COUNTS}", plays.counts.len()),
                    ));
                }
                let mut counts = Vec::with_capacity(plays.counts.len());
                for count in plays.counts {
                    let id = track_id(count.track_id)?;
                    if counts.iter().any(|(seen, _)| *seen == id) {
                        return Err(invalid("counts", format!("track {id} is counted twice")));
                    }
                    counts.push((id, count.plays));
                }
                Ok(Message::Plays { at, counts })
            }
            Wire::Producer(message) => {
                let at = instant(&message.at, now)?;
                let id = ProducerId::parse(message.id).map_err(|e| invalid("id", e))?;
                let change = ProducerChange {
                    name: message.name,
                    genres: message.genres,
                    styles: message.styles,
                    stripe_account_id: message.stripe_account_id,
                    charges_enabled: message.charges_enabled,
                    payouts_enabled: message.payouts_enabled,
                    profile_complete: message.profile_complete,
                    ..ProducerChange::of(id)
                };
                change.check().map_err(LineProblem::BadField)?;
                Ok(Message::Producer { at, change })
            }
            Wire::Track(message) => {
                let at = instant(&message.at, now)?;
                let track = TrackFields {
                    id: message.track_id,
                    title: message.title,
                    uploader_id: message.uploader_id,
                    credits: message.credits,
                    uploaded_at: message.uploaded_at,
                    plays: 0,
                    exclusive_only: message.exclusive_only,
                    genre: message.genre,
                    metadata_complete: message.metadata_complete,
                }
                .validate()?;
                if track.uploaded_at.instant() > now + MAX_CLOCK_SKEW {
                    return Err(invalid("uploadedAt", "an upload cannot be in the future"));
                }
                Ok(Message::Track { at, track })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .expect("a timestamp")
            .with_timezone(&Utc)
    }

    fn parse(body: serde_json::Value) -> Result<Message, SyncError> {
        Message::parse(&body.to_string(), now())
    }

    #[test]
    fn each_shape_parses_to_its_change() {
        let plays = parse(json!({"type":"plays","at":"2026-11-21T10:00:00Z",
            "counts":[{"trackId":"t1","plays":1234},{"trackId":"t2","plays":0}]}))
        .expect("plays");
        assert!(matches!(plays, Message::Plays { ref counts, .. } if counts.len() == 2));
        let producer = parse(
            json!({"type":"producer","at":"2026-11-21T10:00:00Z","id":"p1",
            "name":"Nova","stripeAccountId":"acct_1","chargesEnabled":true,"payoutsEnabled":true}),
        )
        .expect("producer");
        match producer {
            Message::Producer { change, .. } => {
                assert_eq!(change.stripe_account_id, Some(Some("acct_1".to_owned())));
                assert_eq!(change.payouts_enabled, Some(true));
                assert_eq!((change.profile_complete, change.genres), (None, None));
            }
            other => panic!("{other:?}"),
        }
        let track = parse(
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1",
            "title":"Midnight","uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z",
            "credits":["p1","p2"],"genre":"Trap","metadataComplete":true}),
        )
        .expect("track");
        match track {
            Message::Track { track, .. } => {
                assert_eq!(track.genre.as_deref(), Some("trap"));
                assert!(track.metadata_complete && !track.exclusive_only && track.plays == 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_messages_are_refused_with_a_reason() {
        let cases = [
            json!("not an object"),
            json!({"type":"refund","at":"2026-11-21T10:00:00Z"}),
            json!({"type":"plays","counts":[]}),
            json!({"type":"plays","at":"yesterday","counts":[]}),
            json!({"type":"plays","at":"2030-01-01T00:00:00Z","counts":[]}),
            json!({"type":"plays","at":"2026-11-21T10:00:00Z","counts":[{"trackId":"t1","plays":-1}]}),
            json!({"type":"plays","at":"2026-11-21T10:00:00Z","counts":[{"trackId":"t#1","plays":1}]}),
            json!({"type":"plays","at":"2026-11-21T10:00:00Z",
                "counts":[{"trackId":"t1","plays":1},{"trackId":"t1","plays":2}]}),
            json!({"type":"producer","at":"2026-11-21T10:00:00Z","id":"p1","name":" "}),
            json!({"type":"producer","at":"2026-11-21T10:00:00Z","id":"p1","name":"N",
                "stripeAccountId":"ba_1"}),
            json!({"type":"producer","at":"2026-11-21T10:00:00Z","id":"p1",
                "stripeAccountID":"acct_1"}),
            json!({"type":"producer","at":"2026-11-21T10:00:00Z","id":"p 1"}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"x",
                "uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z","credits":[]}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"x",
                "uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z","credits":["p1","p1"]}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"x",
                "uploaderId":"p1","uploadedAt":"2027-01-01T00:00:00Z","credits":["p1"]}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"  ",
                "uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z","credits":["p1"]}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"x",
                "uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z","credits":["p 1"]}),
            json!({"type":"track","at":"2026-11-21T10:00:00Z","trackId":"t1","title":"x",
                "uploaderId":"p1","uploadedAt":"2026-11-20T00:00:00Z",
                "credits":(1..=21).map(|i| format!("p{i}")).collect::<Vec<_>>()}),
            json!({"type":"plays","at":"2026-11-21T10:00:00Z",
                "counts":[{"trackId":"t1","plays":1.5}]}),
            json!({"type":"plays","at":"2026-11-21T10:00:00Z",
                "counts":[{"trackId":"t1","plays":1,"extra":true}]}),
        ];
        for case in cases {
            let error = parse(case.clone()).expect_err("refused");
            assert!(!error.to_string().is_empty(), "{case}");
        }
        let many: Vec<_> = (0..=MAX_PLAY_COUNTS)
            .map(|i| json!({"trackId": format!("t{i}"), "plays": 1}))
            .collect();
        assert!(parse(json!({"type":"plays","at":"2026-11-21T10:00:00Z","counts":many})).is_err());
    }
}
