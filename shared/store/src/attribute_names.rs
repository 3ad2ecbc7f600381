//! The attribute names conditions and updates spell, checked against what each entity stores.

use catalog::{Producer, Track, UploadTime};
use contribution::{Credits, ProducerId, TrackId};
use results::run::{Baselines, PublishedRun};

use table::access::if_absent;
use table::definition::DEFINITION;
use table::entity::{Item, decode, encode};
use table::items::catalog::{Profile, TrackPlays, TrackRecord, TrackStamps};
use table::items::runs::PUBLISHED_AS_OF;

fn holds(item: &Item, names: &[&str]) {
    for name in names {
        assert!(item.contains_key(*name), "{name} is not stored: {item:?}");
    }
}

/// The attribute names conditions and updates spell are the ones each entity is stored
/// with (so a renamed field fails here, not as a condition that can never hold).
#[test]
fn stored_attribute_names() {
    let p1 = ProducerId::parse("p1").expect("id");
    let track = Track::new(
        TrackId::parse("t1").expect("id"),
        "Title",
        p1.clone(),
        Credits::new(vec![p1.clone()]).expect("credits"),
        UploadTime::parse("2026-08-21T00:00:00Z").expect("time"),
        5,
        false,
        None,
    )
    .expect("track");
    let stamps = TrackStamps {
        plays_at: Some(1),
        platform_at: Some(2),
    };
    let record = encode(&TrackRecord::stamped(&track, 3, stamps), &(), None).expect("encodes");
    holds(
        &record,
        &[
            TrackRecord::VERSION,
            TrackRecord::CREDITS,
            TrackRecord::PLATFORM_AT,
            DEFINITION.partition_key,
        ],
    );
    let plays = encode(&TrackPlays::of(&track, Some(1)), &(), None).expect("encodes");
    holds(&plays, &[TrackPlays::PLAYS, TrackPlays::PLAYS_AT]);
    let mut profile = Profile::from(&Producer::new(p1, "Name", &[], &[], None).expect("producer"));
    profile.payout_at_millis = Some(1);
    profile.profile_at_millis = Some(1);
    profile.synced_at_millis = Some(1);
    let mut profile = encode(&profile, &(), None).expect("encodes");
    holds(
        &profile,
        &[
            Profile::NAME_ATTRIBUTE,
            Profile::PAYOUT_AT,
            Profile::PROFILE_AT,
        ],
    );
    // The legacy stamp is read (never written again): an older item's is what it names.
    profile.insert(
        Profile::SYNCED_AT.to_owned(),
        aws_sdk_dynamodb::types::AttributeValue::N("7".into()),
    );
    let legacy: Profile = decode(profile).expect("decodes");
    assert_eq!(legacy.synced_at_millis, Some(7));
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .expect("time")
        .to_utc();
    let pointer = PublishedRun {
        run_id: results::run_id::RunId::of(at),
        as_of: at,
        as_of_millis: at.timestamp_millis(),
        published_at: at,
        baselines: Baselines::default(),
    };
    holds(
        &encode(&pointer, &(), None).expect("encodes"),
        &[PUBLISHED_AS_OF],
    );
    assert_eq!(
        if_absent(),
        format!("attribute_not_exists({})", DEFINITION.partition_key)
    );
}
