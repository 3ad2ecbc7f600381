//! The consistency checker finds nothing on a table the system wrote, and names each invariant
//! broken on purpose.

use store::tools::raw::Item;

use crate::support::dynamodb::TestTable;
use crate::support::fixtures::as_of;

/// The one stored item of kind `entity` whose string attributes include every `(name, value)`.
/// The test breaks invariants through raw items, so it never spells a key itself.
async fn find(table: &TestTable, entity: &str, fields: &[(&str, &str)]) -> Item {
    let matches: Vec<Item> = crate::support::chaos::table_items(table)
        .await
        .into_values()
        .filter(|item| {
            let text = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
            };
            text("entity") == Some(entity) && fields.iter().all(|(n, v)| text(n) == Some(*v))
        })
        .collect();
    assert_eq!(matches.len(), 1, "{entity} {fields:?}: {matches:#?}");
    matches.into_iter().next().expect("one match")
}

async fn delete(table: &TestTable, item: &Item) {
    let key: Item = ["pk", "sk"]
        .into_iter()
        .map(|k| (k.to_owned(), item[k].clone()))
        .collect();
    table
        .client
        .delete_item()
        .table_name(&table.name)
        .set_key(Some(key))
        .send()
        .await
        .expect("delete");
}

async fn put(table: &TestTable, item: Item) {
    table
        .client
        .put_item()
        .table_name(&table.name)
        .set_item(Some(item))
        .send()
        .await
        .expect("put");
}

#[tokio::test]
async fn a_consistent_table_passes_and_each_broken_invariant_is_named() {
    let table = crate::support::api::published("consistency").await;
    let store = table.store();
    assert_eq!(store.check_consistency(3).await.expect("check"), vec![]);

    // 1. A missing discography entry: t1 credits pa, remove pa's entry.
    let entry = find(&table, "credit", &[("producerId", "pa"), ("trackId", "t1")]).await;
    delete(&table, &entry).await;
    // 2. An orphaned entry: copy pb's t2 entry to pd's partition; t2 does not credit pd.
    let mut orphan = find(&table, "credit", &[("producerId", "pb"), ("trackId", "t2")]).await;
    let pd = find(&table, "producer", &[("id", "pd")]).await;
    let pd_partition = pd["pk"].as_s().expect("a string key").clone();
    orphan.insert("pk".into(), pd["pk"].clone());
    orphan.insert("collabPk".into(), pd["pk"].clone());
    put(&table, orphan).await;
    // 3. A credited producer without a profile.
    let pc = find(&table, "producer", &[("id", "pc")]).await;
    delete(&table, &pc).await;
    // 4. An asymmetric network: pa's collaborator list (one chunk, its head) no longer lists pb.
    let run = store::runs::published::run_id(as_of());
    // pa's partition in the run is where pa's summary is.
    let summary = find(&table, "producerSummary", &[("producerId", "pa")]).await;
    let mut chunk = crate::support::chaos::table_items(&table)
        .await
        .into_iter()
        .find(|((pk, _), item)| {
            Some(pk) == summary["pk"].as_s().ok()
                && item
                    .get("entity")
                    .and_then(|e| e.as_s().ok())
                    .map(String::as_str)
                    == Some("collaboratorChunk")
        })
        .map(|(_, item)| item)
        .expect("pa's collaborators");
    type CollaboratorRow = <results::run::Collaborator as table::pack::Packed>::Row;
    let rows: Vec<CollaboratorRow> =
        table::rows::decode(chunk["rows"].as_b().expect("rows").as_ref()).expect("rows decode");
    let kept: Vec<_> = rows
        .into_iter()
        .filter(|row| row.0.as_str() != "pb")
        .collect();
    chunk.insert(
        "rows".into(),
        aws_sdk_dynamodb::types::AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
            table::rows::encode(&kept).expect("rows encode"),
        )),
    );
    put(&table, chunk).await;
    // 5. The pointer names a run whose meta item is gone.
    let meta = find(&table, "runMeta", &[("runId", run.as_str())]).await;
    delete(&table, &meta).await;

    let violations: Vec<String> = store
        .check_consistency(2)
        .await
        .expect("check")
        .into_iter()
        .map(|v| v.0)
        .collect();
    let has = |needle: &str| violations.iter().any(|v| v.contains(needle));
    assert!(
        has("track t1 credits pa but is missing from their discography"),
        "{violations:#?}"
    );
    assert!(
        has(&format!("orphaned discography entry {pd_partition}/")),
        "{violations:#?}"
    );
    assert!(
        has("track t4 credits pc, who has no profile"),
        "{violations:#?}"
    );
    assert!(
        has("was uploaded by pc, who has no profile"),
        "{violations:#?}"
    );
    assert!(
        has(&format!(
            "the latest-run pointer names run {run}, which is not complete"
        )),
        "{violations:#?}"
    );

    // Restore the meta item: the run is complete again, and its asymmetry is reported.
    put(&table, meta).await;
    let violations: Vec<String> = store
        .check_consistency(2)
        .await
        .expect("check")
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert!(
        violations
            .iter()
            .any(|v| v.contains("pb lists pa as a collaborator, but pa does not list pb")),
        "{violations:#?}"
    );
}
