//! The `sync` function, driven with SQS event JSON against DynamoDB Local: plays, profiles and
//! accepted tracks arrive, newest `at` wins, and a batch reports exactly its bad messages.

use results::run::ProducerSummary;
use serde_json::{Value, json};
use store::Store;

use crate::support::api;
use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, sqs_event, sqs_event_from};
use crate::support::feed::{deliver, failed_ids, now, platform};
use crate::support::fixtures::{as_of, hand_catalog, import, run_at};
use crate::support::fixtures::{at, pid, stored_producer, stored_track, tid};

fn plays(at: &str, counts: &[(&str, u64)]) -> Value {
    let counts: Vec<Value> = counts
        .iter()
        .map(|(t, n)| json!({"trackId": t, "plays": n}))
        .collect();
    json!({"type": "plays", "at": at, "counts": counts})
}

async fn track_plays(store: &Store, id: &str) -> u64 {
    store
        .catalog()
        .get_track(&tid(id))
        .await
        .expect("read")
        .expect("the track")
        .track
        .plays
}

async fn seeded(test: &str) -> TestTable {
    let table = TestTable::create(test).await;
    import(&table.store(), &hand_catalog(0)).await;
    table
}

#[tokio::test]
async fn plays_apply_only_when_newer_and_leave_the_etag_alone() {
    let table = seeded("sync-plays").await;
    let store = table.store();
    let etag = |reply: &crate::support::events::Reply| reply.header("etag").map(str::to_owned);
    let before = api::credits(&store, Http::get("/tracks/t2/credits").caller("pa")).await;

    let failed = deliver(
        &store,
        &[plays(
            "2026-11-21T10:00:00Z",
            &[("t1", 50), ("t2", 700), ("ghost", 5)],
        )],
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        (
            track_plays(&store, "t1").await,
            track_plays(&store, "t2").await
        ),
        (50, 700)
    );
    // The unknown track was skipped (and logged), not created and not retried.
    assert_eq!(
        store
            .catalog()
            .get_track(&tid("ghost"))
            .await
            .expect("read"),
        None
    );

    // Older and duplicate deliveries change nothing; a count never goes backwards by accident.
    let older = plays("2026-11-21T09:00:00Z", &[("t1", 10), ("t2", 1)]);
    let same = plays("2026-11-21T10:00:00Z", &[("t1", 40)]);
    assert!(deliver(&store, &[older, same]).await.is_empty());
    assert_eq!(
        (
            track_plays(&store, "t1").await,
            track_plays(&store, "t2").await
        ),
        (50, 700)
    );
    let newer = plays("2026-11-21T11:00:00Z", &[("t1", 60)]);
    assert!(deliver(&store, &[newer]).await.is_empty());
    assert_eq!(track_plays(&store, "t1").await, 60);

    // The store tells stale counts from unknown tracks (the log says which were skipped).
    let report = store
        .catalog()
        .apply_plays(
            at("2026-11-21T11:00:00Z"),
            &[(tid("t1"), 1), (tid("t2"), 800), (tid("ghost"), 1)],
        )
        .await
        .expect("plays");
    assert_eq!(
        (report.applied, report.stale, report.unknown),
        (1, 1, vec![tid("ghost")])
    );
    // One write unit a count: the plays item is small and in no index (DynamoDB's reported
    // unit for the count written, and the one each refused count bills).
    assert_eq!(report.write_units, 3.0);
    assert_eq!(track_plays(&store, "t2").await, 800);

    // Plays never change the credits version (the ETag).
    let after = api::credits(&store, Http::get("/tracks/t2/credits").caller("pa")).await;
    assert_eq!((after.status, etag(&after)), (200, etag(&before)));
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

#[tokio::test]
async fn a_mixed_batch_reports_exactly_its_bad_messages_and_applies_the_rest() {
    let table = seeded("sync-mixed").await;
    let store = table.store();
    let bodies = [
        plays("2026-11-21T10:00:00Z", &[("t1", 77)]),
        json!("not a message"),
        json!({"type": "plays", "at": "tomorrow", "counts": []}),
        json!({"type": "producer", "at": "2026-11-21T10:00:00Z", "id": "pe", "name": "Echo Park",
               "genres": ["trap"], "stripeAccountId": "acct_pe"}),
        // Credits a producer with no profile: the same rule as a credit edit.
        json!({"type": "track", "at": "2026-11-21T10:00:00Z", "trackId": "t8", "title": "Lost",
               "uploaderId": "pa", "uploadedAt": "2026-11-20T00:00:00Z", "credits": ["pa", "ghost"]}),
        // (Messages of a batch apply in no set order, like the queue's, so this one credits
        // producers that were there before the batch.)
        json!({"type": "track", "at": "2026-11-21T10:00:00Z", "trackId": "t9", "title": "Found",
               "uploaderId": "pa", "uploadedAt": "2026-11-20T00:00:00Z", "credits": ["pa", "pd"]}),
    ];
    let failed = deliver(&store, &bodies).await;
    assert_eq!(failed, ["m1", "m2", "m4"]);
    assert_eq!(track_plays(&store, "t1").await, 77);
    assert!(
        store
            .catalog()
            .get_producer(&pid("pe"))
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        store.catalog().get_track(&tid("t8")).await.expect("read"),
        None
    );
    let t9 = stored_track(&store, "t9").await;
    assert_eq!(t9.track.credits.producers(), [pid("pa"), pid("pd")]);
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

#[tokio::test]
async fn a_producer_becomes_payout_ready_and_a_rename_is_found_by_its_new_name_only() {
    let table = seeded("sync-producer").await;
    let store = table.store();
    let pa = stored_producer(&store, "pa").await;
    assert!(!pa.payout_ready());

    let ready = json!({"type": "producer", "at": "2026-11-21T10:00:00Z", "id": "pa",
        "name": "Zenith Waves", "genres": ["trap"], "styles": ["dark"],
        "stripeAccountId": "acct_pa", "chargesEnabled": true, "payoutsEnabled": true,
        "profileComplete": true});
    assert!(
        deliver(&store, std::slice::from_ref(&ready))
            .await
            .is_empty()
    );
    let pa = stored_producer(&store, "pa").await;
    assert!(pa.payout_ready() && pa.profile_complete);
    assert_eq!(pa.name, "Zenith Waves");
    let found = |q: &'static str| {
        let store = store.clone();
        async move {
            store
                .catalog()
                .search_producers(q, 10)
                .await
                .expect("search")
                .into_iter()
                .map(|m| m.producer_id.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("zeni").await, ["pa"]);
    assert_eq!(found("waves").await, ["pa"]);
    assert!(found("alpha").await.is_empty(), "the old name is gone");

    // A late, older message (payouts not yet enabled, the old name) changes nothing; a second
    // delivery of the newest one neither.
    let older = json!({"type": "producer", "at": "2026-11-21T09:00:00Z", "id": "pa",
        "name": "Alpha", "stripeAccountId": "acct_pa", "chargesEnabled": true});
    assert!(deliver(&store, &[older, ready]).await.is_empty());
    let pa = stored_producer(&store, "pa").await;
    assert!(pa.payout_ready());
    assert_eq!(pa.name, "Zenith Waves");
    assert!(found("alpha").await.is_empty());
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

/// L6: a producer message changes only what it carries. A name-only message (a profile edit)
/// keeps the Stripe account, its flags and the tags, so the producer stays payout-ready; an
/// explicit `null` removes the account; a misspelt field is refused, not dropped.
#[tokio::test]
async fn a_producer_message_changes_only_the_fields_it_carries() {
    let table = seeded("sync-partial-producer").await;
    let store = table.store();
    let ready = json!({"type": "producer", "at": "2026-11-21T10:00:00Z", "id": "pa",
        "name": "Alpha", "genres": ["trap"], "styles": ["dark"], "stripeAccountId": "acct_pa",
        "chargesEnabled": true, "payoutsEnabled": true, "profileComplete": true});
    assert!(deliver(&store, &[ready]).await.is_empty());
    let before = stored_producer(&store, "pa").await;
    assert!(before.payout_ready());

    let renamed = json!({"type": "producer", "at": "2026-11-21T10:01:00Z", "id": "pa",
        "name": "Alpha Waves"});
    assert!(deliver(&store, &[renamed]).await.is_empty());
    let after = stored_producer(&store, "pa").await;
    assert_eq!(after.name, "Alpha Waves");
    assert_eq!(
        catalog::Producer {
            name: before.name.clone(),
            ..after.clone()
        },
        before,
        "everything but the name as it was"
    );

    let misspelt = json!({"type": "producer", "at": "2026-11-21T10:02:00Z", "id": "pa",
        "stripeAccountID": "acct_other"});
    let paused = json!({"type": "producer", "at": "2026-11-21T10:03:00Z", "id": "pa",
        "payoutsEnabled": false});
    assert_eq!(deliver(&store, &[misspelt, paused]).await, ["m0"]);
    let after = stored_producer(&store, "pa").await;
    assert_eq!(after.stripe_account_id.as_deref(), Some("acct_pa"));
    assert!(after.charges_enabled && !after.payouts_enabled && after.profile_complete);
    assert_eq!(
        (after.genres.as_slice(), after.styles.as_slice()),
        (&["trap".to_owned()][..], &["dark".to_owned()][..])
    );

    let cleared = json!({"type": "producer", "at": "2026-11-21T10:04:00Z", "id": "pa",
        "stripeAccountId": null});
    let unnamed_newcomer = json!({"type": "producer", "at": "2026-11-21T10:04:00Z",
        "id": "newcomer", "payoutsEnabled": true});
    assert_eq!(deliver(&store, &[cleared, unnamed_newcomer]).await, ["m1"]);
    let after = stored_producer(&store, "pa").await;
    assert_eq!(after.stripe_account_id, None);
    assert_eq!(after.name, "Alpha Waves");
    assert_eq!(
        store
            .catalog()
            .get_producer(&pid("newcomer"))
            .await
            .expect("read"),
        None
    );
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

/// Review N3: the payout fields and the profile fields are each newest-wins on their own stamp.
/// Every pair of messages of different groups, at two instants, applied in both orders, gives the
/// same profile; so a disconnect delivered after a newer name edit (a standard queue keeps no
/// order, a failed message returns minutes later) still disconnects, and a redelivered old
/// message of either group changes nothing.
#[tokio::test]
async fn messages_of_different_field_groups_give_the_same_profile_in_either_order() {
    let table = seeded("sync-field-groups").await;
    let store = table.store();
    let payout_changes = [
        json!({"stripeAccountId": null}),
        json!({"payoutsEnabled": false}),
        json!({"stripeAccountId": "acct_new", "chargesEnabled": true, "payoutsEnabled": true}),
    ];
    let profile_changes = [
        json!({"name": "Renamed Producer"}),
        json!({"genres": ["lofi"], "styles": []}),
        json!({"profileComplete": false}),
    ];
    let message = |id: &str, at: &str, fields: &Value| {
        let mut m = json!({"type": "producer", "at": at, "id": id});
        for (k, v) in fields.as_object().expect("fields") {
            m[k] = v.clone();
        }
        m
    };
    let (earlier, later) = ("2026-11-21T10:01:00Z", "2026-11-21T10:02:00Z");
    let mut pairs = 0;
    for (i, payout) in payout_changes.iter().enumerate() {
        for (j, profile) in profile_changes.iter().enumerate() {
            for (payout_at, profile_at) in [(earlier, later), (later, earlier)] {
                let mut profiles = Vec::new();
                for (k, payout_first) in [true, false].into_iter().enumerate() {
                    let id = format!("fg{i}{j}{}{k}", u8::from(payout_at == earlier));
                    let base = json!({"type": "producer", "at": "2026-11-21T10:00:00Z",
                        "id": id, "name": "Base Producer", "genres": ["trap"],
                        "styles": ["dark"], "stripeAccountId": "acct_base",
                        "chargesEnabled": true, "payoutsEnabled": true,
                        "profileComplete": true});
                    assert!(deliver(&store, &[base]).await.is_empty());
                    let a = message(&id, payout_at, payout);
                    let b = message(&id, profile_at, profile);
                    let order = if payout_first { [a, b] } else { [b, a] };
                    for m in &order {
                        assert!(deliver(&store, std::slice::from_ref(m)).await.is_empty());
                    }
                    // Each again, late: a duplicate changes nothing.
                    for m in &order {
                        assert!(deliver(&store, std::slice::from_ref(m)).await.is_empty());
                    }
                    let stored = stored_producer(&store, &id).await;
                    profiles.push(catalog::Producer {
                        id: pid("fg"),
                        ..stored
                    });
                }
                assert_eq!(
                    profiles[0], profiles[1],
                    "{payout} at {payout_at}, {profile} at {profile_at}"
                );
                // Both changes took effect, whichever came first.
                let p = &profiles[0];
                let expect_payout = match i {
                    0 => p.stripe_account_id.is_none(),
                    1 => !p.payouts_enabled,
                    _ => p.stripe_account_id.as_deref() == Some("acct_new"),
                };
                let expect_profile = match j {
                    0 => p.name == "Renamed Producer",
                    1 => p.genres == ["lofi"] && p.styles.is_empty(),
                    _ => !p.profile_complete,
                };
                assert!(expect_payout && expect_profile, "{p:?}");
                pairs += 1;
            }
        }
    }
    assert_eq!(pairs, 18);
    // Within one group the newest still wins: an older disconnect after a newer reconnect is
    // dropped.
    let reconnect = message("pa", "2026-11-21T11:00:00Z", &payout_changes[2]);
    let old_disconnect = message("pa", "2026-11-21T10:30:00Z", &payout_changes[0]);
    assert!(deliver(&store, &[reconnect]).await.is_empty());
    assert!(deliver(&store, &[old_disconnect]).await.is_empty());
    assert_eq!(
        stored_producer(&store, "pa")
            .await
            .stripe_account_id
            .as_deref(),
        Some("acct_new")
    );
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

/// A producer message that would point pa's payouts at an attacker's account.
fn hijack() -> Value {
    json!({"type": "producer", "at": "2026-11-21T10:00:00Z", "id": "pa",
        "name": "Alpha", "stripeAccountId": "acct_attacker", "chargesEnabled": true,
        "payoutsEnabled": true})
}

/// The JSON log lines of messages refused as `kind`.
fn refused_lines(text: &str, kind: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON log line"))
        .filter(|l| l["error_type"] == kind)
        .collect()
}

/// M3: only the platform writes the feed. A message another principal sent (a role session that
/// is not the platform's, which the queue policy should have denied) is reported failed, so it
/// ends in the dead-letter queue, with a log line naming the sender; nothing of it is applied,
/// while the platform's message in the same batch is.
#[tokio::test(flavor = "current_thread")]
async fn a_message_from_another_sender_is_reported_failed_and_never_applied() {
    let table = seeded("sync-foreign-sender").await;
    let store = table.store();
    let before = store
        .catalog()
        .get_producer(&pid("pa"))
        .await
        .expect("read");
    let hijack = hijack();
    let platform_plays = plays("2026-11-21T10:00:00Z", &[("t1", 77)]);
    let mut event = sqs_event(&[hijack.to_string(), platform_plays.to_string()]);
    let foreign = sqs_event_from("AROANOTTHEPLATFORM:mallory", &[hijack.to_string()]);
    event.records[0] = foreign.records[0].clone();
    let mut unsigned = sqs_event(&[hijack.to_string()]).records.remove(0);
    unsigned.message_id = Some("m2".into());
    unsigned.attributes.remove("SenderId");
    event.records.push(unsigned);

    let captured = crate::support::api::Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let failed = failed_ids(sync::handle(&store, &platform(), event, now()).await);
    assert_eq!(
        failed,
        ["m0", "m2"],
        "both messages not sent by the platform"
    );
    assert_eq!(
        store
            .catalog()
            .get_producer(&pid("pa"))
            .await
            .expect("read"),
        before
    );
    assert_eq!(
        track_plays(&store, "t1").await,
        77,
        "the platform's message applied"
    );

    let text = captured.text();
    let refused = refused_lines(&text, "ForeignSender");
    assert_eq!(refused.len(), 2, "{text}");
    assert!(
        refused.iter().any(|l| l["message_id"] == "m0"
            && l["error"].as_str().is_some_and(
                |e| e.contains("sent by AROANOTTHEPLATFORM:mallory, not the platform")
            )),
        "{text}"
    );
}

/// Review N14: a record that did not come through the feed's queue is refused unread, even with
/// the platform's sender: a made-up batch handed to the function directly (no queue named), or a
/// record of another queue (a mapping added by hand). The feed's own record in the same batch is
/// applied.
#[tokio::test(flavor = "current_thread")]
async fn a_record_of_another_queue_is_refused_even_with_the_platforms_sender() {
    let table = seeded("sync-foreign-queue").await;
    let store = table.store();
    let before = store
        .catalog()
        .get_producer(&pid("pa"))
        .await
        .expect("read");
    let hijack = hijack();
    let mut event = sqs_event(&[
        hijack.to_string(),
        hijack.to_string(),
        plays("2026-11-21T10:00:00Z", &[("t1", 78)]).to_string(),
    ]);
    event.records[0].event_source_arn =
        Some("arn:aws:sqs:us-east-1:123456789012:somebody-elses-queue".into());
    event.records[1].event_source_arn = None;

    let captured = crate::support::api::Captured::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber());
    let failed = failed_ids(sync::handle(&store, &platform(), event, now()).await);
    assert_eq!(failed, ["m0", "m1"]);
    assert_eq!(
        store
            .catalog()
            .get_producer(&pid("pa"))
            .await
            .expect("read"),
        before
    );
    assert_eq!(
        track_plays(&store, "t1").await,
        78,
        "the feed's own record applied"
    );
    let text = captured.text();
    assert_eq!(refused_lines(&text, "ForeignQueue").len(), 2, "{text}");
    assert!(
        text.contains(
            "from arn:aws:sqs:us-east-1:123456789012:somebody-elses-queue, not the feed's queue"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_track_message_creates_once_and_later_ones_update_only_platform_fields() {
    let table = seeded("sync-track").await;
    let store = table.store();
    let message = json!({"type": "track", "at": "2026-11-21T10:00:00Z", "trackId": "t9",
        "title": "Night Drive", "uploaderId": "pa", "uploadedAt": "2026-11-20T00:00:00Z",
        "credits": ["pa", "pb"], "genre": "Trap", "metadataComplete": true});
    assert!(
        deliver(&store, std::slice::from_ref(&message))
            .await
            .is_empty()
    );
    let created = stored_track(&store, "t9").await;
    assert_eq!(created.version, 1);
    assert!(created.track.metadata_complete);
    assert_eq!(created.track.genre.as_deref(), Some("trap"));
    let page = store
        .catalog()
        .credit_history(&tid("t9"), 10, None)
        .await
        .expect("history");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].source, store::ChangeSource::Platform);

    // A second delivery changes nothing.
    assert!(deliver(&store, &[message]).await.is_empty());
    assert_eq!(stored_track(&store, "t9").await, created);

    // The uploader edits the credits; a later platform message renames the track and says
    // nothing new about credits: the uploader's credits stay.
    let edit = api::credits(
        &store,
        Http::post("/tracks/t9/credits", json!({"producerId": "pc"})).caller("pa"),
    )
    .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let renamed = json!({"type": "track", "at": "2026-11-21T11:00:00Z", "trackId": "t9",
        "title": "Night Drive (Remix)", "uploaderId": "pa", "uploadedAt": "2026-11-20T00:00:00Z",
        "credits": ["pa"], "exclusiveOnly": true, "metadataComplete": false});
    let stale = json!({"type": "track", "at": "2026-11-21T10:30:00Z", "trackId": "t9",
        "title": "Stale Title", "uploaderId": "pa", "uploadedAt": "2026-11-20T00:00:00Z",
        "credits": ["pa"]});
    assert!(deliver(&store, &[renamed]).await.is_empty());
    assert!(deliver(&store, &[stale]).await.is_empty());
    let now = stored_track(&store, "t9").await;
    assert_eq!(now.track.title, "Night Drive (Remix)");
    assert!(now.track.exclusive_only && !now.track.metadata_complete);
    assert_eq!(
        now.track.credits.producers(),
        [pid("pa"), pid("pb"), pid("pc")]
    );
    // The title is copied to every discography entry, so it moved the version on.
    assert_eq!(now.version, 3);
    let tracks = crate::support::api::leaderboard(&store, Http::get("/producers/pc/tracks")).await;
    let t9 = tracks.body["tracks"]
        .as_array()
        .and_then(|list| list.iter().find(|t| t["trackId"] == json!("t9")))
        .cloned();
    assert_eq!(
        t9.map(|t| t["title"].clone()),
        Some(json!("Night Drive (Remix)"))
    );
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}

#[tokio::test]
async fn a_recompute_after_a_plays_message_reflects_it() {
    let table = seeded("sync-recompute").await;
    let store = table.store();
    run_at(&store, as_of()).await;
    let summary = |when| {
        let store = store.clone();
        async move {
            store
                .runs()
                .run_item::<ProducerSummary>(&store::runs::published::run_id(when), &pid("pb"))
                .await
                .expect("read")
                .expect("pb's summary")
        }
    };
    let before = summary(as_of()).await;
    // t2 (pa + pb, 6 months old) gains 999 plays: boost 1 → 1 + 2·3/4 = 2.5, so pb's half goes
    // from 1/4 to about 5/8 (12 more hours of decay): exactly the formula's value for t2 now.
    assert!(
        deliver(&store, &[plays("2026-11-21T06:00:00Z", &[("t2", 999)])])
            .await
            .is_empty()
    );
    let next = as_of() + chrono::TimeDelta::hours(12);
    run_at(&store, next).await;
    let after = summary(next).await;
    let t2 = stored_track(&store, "t2").await;
    assert_eq!(t2.track.plays, 999);
    let expected = contribution::breakdown(&t2.track.facts(), next).track_value / 2.0;
    assert!((before.contribution_value - 0.25).abs() < 1e-12);
    assert!(
        (after.contribution_value - expected).abs() < 1e-12 && (expected - 0.625).abs() < 2e-3,
        "{} vs {expected}",
        after.contribution_value
    );
    assert_eq!(after.collaborative_plays, 999);
}

/// Review L1: a count applied while a track message or an import rewrites the track is never
/// lost, because no write of the track item carries plays. Each round races a count against a
/// rename of the same track; then an import of an older file races a newer count.
#[tokio::test]
async fn a_count_racing_a_track_update_or_an_import_is_never_lost() {
    let table = seeded("sync-race").await;
    let store = table.store();
    let base = at("2026-11-21T01:00:00Z");
    for round in 0..40i64 {
        let when = (base + chrono::TimeDelta::seconds(round)).to_rfc3339();
        let rename = json!({"type": "track", "at": when, "trackId": "t1",
            "title": format!("Take {round}"), "uploaderId": "pa",
            "uploadedAt": "2026-11-01T00:00:00Z", "credits": ["pa"]});
        let count = plays(&when, &[("t1", 1_000 + round as u64)]);
        let (rename, count) = ([rename], [count]);
        let (renamed, counted) = tokio::join!(deliver(&store, &rename), deliver(&store, &count));
        assert!(
            renamed.is_empty() && counted.is_empty(),
            "{renamed:?} {counted:?}"
        );
        let stored = stored_track(&store, "t1").await;
        assert_eq!(
            (stored.track.plays, stored.track.title.as_str()),
            (1_000 + round as u64, format!("Take {round}").as_str()),
            "round {round}"
        );
    }
    // An import describing midnight, racing a count from the feed at 02:00: the count stays.
    let mut file = hand_catalog(0);
    for line in &mut file {
        if line["id"] == json!("t1") {
            line["plays"] = json!(5);
        }
    }
    let count = plays("2026-11-21T02:00:00Z", &[("t1", 9_999)]);
    let count = [count];
    let (_, counted) = tokio::join!(import(&store, &file), deliver(&store, &count));
    assert!(counted.is_empty());
    assert_eq!(track_plays(&store, "t1").await, 9_999);
    assert_eq!(store.check_consistency(2).await.expect("check"), vec![]);
}
