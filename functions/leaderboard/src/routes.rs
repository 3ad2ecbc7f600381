//! The routes of the `leaderboard` function and what each reads.

use contribution::ProducerId;
use http_edge::{ApiGatewayV2httpResponse, Caller, Problem, Request, RouteTable, json_response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::results::{
    BoardEntryItem, COLLABORATOR_PREFIX, CONTRIBUTION_PREFIX, CollaboratorItem, ContributionItem,
    ProducerSummaryItem, RANK_PREFIX, RECOMMENDATION_PREFIX, RecommendationItem, SUMMARY_SK,
    TrendingItem, trending_pk,
};
use store::runs::RunPointer;
use store::{Page, Store, keys};

use crate::Config;
use crate::error::LeaderboardError;
use crate::pointer::PointerCache;
use crate::views::{
    BoardEntry, Collaborator, Collaborators, Contribution, Contributions, Entries, ProfileTrack,
    ProfileTracks, Recommendation, Recommendations, RunPage, Summary, Trend, Trending,
};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// Every route this function answers (the labels of [`Route`]); `infra/openapi.yaml` documents
/// exactly these, as a test checks.
pub const LABELS: &[&str] = &[
    "GET /leaderboard/{board}",
    "GET /producers/{id}/summary",
    "GET /producers/{id}/contributions",
    "GET /producers/{id}/collaborators",
    "GET /producers/{id}/tracks",
    "GET /producers/{id}/recommendations",
    "GET /collaborations/trending",
];

/// A matched route, with its path parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Board(String),
    Summary(String),
    Contributions(String),
    Collaborators(String),
    Tracks(String),
    Recommendations(String),
    Trending,
}

impl RouteTable for Route {
    fn of(request: &Request<'_>) -> Result<Self, Problem> {
        let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
        let route = match segments.as_slice() {
            ["leaderboard", board] => Route::Board(board.to_string()),
            ["producers", id, "summary"] => Route::Summary(id.to_string()),
            ["producers", id, "contributions"] => Route::Contributions(id.to_string()),
            ["producers", id, "collaborators"] => Route::Collaborators(id.to_string()),
            ["producers", id, "tracks"] => Route::Tracks(id.to_string()),
            ["producers", id, "recommendations"] => Route::Recommendations(id.to_string()),
            ["collaborations", "trending"] => Route::Trending,
            _ => {
                return Err(Problem::not_found(format!(
                    "no route {} /{}",
                    request.method,
                    segments.join("/")
                )));
            }
        };
        if request.method != "GET" {
            return Err(Problem::method_not_allowed(&request.method, &["GET"]));
        }
        Ok(route)
    }

    fn label(&self) -> &'static str {
        match self {
            Route::Board(_) => "GET /leaderboard/{board}",
            Route::Summary(_) => "GET /producers/{id}/summary",
            Route::Contributions(_) => "GET /producers/{id}/contributions",
            Route::Collaborators(_) => "GET /producers/{id}/collaborators",
            Route::Tracks(_) => "GET /producers/{id}/tracks",
            Route::Recommendations(_) => "GET /producers/{id}/recommendations",
            Route::Trending => "GET /collaborations/trending",
        }
    }
}

fn producer(text: &str) -> Result<ProducerId, LeaderboardError> {
    ProducerId::parse(text).map_err(|e| LeaderboardError::BadProducerId(text.to_owned(), e))
}

/// Only `id` may read their private figures.
fn require_self(
    request: &Request<'_>,
    config: &Config,
    id: &ProducerId,
    what: &'static str,
) -> Result<(), Problem> {
    let caller = Caller::of(request.event, config.auth)?;
    if caller.id() == id {
        Ok(())
    } else {
        Err(LeaderboardError::Private(what).into())
    }
}

fn ok<T: Serialize>(body: &T) -> Result<ApiGatewayV2httpResponse, Problem> {
    Ok(json_response(200, body, &[]))
}

/// A page of a run-wide list (a board, trending): empty before the first run.
async fn run_wide<I: DeserializeOwned, V, L: Serialize>(
    store: &Store,
    run: Option<&RunPointer>,
    pk: impl Fn(&str) -> String,
    limit: u32,
    cursor: Option<&str>,
    wrap: impl Fn(Vec<V>) -> L,
) -> Result<ApiGatewayV2httpResponse, Problem>
where
    V: From<I>,
{
    let Some(run) = run else {
        return ok(&RunPage {
            as_of: None,
            list: wrap(Vec::new()),
            next_cursor: None,
        });
    };
    let page: Page<I> = store
        .run_items_page(pk(&run.run_id), RANK_PREFIX, limit, cursor)
        .await
        .map_err(LeaderboardError::from)?;
    ok(&RunPage {
        as_of: Some(run.as_of),
        list: wrap(page.items.into_iter().map(V::from).collect()),
        next_cursor: page.next_cursor,
    })
}

/// A page of one of a producer's lists in the run: empty before the first run, 404 for a
/// producer the run does not know.
async fn producer_list<I: DeserializeOwned, V, L: Serialize>(
    store: &Store,
    run: Option<&RunPointer>,
    id: &ProducerId,
    prefix: &str,
    limit: u32,
    cursor: Option<&str>,
    wrap: impl Fn(Vec<V>) -> L,
) -> Result<ApiGatewayV2httpResponse, Problem>
where
    V: From<I>,
{
    let Some(run) = run else {
        return ok(&RunPage {
            as_of: None,
            list: wrap(Vec::new()),
            next_cursor: None,
        });
    };
    let page: Page<I> = store
        .run_list(
            keys::run_producer_pk(&run.run_id, id),
            prefix,
            limit,
            cursor,
        )
        .await
        .map_err(LeaderboardError::from)?
        .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
    ok(&RunPage {
        as_of: Some(run.as_of),
        list: wrap(page.items.into_iter().map(V::from).collect()),
        next_cursor: page.next_cursor,
    })
}

pub async fn serve(
    store: &Store,
    config: &Config,
    pointer: &PointerCache,
    request: &Request<'_>,
    route: &Route,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let limit = request.limit(DEFAULT_PAGE, MAX_PAGE)?;
    let cursor = request.query("cursor");
    // Validate what the route names before reading anything.
    match route {
        Route::Board(board) if !store::results::BOARDS.contains(&board.as_str()) => {
            return Err(LeaderboardError::UnknownBoard(board.clone()).into());
        }
        Route::Summary(id) => require_self(request, config, &producer(id)?, "the summary")?,
        Route::Contributions(id) => require_self(
            request,
            config,
            &producer(id)?,
            "the contribution breakdown",
        )?,
        Route::Recommendations(id) => {
            require_self(request, config, &producer(id)?, "the recommendations")?
        }
        _ => {}
    }
    // The live discography needs no run; everything else reads the published one.
    let run = match route {
        Route::Tracks(_) => None,
        _ => pointer.get(store).await.map_err(LeaderboardError::from)?,
    };
    let run = run.as_ref();
    match route {
        Route::Board(board) => {
            run_wide::<BoardEntryItem, _, _>(
                store,
                run,
                |r| keys::run_board_pk(r, board),
                limit,
                cursor,
                |entries: Vec<BoardEntry>| Entries { entries },
            )
            .await
        }
        Route::Trending => {
            run_wide::<TrendingItem, _, _>(
                store,
                run,
                trending_pk,
                limit,
                cursor,
                |trending: Vec<Trend>| Trending { trending },
            )
            .await
        }
        Route::Summary(id) => {
            let id = producer(id)?;
            let run = run.ok_or(LeaderboardError::NoResultsYet)?;
            let item: ProducerSummaryItem = store
                .run_item(keys::run_producer_pk(&run.run_id, &id), SUMMARY_SK)
                .await
                .map_err(LeaderboardError::from)?
                .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
            ok(&Summary::new(item, run.as_of))
        }
        Route::Contributions(id) => {
            producer_list::<ContributionItem, _, _>(
                store,
                run,
                &producer(id)?,
                CONTRIBUTION_PREFIX,
                limit,
                cursor,
                |contributions: Vec<Contribution>| Contributions { contributions },
            )
            .await
        }
        Route::Collaborators(id) => {
            producer_list::<CollaboratorItem, _, _>(
                store,
                run,
                &producer(id)?,
                COLLABORATOR_PREFIX,
                limit,
                cursor,
                |collaborators: Vec<Collaborator>| Collaborators { collaborators },
            )
            .await
        }
        Route::Recommendations(id) => {
            producer_list::<RecommendationItem, _, _>(
                store,
                run,
                &producer(id)?,
                RECOMMENDATION_PREFIX,
                limit,
                cursor,
                |recommendations: Vec<Recommendation>| Recommendations { recommendations },
            )
            .await
        }
        Route::Tracks(id) => {
            let collaborative = match request.query("collaborative") {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => return Err(LeaderboardError::BadFlag(other.to_owned()).into()),
            };
            let id = producer(id)?;
            let page = store
                .profile_discography(&id, collaborative, limit, cursor)
                .await
                .map_err(LeaderboardError::from)?
                .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
            ok(&ProfileTracks {
                tracks: page.items.into_iter().map(ProfileTrack::from).collect(),
                next_cursor: page.next_cursor,
            })
        }
    }
}
