//! The routes of the `credits` function and what each does.

use chrono::{DateTime, TimeDelta, Utc};
use contribution::{Credits, ProducerId, TrackId};
use http_edge::{
    ApiGatewayV2httpResponse, Caller, FieldProblem, Problem, Request, RouteTable, json_response,
};
use store::tracks::Change;
use store::{ChangeSource, StoreError, StoredTrack};

use crate::Config;
use crate::error::CreditsError;
use crate::views::{
    AddCredit, ArtistView, ArtistsView, CreditsView, HistoryEntryView, HistoryView, RegisterTrack,
    ReplaceCredits, TrackView,
};
use store::Store;

/// How often a relative edit (add, remove, or replace without `If-Match`) is re-applied when the
/// track changed between its read and its write.
const EDIT_ATTEMPTS: u32 = 5;
/// History and search page sizes.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;
const DEFAULT_SEARCH: u32 = 10;
const MAX_SEARCH: u32 = 50;
/// The longest search query, in characters.
const MAX_QUERY_CHARS: usize = 100;
/// How far in the future an upload time may be (clock skew), beyond which it is refused.
const MAX_UPLOAD_SKEW: TimeDelta = TimeDelta::days(1);

/// Every route this function answers (the labels of [`Route`]); `infra/openapi.yaml` documents
/// exactly these, as a test checks.
pub const LABELS: &[&str] = &[
    "POST /tracks",
    "GET /tracks/{trackId}/credits",
    "PUT /tracks/{trackId}/credits",
    "POST /tracks/{trackId}/credits",
    "DELETE /tracks/{trackId}/credits/{producerId}",
    "GET /tracks/{trackId}/credits/history",
    "GET /artists",
];

/// A matched route, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    RegisterTrack,
    GetCredits(String),
    ReplaceCredits(String),
    AddCredit(String),
    RemoveCredit(String, String),
    History(String),
    SearchArtists,
}

impl RouteTable for Route {
    /// The route of `request`, or 404 (no such path) / 405 (path exists, method does not).
    fn of(request: &Request<'_>) -> Result<Self, Problem> {
        let method = request.method.as_str();
        let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
        let (route, allowed): (Option<Route>, &[&str]) = match segments.as_slice() {
            ["tracks"] => (
                (method == "POST").then_some(Route::RegisterTrack),
                &["POST"],
            ),
            ["tracks", track, "credits"] => (
                match method {
                    "GET" => Some(Route::GetCredits(track.to_string())),
                    "PUT" => Some(Route::ReplaceCredits(track.to_string())),
                    "POST" => Some(Route::AddCredit(track.to_string())),
                    _ => None,
                },
                &["GET", "PUT", "POST"],
            ),
            ["tracks", track, "credits", "history"] if method == "GET" => {
                (Some(Route::History(track.to_string())), &["GET"])
            }
            ["tracks", track, "credits", producer] => (
                (method == "DELETE")
                    .then(|| Route::RemoveCredit(track.to_string(), producer.to_string())),
                if *producer == "history" {
                    &["GET", "DELETE"]
                } else {
                    &["DELETE"]
                },
            ),
            ["artists"] => ((method == "GET").then_some(Route::SearchArtists), &["GET"]),
            _ => {
                return Err(Problem::not_found(format!(
                    "no route {method} /{}",
                    segments.join("/")
                )));
            }
        };
        route.ok_or_else(|| Problem::method_not_allowed(method, allowed))
    }

    /// The route template, for logs.
    fn label(&self) -> &'static str {
        match self {
            Route::RegisterTrack => "POST /tracks",
            Route::GetCredits(_) => "GET /tracks/{trackId}/credits",
            Route::ReplaceCredits(_) => "PUT /tracks/{trackId}/credits",
            Route::AddCredit(_) => "POST /tracks/{trackId}/credits",
            Route::RemoveCredit(..) => "DELETE /tracks/{trackId}/credits/{producerId}",
            Route::History(_) => "GET /tracks/{trackId}/credits/history",
            Route::SearchArtists => "GET /artists",
        }
    }
}

/// Serves a matched route for an authenticated caller.
pub async fn serve(
    store: &Store,
    config: &Config,
    request: &Request<'_>,
    route: &Route,
    now: DateTime<Utc>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let caller = Caller::of(request.event, config.auth)?;
    let change = Change {
        by: caller.id().clone(),
        source: ChangeSource::Backstage,
        at: now,
    };
    match route {
        Route::RegisterTrack => register_track(store, &change, request.json_body()?).await,
        Route::GetCredits(track) => {
            let stored = read_track(store, &track_id(track)?).await?;
            Ok(credits_response(store, &stored, 200).await?)
        }
        Route::ReplaceCredits(track) => {
            let body: ReplaceCredits = request.json_body()?;
            let wanted = parse_credits(&body.producer_ids)?;
            let if_match = if_match(request)?;
            let stored = edit(store, &change, &track_id(track)?, if_match, |_| {
                Ok(wanted.clone())
            })
            .await?;
            Ok(credits_response(store, &stored, 200).await?)
        }
        Route::AddCredit(track) => {
            let body: AddCredit = request.json_body()?;
            let producer = producer_id("producerId", &body.producer_id)?;
            let if_match = if_match(request)?;
            let stored = edit(store, &change, &track_id(track)?, if_match, |current| {
                if current.contains(&producer) {
                    return Err(CreditsError::AlreadyCredited(producer.clone()));
                }
                let mut next = current.producers().to_vec();
                next.push(producer.clone());
                Credits::new(next).map_err(CreditsError::InvalidCredits)
            })
            .await?;
            Ok(credits_response(store, &stored, 200).await?)
        }
        Route::RemoveCredit(track, producer) => {
            let producer = ProducerId::parse(producer.as_str())
                .map_err(|e| CreditsError::BadId(producer.clone(), "producer", e))?;
            let if_match = if_match(request)?;
            let stored = edit(store, &change, &track_id(track)?, if_match, |current| {
                if !current.contains(&producer) {
                    return Err(CreditsError::NotCredited(producer.clone()));
                }
                let next: Vec<ProducerId> = current
                    .producers()
                    .iter()
                    .filter(|p| **p != producer)
                    .cloned()
                    .collect();
                Credits::new(next).map_err(|_| CreditsError::LastProducer(producer.clone()))
            })
            .await?;
            Ok(credits_response(store, &stored, 200).await?)
        }
        Route::History(track) => {
            let track = track_id(track)?;
            let stored = read_track(store, &track).await?;
            require_uploader(&stored, caller.id(), "see its credit history")?;
            let limit = request.limit(DEFAULT_PAGE, MAX_PAGE)?;
            let page = store
                .credit_history(&track, limit, request.query("cursor"))
                .await
                .map_err(CreditsError::from)?;
            Ok(json_response(
                200,
                &HistoryView {
                    entries: page.items.into_iter().map(HistoryEntryView::from).collect(),
                    next_cursor: page.next_cursor,
                },
                &[],
            ))
        }
        Route::SearchArtists => {
            let query = request.query("q").unwrap_or("").trim();
            if query.is_empty() || query.chars().count() > MAX_QUERY_CHARS {
                return Err(Problem::bad_request(format!(
                    "q must be 1 to {MAX_QUERY_CHARS} characters of an artist name"
                )));
            }
            let limit = request.limit(DEFAULT_SEARCH, MAX_SEARCH)?;
            let matches = store
                .search_producers(query, limit as usize)
                .await
                .map_err(CreditsError::from)?;
            Ok(json_response(
                200,
                &ArtistsView {
                    artists: matches
                        .into_iter()
                        .map(|m| ArtistView {
                            producer_id: m.producer_id,
                            name: m.name,
                        })
                        .collect(),
                },
                &[],
            ))
        }
    }
}

fn track_id(text: &str) -> Result<TrackId, CreditsError> {
    TrackId::parse(text).map_err(|e| CreditsError::BadId(text.to_owned(), "track", e))
}

fn producer_id(field: &str, text: &str) -> Result<ProducerId, Problem> {
    ProducerId::parse(text).map_err(|e| {
        Problem::unprocessable(format!("{field}: {e}"))
            .with_errors(vec![FieldProblem::new(field, e.to_string())])
    })
}

/// Parses a list of producer ids into valid credits, naming every bad id at once.
fn parse_credits(ids: &[String]) -> Result<Credits, Problem> {
    let mut parsed = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match ProducerId::parse(id.as_str()) {
            Ok(id) => parsed.push(id),
            Err(e) => errors.push(FieldProblem::new(
                format!("producerIds[{i}]"),
                e.to_string(),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::unprocessable("some producer ids are not valid").with_errors(errors));
    }
    Credits::new(parsed).map_err(|e| Problem::from(CreditsError::InvalidCredits(e)))
}

/// The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); `None` when absent or `*`.
fn if_match(request: &Request<'_>) -> Result<Option<u64>, Problem> {
    let Some(value) = request.header("if-match") else {
        return Ok(None);
    };
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let bare = value.trim_start_matches("W/").trim_matches('"');
    bare.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::from(CreditsError::BadIfMatch(value.to_owned())))
}

fn etag(version: u64) -> (&'static str, String) {
    ("etag", format!("\"{version}\""))
}

async fn read_track(store: &Store, id: &TrackId) -> Result<StoredTrack, CreditsError> {
    store
        .get_track(id)
        .await?
        .ok_or_else(|| CreditsError::TrackNotFound(id.clone()))
}

fn require_uploader(
    stored: &StoredTrack,
    caller: &ProducerId,
    action: &'static str,
) -> Result<(), CreditsError> {
    if &stored.track.uploader_id == caller {
        Ok(())
    } else {
        Err(CreditsError::NotUploader {
            track: stored.track.id.clone(),
            uploader: stored.track.uploader_id.clone(),
            action,
        })
    }
}

async fn credits_response(
    store: &Store,
    stored: &StoredTrack,
    status: u16,
) -> Result<ApiGatewayV2httpResponse, CreditsError> {
    let mut ids: Vec<&ProducerId> = stored.track.credits.producers().iter().collect();
    ids.push(&stored.track.uploader_id);
    let profiles = store.get_producers(ids).await?;
    Ok(json_response(
        status,
        &CreditsView::new(stored, &profiles),
        &[etag(stored.version)],
    ))
}

/// Reads the track, checks the caller may edit it, applies `change_credits` to its credits and
/// writes the result in one versioned transaction. With `If-Match`, a changed track is a 412;
/// without, the edit is re-applied to the fresh track (so no concurrent edit is lost).
async fn edit(
    store: &Store,
    change: &Change,
    track: &TrackId,
    if_match: Option<u64>,
    change_credits: impl Fn(&Credits) -> Result<Credits, CreditsError>,
) -> Result<StoredTrack, CreditsError> {
    for _ in 0..EDIT_ATTEMPTS {
        let current = read_track(store, track).await?;
        require_uploader(&current, &change.by, "change its credits")?;
        if let Some(expected) = if_match
            && expected != current.version
        {
            return Err(CreditsError::StaleVersion {
                expected,
                current: current.version,
            });
        }
        let wanted = change_credits(&current.track.credits)?;
        if wanted == current.track.credits {
            return Ok(current);
        }
        let added: Vec<ProducerId> = wanted
            .producers()
            .iter()
            .filter(|p| !current.track.credits.contains(p))
            .cloned()
            .collect();
        let unknown = store.unknown_producers(&added).await?;
        if !unknown.is_empty() {
            return Err(CreditsError::UnknownProducers(unknown));
        }
        match store.replace_credits(&current, wanted, change).await {
            Ok(stored) => return Ok(stored),
            Err(StoreError::VersionConflict { expected, .. }) if if_match.is_some() => {
                let now = read_track(store, track).await?;
                return Err(CreditsError::StaleVersion {
                    expected,
                    current: now.version,
                });
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CreditsError::Contention)
}

async fn register_track(
    store: &Store,
    change: &Change,
    body: RegisterTrack,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let uploader = change.by.clone();
    if store
        .get_producer(&uploader)
        .await
        .map_err(CreditsError::from)?
        .is_none()
    {
        return Err(CreditsError::NoProfile(uploader).into());
    }
    let id = match &body.id {
        Some(id) => track_id(id)?,
        None => TrackId::parse(format!("t-{}", uuid::Uuid::new_v4().simple()))
            .map_err(|e| CreditsError::BadId(String::new(), "track", e))?,
    };
    let credits = parse_credits(&body.credits)?;
    let uploaded_at = match &body.uploaded_at {
        None => catalog::UploadTime::new(change.at),
        Some(text) => catalog::UploadTime::parse(text),
    }
    .map_err(CreditsError::InvalidField)?;
    if uploaded_at.instant() > change.at + MAX_UPLOAD_SKEW {
        return Err(CreditsError::UploadInFuture(uploaded_at.to_key_text()).into());
    }
    let track = catalog::Track::new(
        id,
        &body.title,
        uploader,
        credits,
        uploaded_at,
        0,
        body.exclusive_only.unwrap_or(false),
        body.genre.as_deref(),
    )
    .map_err(CreditsError::InvalidField)?;
    let unknown = store
        .unknown_producers(track.credits.producers())
        .await
        .map_err(CreditsError::from)?;
    if !unknown.is_empty() {
        return Err(CreditsError::UnknownProducers(unknown).into());
    }
    let stored = store
        .create_track(&track, change)
        .await
        .map_err(CreditsError::from)?;
    Ok(json_response(
        201,
        &TrackView::from(&stored),
        &[
            ("location", format!("/tracks/{}/credits", stored.track.id)),
            etag(stored.version),
        ],
    ))
}
