//! The import line parser under arbitrary input: bytes that are not JSON, JSON that is not a
//! record, and valid records with one field replaced by anything at all. Every case must end as
//! a record that satisfies the catalog's rules or as a named error on the right line, never as
//! a panic: an import file comes from people and scripts, not from this code.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::jsonl::{Record, parse, parse_line};

fn valid_producer() -> Value {
    json!({"kind":"producer","id":"p1","name":"Nova","genres":["trap"],"styles":["dark"],"stripeAccountId":"acct_1"})
}

fn valid_track() -> Value {
    json!({"kind":"track","id":"t1","title":"Midnight","uploaderId":"p1","credits":["p1","p2"],
           "uploadedAt":"2026-08-21T00:00:00Z","plays":12,"exclusiveOnly":false,"genre":"trap"})
}

/// Values that break fields in the ways people do: wrong types, negative, fractional and
/// enormous numbers, huge and unicode strings, far dates, 21 and duplicate credits.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(1e300)),
        ".{0,40}".prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(Value::from("x".repeat(10_000))),
        Just(json!("🎧 Ñoño 北京")),
        Just(json!("")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("0001-01-01T00:00:00Z")),
        Just(json!("2026-02-30T00:00:00Z")),
        Just(json!((1..=21).map(|i| format!("p{i}")).collect::<Vec<_>>())),
        Just(json!(["p1", "p1"])),
        Just(json!([])),
        prop::collection::vec(".{0,8}", 0..25).prop_map(Value::from),
        Just(json!({"nested": true})),
    ]
}

const FIELDS: &[&str] = &[
    "kind",
    "id",
    "name",
    "genres",
    "styles",
    "stripeAccountId",
    "title",
    "uploaderId",
    "credits",
    "uploadedAt",
    "plays",
    "exclusiveOnly",
    "genre",
    "unknownField",
];

/// A record's rules, re-stated independently of the parser.
fn assert_within_rules(record: &Record) -> Result<(), TestCaseError> {
    match record {
        Record::Producer(p) => {
            prop_assert!(!p.name.trim().is_empty());
        }
        Record::Track(t) => {
            let credited = t.credits.producers();
            prop_assert!((1..=20).contains(&credited.len()));
            let mut distinct = credited.to_vec();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), credited.len());
            prop_assert!(!t.title.trim().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// Arbitrary bytes: every non-blank line is a record or an error on that line.
    #[test]
    fn arbitrary_bytes_end_as_records_or_line_errors(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let lines = bytes.split(|b| *b == b'\n').count();
        let (parsed, errors) = parse(bytes.as_slice());
        for error in &errors {
            prop_assert!((1..=lines).contains(&error.line), "line {} of {lines}", error.line);
            prop_assert!(!error.problem.to_string().is_empty());
        }
        prop_assert!(parsed.producers.len() + parsed.tracks.len() + errors.len() <= lines + 1);
    }

    /// A valid record with one field replaced by a hostile value.
    #[test]
    fn a_record_with_any_field_replaced_is_valid_or_named(
        track in any::<bool>(),
        field in prop::sample::select(FIELDS),
        value in hostile_value(),
    ) {
        let mut record = if track { valid_track() } else { valid_producer() };
        record[field] = value;
        match parse_line(&record.to_string()) {
            Ok(parsed) => assert_within_rules(&parsed)?,
            Err(problem) => prop_assert!(!problem.to_string().is_empty()),
        }
    }

    /// Lines glued to a valid file keep the valid lines' records and name only the bad lines.
    #[test]
    fn bad_lines_do_not_hide_good_ones(junk in prop::collection::vec("[^\\n]{0,60}", 1..6)) {
        let mut text = format!("{}\n{}\n", valid_producer(), valid_track());
        for line in &junk {
            text.push_str(line);
            text.push('\n');
        }
        let (parsed, errors) = parse(text.as_bytes());
        prop_assert!(errors.iter().all(|e| e.line > 2), "{errors:?}");
        prop_assert!(!parsed.producers.is_empty() && !parsed.tracks.is_empty());
    }
}
