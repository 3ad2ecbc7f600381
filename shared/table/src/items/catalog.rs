//! The catalog's item kinds: profiles, their name-search entries, tracks, discography entries and
//! credit history. Each is a domain struct plus its [`Entity`] impl (see `docs/data-model.md`).
//!
//! Optional attributes are left out rather than stored as NULL, which keeps the sparse indexes
//! sparse (an index key attribute may not be NULL).

use catalog::{Producer, Track, UploadTime};
use chrono::{DateTime, Utc};
use contribution::{Credits, ProducerId, TrackId};
use serde::{Deserialize, Serialize};

use crate::definition::{CATALOG_INDEX, COLLABORATIVE_INDEX};
use crate::entity::{Entity, FullKey, PrimaryKey};
use crate::keys;
use catalog::names::name_tokens;

/// A producer's artist profile: in the catalog index, and in the `collaborative` index sorting
/// after every entry, so one query tells a producer without collaborative tracks from an unknown
/// one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: ProducerId,
    pub name: String,
    pub genres: Vec<String>,
    pub styles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account_id: Option<String>,
    #[serde(default)]
    pub charges_enabled: bool,
    #[serde(default)]
    pub payouts_enabled: bool,
    #[serde(default)]
    pub profile_complete: bool,
    /// The `at` of the newest platform message applied to the payout fields (`stripeAccountId`,
    /// `chargesEnabled`, `payoutsEnabled`; epoch ms); older ones change none of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_at_millis: Option<i64>,
    /// The same for the profile fields (name, genres, styles, completeness). Each group is
    /// newest-wins on its own stamp (review N3): a late Stripe message applies over a newer name
    /// edit, and the other way round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_at_millis: Option<i64>,
    /// The one stamp profiles had before the two groups had their own: read as both groups'
    /// stamp, never written again (the next write replaces it with the two).
    #[serde(default, skip_serializing)]
    pub synced_at_millis: Option<i64>,
}

impl Profile {
    /// The stored attributes a profile's conditional write names (`tests::stored_attribute_names`).
    pub const NAME_ATTRIBUTE: &'static str = "name";
    pub const PAYOUT_AT: &'static str = "payoutAtMillis";
    pub const PROFILE_AT: &'static str = "profileAtMillis";
    pub const SYNCED_AT: &'static str = "syncedAtMillis";

    /// The payout fields' stamp (the old single stamp on a profile not written since).
    pub fn payout_stamp(&self) -> Option<i64> {
        self.payout_at_millis.or(self.synced_at_millis)
    }

    /// The profile fields' stamp (the old single stamp on a profile not written since).
    pub fn profile_stamp(&self) -> Option<i64> {
        self.profile_at_millis.or(self.synced_at_millis)
    }
}

impl Entity for Profile {
    const NAME: &'static str = "producer";
    type Scope = ();
    type KeyInput<'a> = &'a ProducerId;

    fn primary_key(_: &(), id: &ProducerId) -> PrimaryKey {
        PrimaryKey::new(keys::producer_pk(id), keys::PROFILE_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        let primary = Self::primary_key(scope, &self.id);
        let mut indexes = vec![(CATALOG_INDEX.partition_key, primary.pk.clone())];
        if let Some(sort_key) = COLLABORATIVE_INDEX.sort_key {
            indexes.push((COLLABORATIVE_INDEX.partition_key, primary.pk.clone()));
            indexes.push((sort_key, primary.sk.clone()));
        }
        FullKey { primary, indexes }
    }
}

impl From<&Producer> for Profile {
    fn from(p: &Producer) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            genres: p.genres.clone(),
            styles: p.styles.clone(),
            stripe_account_id: p.stripe_account_id.clone(),
            charges_enabled: p.charges_enabled,
            payouts_enabled: p.payouts_enabled,
            profile_complete: p.profile_complete,
            payout_at_millis: None,
            profile_at_millis: None,
            synced_at_millis: None,
        }
    }
}

impl From<Profile> for Producer {
    fn from(i: Profile) -> Self {
        Self {
            id: i.id,
            name: i.name,
            genres: i.genres,
            styles: i.styles,
            stripe_account_id: i.stripe_account_id,
            charges_enabled: i.charges_enabled,
            payouts_enabled: i.payouts_enabled,
            profile_complete: i.profile_complete,
        }
    }
}

/// One word of a producer's name (or the whole name), for the prefix search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtistNameEntry {
    pub token: String,
    pub producer_id: ProducerId,
    pub name: String,
}

impl ArtistNameEntry {
    /// The entries of a profile: one per name token.
    pub fn all(p: &Producer) -> Vec<Self> {
        name_tokens(&p.name)
            .into_iter()
            .map(|token| Self {
                token,
                producer_id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect()
    }
}

impl Entity for ArtistNameEntry {
    const NAME: &'static str = "artistName";
    type Scope = ();
    type KeyInput<'a> = (&'a str, &'a ProducerId);

    fn primary_key(_: &(), (token, producer): (&str, &ProducerId)) -> PrimaryKey {
        PrimaryKey::new(
            keys::artist_name_pk(token),
            keys::artist_name_sk(token, producer),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.token, &self.producer_id)).into()
    }
}

/// A track as stored, in the catalog index. `version` counts changes to the fields its
/// discography entries copy (credits, title, uploader, upload time); it is the credits ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackRecord {
    pub id: TrackId,
    pub title: String,
    pub uploader_id: ProducerId,
    pub credits: Credits,
    pub version: u64,
    pub uploaded_at: UploadTime,
    pub exclusive_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(default)]
    pub metadata_complete: bool,
    /// The `at` of the newest platform track message applied (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_at_millis: Option<i64>,
}

impl Entity for TrackRecord {
    const NAME: &'static str = "track";
    type Scope = ();
    type KeyInput<'a> = &'a TrackId;

    fn primary_key(_: &(), id: &TrackId) -> PrimaryKey {
        PrimaryKey::new(keys::track_pk(id), keys::TRACK_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        let primary = Self::primary_key(scope, &self.id);
        FullKey {
            indexes: vec![(CATALOG_INDEX.partition_key, primary.pk.clone())],
            primary,
        }
    }
}

/// A track's play count, in an item of its own in the track's partition and in no index: a new
/// count costs one write unit, and no write of the track item (a credit edit, a platform message,
/// an import) carries plays, so none can overwrite a count applied after it read the track
/// (review L1). Every track has one from its creation, so its presence means the track exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackPlays {
    pub track_id: TrackId,
    pub plays: u64,
    /// The `at` of the newest count applied (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays_at_millis: Option<i64>,
}

impl TrackPlays {
    /// The stored attributes a count's update names (`tests::stored_attribute_names`).
    pub const PLAYS: &'static str = "plays";
    pub const PLAYS_AT: &'static str = "playsAtMillis";
}

impl Entity for TrackPlays {
    const NAME: &'static str = "plays";
    type Scope = ();
    type KeyInput<'a> = &'a TrackId;

    fn primary_key(_: &(), id: &TrackId) -> PrimaryKey {
        PrimaryKey::new(keys::track_pk(id), keys::PLAYS_SK)
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, &self.track_id).into()
    }
}

impl TrackPlays {
    /// The plays item of `t`, stamped `plays_at`.
    pub fn of(t: &Track, plays_at: Option<i64>) -> Self {
        Self {
            track_id: t.id.clone(),
            plays: t.plays,
            plays_at_millis: plays_at,
        }
    }
}

/// A track as stored: the catalog record, its version, and which platform messages it reflects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTrack {
    pub track: Track,
    pub version: u64,
    pub stamps: TrackStamps,
}

/// The newest platform messages a track reflects (epoch ms), so older deliveries change nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackStamps {
    pub plays_at: Option<i64>,
    pub platform_at: Option<i64>,
}

impl TrackRecord {
    /// The stored attributes conditions and updates name (`tests::stored_attribute_names`).
    pub const VERSION: &'static str = "version";
    pub const CREDITS: &'static str = "credits";
    pub const PLATFORM_AT: &'static str = "platformAtMillis";

    pub fn new(t: &Track, version: u64) -> Self {
        Self::stamped(t, version, TrackStamps::default())
    }

    /// The record of `t` at `version`, reflecting the platform messages of `stamps`.
    pub fn stamped(t: &Track, version: u64, stamps: TrackStamps) -> Self {
        Self {
            id: t.id.clone(),
            title: t.title.clone(),
            uploader_id: t.uploader_id.clone(),
            credits: t.credits.clone(),
            version,
            uploaded_at: t.uploaded_at,
            exclusive_only: t.exclusive_only,
            genre: t.genre.clone(),
            metadata_complete: t.metadata_complete,
            platform_at_millis: stamps.platform_at,
        }
    }
}

impl StoredTrack {
    /// A track from its record and its plays item (none: zero plays, never counted).
    pub fn from_items(i: TrackRecord, plays: Option<TrackPlays>) -> Self {
        let (plays, plays_at) = plays.map_or((0, None), |p| (p.plays, p.plays_at_millis));
        Self {
            track: Track {
                id: i.id,
                title: i.title,
                uploader_id: i.uploader_id,
                credits: i.credits,
                uploaded_at: i.uploaded_at,
                plays,
                exclusive_only: i.exclusive_only,
                genre: i.genre,
                metadata_complete: i.metadata_complete,
            },
            version: i.version,
            stamps: TrackStamps {
                plays_at,
                platform_at: i.platform_at_millis,
            },
        }
    }
}

/// A track on a credited producer's discography, newest first. Collaborative tracks are also in
/// the `collaborative` index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscographyEntry {
    pub producer_id: ProducerId,
    pub track_id: TrackId,
    pub title: String,
    pub uploader_id: ProducerId,
    pub uploaded_at: UploadTime,
    pub credits: Credits,
    pub version: u64,
}

impl DiscographyEntry {
    /// The entries a track should have: one per credited producer.
    pub fn all(t: &Track, version: u64) -> Vec<Self> {
        t.credits
            .producers()
            .iter()
            .map(|producer| Self {
                producer_id: producer.clone(),
                track_id: t.id.clone(),
                title: t.title.clone(),
                uploader_id: t.uploader_id.clone(),
                uploaded_at: t.uploaded_at,
                credits: t.credits.clone(),
                version,
            })
            .collect()
    }
}

impl Entity for DiscographyEntry {
    const NAME: &'static str = "credit";
    type Scope = ();
    /// The producer, the track's upload time and its id.
    type KeyInput<'a> = (&'a ProducerId, UploadTime, &'a TrackId);

    fn primary_key(_: &(), (producer, uploaded_at, track): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::producer_pk(producer),
            keys::discography_sk(&uploaded_at.to_key_text(), track),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        let primary =
            Self::primary_key(scope, (&self.producer_id, self.uploaded_at, &self.track_id));
        let mut indexes = Vec::new();
        if self.credits.is_collaboration()
            && let Some(sort_key) = COLLABORATIVE_INDEX.sort_key
        {
            indexes.push((COLLABORATIVE_INDEX.partition_key, primary.pk.clone()));
            indexes.push((sort_key, primary.sk.clone()));
        }
        FullKey { primary, indexes }
    }
}

/// A track two producers are both credited on, as `producer_id` sees it: a copy of their
/// discography entry under the pair's own partition, kept by `fanout` from the table's stream
/// (`Store::apply_discography_change`), so "the tracks I share with X" is one Query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedTrack {
    pub with_id: ProducerId,
    /// The owner's discography entry, stored field for field beside `withId`.
    #[serde(flatten)]
    pub entry: DiscographyEntry,
}

impl SharedTrack {
    /// The shared-track entries a discography entry stands for: one per other credited producer.
    pub fn of_entry(entry: &DiscographyEntry) -> impl Iterator<Item = Self> + '_ {
        entry
            .credits
            .producers()
            .iter()
            .filter(|other| **other != entry.producer_id)
            .map(|other| Self {
                with_id: other.clone(),
                entry: entry.clone(),
            })
    }
}

impl Entity for SharedTrack {
    const NAME: &'static str = "sharedTrack";
    type Scope = ();
    /// The owner, the other producer, the track's upload time and its id.
    type KeyInput<'a> = (&'a ProducerId, &'a ProducerId, UploadTime, &'a TrackId);

    fn primary_key(_: &(), (owner, with, uploaded_at, track): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(
            keys::shared_pk(owner, with),
            keys::discography_sk(&uploaded_at.to_key_text(), track),
        )
    }

    fn full_key(&self, scope: &()) -> FullKey {
        let entry = &self.entry;
        Self::primary_key(
            scope,
            (
                &entry.producer_id,
                &self.with_id,
                entry.uploaded_at,
                &entry.track_id,
            ),
        )
        .into()
    }
}

/// Who made a change: a producer through Backstage, a catalog import run by an operator, or the
/// platform's live feed (a track it accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeSource {
    Backstage,
    Import,
    Platform,
}

/// Why a credit change was made, when it is not the uploader managing their credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeReason {
    /// The credited producer removed themselves (a credit they never agreed to).
    Declined,
}

/// Who changes a track, how, and when.
#[derive(Debug, Clone)]
pub struct Change {
    /// The producer who acted.
    pub by: ProducerId,
    pub source: ChangeSource,
    pub at: DateTime<Utc>,
    /// The account behind a Backstage change (the JWT's `sub`); none for the platform's and
    /// imports' changes.
    pub account: Option<String>,
    pub reason: Option<ChangeReason>,
}

impl Change {
    /// A change `by` a producer from `source` at `at`, for no account and no particular reason.
    pub fn new(by: ProducerId, source: ChangeSource, at: DateTime<Utc>) -> Self {
        Self {
            by,
            source,
            at,
            account: None,
            reason: None,
        }
    }
}

/// One credit change, keyed by the version it created, so two edits can never both record the
/// same version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditChange {
    pub track_id: TrackId,
    /// The track's title when the change was made (absent on entries written before it was kept).
    #[serde(default)]
    pub title: String,
    pub version: u64,
    pub changed_by: ProducerId,
    pub source: ChangeSource,
    pub changed_at: DateTime<Utc>,
    pub before: Vec<ProducerId>,
    pub after: Vec<ProducerId>,
    /// The account behind the producer who acted (Backstage changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Why, when it was not the uploader's own edit (a decline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ChangeReason>,
}

impl CreditChange {
    /// The entry recording that `change` moved `track`'s credits from `before` to its current ones,
    /// creating `version`.
    pub fn new(track: &Track, version: u64, change: &Change, before: Vec<ProducerId>) -> Self {
        Self {
            track_id: track.id.clone(),
            title: track.title.clone(),
            version,
            changed_by: change.by.clone(),
            source: change.source,
            changed_at: change.at,
            before,
            after: track.credits.producers().to_vec(),
            account: change.account.clone(),
            reason: change.reason,
        }
    }
}

/// A producer's decline of a credit on a track: while it stands, the uploader cannot credit them
/// there again. Beside the track's other items (its partition is the credits function's); only
/// the producer who declined lifts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditDecline {
    pub track_id: TrackId,
    pub producer_id: ProducerId,
    pub declined_at: DateTime<Utc>,
    /// The account that declined for the producer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Entity for CreditDecline {
    const NAME: &'static str = "creditDecline";
    type Scope = ();
    type KeyInput<'a> = (&'a TrackId, &'a ProducerId);

    fn primary_key(_: &(), (track, producer): Self::KeyInput<'_>) -> PrimaryKey {
        PrimaryKey::new(keys::track_pk(track), keys::decline_sk(producer))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.track_id, &self.producer_id)).into()
    }
}

impl Entity for CreditChange {
    const NAME: &'static str = "history";
    type Scope = ();
    type KeyInput<'a> = (&'a TrackId, u64);

    fn primary_key(_: &(), (track, version): (&TrackId, u64)) -> PrimaryKey {
        PrimaryKey::new(keys::track_pk(track), keys::history_sk(version))
    }

    fn full_key(&self, scope: &()) -> FullKey {
        Self::primary_key(scope, (&self.track_id, self.version)).into()
    }
}
