//! Producer profiles and tracks, with the rules every field keeps.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use contribution::{Credits, ProducerId, TrackId};
use serde::{Deserialize, Serialize};

/// The longest display name of a producer, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest track title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest genre or style tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// The most genres, or styles, one profile may list.
pub const MAX_TAGS: usize = 20;

/// Why a field value is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error(
        "{field} contains an invisible formatting character (U+{code_point:04X}): bidirectional \
         overrides and zero-width characters can make text read differently from what it is"
    )]
    InvisibleCharacter {
        field: &'static str,
        code_point: u32,
    },
    #[error("{field} lists more than {MAX_TAGS} entries")]
    TooManyTags { field: &'static str },
    #[error("stripeAccountId {0:?} is not a Stripe Connect account id (acct_…)")]
    StripeAccount(String),
    #[error("{0:?} is not an RFC 3339 timestamp (e.g. 2026-08-21T00:00:00Z)")]
    Timestamp(String),
    #[error("{0} is outside the accepted years 1970 to 9999")]
    TimestampRange(String),
}

/// Characters that change how the text around them displays without showing themselves: the
/// bidirectional embeddings, overrides, isolates and marks (a title carrying U+202E shows
/// reversed on other producers' profiles), and the zero-width characters (which make two names
/// look the same). Refused in every name, title and tag. The zero-width joiner goes too, so an
/// emoji ZWJ sequence (👩‍🎤) is refused; its parts are accepted on their own.
fn is_invisible_formatting(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'                      // Arabic letter mark
            | '\u{180E}'                // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}'   // embeddings and overrides
            | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'   // isolates
            | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

/// Trims `value` and checks it is 1 to `max` characters with no control or invisible formatting
/// characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(FieldError::TooLong { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::ControlCharacter { field });
    }
    if let Some(c) = value.chars().find(|c| is_invisible_formatting(*c)) {
        return Err(FieldError::InvisibleCharacter {
            field,
            code_point: u32::from(c),
        });
    }
    Ok(value.to_owned())
}

/// Genre and style tags compare case-insensitively: stored trimmed and lower-cased.
pub fn normalize_tag(field: &'static str, tag: &str) -> Result<String, FieldError> {
    Ok(text(field, tag, MAX_TAG_CHARS)?.to_lowercase())
}

fn tags(field: &'static str, values: &[String]) -> Result<Vec<String>, FieldError> {
    if values.len() > MAX_TAGS {
        return Err(FieldError::TooManyTags { field });
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let tag = normalize_tag(field, value)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// An upload instant: a UTC timestamp in the years 1970 to 9999, stored at millisecond precision
/// in a fixed-width form (`2026-08-21T00:00:00.000Z`) so stored timestamps sort as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UploadTime(DateTime<Utc>);

impl UploadTime {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let parsed = DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| FieldError::Timestamp(text.to_owned()))?
            .with_timezone(&Utc);
        Self::new(parsed).map_err(|_| FieldError::TimestampRange(text.to_owned()))
    }

    pub fn new(instant: DateTime<Utc>) -> Result<Self, FieldError> {
        if !(1970..=9999).contains(&instant.year()) {
            return Err(FieldError::TimestampRange(instant.to_rfc3339()));
        }
        // Millisecond precision, so the stored text round-trips exactly.
        let millis = instant.timestamp_millis();
        let instant = DateTime::from_timestamp_millis(millis).unwrap_or(instant);
        Ok(Self(instant))
    }

    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }

    /// The fixed-width text form, e.g. `2026-08-21T00:00:00.000Z`.
    pub fn to_key_text(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl Serialize for UploadTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_key_text())
    }
}

impl<'de> Deserialize<'de> for UploadTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A producer's artist profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Producer {
    pub id: ProducerId,
    pub name: String,
    pub genres: Vec<String>,
    pub styles: Vec<String>,
    /// The Stripe Connect account exclusive sales of the producer's uploads are paid to.
    pub stripe_account_id: Option<String>,
    /// Stripe says the account can take charges (one of the three payout-ready signals).
    pub charges_enabled: bool,
    /// Stripe says the account can receive payouts (another of the three).
    pub payouts_enabled: bool,
    /// The artist profile is complete (collaborative play XP depends on it).
    pub profile_complete: bool,
}

impl Producer {
    /// Validates and normalises every field.
    pub fn new(
        id: ProducerId,
        name: &str,
        genres: &[String],
        styles: &[String],
        stripe_account_id: Option<&str>,
    ) -> Result<Self, FieldError> {
        let stripe_account_id = match stripe_account_id {
            None => None,
            Some(acct) => {
                let acct = acct.trim();
                let ok = acct.starts_with("acct_")
                    && acct.len() <= 255
                    && acct.len() > 5
                    && acct.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(FieldError::StripeAccount(acct.to_owned()));
                }
                Some(acct.to_owned())
            }
        };
        Ok(Self {
            id,
            name: text("name", name, MAX_NAME_CHARS)?,
            genres: tags("genres", genres)?,
            styles: tags("styles", styles)?,
            stripe_account_id,
            charges_enabled: false,
            payouts_enabled: false,
            profile_complete: false,
        })
    }

    /// Whether the producer can be paid: a Stripe account with charges and payouts enabled.
    pub fn payout_ready(&self) -> bool {
        self.stripe_account_id.is_some() && self.charges_enabled && self.payouts_enabled
    }
}

/// A track in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    pub id: TrackId,
    pub title: String,
    /// Who uploaded the track: the only producer who manages its credits, and whose Stripe
    /// account receives its exclusive sales.
    pub uploader_id: ProducerId,
    pub credits: Credits,
    pub uploaded_at: UploadTime,
    pub plays: u64,
    pub exclusive_only: bool,
    pub genre: Option<String>,
    /// The platform judges the track's metadata complete (80%+).
    pub metadata_complete: bool,
}

impl Track {
    /// Validates the free-text fields (ids, credits and timestamps are valid by type).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: TrackId,
        title: &str,
        uploader_id: ProducerId,
        credits: Credits,
        uploaded_at: UploadTime,
        plays: u64,
        exclusive_only: bool,
        genre: Option<&str>,
    ) -> Result<Self, FieldError> {
        Ok(Self {
            id,
            title: text("title", title, MAX_TITLE_CHARS)?,
            uploader_id,
            credits,
            uploaded_at,
            plays,
            exclusive_only,
            genre: genre.map(|g| normalize_tag("genre", g)).transpose()?,
            metadata_complete: false,
        })
    }

    /// The facts the contribution formula needs.
    pub fn facts(&self) -> contribution::TrackFacts<'_> {
        contribution::TrackFacts {
            uploaded_at: self.uploaded_at.instant(),
            plays: self.plays,
            exclusive_only: self.exclusive_only,
            credits: &self.credits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(text("name", "  Nova Beats ", 100), Ok("Nova Beats".into()));
        assert_eq!(
            text("name", "   ", 100),
            Err(FieldError::Empty { field: "name" })
        );
        assert!(matches!(
            text("name", "a\u{7}b", 100),
            Err(FieldError::ControlCharacter { .. })
        ));
        assert_eq!(text("name", "Ünïcødé 🎧", 100), Ok("Ünïcødé 🎧".into()));
        assert_eq!(text("title", "بيت سريع", 100), Ok("بيت سريع".into()));
        for (hidden, code_point) in [
            ("Gold\u{202E}niaR", 0x202E),
            ("a\u{2066}b\u{2069}", 0x2066),
            ("No\u{200B}va", 0x200B),
            ("Nova\u{200D}", 0x200D),
            ("\u{FEFF}Nova", 0xFEFF),
            ("x\u{200F}", 0x200F),
        ] {
            assert_eq!(
                text("title", hidden, 100),
                Err(FieldError::InvisibleCharacter {
                    field: "title",
                    code_point
                }),
                "{hidden:?}"
            );
        }
        assert!(matches!(
            text("title", &"x".repeat(201), MAX_TITLE_CHARS),
            Err(FieldError::TooLong { max: 200, .. })
        ));
    }

    #[test]
    fn upload_times_are_fixed_width_and_bounded() {
        let t = UploadTime::parse("2026-08-21T02:00:00+02:00").expect("valid");
        assert_eq!(t.to_key_text(), "2026-08-21T00:00:00.000Z");
        assert!(matches!(
            UploadTime::parse("yesterday"),
            Err(FieldError::Timestamp(_))
        ));
        assert!(matches!(
            UploadTime::parse("1969-12-31T23:59:59Z"),
            Err(FieldError::TimestampRange(_))
        ));
        assert!(UploadTime::parse("9999-12-31T23:59:59Z").is_ok());
    }

    #[test]
    fn producers_normalise_tags_and_check_stripe_ids() {
        let id = ProducerId::parse("p1").expect("valid");
        let p = Producer::new(
            id.clone(),
            "Nova",
            &["Trap".into(), "trap ".into(), "Lo-Fi".into()],
            &[],
            Some("acct_1"),
        )
        .expect("valid");
        assert_eq!(p.genres, vec!["trap", "lo-fi"]);
        assert!(matches!(
            Producer::new(id, "Nova", &[], &[], Some("ba_123")),
            Err(FieldError::StripeAccount(_))
        ));
    }
}
