//! Identifiers of producers and tracks.
//!
//! Ids arrive from JWT claims, URLs, request bodies and catalog files, and end up inside DynamoDB
//! keys where `#` separates key parts. Validating them once, at the edge, means every later layer
//! can trust them: an id is 1 to 128 characters of ASCII letters, digits, `-`, `_`, `.` or `:`
//! (enough for UUIDs, Cognito `sub`s and slugs like `p1`).

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} id is empty")]
    Empty { kind: &'static str },
    #[error("{kind} id is longer than {MAX_ID_LEN} characters")]
    TooLong { kind: &'static str },
    #[error(
        "{kind} id {id:?} contains {bad:?}; ids use only ASCII letters, digits, '-', '_', '.' and ':'"
    )]
    BadCharacter {
        kind: &'static str,
        id: String,
        bad: char,
    },
}

fn validate(kind: &'static str, id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if id.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind });
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(IdError::BadCharacter {
            kind,
            id: id.to_owned(),
            bad,
        });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `id` (see the module docs for the rules).
            pub fn parse(id: impl Into<String>) -> Result<Self, IdError> {
                let id = id.into();
                validate($kind, &id)?;
                Ok(Self(id))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(id: String) -> Result<Self, IdError> {
                Self::parse(id)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A producer (artist profile) id.
    ProducerId,
    "producer"
);
id_type!(
    /// A track id.
    TrackId,
    "track"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuids_and_slugs() {
        assert!(ProducerId::parse("p1").is_ok());
        assert!(ProducerId::parse("3f0c2a4e-8b1d-4c3e-9f00-1a2b3c4d5e6f").is_ok());
        assert!(TrackId::parse("track_2026.08:a").is_ok());
    }

    #[test]
    fn rejects_empty_long_and_key_separators() {
        assert_eq!(
            ProducerId::parse(""),
            Err(IdError::Empty { kind: "producer" })
        );
        assert_eq!(
            TrackId::parse("x".repeat(MAX_ID_LEN + 1)),
            Err(IdError::TooLong { kind: "track" })
        );
        assert!(matches!(
            ProducerId::parse("p#1"),
            Err(IdError::BadCharacter { bad: '#', .. })
        ));
        assert!(matches!(
            ProducerId::parse("növa"),
            Err(IdError::BadCharacter { bad: 'ö', .. })
        ));
    }

    #[test]
    fn deserialising_validates() {
        let ok: ProducerId = serde_json::from_str("\"p1\"").expect("valid id");
        assert_eq!(ok.as_str(), "p1");
        assert!(serde_json::from_str::<ProducerId>("\"a b\"").is_err());
    }
}
