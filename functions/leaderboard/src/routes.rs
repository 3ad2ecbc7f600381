//! The routes of the `leaderboard` function and what each reads.

use chrono::{DateTime, Utc};
use contribution::ProducerId;
use contribution::statement::PayoutPeriod;
use http_edge::{
    Access, ApiGatewayV2httpResponse, Cache, Call, Problem, Request, Route, Service, json_response,
};
use results::lists::{Board, Period};
use results::run as stored;
use results::run::{EmptyBecause, RunPointer};
use results::run_id::RunId;
use serde::Serialize;
use store::runs::items::ProducerListEntry;
use store::runs::list_page::ListPage;
use store::runs::series::MAX_SERIES_DAYS;
use store::{Store, StoreError};

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

/// The `leaderboard` function's route tables and handlers.
pub struct LeaderboardApi;

impl Service for LeaderboardApi {
    type Deps<'a> = Deps<'a>;
}

/// What one request's handler is given: the table and the latest-run pointer's cache.
pub struct Deps<'a> {
    pub store: &'a Store,
    pub pointer: &'a PointerCache,
    /// When the request came in: the end of every series range.
    pub now: DateTime<Utc>,
}

/// The call each handler is given.
type BoardCall<'r> = Call<'r, LeaderboardApi>;

/// Only the producer `{id}` names may read it (the Producer Dashboard's private figures).
const fn owner(what: &'static str) -> Access {
    Access::Producer { param: "id", what }
}

/// Every route this function answers and who may call it, declared once: `infra/openapi.yaml`
/// documents exactly these routes and `docs/privacy.md` this access, as tests check. Boards are
/// part of the Producer Dashboard: signed-in producers only.
pub static ROUTES: &[Route<LeaderboardApi>] = &[
    Route {
        label: "GET /leaderboard/{board}",
        access: Access::SignedIn,
        cache: Cache::Run,
        handler: |d, call| Box::pin(async move { Ok(board(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/summary",
        access: owner("the summary"),
        cache: Cache::Run,
        handler: |d, call| Box::pin(async move { Ok(summary(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/contributions",
        access: owner("the contribution breakdown"),
        cache: Cache::Run,
        handler: |d, call| {
            Box::pin(async move {
                Ok(Ctx::of(d, call)?
                    .producer_list::<stored::Contribution, _, _>(
                        |contributions: Vec<Contribution>, _| Contributions { contributions },
                    )
                    .await?)
            })
        },
    },
    Route {
        label: "GET /producers/{id}/collaborators",
        access: Access::Public,
        cache: Cache::Run,
        handler: |d, call| {
            Box::pin(async move {
                Ok(Ctx::of(d, call)?
                    .producer_list::<stored::Collaborator, _, _>(
                        |collaborators: Vec<Collaborator>, _| Collaborators { collaborators },
                    )
                    .await?)
            })
        },
    },
    Route {
        label: "GET /producers/{id}/tracks",
        access: Access::Public,
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(tracks(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/recommendations",
        access: owner("the recommendations"),
        cache: Cache::Run,
        handler: |d, call| {
            Box::pin(async move {
                Ok(Ctx::of(d, call)?
                    .producer_list::<stored::Recommendation, _, _>(
                        |recommendations: Vec<Recommendation>, empty_because| Recommendations {
                            recommendations,
                            empty_because,
                        },
                    )
                    .await?)
            })
        },
    },
    Route {
        label: "GET /collaborations/trending",
        access: Access::Public,
        cache: Cache::Run,
        handler: |d, call| Box::pin(async move { Ok(trending(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/payouts",
        access: owner("the payout statements"),
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(payouts(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/payouts/{period}",
        access: owner("the payout statements"),
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(payout(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /producers/{id}/history",
        access: owner("the history"),
        cache: Cache::Run,
        handler: |d, call| Box::pin(async move { Ok(history(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /collaborations/stats",
        access: Access::Public,
        cache: Cache::Run,
        handler: |d, call| Box::pin(async move { Ok(stats(&Ctx::of(d, call)?).await?) }),
    },
    Route {
        label: "GET /me",
        access: Access::SignedIn,
        cache: Cache::Live,
        handler: |d, call| Box::pin(async move { Ok(me(&Ctx::of(d, call)?).await?) }),
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

/// The instants a series of the last `days` days before `now` runs between.
fn series_range(days: u32, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - chrono::TimeDelta::days(i64::from(days)), now)
}

/// The board the path names and the period the query asks for (`all` when absent).
fn board_and_period(call: &BoardCall<'_>) -> Result<(Board, Period), LeaderboardError> {
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
/// The producer `{id}` names: as the router parsed it on a producer's own route, parsed here on
/// a public one.
fn named(call: &BoardCall<'_>) -> Result<ProducerId, Problem> {
    match call.owner() {
        Ok(owner) => Ok(owner.clone()),
        Err(_) => Ok(producer(call.param("id"))?),
    }
}

fn ok<T: Serialize>(body: &T) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    Ok(json_response(200, body, &[]))
}

/// The answer before the first run: no as-of, an empty list.
fn before_first_run<L: Serialize>(empty: L) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
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
) -> Result<RunPointer, LeaderboardError> {
    if *page_run == published.run_id {
        return Ok(published.clone());
    }
    store
        .runs()
        .published_run_pointer_of(page_run, published)
        .await?
        .ok_or(LeaderboardError::from(StoreError::BadCursor))
}

/// A page of a run's list as the API answers it.
fn run_page<I, V: From<I>, L: Serialize>(
    run: &RunPointer,
    page: ListPage<I>,
    wrap: impl Fn(Vec<V>) -> L,
) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
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
    now: DateTime<Utc>,
    call: &'a BoardCall<'r>,
    paging: Paging<'a>,
}

impl<'a, 'r> Ctx<'a, 'r> {
    /// What `call` needs, with `deps`: its paging read (a bad limit or cursor is a 400).
    fn of(deps: &'a Deps<'_>, call: &'a BoardCall<'r>) -> Result<Self, Problem>
    where
        'r: 'a,
    {
        Ok(Self {
            store: deps.store,
            pointer: deps.pointer,
            now: deps.now,
            call,
            paging: Paging {
                limit: call.request.limit(DEFAULT_PAGE, MAX_PAGE)?,
                cursor: call.request.cursor()?,
            },
        })
    }

    /// The latest published run, if any (cached for at most a minute).
    async fn run(&self) -> Result<Option<RunPointer>, LeaderboardError> {
        Ok(self.pointer.get(self.store).await?)
    }

    /// A page of one of `{id}`'s lists in the published run: empty before the first run, 404 for
    /// a producer the run does not know.
    async fn producer_list<I: ProducerListEntry, V: From<I>, L: Serialize>(
        &self,
        wrap: impl Fn(Vec<V>, Option<EmptyBecause>) -> L,
    ) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
        let id = named(self.call)?;
        let Some(run) = self.run().await? else {
            return before_first_run(wrap(Vec::new(), None));
        };
        let page: ListPage<I> = self
            .store
            .runs()
            .producer_list(&run.run_id, &id, self.paging.limit, self.paging.cursor)
            .await?
            .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
        let run = run_of_page(self.store, &run, &page.run).await?;
        let empty_because = page.empty_because;
        run_page(&run, page, |list| wrap(list, empty_because))
    }
}

/// `GET /me`: the account and the producers it acts for, with their names (the Finances page's
/// artist selector); a producer without a profile yet shows a null name.
async fn me(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let caller = ctx.call.caller()?;
    let profiles = ctx
        .store
        .catalog()
        .get_producers(caller.producers())
        .await?;
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
async fn board(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let (board, period) = board_and_period(ctx.call)?;
    let Some(run) = ctx.run().await? else {
        return before_first_run(BoardPage::new(board, period, None, Vec::new()));
    };
    let page = ctx
        .store
        .runs()
        .board_page(
            &run.run_id,
            board,
            period,
            ctx.paging.limit,
            ctx.paging.cursor,
        )
        .await?;
    let run = run_of_page(ctx.store, &run, &page.run).await?;
    let since = since(&run, board, period);
    run_page(&run, page, |entries: Vec<BoardEntry>| {
        BoardPage::new(board, period, since, entries)
    })
}

/// `GET /collaborations/trending`: the pairs whose shared plays grew most.
async fn trending(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let wrap = |trending: Vec<Trend>| Trending { trending };
    let Some(run) = ctx.run().await? else {
        return before_first_run(wrap(Vec::new()));
    };
    let page = ctx
        .store
        .runs()
        .trending_page(&run.run_id, ctx.paging.limit, ctx.paging.cursor)
        .await?;
    let run = run_of_page(ctx.store, &run, &page.run).await?;
    run_page(&run, page, wrap)
}

/// `GET /producers/{id}/summary`: a producer's own figures in the published run.
async fn summary(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let id = named(ctx.call)?;
    let run = ctx.run().await?.ok_or(LeaderboardError::NoResultsYet)?;
    let item: stored::ProducerSummary = ctx
        .store
        .runs()
        .run_item(&run.run_id, &id)
        .await?
        .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
    ok(&Summary::new(item, run.as_of))
}

/// `GET /producers/{id}/payouts`: a producer's statements, newest first (live items), with the
/// overview per currency; `?status=` keeps one of the Finances page's tabs. A producer has one
/// statement a month, so the newest [`MAX_STATEMENTS`] are read whole (the published Finances
/// page keeps the last 1,000 too) and paged here; the cursor is the last period returned.
async fn payouts(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
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
            .payouts()
            .producer_statements(&id, 100, cursor.as_deref())
            .await?;
        statements.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    statements.truncate(MAX_STATEMENTS);
    let listed: Vec<&results::payout::PayoutStatement> = statements
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
async fn payout(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let period =
        PayoutPeriod::parse(ctx.call.param("period")).map_err(LeaderboardError::BadPeriod)?;
    let statement = ctx
        .store
        .payouts()
        .payout_statement(&named(ctx.call)?, period)
        .await?
        .ok_or(LeaderboardError::NoStatement(period))?;
    ok(&PayoutDetail::from(&statement))
}

/// `GET /producers/{id}/tracks`: the live discography, or the tracks shared `?with=` another.
async fn tracks(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let request = &ctx.call.request;
    let collaborative = match request.query("collaborative") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(LeaderboardError::BadFlag(other.to_owned())),
    };
    let id = named(ctx.call)?;
    let with = request.query("with").map(producer).transpose()?;
    let (limit, cursor) = (ctx.paging.limit, ctx.paging.cursor);
    let page = match &with {
        // Only collaborative tracks are shared, so the flag changes nothing here.
        Some(with) => {
            ctx.store
                .catalog()
                .shared_tracks(&id, with, limit, cursor)
                .await
        }
        None => {
            ctx.store
                .catalog()
                .profile_discography(&id, collaborative, limit, cursor)
                .await
        }
    }?
    .ok_or_else(|| LeaderboardError::UnknownProducer(id.to_string()))?;
    ok(&ProfileTracks {
        tracks: page.items.into_iter().map(ProfileTrack::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// `GET /producers/{id}/history`: a producer's figures over the last `days` days of runs.
async fn history(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let (id, days) = (named(ctx.call)?, days(&ctx.call.request)?);
    let (from, to) = series_range(days, ctx.now);
    let points = ctx.store.runs().producer_series(&id, from, to).await?;
    ok(&History {
        producer_id: id,
        days,
        points: points.into_iter().map(HistoryPoint::from).collect(),
    })
}

/// `GET /collaborations/stats`: the platform's figures over the last `days` days of runs.
async fn stats(ctx: &Ctx<'_, '_>) -> Result<ApiGatewayV2httpResponse, LeaderboardError> {
    let days = days(&ctx.call.request)?;
    let (from, to) = series_range(days, ctx.now);
    let points = ctx.store.runs().platform_series(from, to).await?;
    ok(&Stats {
        days,
        points: points.into_iter().map(StatsPoint::from).collect(),
    })
}
