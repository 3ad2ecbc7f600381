//! The catalog import format: JSON Lines, one producer or track record a line.
//!
//! ```text
//! {"kind":"producer","id":"p1","name":"Nova Beats","genres":["trap"],"styles":["dark"],"stripeAccountId":"acct_1"}
//! {"kind":"track","id":"t1","title":"Midnight","uploaderId":"p1","credits":["p1","p2"],"uploadedAt":"2026-08-21T00:00:00Z","plays":1200,"exclusiveOnly":false,"genre":"trap"}
//! ```
//!
//! `genres`, `styles`, `stripeAccountId`, `exclusiveOnly` (default false) and `genre` are optional,
//! and so are the platform's signals `chargesEnabled`, `payoutsEnabled`, `profileComplete` (on
//! producers) and `metadataComplete` (on tracks), each false unless given;
//! unknown fields are ignored; blank lines are skipped; lines may come in any order. A file is
//! checked as a whole before anything is written: [`parse`] reports every bad line with its number,
//! and [`Parsed::check_references`] every line naming a producer that is neither in the file nor in
//! the table. One bad line rejects the whole file.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use contribution::{CreditListError, Credits, IdError, ProducerId, TrackId};
use serde::Deserialize;

use crate::records::{FieldError, Producer, Track, UploadTime};

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    #[error("not valid JSON: {0}")]
    UnparsableJson(String),
    #[error("not a valid record: {0}")]
    InvalidRecord(String),
    #[error("{field}: {source}")]
    BadId {
        field: &'static str,
        source: IdError,
    },
    #[error("credits: {0}")]
    BadCredits(CreditListError),
    #[error("{0}")]
    BadField(FieldError),
    #[error("{kind} id {id} is also defined on line {first_line}")]
    DuplicateId {
        kind: &'static str,
        id: String,
        first_line: usize,
    },
    #[error("{field} names producer {id}, which is neither in the file nor in the table")]
    UnknownProducer { field: &'static str, id: ProducerId },
    #[error("could not read the line: {0}")]
    Unreadable(String),
}

/// A bad line: its 1-based number and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct LineError {
    pub line: usize,
    pub problem: LineProblem,
}

/// One valid record and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Producer(Producer),
    Track(Track),
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RawRecord {
    Producer(ProducerFields),
    Track(TrackFields),
}

/// A producer record's fields as written (the import line's, and the live feed's `producer`
/// message's), before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerFields {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub genres: Vec<String>,
    #[serde(default)]
    pub styles: Vec<String>,
    #[serde(default)]
    pub stripe_account_id: Option<String>,
    #[serde(default)]
    pub charges_enabled: bool,
    #[serde(default)]
    pub payouts_enabled: bool,
    #[serde(default)]
    pub profile_complete: bool,
}

impl ProducerFields {
    /// The validated producer.
    pub fn validate(self) -> Result<Producer, LineProblem> {
        let id = producer_id("id", self.id)?;
        let mut producer = Producer::new(
            id,
            &self.name,
            &self.genres,
            &self.styles,
            self.stripe_account_id.as_deref(),
        )
        .map_err(LineProblem::BadField)?;
        producer.charges_enabled = self.charges_enabled;
        producer.payouts_enabled = self.payouts_enabled;
        producer.profile_complete = self.profile_complete;
        Ok(producer)
    }
}

/// A track record's fields as written (the import line's; the live feed's `track` message has
/// the same but plays), before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackFields {
    pub id: String,
    pub title: String,
    pub uploader_id: String,
    pub credits: Vec<String>,
    pub uploaded_at: String,
    pub plays: u64,
    #[serde(default)]
    pub exclusive_only: bool,
    #[serde(default)]
    pub genre: Option<String>,
    #[serde(default)]
    pub metadata_complete: bool,
}

impl TrackFields {
    /// The validated track: ids, 1 to 20 distinct credits, the upload time and the text fields.
    pub fn validate(self) -> Result<Track, LineProblem> {
        let id = TrackId::parse(self.id).map_err(|source| LineProblem::BadId {
            field: "id",
            source,
        })?;
        let uploader_id = producer_id("uploaderId", self.uploader_id)?;
        let credits = self
            .credits
            .into_iter()
            .map(|c| producer_id("credits", c))
            .collect::<Result<Vec<_>, _>>()?;
        let credits = Credits::new(credits).map_err(LineProblem::BadCredits)?;
        let uploaded_at = UploadTime::parse(&self.uploaded_at).map_err(LineProblem::BadField)?;
        let mut track = Track::new(
            id,
            &self.title,
            uploader_id,
            credits,
            uploaded_at,
            self.plays,
            self.exclusive_only,
            self.genre.as_deref(),
        )
        .map_err(LineProblem::BadField)?;
        track.metadata_complete = self.metadata_complete;
        Ok(track)
    }
}

/// A producer id from field `field`.
pub fn producer_id(field: &'static str, id: String) -> Result<ProducerId, LineProblem> {
    ProducerId::parse(id).map_err(|source| LineProblem::BadId { field, source })
}

/// Parses and validates one line on its own (no cross-line checks).
pub fn parse_line(line: &str) -> Result<Record, LineProblem> {
    let raw: RawRecord = serde_json::from_str(line).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => LineProblem::InvalidRecord(e.to_string()),
        _ => LineProblem::UnparsableJson(e.to_string()),
    })?;
    match raw {
        RawRecord::Producer(p) => p.validate().map(Record::Producer),
        RawRecord::Track(t) => t.validate().map(Record::Track),
    }
}

/// A file's valid records, and the producers it names without defining them.
#[derive(Debug, Default)]
pub struct Parsed {
    pub producers: Vec<Producer>,
    pub tracks: Vec<Track>,
    /// Producer ids named by a track but not defined in the file: each with the lines (and the
    /// field) naming it. They must already be in the table.
    pub external_references: BTreeMap<ProducerId, Vec<(usize, &'static str)>>,
}

impl Parsed {
    /// Errors for every line naming a producer that `exists_in_table` does not know.
    pub fn check_references(
        &self,
        exists_in_table: impl Fn(&ProducerId) -> bool,
    ) -> Vec<LineError> {
        let mut errors: Vec<LineError> = self
            .external_references
            .iter()
            .filter(|(id, _)| !exists_in_table(id))
            .flat_map(|(id, uses)| {
                uses.iter().map(|&(line, field)| LineError {
                    line,
                    problem: LineProblem::UnknownProducer {
                        field,
                        id: id.clone(),
                    },
                })
            })
            .collect();
        errors.sort_by_key(|e| e.line);
        errors
    }
}

/// Parses a whole file: every valid record, and every bad line (in line order).
pub fn parse(reader: impl BufRead) -> (Parsed, Vec<LineError>) {
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    let mut producer_lines: HashMap<ProducerId, usize> = HashMap::new();
    let mut track_lines: HashMap<TrackId, usize> = HashMap::new();
    // Track references are resolved after the whole file is read: lines come in any order.
    let mut references: Vec<(usize, &'static str, ProducerId)> = Vec::new();

    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors.push(LineError {
                    line: number,
                    problem: LineProblem::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&line) {
            Err(problem) => errors.push(LineError {
                line: number,
                problem,
            }),
            Ok(Record::Producer(p)) => match producer_lines.get(&p.id) {
                Some(&first_line) => errors.push(LineError {
                    line: number,
                    problem: LineProblem::DuplicateId {
                        kind: "producer",
                        id: p.id.to_string(),
                        first_line,
                    },
                }),
                None => {
                    producer_lines.insert(p.id.clone(), number);
                    parsed.producers.push(p);
                }
            },
            Ok(Record::Track(t)) => match track_lines.get(&t.id) {
                Some(&first_line) => errors.push(LineError {
                    line: number,
                    problem: LineProblem::DuplicateId {
                        kind: "track",
                        id: t.id.to_string(),
                        first_line,
                    },
                }),
                None => {
                    track_lines.insert(t.id.clone(), number);
                    references.push((number, "uploaderId", t.uploader_id.clone()));
                    for c in t.credits.producers() {
                        references.push((number, "credits", c.clone()));
                    }
                    parsed.tracks.push(t);
                }
            },
        }
    }
    for (line, field, id) in references {
        if !producer_lines.contains_key(&id) {
            parsed
                .external_references
                .entry(id)
                .or_default()
                .push((line, field));
        }
    }
    (parsed, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
{"kind":"track","id":"t1","title":"Midnight","uploaderId":"p1","credits":["p1","p2"],"uploadedAt":"2026-08-21T00:00:00Z","plays":1200,"exclusiveOnly":false,"genre":"trap"}
{"kind":"producer","id":"p1","name":"Nova Beats","genres":["trap"],"styles":["dark","melodic"],"stripeAccountId":"acct_1","extra":"ignored"}
{"kind":"producer","id":"p2","name":"Kid Lumen"}
"#;

    #[test]
    fn a_good_file_parses_in_any_order_with_defaults() {
        let (parsed, errors) = parse(GOOD.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed.producers.len(), 2);
        assert_eq!(parsed.tracks.len(), 1);
        assert!(parsed.external_references.is_empty());
        let p2 = &parsed.producers[1];
        assert!(p2.genres.is_empty() && p2.styles.is_empty() && p2.stripe_account_id.is_none());
        let t1 = &parsed.tracks[0];
        assert_eq!(
            (t1.plays, t1.exclusive_only, t1.genre.as_deref()),
            (1200, false, Some("trap"))
        );
    }

    #[test]
    fn every_bad_line_is_named_with_its_reason() {
        let file = [
            r#"{"kind":"producer","id":"p1","name":"Nova"}"#,
            r#"{"kind":"producer","id":"p1","name":"Nova again"}"#,
            r#"not json"#,
            r#"{"kind":"album","id":"a1"}"#,
            r#"{"kind":"track","id":"t1","uploaderId":"p1","credits":["p1"],"uploadedAt":"2026-01-01T00:00:00Z","plays":1}"#,
            r#"{"kind":"track","id":"t2","title":"x","uploaderId":"p1","credits":[],"uploadedAt":"2026-01-01T00:00:00Z","plays":1}"#,
            r#"{"kind":"track","id":"t3","title":"x","uploaderId":"p1","credits":["p1","p1"],"uploadedAt":"2026-01-01T00:00:00Z","plays":1}"#,
            r#"{"kind":"track","id":"t4","title":"x","uploaderId":"p1","credits":["p1"],"uploadedAt":"2026-01-01T00:00:00Z","plays":-5}"#,
            r#"{"kind":"track","id":"t5","title":"x","uploaderId":"p1","credits":["p1"],"uploadedAt":"2026-01-01T00:00:00Z","plays":1.5}"#,
            r#"{"kind":"track","id":"t6","title":"x","uploaderId":"p1","credits":["p1"],"uploadedAt":"last tuesday","plays":1}"#,
            r#"{"kind":"track","id":"t7","title":"x","uploaderId":"p9","credits":["p1","p8"],"uploadedAt":"2026-01-01T00:00:00Z","plays":1}"#,
        ]
        .join("\n");
        let (parsed, errors) = parse(file.as_bytes());
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text[0].contains("producer id p1 is also defined on line 1"),
            "{}",
            text[0]
        );
        assert!(matches!(errors[1].problem, LineProblem::UnparsableJson(_)));
        assert!(text[2].contains("unknown variant `album`"), "{}", text[2]);
        assert!(text[3].contains("missing field `title`"), "{}", text[3]);
        assert_eq!(
            errors[4].problem,
            LineProblem::BadCredits(CreditListError::Empty)
        );
        assert!(matches!(
            errors[5].problem,
            LineProblem::BadCredits(CreditListError::Duplicate(_))
        ));
        assert!(text[6].contains("-5"), "{}", text[6]);
        assert!(text[7].contains("1.5"), "{}", text[7]);
        assert!(matches!(
            errors[8].problem,
            LineProblem::BadField(FieldError::Timestamp(_))
        ));

        // p8 and p9 are not in the file: unknown unless the table has them.
        let missing = parsed.check_references(|_| false);
        assert_eq!(missing.len(), 2);
        assert_eq!(missing[0].line, 11);
        assert!(
            missing
                .iter()
                .any(|e| e.to_string().contains("uploaderId names producer p9"))
        );
        assert!(
            missing
                .iter()
                .any(|e| e.to_string().contains("credits names producer p8"))
        );
        assert!(parsed.check_references(|_| true).is_empty());
    }
}
