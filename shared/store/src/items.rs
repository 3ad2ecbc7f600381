//! The items of the table, as serde structs (stored through `serde_dynamo`).
//!
//! Each struct is one item shape of `docs/data-model.md`. Attribute names are camelCase; the
//! `entity` attribute names the shape so a scan or the consistency checker can tell items apart.
//! Optional attributes are left out rather than stored as NULL, which keeps the sparse indexes
//! sparse (an index key attribute may not be NULL).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use catalog::{Producer, Track, UploadTime};
use chrono::{DateTime, Utc};
use contribution::{Credits, ProducerId, TrackId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::keys;

/// A raw DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

pub(crate) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(StoreError::Encode)
}

pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    let key = describe_key(&item);
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(StoreError::decode(&key))
}

fn describe_key(item: &Item) -> String {
    let part = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => s.as_str(),
        _ => "?",
    };
    format!("{}/{}", part("pk"), part("sk"))
}

/// A key of the base table.
pub(crate) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ])
}

/// A producer's artist profile: `PRODUCER#<id>` / `PROFILE`, in the catalog index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileItem {
    pub pk: String,
    pub sk: String,
    pub catalog_key: String,
    pub entity: String,
    pub id: ProducerId,
    pub name: String,
    pub genres: Vec<String>,
    pub styles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account_id: Option<String>,
    /// The profile is in the `collaborative` index too, sorting after every entry, so one query
    /// tells a producer without collaborative tracks from an unknown one. (Empty on profiles
    /// written before this layout; the consistency checker reports those.)
    #[serde(default)]
    pub collab_pk: String,
    #[serde(default)]
    pub collab_sk: String,
}

impl From<&Producer> for ProfileItem {
    fn from(p: &Producer) -> Self {
        let pk = keys::producer_pk(&p.id);
        Self {
            catalog_key: pk.clone(),
            collab_pk: pk.clone(),
            collab_sk: keys::PROFILE_SK.to_owned(),
            pk,
            sk: keys::PROFILE_SK.to_owned(),
            entity: "producer".to_owned(),
            id: p.id.clone(),
            name: p.name.clone(),
            genres: p.genres.clone(),
            styles: p.styles.clone(),
            stripe_account_id: p.stripe_account_id.clone(),
        }
    }
}

impl From<ProfileItem> for Producer {
    fn from(i: ProfileItem) -> Self {
        Self {
            id: i.id,
            name: i.name,
            genres: i.genres,
            styles: i.styles,
            stripe_account_id: i.stripe_account_id,
        }
    }
}

/// One word of a producer's name, for the prefix search: `ARTISTNAME#<first char>` / `<word>#<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtistNameItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub producer_id: ProducerId,
    pub name: String,
}

impl ArtistNameItem {
    pub fn all(p: &Producer) -> Vec<Self> {
        keys::name_tokens(&p.name)
            .into_iter()
            .take(crate::producers::MAX_NAME_TOKENS)
            .map(|token| Self {
                pk: keys::artist_name_pk(&token),
                sk: keys::artist_name_sk(&token, &p.id),
                entity: "artistName".to_owned(),
                producer_id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect()
    }
}

/// A track: `TRACK#<id>` / `TRACK`, in the catalog index. `version` counts changes to the fields
/// its discography entries copy (credits, title, uploader, upload time); it is the credits ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackItem {
    pub pk: String,
    pub sk: String,
    pub catalog_key: String,
    pub entity: String,
    pub id: TrackId,
    pub title: String,
    pub uploader_id: ProducerId,
    pub credits: Credits,
    pub version: u64,
    pub uploaded_at: UploadTime,
    pub plays: u64,
    pub exclusive_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
}

/// A track as stored: the catalog record and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTrack {
    pub track: Track,
    pub version: u64,
}

impl TrackItem {
    pub fn new(t: &Track, version: u64) -> Self {
        let pk = keys::track_pk(&t.id);
        Self {
            catalog_key: pk.clone(),
            pk,
            sk: keys::TRACK_SK.to_owned(),
            entity: "track".to_owned(),
            id: t.id.clone(),
            title: t.title.clone(),
            uploader_id: t.uploader_id.clone(),
            credits: t.credits.clone(),
            version,
            uploaded_at: t.uploaded_at,
            plays: t.plays,
            exclusive_only: t.exclusive_only,
            genre: t.genre.clone(),
        }
    }
}

impl From<TrackItem> for StoredTrack {
    fn from(i: TrackItem) -> Self {
        Self {
            track: Track {
                id: i.id,
                title: i.title,
                uploader_id: i.uploader_id,
                credits: i.credits,
                uploaded_at: i.uploaded_at,
                plays: i.plays,
                exclusive_only: i.exclusive_only,
                genre: i.genre,
            },
            version: i.version,
        }
    }
}

/// A track on a credited producer's discography: `PRODUCER#<id>` / `CREDIT#<uploadedAt>#<track>`.
/// Collaborative tracks also carry the `collaborative` index keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscographyItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub producer_id: ProducerId,
    pub track_id: TrackId,
    pub title: String,
    pub uploader_id: ProducerId,
    pub uploaded_at: UploadTime,
    pub credits: Credits,
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collab_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collab_sk: Option<String>,
}

impl DiscographyItem {
    /// The entries a track should have: one per credited producer.
    pub fn all(t: &Track, version: u64) -> Vec<Self> {
        let sk = keys::discography_sk(&t.uploaded_at.to_key_text(), &t.id);
        let collaborative = t.credits.is_collaboration();
        t.credits
            .producers()
            .iter()
            .map(|producer| {
                let pk = keys::producer_pk(producer);
                Self {
                    collab_pk: collaborative.then(|| pk.clone()),
                    collab_sk: collaborative.then(|| sk.clone()),
                    pk,
                    sk: sk.clone(),
                    entity: "credit".to_owned(),
                    producer_id: producer.clone(),
                    track_id: t.id.clone(),
                    title: t.title.clone(),
                    uploader_id: t.uploader_id.clone(),
                    uploaded_at: t.uploaded_at,
                    credits: t.credits.clone(),
                    version,
                }
            })
            .collect()
    }
}

/// Who made a change: a producer through Backstage, or a catalog import run by an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeSource {
    Backstage,
    Import,
}

/// One credit change: `TRACK#<id>` / `HISTORY#<version>`. Keyed by the version it created, so two
/// edits can never both record the same version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub track_id: TrackId,
    pub version: u64,
    pub changed_by: ProducerId,
    pub source: ChangeSource,
    pub changed_at: DateTime<Utc>,
    pub before: Vec<ProducerId>,
    pub after: Vec<ProducerId>,
}

impl HistoryItem {
    /// The entry recording that `change` moved `track`'s credits from `before` to its current ones,
    /// creating `version`.
    pub fn new(
        track: &Track,
        version: u64,
        change: &crate::tracks::Change,
        before: Vec<ProducerId>,
    ) -> Self {
        Self {
            pk: keys::track_pk(&track.id),
            sk: keys::history_sk(version),
            entity: "history".to_owned(),
            track_id: track.id.clone(),
            version,
            changed_by: change.by.clone(),
            source: change.source,
            changed_at: change.at,
            before,
            after: track.credits.producers().to_vec(),
        }
    }
}

/// The pointer to the latest completed run: `RUNS` / `LATEST`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPointerItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    /// `as_of` in milliseconds, for the forward-only condition.
    pub as_of_millis: i64,
    pub published_at: DateTime<Utc>,
}
