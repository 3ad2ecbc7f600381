//! The routes of the `credits` function and what each does.

use chrono::{DateTime, Utc};
use contribution::{Credits, ProducerId, TrackId};
use http_edge::{
    Access, ApiGatewayV2httpResponse, Cache, Call, Caller, FieldProblem, Problem, Request, Route,
    Service, json_response,
};
use store::catalog::edit_limits::{EditLimit, Editor, Taken};
use store::catalog::items::{ChangeReason, CreditDecline};
use store::{Change, ChangeSource, StoreError, StoredTrack};

use crate::config::EditLimits;
use crate::error::CreditsApiError;
use crate::views::{
    AddCredit, ArtistView, ArtistsView, CreditsView, DeclineView, HistoryEntryView, HistoryView,
    ReplaceCredits,
};
use store::Store;

/// How often a relative edit (add, remove, or replace without `If-Match`) is re-applied when the
/// track changed between its read and its write.
///
/// The two retry loops of one edit, outer to inner: this one re-reads the track and re-applies
/// the edit when another edit committed first (a version conflict: the request's meaning must be
/// recomputed); inside each attempt the store re-sends the same transaction while DynamoDB cancels
/// it only for a conflicting transaction in flight (`TransactionConflict`, nothing committed:
/// `store::catalog::tracks`' `TRANSACTION_CONFLICT`, 6 sends). At most 5 × 6 sends in all.
const EDIT_ATTEMPTS: u32 = 5;
/// History and search page sizes.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;
const DEFAULT_SEARCH: u32 = 10;
const MAX_SEARCH: u32 = 50;
/// The longest search query, in characters.
const MAX_QUERY_CHARS: usize = 100;

/// The `credits` function's route tables and handlers.
pub struct CreditsApi;

impl Service for CreditsApi {
    type Deps<'a> = Deps<'a>;
}

/// What one request's handler is given: the table, the edit limits, the instant.
pub struct Deps<'a> {
    pub store: &'a Store,
    pub limits: &'a EditLimits,
    pub now: DateTime<Utc>,
}

/// The call each handler is given.
type CreditsCall<'r> = Call<'r, CreditsApi>;

/// Every route this function answers, who may call it and what serves it, declared once:
/// `infra/openapi.yaml` documents exactly these routes and `docs/privacy.md` this access, as
/// tests check. Every route needs a signed-in caller; who may change a track is the uploader rule
/// (a caller acting for the uploader), and who may remove a credit also the credited producer (a
/// decline), both checked against the stored track.
pub static ROUTES: &[Route<CreditsApi>] = &[
    Route {
        label: "GET /tracks/{trackId}/credits",
        access: Access::SignedIn,
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(get_credits(d, call).await?) }),
    },
    Route {
        label: "PUT /tracks/{trackId}/credits",
        access: Access::SignedIn,
        cache: Cache::NoStore,
        handler: |d, call| Box::pin(async move { Ok(replace_credits(d, call).await?) }),
    },
    Route {
        label: "POST /tracks/{trackId}/credits",
        access: Access::SignedIn,
        cache: Cache::NoStore,
        handler: |d, call| Box::pin(async move { Ok(add_credit(d, call).await?) }),
    },
    Route {
        label: "GET /tracks/{trackId}/credits/history",
        access: Access::SignedIn,
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(history(d, call).await?) }),
    },
    Route {
        label: "DELETE /tracks/{trackId}/credits/{producerId}",
        access: Access::SignedIn,
        cache: Cache::NoStore,
        handler: |d, call| Box::pin(async move { Ok(remove_credit(d, call).await?) }),
    },
    Route {
        label: "DELETE /tracks/{trackId}/credits/{producerId}/decline",
        access: Access::Producer {
            param: "producerId",
            what: "their declines",
        },
        cache: Cache::NoStore,
        handler: |d, call| Box::pin(async move { Ok(lift_decline(d, call).await?) }),
    },
    Route {
        label: "GET /artists",
        access: Access::SignedIn,
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(search_artists(d, call).await?) }),
    },
];

/// What every edit needs: the table, the call and its caller, the limits, the instant.
struct Edits<'a, 'r> {
    store: &'a Store,
    call: &'a CreditsCall<'r>,
    caller: &'a Caller,
    limits: &'a EditLimits,
    now: DateTime<Utc>,
}

impl<'a, 'r> Edits<'a, 'r> {
    /// The edit `call` asks for, with `deps`.
    fn of(deps: &'a Deps<'_>, call: &'a CreditsCall<'r>) -> Result<Self, Problem>
    where
        'r: 'a,
    {
        Ok(Self {
            store: deps.store,
            call,
            caller: call.caller()?,
            limits: deps.limits,
            now: deps.now,
        })
    }

    /// The change `acting` makes, for the caller's account.
    fn change(&self, acting: &ProducerId, reason: Option<ChangeReason>) -> Change {
        Change {
            account: Some(self.caller.account().to_owned()),
            reason,
            ..Change::new(acting.clone(), ChangeSource::Backstage, self.now)
        }
    }

    /// Takes one edit from the acting producer's bucket and the account's: a 429 with
    /// `Retry-After` when either is empty (nothing is written), counted in the function's
    /// `CreditEditsLimited` metric.
    async fn limit(&self, acting: &ProducerId) -> Result<(), CreditsApiError> {
        let buckets: [(Editor<'_>, EditLimit); 2] = [
            (Editor::Producer(acting), self.limits.per_producer),
            (
                Editor::Account(self.caller.account()),
                self.limits.per_account,
            ),
        ];
        for (editor, limit) in buckets {
            if let Taken::Wait(wait) = self
                .store
                .catalog()
                .take_edit_token(&editor, limit, self.now)
                .await?
            {
                let who = match editor {
                    Editor::Producer(_) => "this producer",
                    Editor::Account(_) => "this account",
                };
                println!(
                    "{}",
                    telemetry::emf::Line::new("BeatPass/Credits")
                        .count("CreditEditsLimited", 1u64)
                        .render(self.now.timestamp_millis())
                );
                return Err(CreditsApiError::TooManyEdits {
                    who,
                    limit,
                    retry_after: wait,
                });
            }
        }
        Ok(())
    }
}

/// `GET /tracks/{trackId}/credits`: who is credited, with the split and the exclusive payee.
async fn get_credits(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let track = track_id(call.param("trackId"))?;
    let stored = read_track(d.store, &track).await?;
    credits_response(d.store, &stored, call.caller()?).await
}

/// `PUT /tracks/{trackId}/credits`: the whole list, replaced.
async fn replace_credits(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let edits = &Edits::of(d, call)?;
    let body: ReplaceCredits = edits.call.request.json_body()?;
    let wanted = parse_credits(&body.producer_ids)?;
    edit_and_answer(edits, |_| Ok(wanted.clone())).await
}

/// `POST /tracks/{trackId}/credits`: one producer added.
async fn add_credit(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let edits = &Edits::of(d, call)?;
    let body: AddCredit = edits.call.request.json_body()?;
    let producer = producer_id("producerId", &body.producer_id)?;
    edit_and_answer(edits, |current| {
        if current.contains(&producer) {
            return Err(CreditsApiError::AlreadyCredited(producer.clone()));
        }
        let mut next = current.producers().to_vec();
        next.push(producer.clone());
        Credits::new(next).map_err(CreditsApiError::InvalidCredits)
    })
    .await
}

/// `credits` without `producer` (never empty: removing the last one is refused).
fn without(credits: &Credits, producer: &ProducerId) -> Result<Credits, CreditsApiError> {
    if !credits.contains(producer) {
        return Err(CreditsApiError::NotCredited(producer.clone()));
    }
    let next: Vec<ProducerId> = credits
        .producers()
        .iter()
        .filter(|p| *p != producer)
        .cloned()
        .collect();
    Credits::new(next).map_err(|_| CreditsApiError::LastProducer(producer.clone()))
}

/// `DELETE /tracks/{trackId}/credits/{producerId}`: one producer removed (never the last), by the
/// uploader; or by the credited producer themselves, a *decline*.
async fn remove_credit(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let edits = &Edits::of(d, call)?;
    let text = edits.call.param("producerId");
    let producer = ProducerId::parse(text)
        .map_err(|e| CreditsApiError::BadId(text.to_owned(), "producer", e))?;
    let track = track_id(edits.call.param("trackId"))?;
    let stored = read_track(edits.store, &track).await?;
    if !edits.caller.acts_for(&stored.track.uploader_id) && edits.caller.acts_for(&producer) {
        return decline(edits, &track, &producer).await;
    }
    edit_and_answer(edits, |current| without(current, &producer)).await
}

/// A credited producer removes themselves: the versioned transaction of any edit, with the
/// decline recorded in it (the uploader cannot credit them on this track again until they lift
/// it) and a history entry saying `declined`, by them.
async fn decline(
    edits: &Edits<'_, '_>,
    track: &TrackId,
    producer: &ProducerId,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let if_match = if_match(&edits.call.request)?;
    edits.limit(producer).await?;
    let change = edits.change(producer, Some(ChangeReason::Declined));
    let record = CreditDecline {
        track_id: track.clone(),
        producer_id: producer.clone(),
        declined_at: edits.now,
        account: change.account.clone(),
    };
    let remove = |current: &Credits| without(current, producer);
    let stored = edit(
        edits.store,
        &change,
        track,
        None,
        if_match,
        remove,
        Some(&record),
    )
    .await?;
    credits_response(edits.store, &stored, edits.caller).await
}

/// `DELETE /tracks/{trackId}/credits/{producerId}/decline`: the producer lifts their decline, so
/// the uploader may credit them again (answered the same whether there was one).
async fn lift_decline(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let edits = &Edits::of(d, call)?;
    let track = track_id(edits.call.param("trackId"))?;
    // The router parsed the producer the path names and admitted only a caller acting for them.
    let producer = call.owner()?.clone();
    read_track(edits.store, &track).await?;
    edits.limit(&producer).await?;
    let lifted = edits
        .store
        .catalog()
        .lift_decline(&track, &producer)
        .await?;
    Ok(json_response(
        200,
        &DeclineView {
            track_id: track,
            producer_id: producer,
            declined: false,
            lifted,
        },
        &[],
    ))
}

/// What every uploader's edit does once its body is read: the `If-Match` version, the track, the
/// caller acting for its uploader, their edit limits, the edit ([`edit`]), and the credits as the
/// editor now sees them.
async fn edit_and_answer(
    edits: &Edits<'_, '_>,
    change_credits: impl Fn(&Credits) -> Result<Credits, CreditsApiError>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let if_match = if_match(&edits.call.request)?;
    let track = track_id(edits.call.param("trackId"))?;
    let current = read_track(edits.store, &track).await?;
    let uploader = current.track.uploader_id.clone();
    require_uploader(&current, edits.caller, "change its credits")?;
    edits.limit(&uploader).await?;
    let change = edits.change(&uploader, None);
    let stored = edit(
        edits.store,
        &change,
        &track,
        Some(current),
        if_match,
        change_credits,
        None,
    )
    .await?;
    credits_response(edits.store, &stored, edits.caller).await
}

/// `GET /tracks/{trackId}/credits/history`: the uploader's audit trail, newest first.
async fn history(
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let (store, track) = (d.store, &track_id(call.param("trackId"))?);
    let stored = read_track(store, track).await?;
    require_uploader(&stored, call.caller()?, "see its credit history")?;
    let limit = call.request.limit(DEFAULT_PAGE, MAX_PAGE)?;
    let page = store
        .catalog()
        .credit_history(track, limit, call.request.cursor()?)
        .await?;
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
    d: &Deps<'_>,
    call: &CreditsCall<'_>,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let store = d.store;
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
        ))
        .into());
    }
    let limit = call.request.limit(DEFAULT_SEARCH, MAX_SEARCH)?;
    let matches = store
        .catalog()
        .search_producers(query, limit as usize)
        .await?;
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
        .catalog()
        .get_track(id)
        .await?
        .ok_or_else(|| CreditsApiError::TrackNotFound(id.clone()))
}

/// A caller acting for the track's uploader; else a 403 saying what only the uploader may do.
fn require_uploader(
    stored: &StoredTrack,
    caller: &Caller,
    action: &'static str,
) -> Result<(), CreditsApiError> {
    if caller.acts_for(&stored.track.uploader_id) {
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
    caller: &Caller,
) -> Result<ApiGatewayV2httpResponse, CreditsApiError> {
    let mut ids: Vec<&ProducerId> = stored.track.credits.producers().iter().collect();
    ids.push(&stored.track.uploader_id);
    let profiles = store.catalog().get_producers(ids).await?;
    let for_uploader = caller.acts_for(&stored.track.uploader_id);
    Ok(json_response(
        200,
        &CreditsView::new(stored, &profiles, for_uploader),
        &[etag(stored.version)],
    ))
}

/// A 412 when `If-Match` names another version than `current`'s.
fn check_if_match(if_match: Option<u64>, current: &StoredTrack) -> Result<(), CreditsApiError> {
    match if_match {
        Some(expected) if expected != current.version => Err(CreditsApiError::StaleVersion {
            expected,
            current: current.version,
        }),
        _ => Ok(()),
    }
}

/// Reads the track (the first attempt takes the caller's own `read` of it, when it has one),
/// checks `change` is its uploader's (the uploader may have changed since the caller was
/// admitted) unless it is `decline`, the credited producer's own removal, applies
/// `change_credits` to its credits and writes the result in one versioned transaction (with the
/// decline in it). With `If-Match`, a changed track is a 412; without, the edit is re-applied to
/// the fresh track (so no concurrent edit is lost).
async fn edit(
    store: &Store,
    change: &Change,
    track: &TrackId,
    mut read: Option<StoredTrack>,
    if_match: Option<u64>,
    change_credits: impl Fn(&Credits) -> Result<Credits, CreditsApiError>,
    decline: Option<&CreditDecline>,
) -> Result<StoredTrack, CreditsApiError> {
    for _ in 0..EDIT_ATTEMPTS {
        let current = match read.take() {
            Some(current) => current,
            None => read_track(store, track).await?,
        };
        if decline.is_none() && current.track.uploader_id != change.by {
            return Err(CreditsApiError::NotUploader {
                track: track.clone(),
                uploader: current.track.uploader_id.clone(),
                action: "change its credits",
            });
        }
        check_if_match(if_match, &current)?;
        let wanted = change_credits(&current.track.credits)?;
        if wanted == current.track.credits {
            return Ok(current);
        }
        // Every newly credited producer must have a profile: the transaction checks it (one
        // condition per producer added) and names the ones missing, so no read comes first.
        let written = match decline {
            None => {
                store
                    .catalog()
                    .replace_credits(&current, wanted, change)
                    .await
            }
            Some(decline) => {
                store
                    .catalog()
                    .decline_credit(&current, wanted, change, decline)
                    .await
            }
        };
        match written {
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
