//! The routes of the `credits` function and what each does.

use chrono::{DateTime, Utc};
use contribution::{Credits, ProducerId, TrackId};
use http_edge::{
    Access, ApiGatewayV2httpResponse, Call, FieldProblem, Problem, Request, Route, json_response,
};
use store::{Change, ChangeSource, StoreError, StoredTrack};

use crate::error::CreditsApiError;
use crate::views::{
    AddCredit, ArtistView, ArtistsView, CreditsView, HistoryEntryView, HistoryView, ReplaceCredits,
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

/// Which handler serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    GetCredits,
    ReplaceCredits,
    AddCredit,
    RemoveCredit,
    History,
    SearchArtists,
}

/// Every route this function answers and who may call it, declared once: `infra/openapi.yaml`
/// documents exactly these routes and `docs/privacy.md` this access, as tests check. Every route
/// needs a signed-in producer; which of them may change a track is the uploader rule, checked
/// against the stored track.
pub static ROUTES: &[Route<Endpoint>] = &[
    Route {
        label: "GET /tracks/{trackId}/credits",
        access: Access::SignedIn,
        endpoint: Endpoint::GetCredits,
    },
    Route {
        label: "PUT /tracks/{trackId}/credits",
        access: Access::SignedIn,
        endpoint: Endpoint::ReplaceCredits,
    },
    Route {
        label: "POST /tracks/{trackId}/credits",
        access: Access::SignedIn,
        endpoint: Endpoint::AddCredit,
    },
    Route {
        label: "GET /tracks/{trackId}/credits/history",
        access: Access::SignedIn,
        endpoint: Endpoint::History,
    },
    Route {
        label: "DELETE /tracks/{trackId}/credits/{producerId}",
        access: Access::SignedIn,
        endpoint: Endpoint::RemoveCredit,
    },
    Route {
        label: "GET /artists",
        access: Access::SignedIn,
        endpoint: Endpoint::SearchArtists,
    },
];

/// Serves a call the router admitted (a signed-in caller) at instant `now`.
pub async fn serve(
    store: &Store,
    call: &Call<'_, Endpoint>,
    now: DateTime<Utc>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let change = Change {
        by: call.caller()?.id().clone(),
        source: ChangeSource::Backstage,
        at: now,
    };
    let track = || track_id(call.param("trackId"));
    match call.endpoint() {
        Endpoint::GetCredits => get_credits(store, &track()?, &change.by).await,
        Endpoint::ReplaceCredits => replace_credits(store, call, &change).await,
        Endpoint::AddCredit => add_credit(store, call, &change).await,
        Endpoint::RemoveCredit => remove_credit(store, call, &change).await,
        Endpoint::History => history(store, call, &track()?, &change.by).await,
        Endpoint::SearchArtists => search_artists(store, call).await,
    }
}

/// `GET /tracks/{trackId}/credits`: who is credited, with the split and the exclusive payee.
async fn get_credits(
    store: &Store,
    track: &TrackId,
    caller: &ProducerId,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let stored = read_track(store, track).await?;
    Ok(credits_response(store, &stored, caller).await?)
}

/// `PUT /tracks/{trackId}/credits`: the whole list, replaced.
async fn replace_credits(
    store: &Store,
    call: &Call<'_, Endpoint>,
    change: &Change,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let body: ReplaceCredits = call.request.json_body()?;
    let wanted = parse_credits(&body.producer_ids)?;
    edit_and_answer(store, call, change, |_| Ok(wanted.clone())).await
}

/// `POST /tracks/{trackId}/credits`: one producer added.
async fn add_credit(
    store: &Store,
    call: &Call<'_, Endpoint>,
    change: &Change,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let body: AddCredit = call.request.json_body()?;
    let producer = producer_id("producerId", &body.producer_id)?;
    edit_and_answer(store, call, change, |current| {
        if current.contains(&producer) {
            return Err(CreditsApiError::AlreadyCredited(producer.clone()));
        }
        let mut next = current.producers().to_vec();
        next.push(producer.clone());
        Credits::new(next).map_err(CreditsApiError::InvalidCredits)
    })
    .await
}

/// `DELETE /tracks/{trackId}/credits/{producerId}`: one producer removed (never the last).
async fn remove_credit(
    store: &Store,
    call: &Call<'_, Endpoint>,
    change: &Change,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let text = call.param("producerId");
    let producer = ProducerId::parse(text)
        .map_err(|e| CreditsApiError::BadId(text.to_owned(), "producer", e))?;
    edit_and_answer(store, call, change, |current| {
        if !current.contains(&producer) {
            return Err(CreditsApiError::NotCredited(producer.clone()));
        }
        let next: Vec<ProducerId> = current
            .producers()
            .iter()
            .filter(|p| **p != producer)
            .cloned()
            .collect();
        Credits::new(next).map_err(|_| CreditsApiError::LastProducer(producer.clone()))
    })
    .await
}

/// What every edit does once its body is read: the `If-Match` version, the track, the edit
/// ([`edit`]), and the credits as the editor now sees them.
async fn edit_and_answer(
    store: &Store,
    call: &Call<'_, Endpoint>,
    change: &Change,
    change_credits: impl Fn(&Credits) -> Result<Credits, CreditsApiError>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let if_match = if_match(&call.request)?;
    let track = track_id(call.param("trackId"))?;
    let stored = edit(store, change, &track, if_match, change_credits).await?;
    Ok(credits_response(store, &stored, &change.by).await?)
}

/// `GET /tracks/{trackId}/credits/history`: the uploader's audit trail, newest first.
async fn history(
    store: &Store,
    call: &Call<'_, Endpoint>,
    track: &TrackId,
    caller: &ProducerId,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let stored = read_track(store, track).await?;
    require_uploader(&stored, caller, "see its credit history")?;
    let limit = call.request.limit(DEFAULT_PAGE, MAX_PAGE)?;
    let page = store
        .credit_history(track, limit, call.request.cursor()?)
        .await
        .map_err(CreditsApiError::from)?;
    Ok(json_response(
        200,
        &HistoryView {
            entries: page.items.into_iter().map(HistoryEntryView::from).collect(),
            next_cursor: page.next_cursor,
        },
        &[],
    ))
}

/// `GET /artists?q=`: artists whose name starts with the query, to credit them.
async fn search_artists(
    store: &Store,
    call: &Call<'_, Endpoint>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    // The spec's rule for q, exactly: at most 100 characters as sent, no control characters
    // (no name holds one), and something besides whitespace.
    let raw = call.request.query("q").unwrap_or("");
    let query = raw.trim();
    if query.is_empty()
        || raw.chars().count() > MAX_QUERY_CHARS
        || raw.chars().any(char::is_control)
    {
        return Err(Problem::bad_request(format!(
            "q must be 1 to {MAX_QUERY_CHARS} characters of an artist name, not only spaces, \
             with no control characters"
        )));
    }
    let limit = call.request.limit(DEFAULT_SEARCH, MAX_SEARCH)?;
    let matches = store
        .search_producers(query, limit as usize)
        .await
        .map_err(CreditsApiError::from)?;
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

fn track_id(text: &str) -> Result<TrackId, CreditsApiError> {
    TrackId::parse(text).map_err(|e| CreditsApiError::BadId(text.to_owned(), "track", e))
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
    Credits::new(parsed).map_err(|e| Problem::from(CreditsApiError::InvalidCredits(e)))
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
        .map_err(|_| Problem::from(CreditsApiError::BadIfMatch(value.to_owned())))
}

fn etag(version: u64) -> (&'static str, String) {
    ("etag", format!("\"{version}\""))
}

async fn read_track(store: &Store, id: &TrackId) -> Result<StoredTrack, CreditsApiError> {
    store
        .get_track(id)
        .await?
        .ok_or_else(|| CreditsApiError::TrackNotFound(id.clone()))
}

fn require_uploader(
    stored: &StoredTrack,
    caller: &ProducerId,
    action: &'static str,
) -> Result<(), CreditsApiError> {
    if &stored.track.uploader_id == caller {
        Ok(())
    } else {
        Err(CreditsApiError::NotUploader {
            track: stored.track.id.clone(),
            uploader: stored.track.uploader_id.clone(),
            action,
        })
    }
}

async fn credits_response(
    store: &Store,
    stored: &StoredTrack,
    caller: &ProducerId,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let mut ids: Vec<&ProducerId> = stored.track.credits.producers().iter().collect();
    ids.push(&stored.track.uploader_id);
    let profiles = store.get_producers(ids).await?;
    Ok(json_response(
        200,
        &CreditsView::new(stored, &profiles, caller),
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
    change_credits: impl Fn(&Credits) -> Result<Credits, CreditsApiError>,
) -> Result<StoredTrack, CreditsApiError> {
    for _ in 0..EDIT_ATTEMPTS {
        let current = read_track(store, track).await?;
        require_uploader(&current, &change.by, "change its credits")?;
        if let Some(expected) = if_match
            && expected != current.version
        {
            return Err(CreditsApiError::StaleVersion {
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
            return Err(CreditsApiError::UnknownProducers(unknown));
        }
        match store.replace_credits(&current, wanted, change).await {
            Ok(stored) => return Ok(stored),
            Err(StoreError::VersionConflict { expected, .. }) if if_match.is_some() => {
                let now = read_track(store, track).await?;
                return Err(CreditsApiError::StaleVersion {
                    expected,
                    current: now.version,
                });
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CreditsApiError::Contention)
}
