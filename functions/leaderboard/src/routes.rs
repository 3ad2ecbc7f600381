//! The routes of the `leaderboard` function and what each reads.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::PayoutPeriod;
use http_edge::{
    ApiGatewayV2httpResponse, Caller, Matched, Problem, Request, Route, json_response,
};
use serde::Serialize;
use store::chunks::{EmptyBecause, ListPage};
use store::run_items::{self as stored, ProducerListEntry};
use store::series::MAX_SERIES_DAYS;
use store::{Board, Period, RunId, RunPointer, Store, StoreError};

use crate::Config;
use crate::error::LeaderboardError;
use crate::pointer::PointerCache;
use crate::views::{
    BoardEntry, BoardPage, Collaborator, Collaborators, Contribution, Contributions, History,
    HistoryPoint, PayoutDetail, PayoutLine, PayoutList, ProfileTrack, ProfileTracks,
    Recommendation, Recommendations, RunPage, Stats, StatsPoint, Summary, Trend, Trending,
};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// Which handler serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Board,
    Summary,
    Contributions,
    Collaborators,
    Tracks,
    Recommendations,
    Trending,
    Payouts,
    Payout,
    History,
    Stats,
}

/// Every route this function answers, declared once: `infra/openapi.yaml` documents exactly
/// these, as a test checks.
pub static ROUTES: &[Route<Endpoint>] = &[
    Route {
        label: "GET /leaderboard/{board}",
        endpoint: Endpoint::Board,
    },
    Route {
        label: "GET /producers/{id}/summary",
        endpoint: Endpoint::Summary,
    },
    Route {
        label: "GET /producers/{id}/contributions",
        endpoint: Endpoint::Contributions,
    },
    Route {
        label: "GET /producers/{id}/collaborators",
        endpoint: Endpoint::Collaborators,
    },
    Route {
        label: "GET /producers/{id}/tracks",
        endpoint: Endpoint::Tracks,
    },
    Route {
        label: "GET /producers/{id}/recommendations",
        endpoint: Endpoint::Recommendations,
    },
    Route {
        label: "GET /collaborations/trending",
        endpoint: Endpoint::Trending,
    },
    Route {
        label: "GET /producers/{id}/payouts",
        endpoint: Endpoint::Payouts,
    },
    Route {
        label: "GET /producers/{id}/payouts/{period}",
        endpoint: Endpoint::Payout,
    },
    Route {
        label: "GET /producers/{id}/history",
        endpoint: Endpoint::History,
    },
    Route {
        label: "GET /collaborations/stats",
        endpoint: Endpoint::Stats,
    },
];

/// The range a series covers when the query names none, in days.
const DEFAULT_DAYS: u32 = 90;

/// The `days` the query asks for: 1 to [`MAX_SERIES_DAYS`], 90 when absent.
fn days(request: &Request<'_>) -> Result<u32, LeaderboardError> {
    match request.query("days") {
        None => Ok(DEFAULT_DAYS),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_SERIES_DAYS).contains(d))
            .ok_or_else(|| LeaderboardError::BadDays(text.to_owned())),
    }
}

/// The instants a series of the last `days` days runs between.
fn series_range(days: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    (now - chrono::TimeDelta::days(i64::from(days)), now)
}

/// The board the path names and the period the query asks for (`all` when absent).
fn board_and_period(
    request: &Request<'_>,
    route: &Matched<Endpoint>,
) -> Result<(Board, Period), LeaderboardError> {
    let name = route.param("board");
    let board = Board::parse(name).ok_or_else(|| LeaderboardError::UnknownBoard {
        name: name.to_owned(),
    })?;
    let period = match request.query("period") {
        None => Period::All,
        Some(text) => Period::parse(text)
            .filter(|p| board.periods().contains(p))
            .ok_or_else(|| LeaderboardError::UnknownPeriod {
                board,
                period: text.to_owned(),
            })?,
    };
    Ok((board, period))
}

/// Where a window board's gains are counted from: the baseline run's as-of for plays-based
/// boards (null when no run was old enough), the window's start for uploads, null for all-time.
fn since(run: &RunPointer, board: Board, period: Period) -> Option<DateTime<Utc>> {
    match board {
        Board::Uploads => period.start(run.as_of),
        _ => run.baselines.of(period),
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

/// The answer before the first run: no as-of, an empty list.
fn before_first_run<L: Serialize>(empty: L) -> Result<ApiGatewayV2httpResponse, Problem> {
    ok(&RunPage {
        as_of: None,
        list: empty,
        next_cursor: None,
    })
}

/// The run a page was read from: the published one, or, for a page sequence that began before
/// the latest publish, the run its cursor names (read from that run's meta item).
async fn run_of_page(
    store: &Store,
    published: &RunPointer,
    page_run: &RunId,
) -> Result<RunPointer, Problem> {
    if *page_run == published.run_id {
        return Ok(published.clone());
    }
    Ok(store
        .run_pointer_of(page_run)
        .await
        .map_err(LeaderboardError::from)?
        .ok_or(LeaderboardError::from(StoreError::BadCursor))?)
}

/// A page of a run's list as the API answers it.
fn run_page<I, V: From<I>, L: Serialize>(
    run: &RunPointer,
    page: ListPage<I>,
    wrap: impl Fn(Vec<V>) -> L,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    ok(&RunPage {
        as_of: Some(run.as_of),
        list: wrap(page.items.into_iter().map(V::from).collect()),
        next_cursor: page.next_cursor,
    })
}

/// A page of one of a producer's lists in the run: empty before the first run, 404 for a
/// producer the run does not know.
async fn producer_list<I: ProducerListEntry, V: From<I>, L: Serialize>(
    store: &Store,
    run: Option<&RunPointer>,
    id: &ProducerId,
    limit: u32,
    cursor: Option<&str>,
    wrap: impl Fn(Vec<V>, Option<EmptyBecause>) -> L,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let Some(run) = run else {
        return before_first_run(wrap(Vec::new(), None));
    };
    let page: ListPage<I> = store
        .producer_list(&run.run_id, id, limit, cursor)
        .await
        .map_err(LeaderboardError::from)?
        .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
    let run = run_of_page(store, run, &page.run).await?;
    let empty_because = page.empty_because;
    run_page(&run, page, |list| wrap(list, empty_because))
}

pub async fn serve(
    store: &Store,
    config: &Config,
    pointer: &PointerCache,
    request: &Request<'_>,
    route: &Matched<Endpoint>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let limit = request.limit(DEFAULT_PAGE, MAX_PAGE)?;
    let cursor = request.cursor()?;
    let endpoint = route.route.endpoint;
    let id = || producer(route.param("id"));
    // Boards are part of the Producer Dashboard: signed-in producers only (docs/privacy.md).
    if endpoint == Endpoint::Board {
        Caller::of(request.event, config.auth)?;
    }
    // Validate what the route names before reading anything.
    let board = match endpoint {
        Endpoint::Board => Some(board_and_period(request, route)?),
        _ => None,
    };
    match endpoint {
        Endpoint::Summary => require_self(request, config, &id()?, "the summary")?,
        Endpoint::Contributions => {
            require_self(request, config, &id()?, "the contribution breakdown")?
        }
        Endpoint::Recommendations => require_self(request, config, &id()?, "the recommendations")?,
        Endpoint::Payouts | Endpoint::Payout => {
            require_self(request, config, &id()?, "the payout statements")?
        }
        Endpoint::History => require_self(request, config, &id()?, "the history")?,
        _ => {}
    }

    // The live discography needs no run; everything else reads the published one.
    let run = match endpoint {
        // Live items: the discography and the payout statements; series keep their own runs.
        Endpoint::Tracks
        | Endpoint::Payouts
        | Endpoint::Payout
        | Endpoint::History
        | Endpoint::Stats => None,
        _ => pointer.get(store).await.map_err(LeaderboardError::from)?,
    };
    let run = run.as_ref();
    match endpoint {
        Endpoint::Board => {
            let Some((board, period)) = board else {
                return Err(LeaderboardError::UnknownBoard {
                    name: route.param("board").to_owned(),
                }
                .into());
            };
            let Some(run) = run else {
                return before_first_run(BoardPage::new(board, period, None, Vec::new()));
            };
            let page = store
                .board_page(&run.run_id, board, period, limit, cursor)
                .await
                .map_err(LeaderboardError::from)?;
            let run = run_of_page(store, run, &page.run).await?;
            let since = since(&run, board, period);
            run_page(&run, page, |entries: Vec<BoardEntry>| {
                BoardPage::new(board, period, since, entries)
            })
        }
        Endpoint::Trending => {
            let wrap = |trending: Vec<Trend>| Trending { trending };
            let Some(run) = run else {
                return before_first_run(wrap(Vec::new()));
            };
            let page = store
                .trending_page(&run.run_id, limit, cursor)
                .await
                .map_err(LeaderboardError::from)?;
            let run = run_of_page(store, run, &page.run).await?;
            run_page(&run, page, wrap)
        }
        Endpoint::Summary => {
            let id = id()?;
            let run = run.ok_or(LeaderboardError::NoResultsYet)?;
            let item: stored::ProducerSummary = store
                .run_item(&run.run_id, &id)
                .await
                .map_err(LeaderboardError::from)?
                .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
            ok(&Summary::new(item, run.as_of))
        }
        Endpoint::Contributions => {
            producer_list::<stored::Contribution, _, _>(
                store,
                run,
                &id()?,
                limit,
                cursor,
                |contributions: Vec<Contribution>, _| Contributions { contributions },
            )
            .await
        }
        Endpoint::Collaborators => {
            producer_list::<stored::Collaborator, _, _>(
                store,
                run,
                &id()?,
                limit,
                cursor,
                |collaborators: Vec<Collaborator>, _| Collaborators { collaborators },
            )
            .await
        }
        Endpoint::Recommendations => {
            producer_list::<stored::Recommendation, _, _>(
                store,
                run,
                &id()?,
                limit,
                cursor,
                |recommendations: Vec<Recommendation>, empty_because| Recommendations {
                    recommendations,
                    empty_because,
                },
            )
            .await
        }
        Endpoint::Payouts => {
            let page = store
                .producer_statements(&id()?, limit, cursor)
                .await
                .map_err(LeaderboardError::from)?;
            ok(&PayoutList {
                payouts: page.items.iter().map(PayoutLine::from).collect(),
                next_cursor: page.next_cursor,
            })
        }
        Endpoint::Payout => {
            let period =
                PayoutPeriod::parse(route.param("period")).map_err(LeaderboardError::BadPeriod)?;
            let statement = store
                .payout_statement(&id()?, period)
                .await
                .map_err(LeaderboardError::from)?
                .ok_or(LeaderboardError::NoStatement(period))?;
            ok(&PayoutDetail::from(&statement))
        }
        Endpoint::Tracks => {
            let collaborative = match request.query("collaborative") {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => return Err(LeaderboardError::BadFlag(other.to_owned()).into()),
            };
            let id = id()?;
            let with = request.query("with").map(producer).transpose()?;
            let page = match &with {
                // Only collaborative tracks are shared, so the flag changes nothing here.
                Some(with) => store.shared_tracks(&id, with, limit, cursor).await,
                None => {
                    store
                        .profile_discography(&id, collaborative, limit, cursor)
                        .await
                }
            }
            .map_err(LeaderboardError::from)?
            .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
            ok(&ProfileTracks {
                tracks: page.items.into_iter().map(ProfileTrack::from).collect(),
                next_cursor: page.next_cursor,
            })
        }
        Endpoint::History => {
            let (id, days) = (id()?, days(request)?);
            let (from, to) = series_range(days);
            let points = store
                .producer_series(&id, from, to)
                .await
                .map_err(LeaderboardError::from)?;
            ok(&History {
                producer_id: id,
                days,
                points: points.into_iter().map(HistoryPoint::from).collect(),
            })
        }
        Endpoint::Stats => {
            let days = days(request)?;
            let (from, to) = series_range(days);
            let points = store
                .platform_series(from, to)
                .await
                .map_err(LeaderboardError::from)?;
            ok(&Stats {
                days,
                points: points.into_iter().map(StatsPoint::from).collect(),
            })
        }
    }
}
