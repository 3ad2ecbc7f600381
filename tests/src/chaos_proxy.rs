//! The fault proxy itself: each fault reaches the SDK as DynamoDB's would, and the production
//! client's retries carry every request through a 10% mix of them.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::support::chaos::{assert_faulted, faulty_proxy, store_through};
use crate::support::dynamodb::{TestTable, config_for, endpoint};
use crate::support::fault_proxy::{Fault, FaultProxy, Faults};
use crate::support::fixtures::{pid, producer};

/// A client that tries each request once, so the first fault is what the caller sees.
async fn single_attempt(endpoint: &str) -> Client {
    let mut config = config_for(endpoint, "");
    config.max_attempts = 1;
    store::tools::raw::client(&config).await
}

/// Puts item `id` through `client`: the error code DynamoDB gave, `Ok` on success, or
/// `Err(None)` when no answer came back at all.
async fn put(client: &Client, table: &str, id: &str) -> Result<(), Option<String>> {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(format!("PROBE#{id}")))
        .item("sk", AttributeValue::S("PROBE".into()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            e.as_service_error()
                .and_then(|s| s.code())
                .map(str::to_owned)
        })
}

async fn stored(table: &TestTable, id: &str) -> bool {
    table
        .client
        .get_item()
        .table_name(&table.name)
        .key("pk", AttributeValue::S(format!("PROBE#{id}")))
        .key("sk", AttributeValue::S("PROBE".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("direct read")
        .item
        .is_some()
}

#[tokio::test]
async fn each_fault_reaches_the_client_as_dynamodb_would_send_it() {
    let table = TestTable::create("proxy-faults").await;
    let cases = [
        (Fault::Throttling, Err(Some("ThrottlingException")), false),
        (
            Fault::ThroughputExceeded,
            Err(Some("ProvisionedThroughputExceededException")),
            false,
        ),
        (Fault::ServerError, Err(Some("InternalServerError")), false),
        (Fault::Latency, Ok(()), true),
        (Fault::DropBefore, Err(None), false),
        // The worst case: applied, but the client never hears so.
        (Fault::DropAfter, Err(None), true),
    ];
    for (i, (fault, answer, applied)) in cases.into_iter().enumerate() {
        let proxy = FaultProxy::start(&endpoint(), Faults::always(fault), 1)
            .await
            .expect("proxy");
        let client = single_attempt(proxy.endpoint()).await;
        let id = format!("probe-{i}");
        let got = put(&client, &table.name, &id).await;
        assert_eq!(
            got.as_ref().map_err(|e| e.as_deref()),
            answer.as_ref().map_err(|e| *e),
            "{fault:?}"
        );
        assert_eq!(stored(&table, &id).await, applied, "{fault:?} applied");
        assert_eq!(proxy.tally().of(fault), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn the_production_client_carries_every_request_through_ten_percent_faults() {
    let table = TestTable::create("proxy-retries").await;
    let proxy = faulty_proxy("proxy-retries").await;
    let store = store_through(&proxy, &table).await;
    for i in 0..300 {
        let id = format!("p{i}");
        store
            .catalog()
            .put_producer(&producer(&id, "Retry"))
            .await
            .unwrap_or_else(|e| panic!("put {id}: {e}"));
        let read = store.catalog().get_producer(&pid(&id)).await.expect("get");
        assert_eq!(read.map(|p| p.name), Some("Retry".to_owned()));
    }
    assert_faulted(&proxy.tally());
}
