//! Small, readable catalog records for tests.

use catalog::jsonl::parse;
use catalog::synthetic::{Spec, generate};
use catalog::{Producer, Track, UploadTime};
use chrono::{DateTime, TimeDelta, Utc};
use contribution::{Credits, ProducerId, TrackId};
use serde_json::json;
use store::Change;
use store::ChangeSource;
use store::Store;

pub fn pid(id: &str) -> ProducerId {
    ProducerId::parse(id).expect("valid producer id")
}

pub fn tid(id: &str) -> TrackId {
    TrackId::parse(id).expect("valid track id")
}

pub fn credits(ids: &[&str]) -> Credits {
    Credits::new(ids.iter().map(|i| pid(i)).collect()).expect("valid credits")
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

pub fn producer(id: &str, name: &str) -> Producer {
    Producer::new(
        pid(id),
        name,
        &["trap".into()],
        &["dark".into()],
        Some(&format!("acct_{id}")),
    )
    .expect("valid producer")
}

pub fn track(id: &str, uploader: &str, credited: &[&str], uploaded_at: &str) -> Track {
    Track::new(
        tid(id),
        &format!("Track {id}"),
        pid(uploader),
        credits(credited),
        UploadTime::parse(uploaded_at).expect("valid upload time"),
        100,
        false,
        Some("trap"),
    )
    .expect("valid track")
}

pub fn edit_by(uploader: &str) -> Change {
    Change::new(
        pid(uploader),
        ChangeSource::Backstage,
        at("2026-11-21T12:00:00Z"),
    )
}

/// The track ids on `producer`'s discography (the collaborative view when asked), newest first.
pub async fn discography_ids(
    store: &store::Store,
    producer: &str,
    collaborative_only: bool,
) -> Vec<String> {
    store
        .catalog()
        .discography(&pid(producer), collaborative_only, 200, None)
        .await
        .expect("read discography")
        .items
        .into_iter()
        .map(|e| e.track_id.to_string())
        .collect()
}

/// Has the platform accept a track, through the `sync` function (the only way tracks are
/// created): `fields` are the track message's, `type` and `at` added. Panics if not applied.
pub async fn accept_track(store: &store::Store, fields: serde_json::Value) {
    let mut message = serde_json::json!({"type": "track", "at": "2026-11-21T11:00:00Z"});
    if let (Some(message), Some(fields)) = (message.as_object_mut(), fields.as_object()) {
        message.extend(fields.clone());
    }
    let now = at("2026-11-21T12:00:00Z");
    sync::apply(store, &message.to_string(), now)
        .await
        .unwrap_or_else(|e| panic!("the track was not accepted: {e}"));
}

/// The stored profile of `id`, which must exist.
pub async fn stored_producer(store: &store::Store, id: &str) -> Producer {
    store
        .catalog()
        .get_producer(&pid(id))
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no profile {id}"))
}

/// The stored track `id`, which must exist.
pub async fn stored_track(store: &store::Store, id: &str) -> store::StoredTrack {
    store
        .catalog()
        .get_track(&tid(id))
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no track {id}"))
}

/// Profiles for each of `ids`, named `Artist <id>`.
pub async fn seed_producers(store: &store::Store, ids: &[&str]) {
    for id in ids {
        store
            .catalog()
            .put_producer(&producer(id, &format!("Artist {id}")))
            .await
            .expect("seed producer");
    }
}

/// The scheduled run as of `as_of`, with the default settings and no deadline.
pub async fn run_at(store: &store::Store, as_of: DateTime<Utc>) -> recompute::metrics::RunSummary {
    recompute::run::recompute(
        store,
        &recompute::run::Settings::default(),
        as_of,
        recompute::run::Deadline(None),
        &recompute::run::RunProgress::default(),
        as_of,
    )
    .await
    .expect("run")
}

/// The instant the fixture catalogs describe, and their first run's as-of.
pub fn as_of() -> DateTime<Utc> {
    at("2026-11-21T00:00:00Z")
}

/// Six average Gregorian months, in seconds.
const SIX_MONTHS: i64 = 15_778_476;

/// Imports catalog records (JSON Lines objects) as of [`as_of`].
pub async fn import(store: &Store, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    import_text(store, &text).await;
}

/// Imports a catalog file's text as of [`as_of`]; every line must be valid.
async fn import_text(store: &Store, text: &str) {
    let (parsed, errors) = parse(text.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    store
        .import_catalog(parsed, as_of(), &|_| ())
        .await
        .expect("import");
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Four producers and five tracks whose every figure is worked out by hand in
/// `recompute_run::every_figure_of_a_hand_checked_catalog`.
pub fn hand_catalog(t2_plays: u64) -> Vec<serde_json::Value> {
    vec![
        json!({"kind":"producer","id":"pa","name":"Alpha","genres":["trap"],"styles":["dark"],"profileComplete":true}),
        json!({"kind":"producer","id":"pb","name":"Bravo","genres":["trap","drill"],"styles":["melodic"]}),
        json!({"kind":"producer","id":"pc","name":"Charlie","genres":["lo-fi"],"styles":["chill"]}),
        json!({"kind":"producer","id":"pd","name":"Delta","genres":["trap"],"styles":["dark","bouncy"]}),
        // Solo, new, 9 plays: 1 × 2 × 1 = 2 to pa.
        json!({"kind":"track","id":"t1","title":"One","uploaderId":"pa","credits":["pa"],"uploadedAt":ts(as_of()),"plays":9,"metadataComplete":true}),
        // pa+pb, 6 months, 0 plays: 1/2 × 1 × 1/2 = 1/4 each.
        json!({"kind":"track","id":"t2","title":"Two","uploaderId":"pa","credits":["pa","pb"],"uploadedAt":ts(as_of() - TimeDelta::seconds(SIX_MONTHS)),"plays":t2_plays}),
        // Exclusive-only: 0 to pb whatever its plays.
        json!({"kind":"track","id":"t3","title":"Three","uploaderId":"pb","credits":["pb"],"uploadedAt":ts(as_of()),"plays":99,"exclusiveOnly":true}),
        // pc+pa, uploaded a day after the as-of instant (0 months), 999,999 plays: 1 × 19/7 × 1/2 = 19/14 each.
        json!({"kind":"track","id":"t4","title":"Four","uploaderId":"pc","credits":["pc","pa"],"uploadedAt":ts(as_of() + TimeDelta::days(1)),"plays":999_999}),
        // Solo, 12 months, 9 plays: 1/4 × 2 = 1/2 to pc.
        json!({"kind":"track","id":"t5","title":"Five","uploaderId":"pc","credits":["pc"],"uploadedAt":ts(as_of() - TimeDelta::seconds(2 * SIX_MONTHS)),"plays":9}),
    ]
}

/// Imports the synthetic catalog of `producers` and `tracks` (seed 11) and returns its text.
pub async fn generated(store: &Store, producers: usize, tracks: usize) -> String {
    let text: String = generate(Spec {
        producers,
        tracks,
        seed: 11,
        as_of: as_of(),
    })
    .map(|l| l + "\n")
    .collect();
    import_text(store, &text).await;
    text
}
