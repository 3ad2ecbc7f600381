//! A run's id: its as-of instant as fixed-width text.
//!
//! Every run result and the store's run keys name it; what a run's keys look like is the store's
//! to say (`store::run_owns_partition`). The id is also what a list cursor carries to keep a page
//! sequence on one run, so it parses back strictly: a cursor can only name a well-formed run.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// The text form of a run id (`20261121T000000.000Z`).
const FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

/// A run's id: its as-of instant as fixed-width text, so the same instant always gives the same
/// id and a re-run overwrites its own unpublished items instead of leaving a second copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// The id of the run as of `as_of`.
    pub fn of(as_of: DateTime<Utc>) -> Self {
        Self(as_of.format(FORMAT).to_string())
    }

    /// The id written as `text`, if it is one this module could have made.
    pub fn parse(text: &str) -> Option<Self> {
        let instant = NaiveDateTime::parse_from_str(text, FORMAT).ok()?.and_utc();
        let id = Self::of(instant);
        (id.0 == text).then_some(id)
    }

    /// The run's as-of instant.
    pub fn as_of(&self) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(&self.0, FORMAT)
            .map(|n| n.and_utc())
            .unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for RunId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back_only_in_their_own_form() {
        let as_of: DateTime<Utc> = "2026-11-21T06:30:00.125Z".parse().expect("instant");
        let id = RunId::of(as_of);
        assert_eq!(id.as_str(), "20261121T063000.125Z");
        assert_eq!(RunId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(id.as_of(), as_of);
        for bad in [
            "",
            "20261121T063000Z",
            "20261121T063000.125Z#p1",
            "x",
            "20261321T063000.125Z",
        ] {
            assert_eq!(RunId::parse(bad), None, "{bad}");
        }
    }
}
