//! The deployed table must be the table the code creates: `infra/template.yaml`'s keys, indexes
//! and TTL are compared with `store::table::DEFINITION`, so the two cannot drift.

use std::collections::BTreeSet;

use serde_norway::Value;
use store::table::DEFINITION;

const TEMPLATE: &str = include_str!("../../infra/template.yaml");

fn table() -> Value {
    let template: Value = serde_norway::from_str(TEMPLATE).expect("the template is YAML");
    template["Resources"]["Table"]["Properties"].clone()
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v:?}"))
        .to_owned()
}

/// `(attribute, HASH|RANGE)` pairs of a key schema.
fn key_schema(v: &Value) -> Vec<(String, String)> {
    v.as_sequence()
        .expect("a key schema")
        .iter()
        .map(|k| (text(&k["AttributeName"]), text(&k["KeyType"])))
        .collect()
}

fn expected_keys(partition: &str, sort: Option<&str>) -> Vec<(String, String)> {
    let mut keys = vec![(partition.to_owned(), "HASH".to_owned())];
    keys.extend(sort.map(|s| (s.to_owned(), "RANGE".to_owned())));
    keys
}

#[test]
fn the_template_table_matches_the_code() {
    let table = table();
    assert_eq!(text(&table["BillingMode"]), "PAY_PER_REQUEST");
    assert_eq!(
        key_schema(&table["KeySchema"]),
        expected_keys(DEFINITION.partition_key, Some(DEFINITION.sort_key))
    );

    let declared: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("attribute definitions")
        .iter()
        .map(|a| (text(&a["AttributeName"]), text(&a["AttributeType"])))
        .collect();
    let wanted: BTreeSet<(String, String)> = DEFINITION
        .key_attributes()
        .into_iter()
        .map(|a| (a.to_owned(), "S".to_owned()))
        .collect();
    assert_eq!(declared, wanted);

    let indexes = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("indexes");
    assert_eq!(indexes.len(), DEFINITION.indexes.len());
    for index in DEFINITION.indexes {
        let deployed = indexes
            .iter()
            .find(|i| text(&i["IndexName"]) == index.name)
            .unwrap_or_else(|| panic!("index {} is not in the template", index.name));
        assert_eq!(
            key_schema(&deployed["KeySchema"]),
            expected_keys(index.partition_key, index.sort_key),
            "{}",
            index.name
        );
        assert_eq!(text(&deployed["Projection"]["ProjectionType"]), "ALL");
    }

    let ttl = &table["TimeToLiveSpecification"];
    assert_eq!(text(&ttl["AttributeName"]), DEFINITION.ttl_attribute);
    assert_eq!(ttl["Enabled"], Value::Bool(true));
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        Value::Bool(true)
    );
    assert_eq!(table["DeletionProtectionEnabled"], Value::Bool(true));
}
