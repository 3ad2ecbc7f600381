//! The routes of the `leaderboard` function and what each reads.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::PayoutPeriod;
use http_edge::{Access, ApiGatewayV2httpResponse, Call, Problem, Request, Route, json_response};
use serde::Serialize;
use store::chunks::{EmptyBecause, ListPage};
use store::run_items::{self as stored, ProducerListEntry};
use store::series::MAX_SERIES_DAYS;
use store::{Board, Period, RunId, RunPointer, Store, StoreError};

use crate::error::LeaderboardError;
use crate::pointer::PointerCache;
use crate::views::{
    BoardEntry, BoardPage, Collaborator, Collaborators, Contribution, Contributions, History,
    HistoryPoint, PayoutDetail, PayoutLine, PayoutList, ProfileTrack, ProfileTracks,
    Recommendation, Recommendations, RunPage, Stats, StatsPoint, StatusFilter, Summary, Trend,
    Trending, overview,
};
use crate::views::{Me, MyProducer};

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
    Me,
}

/// Only the producer `{id}` names may read it (the Producer Dashboard's private figures).
const fn owner(what: &'static str) -> Access {
    Access::Producer { param: "id", what }
}

/// Every route this function answers and who may call it, declared once: `infra/openapi.yaml`
/// documents exactly these routes and `docs/privacy.md` this access, as tests check. Boards are
/// part of the Producer Dashboard: signed-in producers only.
pub static ROUTES: &[Route<Endpoint>] = &[
    Route {
        label: "GET /leaderboard/{board}",
        access: Access::SignedIn,
        endpoint: Endpoint::Board,
    },
    Route {
        label: "GET /producers/{id}/summary",
        access: owner("the summary"),
        endpoint: Endpoint::Summary,
    },
    Route {
        label: "GET /producers/{id}/contributions",
        access: owner("the contribution breakdown"),
        endpoint: Endpoint::Contributions,
    },
    Route {
        label: "GET /producers/{id}/collaborators",
        access: Access::Public,
        endpoint: Endpoint::Collaborators,
    },
    Route {
        label: "GET /producers/{id}/tracks",
        access: Access::Public,
        endpoint: Endpoint::Tracks,
    },
    Route {
        label: "GET /producers/{id}/recommendations",
        access: owner("the recommendations"),
        endpoint: Endpoint::Recommendations,
    },
    Route {
        label: "GET /collaborations/trending",
        access: Access::Public,
        endpoint: Endpoint::Trending,
    },
    Route {
        label: "GET /producers/{id}/payouts",
        access: owner("the payout statements"),
        endpoint: Endpoint::Payouts,
    },
    Route {
        label: "GET /producers/{id}/payouts/{period}",
        access: owner("the payout statements"),
        endpoint: Endpoint::Payout,
    },
    Route {
        label: "GET /producers/{id}/history",
        access: owner("the history"),
        endpoint: Endpoint::History,
    },
    Route {
        label: "GET /collaborations/stats",
        access: Access::Public,
        endpoint: Endpoint::Stats,
    },
    Route {
        label: "GET /me",
        access: Access::SignedIn,
        endpoint: Endpoint::Me,
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
fn board_and_period(call: &Call<'_, Endpoint>) -> Result<(Board, Period), LeaderboardError> {
    let name = call.param("board");
    let board = Board::parse(name).ok_or_else(|| LeaderboardError::UnknownBoard {
        name: name.to_owned(),
    })?;
    let period = match call.request.query("period") {
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

/// The producer `{id}` names.
fn named(call: &Call<'_, Endpoint>) -> Result<ProducerId, Problem> {
    Ok(producer(call.param("id"))?)
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
/// the latest publish, the run its cursor names, if that run was published and is older (a
/// cursor naming any other run is a 400: review N13).
async fn run_of_page(
    store: &Store,
    published: &RunPointer,
    page_run: &RunId,
) -> Result<RunPointer, Problem> {
    if *page_run == published.run_id {
        return Ok(published.clone());
    }
    Ok(store
        .published_run_pointer_of(page_run, published)
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

/// What a page asks for: how many entries, and after which.
struct Paging<'r> {
    limit: u32,
    cursor: Option<&'r str>,
}

/// What every endpoint is given: the table, the published run's pointer, the call, its paging.
struct Ctx<'a, 'r> {
    store: &'a Store,
    pointer: &'a PointerCache,
    call: &'a Call<'r, Endpoint>,
    paging: Paging<'a>,
}

impl Ctx<'_, '_> {
    /// The latest published run, if any (cached for at most a minute).
    async fn run(&self) -> Result<Option<RunPointer>, Problem> {
        Ok(self
            .pointer
            .get(self.store)
            .await
            .map_err(LeaderboardError::from)?)
    }

    /// A page of one of `{id}`'s lists in the published run: empty before the first run, 404 for
    /// a producer the run does not know.
    async fn producer_list<I: ProducerListEntry, V: From<I>, L: Serialize>(
        &self,
        wrap: impl Fn(Vec<V>, Option<EmptyBecause>) -> L,
    ) -> Result<ApiGatewayV2httpResponse, Problem> {
        let id = named(self.call)?;
        let Some(run) = self.run().await? else {
            return before_first_run(wrap(Vec::new(), None));
        };
        let page: ListPage<I> = self
            .store
            .producer_list(&run.run_id, &id, self.paging.limit, self.paging.cursor)
            .await
            .map_err(LeaderboardError::from)?
            .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
        let run = run_of_page(self.store, &run, &page.run).await?;
        let empty_because = page.empty_because;
        run_page(&run, page, |list| wrap(list, empty_because))
    }
}

/// Serves a call the router admitted (its route's [`Access`] is already checked).
pub async fn serve(
    store: &Store,
    pointer: &PointerCache,
    call: &Call<'_, Endpoint>,
) -> Result<ApiGatewayV2httpResponse, Problem> {
    let paging = Paging {
        limit: call.request.limit(DEFAULT_PAGE, MAX_PAGE)?,
        cursor: call.request.cursor()?,
    };
    let ctx = Ctx {
        store,
        pointer,
        call,
        paging,
    };
    match call.endpoint() {
        Endpoint::Board => board(&ctx).await,
        Endpoint::Trending => trending(&ctx).await,
        Endpoint::Summary => summary(&ctx).await,
        Endpoint::Contributions => {
            ctx.producer_list::<stored::Contribution, _, _>(
                |contributions: Vec<Contribution>, _| Contributions { contributions },
            )
            .await
        }
        Endpoint::Collaborators => {
            ctx.producer_list::<stored::Collaborator, _, _>(
                |collaborators: Vec<Collaborator>, _| Collaborators { collaborators },
            )
            .await
        }
        Endpoint::Recommendations => {
            ctx.producer_list::<stored::Recommendation, _, _>(
                |recommendations: Vec<Recommendation>, empty_because| Recommendations {
                    recommendations,
                    empty_because,
                },
            )
            .await
        }
        Endpoint::Payouts => payouts(&ctx).await,
        Endpoint::Payout => payout(&ctx).await,
        Endpoint::Tracks => tracks(&ctx).await,
        Endpoint::History => history(&ctx).await,
        Endpoint::Stats => stats(&ctx).await,
        Endpoint::Me => me(&ctx).await,
    }
}

/// `GET /me`: the account and the producers it acts for, with their names (the Finances page's
/// artist selector); a producer without a profile yet shows a null name.
async fn me(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let caller = ctx.call.caller()?;
    let profiles = ctx
        .store
        .get_producers(caller.producers())
        .await
        .map_err(LeaderboardError::from)?;
    ok(&Me {
        account: caller.account().to_owned(),
        producers: caller
            .producers()
            .iter()
            .map(|id| MyProducer {
                producer_id: id.clone(),
                name: profiles.get(id).map(|p| p.name.clone()),
            })
            .collect(),
    })
}

/// `GET /leaderboard/{board}`: a page of a board in the published run.
async fn board(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let (board, period) = board_and_period(ctx.call)?;
    let Some(run) = ctx.run().await? else {
        return before_first_run(BoardPage::new(board, period, None, Vec::new()));
    };
    let page = ctx
        .store
        .board_page(
            &run.run_id,
            board,
            period,
            ctx.paging.limit,
            ctx.paging.cursor,
        )
        .await
        .map_err(LeaderboardError::from)?;
    let run = run_of_page(ctx.store, &run, &page.run).await?;
    let since = since(&run, board, period);
    run_page(&run, page, |entries: Vec<BoardEntry>| {
        BoardPage::new(board, period, since, entries)
    })
}

/// `GET /collaborations/trending`: the pairs whose shared plays grew most.
async fn trending(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let wrap = |trending: Vec<Trend>| Trending { trending };
    let Some(run) = ctx.run().await? else {
        return before_first_run(wrap(Vec::new()));
    };
    let page = ctx
        .store
        .trending_page(&run.run_id, ctx.paging.limit, ctx.paging.cursor)
        .await
        .map_err(LeaderboardError::from)?;
    let run = run_of_page(ctx.store, &run, &page.run).await?;
    run_page(&run, page, wrap)
}

/// `GET /producers/{id}/summary`: a producer's own figures in the published run.
async fn summary(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let id = named(ctx.call)?;
    let run = ctx.run().await?.ok_or(LeaderboardError::NoResultsYet)?;
    let item: stored::ProducerSummary = ctx
        .store
        .run_item(&run.run_id, &id)
        .await
        .map_err(LeaderboardError::from)?
        .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
    ok(&Summary::new(item, run.as_of))
}

/// `GET /producers/{id}/payouts`: a producer's statements, newest first (live items), with the
/// overview per currency; `?status=` keeps one of the Finances page's tabs. A producer has one
/// statement a month, so the newest [`MAX_STATEMENTS`] are read whole (the published Finances
/// page keeps the last 1,000 too) and paged here; the cursor is the last period returned.
async fn payouts(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let id = named(ctx.call)?;
    let filter = match ctx.call.request.query("status") {
        None => None,
        Some(text) => Some(
            StatusFilter::parse(text)
                .ok_or_else(|| LeaderboardError::BadStatus(text.to_owned()))?,
        ),
    };
    let after = ctx
        .paging
        .cursor
        .map(|c| PayoutPeriod::parse(c).map_err(|_| LeaderboardError::from(StoreError::BadCursor)))
        .transpose()?;
    let mut statements = Vec::new();
    let mut cursor: Option<String> = None;
    while statements.len() < MAX_STATEMENTS {
        let page = ctx
            .store
            .producer_statements(&id, 100, cursor.as_deref())
            .await
            .map_err(LeaderboardError::from)?;
        statements.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    statements.truncate(MAX_STATEMENTS);
    let listed: Vec<&store::payout_items::PayoutStatement> = statements
        .iter()
        .filter(|s| filter.is_none_or(|f| f.admits(s.status)))
        .filter(|s| after.is_none_or(|after| s.period < after))
        .collect();
    let limit = ctx.paging.limit as usize;
    let next_cursor = (listed.len() > limit).then(|| listed[limit - 1].period.to_string());
    ok(&PayoutList {
        overview: overview(&statements),
        payouts: listed
            .iter()
            .take(limit)
            .map(|s| PayoutLine::from(*s))
            .collect(),
        next_cursor,
    })
}

/// Statements a payouts answer reads at most (one a month: over 80 years).
const MAX_STATEMENTS: usize = 1_000;

/// `GET /producers/{id}/payouts/{period}`: one statement, explained.
async fn payout(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let period =
        PayoutPeriod::parse(ctx.call.param("period")).map_err(LeaderboardError::BadPeriod)?;
    let statement = ctx
        .store
        .payout_statement(&named(ctx.call)?, period)
        .await
        .map_err(LeaderboardError::from)?
        .ok_or(LeaderboardError::NoStatement(period))?;
    ok(&PayoutDetail::from(&statement))
}

/// `GET /producers/{id}/tracks`: the live discography, or the tracks shared `?with=` another.
async fn tracks(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let request = &ctx.call.request;
    let collaborative = match request.query("collaborative") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(LeaderboardError::BadFlag(other.to_owned()).into()),
    };
    let id = named(ctx.call)?;
    let with = request.query("with").map(producer).transpose()?;
    let (limit, cursor) = (ctx.paging.limit, ctx.paging.cursor);
    let page = match &with {
        // Only collaborative tracks are shared, so the flag changes nothing here.
        Some(with) => ctx.store.shared_tracks(&id, with, limit, cursor).await,
        None => {
            ctx.store
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

/// `GET /producers/{id}/history`: a producer's figures over the last `days` days of runs.
async fn history(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let (id, days) = (named(ctx.call)?, days(&ctx.call.request)?);
    let (from, to) = series_range(days);
    let points = ctx
        .store
        .producer_series(&id, from, to)
        .await
        .map_err(LeaderboardError::from)?;
    ok(&History {
        producer_id: id,
        days,
        points: points.into_iter().map(HistoryPoint::from).collect(),
    })
}

/// `GET /collaborations/stats`: the platform's figures over the last `days` days of runs.
async fn stats(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, Problem> {
    let days = days(&ctx.call.request)?;
    let (from, to) = series_range(days);
    let points = ctx
        .store
        .platform_series(from, to)
        .await
        .map_err(LeaderboardError::from)?;
    ok(&Stats {
        days,
        points: points.into_iter().map(StatsPoint::from).collect(),
    })
}
