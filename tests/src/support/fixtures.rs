//! Small, readable catalog records for tests.

use catalog::{Producer, Track, UploadTime};
use chrono::{DateTime, Utc};
use contribution::{Credits, ProducerId, TrackId};
use store::Change;
use store::ChangeSource;

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
    Change {
        by: pid(uploader),
        source: ChangeSource::Backstage,
        at: at("2026-11-21T12:00:00Z"),
    }
}

/// The track ids on `producer`'s discography (the collaborative view when asked), newest first.
pub async fn discography_ids(
    store: &store::Store,
    producer: &str,
    collaborative_only: bool,
) -> Vec<String> {
    store
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
        .get_producer(&pid(id))
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no profile {id}"))
}

/// The stored track `id`, which must exist.
pub async fn stored_track(store: &store::Store, id: &str) -> store::StoredTrack {
    store
        .get_track(&tid(id))
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no track {id}"))
}

/// Profiles for each of `ids`, named `Artist <id>`.
pub async fn seed_producers(store: &store::Store, ids: &[&str]) {
    for id in ids {
        store
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
    )
    .await
    .expect("run")
}
