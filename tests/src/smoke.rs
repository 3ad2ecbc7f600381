//! Proves the harness: DynamoDB Local is up, and a table can be created, written and read back
//! through `aws-sdk-dynamodb`, then deleted.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

use crate::support::dynamodb::{TestTable, client, unique_table_name};

#[tokio::test]
async fn create_write_read_and_delete_a_table() {
    let client = client().await;
    let name = unique_table_name("smoke");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("valid attribute definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("valid key schema"),
        )
        .send()
        .await
        .expect("create table");
    let table = TestTable::adopt(name.clone()).await;

    client
        .put_item()
        .table_name(&table.name)
        .item("pk", AttributeValue::S("track#t1".into()))
        .item("plays", AttributeValue::N("1200".into()))
        .send()
        .await
        .expect("put item");
    let item = client
        .get_item()
        .table_name(&table.name)
        .key("pk", AttributeValue::S("track#t1".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
        .expect("the item just written");
    assert_eq!(item.get("plays"), Some(&AttributeValue::N("1200".into())));

    drop(table);
    let listed = client.list_tables().send().await.expect("list tables");
    assert!(
        !listed.table_names().contains(&name),
        "the table is deleted when its TestTable drops"
    );
}
