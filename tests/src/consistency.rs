//! The consistency checker finds nothing on a table the system wrote, and names each invariant
//! broken on purpose.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use store::keys;

use crate::fixtures::pid;
use crate::recompute_run::as_of;

fn key(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

#[tokio::test]
async fn a_consistent_table_passes_and_each_broken_invariant_is_named() {
    let table = crate::leaderboard_api::published("consistency").await;
    let store = table.store();
    assert_eq!(store.check_consistency(3).await.expect("check"), vec![]);

    let client = &table.client;
    let entry_sk =
        |track: &str, uploaded: &str| keys::discography_sk(uploaded, &crate::fixtures::tid(track));
    // 1. A missing discography entry: t1 credits pa, remove pa's entry.
    let t1 = store
        .get_track(&crate::fixtures::tid("t1"))
        .await
        .expect("get")
        .expect("t1");
    let t1_sk = entry_sk("t1", &t1.track.uploaded_at.to_key_text());
    client
        .delete_item()
        .table_name(&table.name)
        .set_key(Some(key(&keys::producer_pk(&pid("pa")), &t1_sk)))
        .send()
        .await
        .expect("delete");
    // 2. An orphaned entry: copy it to pd, whom t1 does not credit.
    let t2 = store
        .get_track(&crate::fixtures::tid("t2"))
        .await
        .expect("get")
        .expect("t2");
    let t2_sk = entry_sk("t2", &t2.track.uploaded_at.to_key_text());
    let mut orphan = client
        .get_item()
        .table_name(&table.name)
        .set_key(Some(key(&keys::producer_pk(&pid("pb")), &t2_sk)))
        .send()
        .await
        .expect("get")
        .item
        .expect("pb's t2 entry");
    orphan.insert(
        "pk".into(),
        AttributeValue::S(keys::producer_pk(&pid("pd"))),
    );
    orphan.insert(
        "collabPk".into(),
        AttributeValue::S(keys::producer_pk(&pid("pd"))),
    );
    client
        .put_item()
        .table_name(&table.name)
        .set_item(Some(orphan))
        .send()
        .await
        .expect("put");
    // 3. A credited producer without a profile.
    client
        .delete_item()
        .table_name(&table.name)
        .set_key(Some(key(&keys::producer_pk(&pid("pc")), keys::PROFILE_SK)))
        .send()
        .await
        .expect("delete");
    // 4. An asymmetric network: pa no longer lists pb.
    let run = store::runs::run_id(as_of());
    let pa = keys::run_producer_pk(&run, &pid("pa"));
    let sk = store::results::collaborator_sk(1, &pid("pb"));
    client
        .delete_item()
        .table_name(&table.name)
        .set_key(Some(key(&pa, &sk)))
        .send()
        .await
        .expect("delete");
    // 5. The pointer names a run whose meta item is gone.
    client
        .delete_item()
        .table_name(&table.name)
        .set_key(Some(key(&keys::run_pk(&run), keys::RUN_META_SK)))
        .send()
        .await
        .expect("delete");

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
        has("orphaned discography entry PRODUCER#pd/"),
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
    let meta_back = store::results::RunMetaItem {
        pk: keys::run_pk(&run),
        sk: keys::RUN_META_SK.to_owned(),
        entity: "runMeta".to_owned(),
        expires_at: 0,
        run_id: run.clone(),
        as_of: as_of(),
        tracks: 5,
        producers: 4,
        pairs: 2,
        result_items: 0,
        total_units: "0".to_owned(),
    };
    store
        .put_run_items(&[meta_back], &store::batch::BatchStats::default())
        .await
        .expect("put");
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
