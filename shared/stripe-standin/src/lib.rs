//! A loopback stand-in for the part of Stripe's API the payouts function uses: `POST
//! /v1/transfers` and `GET /v1/transfers?transfer_group=`. No machine here can reach Stripe, so
//! local runs (`cargo xtask dev`) and tests talk to this instead, through the same HTTP client
//! the deployed function uses. `tests/stripe/conformance.py` drives it with Stripe's own Python
//! library, so "behaves like Stripe" is checked by code nobody here wrote.
//!
//! It follows Stripe's documented behaviour (stripe.com/docs/api/transfers,
//! /docs/api/idempotent_requests, /docs/api/errors, /docs/keys):
//! - a bearer secret (`sk_…`) or restricted (`rk_…`) key is required: 401 for none, an unknown
//!   kind or a revoked key; 403 `permission_error` for a restricted key without the permission;
//! - form bodies with `metadata[k]=v`; a transfer object with a `tr_…` id; lists are
//!   `{"object":"list","data":[…],"has_more"}`, newest first, paged by `limit` and
//!   `starting_after`; errors are `{"error":{"type","code","message","param"}}`;
//! - an `Idempotency-Key` replays the first result for the same parameters (with
//!   `Idempotent-Replayed: true`) for 24 hours, then the key is forgotten; a key reused with
//!   different parameters is a 400 `idempotency_error`; a request whose key is still being
//!   handled is a 409 `idempotency_key_in_use`; requests that fail validation save nothing,
//!   while results from inside the endpoint (successes, `balance_insufficient`,
//!   `account_invalid`, a 500 raised there) are saved and replayed;
//! - amounts above 99,999,999 minor units are `amount_too_large`; a closed destination account
//!   is `account_invalid`; one whose transfers capability is paused (and later restored) is
//!   `insufficient_capabilities_for_transfer`; a platform balance per currency (unlimited unless
//!   set) gives `balance_insufficient`.
//!
//! Switchable faults on creates, each drawn per request with its own probability (or in turn,
//! every n-th request): 429 `rate_limit` and 500 `api_error` answered before the endpoint runs
//! (nothing applied or saved), a 500 raised inside the endpoint (saved under the key, so it is
//! replayed), and a *timeout after applying* (the transfer is made and saved, the answer never
//! comes). Lists can be made to fail with a 429, a 500 or a hang. `recover` clears every fault.
//! The stand-in's clock can be moved forward (`advance`) to age idempotency keys.
//!
//! Everything a test steers is also reachable over HTTP at `POST /_standin/control` (see
//! [`control::Control`]), for `cargo xtask dev` users and the conformance script.

pub mod control;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub use control::{Control, ListFailure};

/// How often each fault happens (0 to 1 each), drawn per `POST /v1/transfers`; or, with
/// `rotate_every = n`, exactly every n-th request faults, the kinds taking turns (429, 500,
/// timeout after apply), so a test sees each kind a known number of times.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    pub rate_limited: f64,
    pub server_error: f64,
    /// Apply the transfer, then never answer.
    pub timeout_after_apply: f64,
    /// A 500 from inside the endpoint: nothing is made, and the 500 is saved under the key.
    pub internal_error: f64,
    pub rotate_every: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Injected {
    RateLimited,
    ServerError,
    TimeoutAfterApply,
    InternalError,
}

/// Faults injected so far, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultTally {
    pub rate_limited: u64,
    pub server_error: u64,
    pub timeout_after_apply: u64,
    pub internal_error: u64,
    /// List requests answered with a failure.
    pub list_failures: u64,
}

/// One transfer made.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub id: String,
    pub amount: u64,
    pub currency: String,
    pub destination: String,
    pub transfer_group: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub created: i64,
}

impl Transfer {
    fn json(&self) -> Value {
        let metadata: serde_json::Map<String, Value> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "id": self.id,
            "object": "transfer",
            "amount": self.amount,
            "amount_reversed": 0,
            "balance_transaction": format!("txn_{}", &self.id[3..]),
            "created": self.created,
            "currency": self.currency,
            "description": null,
            "destination": self.destination,
            "destination_payment": format!("py_{}", &self.id[3..]),
            "livemode": false,
            "metadata": metadata,
            "reversals": {"object": "list", "data": [], "has_more": false, "total_count": 0,
                          "url": format!("/v1/transfers/{}/reversals", self.id)},
            "reversed": false,
            "source_transaction": null,
            "source_type": "card",
            "transfer_group": self.transfer_group,
        })
    }
}

/// A saved idempotent result: the request's parameters, the answer, and when it was saved.
#[derive(Debug, Clone)]
struct Saved {
    params: Vec<(String, String)>,
    status: StatusCode,
    body: Value,
    saved_at: i64,
}

/// What a restricted key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions {
    pub read_transfers: bool,
    pub write_transfers: bool,
}

#[derive(Debug, Default)]
struct Ledger {
    transfers: Vec<Transfer>,
    keys: HashMap<String, Saved>,
    in_flight: HashSet<String>,
    balances: HashMap<String, u64>,
    faults: Faults,
    list_failure: Option<ListFailure>,
    processing_delay: Duration,
    revoked: HashSet<String>,
    restricted: HashMap<String, Permissions>,
    closed_accounts: HashSet<String>,
    incapable_accounts: HashSet<String>,
    /// Seconds the clock was moved forward.
    clock_offset: i64,
    next_id: u64,
    post_requests: u64,
    list_requests: u64,
    rng: Option<fastrand::Rng>,
    injected: FaultTally,
}

/// The running stand-in: its address, and the ledger to inspect and steer.
#[derive(Clone)]
pub struct StandIn {
    pub base_url: String,
    ledger: Arc<Mutex<Ledger>>,
    hang: Duration,
    started: Instant,
}

/// How long a "timeout after apply" holds the connection (longer than any client timeout).
const DEFAULT_HANG: Duration = Duration::from_secs(120);
/// Stripe keeps an idempotency key's result for 24 hours.
pub const KEY_LIFETIME_SECONDS: i64 = 24 * 60 * 60;
/// Stripe's largest transfer, in minor units, for two-decimal currencies.
pub const MAX_AMOUNT: u64 = 99_999_999;
/// The stand-in clock's start (Unix seconds), so `created` values look like Stripe's.
const EPOCH: i64 = 1_795_000_000;

impl StandIn {
    /// Starts on `addr` (port 0: any free port) in the current tokio runtime.
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        Self::start_with(addr, DEFAULT_HANG, 0x0571_213E).await
    }

    /// [`StandIn::start`] with the hang of a timeout fault and the fault draws' seed.
    pub async fn start_with(addr: SocketAddr, hang: Duration, seed: u64) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let ledger = Arc::new(Mutex::new(Ledger {
            rng: Some(fastrand::Rng::with_seed(seed)),
            ..Ledger::default()
        }));
        let stand_in = Self {
            base_url: format!("http://{local}"),
            ledger,
            hang,
            started: Instant::now(),
        };
        let app = Router::new()
            .route("/v1/transfers", get(list).post(create))
            .route("/_standin/control", post(control::handle))
            .with_state(stand_in.clone());
        tokio::spawn(async move {
            // Serving ends only with the runtime; an accept error ends the stand-in, which the
            // callers then see as refused connections.
            let _ = axum::serve(listener, app).await;
        });
        Ok(stand_in)
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic while holding the lock would be a bug in this file; the data stays usable.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stand-in's clock, in Unix seconds (real time since start, plus what `advance` added).
    fn clock(&self, ledger: &Ledger) -> i64 {
        EPOCH + self.started.elapsed().as_secs() as i64 + ledger.clock_offset
    }

    /// Moves the clock forward (idempotency keys older than 24 hours are forgotten).
    pub fn advance(&self, by: Duration) {
        self.ledger().clock_offset += by.as_secs() as i64;
    }

    pub fn set_faults(&self, faults: Faults) {
        self.ledger().faults = faults;
    }

    /// Makes every list request fail this way (`None`: lists work).
    pub fn set_list_failure(&self, failure: Option<ListFailure>) {
        self.ledger().list_failure = failure;
    }

    /// Holds every create this long before handling it (a second request with the same key
    /// meanwhile is a 409 `idempotency_key_in_use`).
    pub fn set_processing_delay(&self, delay: Duration) {
        self.ledger().processing_delay = delay;
    }

    /// Every fault, list failure and processing delay off: Stripe has recovered.
    pub fn recover(&self) {
        let mut ledger = self.ledger();
        ledger.faults = Faults::default();
        ledger.list_failure = None;
        ledger.processing_delay = Duration::ZERO;
    }

    /// Limits the platform balance in `currency` (lowercase), in minor units.
    pub fn set_balance(&self, currency: &str, minor: u64) {
        self.ledger().balances.insert(currency.to_owned(), minor);
    }

    /// Revokes an API key: every request with it is a 401 from now on.
    pub fn revoke_key(&self, key: &str) {
        self.ledger().revoked.insert(key.to_owned());
    }

    /// Gives a restricted (`rk_…`) key these permissions (unknown restricted keys have all).
    pub fn restrict_key(&self, key: &str, permissions: Permissions) {
        self.ledger().restricted.insert(key.to_owned(), permissions);
    }

    /// Closes a connected account: transfers to it are `account_invalid`.
    pub fn close_account(&self, account: &str) {
        self.ledger().closed_accounts.insert(account.to_owned());
    }

    /// Takes the `transfers` capability from a connected account (Stripe pauses it while it asks
    /// the account for more verification): transfers to it are
    /// `insufficient_capabilities_for_transfer`.
    pub fn remove_transfers_capability(&self, account: &str) {
        self.ledger().incapable_accounts.insert(account.to_owned());
    }

    /// Gives a connected account its `transfers` capability back (the verification is done).
    /// A request already answered under a key stays answered as it was (Stripe replays it).
    pub fn restore_transfers_capability(&self, account: &str) {
        self.ledger().incapable_accounts.remove(account);
    }

    /// Every transfer made, oldest first.
    pub fn transfers(&self) -> Vec<Transfer> {
        self.ledger().transfers.clone()
    }

    /// `POST /v1/transfers` requests received (replays and faults included).
    pub fn post_requests(&self) -> u64 {
        self.ledger().post_requests
    }

    /// `GET /v1/transfers` requests received.
    pub fn list_requests(&self) -> u64 {
        self.ledger().list_requests
    }

    /// Faults injected so far.
    pub fn faults_injected(&self) -> FaultTally {
        self.ledger().injected
    }
}

fn error(
    status: StatusCode,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> (StatusCode, Value) {
    let mut e = json!({"type": kind, "message": message});
    if let Some(code) = code {
        e["code"] = json!(code);
    }
    if let Some(param) = param {
        e["param"] = json!(param);
    }
    (status, json!({"error": e}))
}

fn answer(status: StatusCode, body: Value, replayed: bool) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("request-id", HeaderValue::from_static("req_standin"));
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// What a request's key may do: `Some` is the refusal to answer instead.
fn refusal(stand_in: &StandIn, headers: &HeaderMap, write: bool) -> Option<(StatusCode, Value)> {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let ledger = stand_in.ledger();
    let known_kind = key.starts_with("sk_") || key.starts_with("rk_");
    if !known_kind || ledger.revoked.contains(key) {
        let message = if key.is_empty() {
            "You did not provide an API key.".to_owned()
        } else {
            // Stripe names the key, masked, in this message.
            let tail: String = key
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!(
                "Invalid API Key provided: {}****{tail}",
                &key[..key.len().min(8)]
            )
        };
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            None,
            &message,
        ));
    }
    if let Some(permissions) = ledger.restricted.get(key) {
        let allowed = if write {
            permissions.write_transfers
        } else {
            permissions.read_transfers || permissions.write_transfers
        };
        if !allowed {
            return Some(error(
                StatusCode::FORBIDDEN,
                "invalid_request_error",
                None,
                None,
                &format!(
                    "The provided key '{}****' does not have the required permissions for this \
                     endpoint on account 'acct_standin'. Having the 'rak_transfer_{}' permission \
                     would allow this request to continue.",
                    &key[..key.len().min(8)],
                    if write { "write" } else { "read" }
                ),
            ));
        }
    }
    None
}

fn draw_fault(ledger: &mut Ledger) -> Option<Injected> {
    let n = ledger.post_requests;
    let faults = ledger.faults;
    let injected = match faults.rotate_every {
        Some(every) if every > 0 => n.is_multiple_of(every).then(|| match (n / every) % 3 {
            1 => Injected::RateLimited,
            2 => Injected::ServerError,
            _ => Injected::TimeoutAfterApply,
        }),
        _ => {
            let draw = ledger.rng.get_or_insert_with(fastrand::Rng::new).f64();
            let bands = [
                (faults.rate_limited, Injected::RateLimited),
                (faults.server_error, Injected::ServerError),
                (faults.timeout_after_apply, Injected::TimeoutAfterApply),
                (faults.internal_error, Injected::InternalError),
            ];
            let mut edge = 0.0;
            bands.into_iter().find_map(|(p, kind)| {
                edge += p;
                (draw < edge).then_some(kind)
            })
        }
    };
    match injected {
        Some(Injected::RateLimited) => ledger.injected.rate_limited += 1,
        Some(Injected::ServerError) => ledger.injected.server_error += 1,
        Some(Injected::TimeoutAfterApply) => ledger.injected.timeout_after_apply += 1,
        Some(Injected::InternalError) => ledger.injected.internal_error += 1,
        None => {}
    }
    injected
}

fn rate_limited() -> (StatusCode, Value) {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "invalid_request_error",
        Some("rate_limit"),
        None,
        "Too many requests hit the API too quickly.",
    )
}

fn server_error() -> (StatusCode, Value) {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "api_error",
        None,
        None,
        "An unknown error occurred while processing the request.",
    )
}

async fn create(State(stand_in): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some((status, body)) = refusal(&stand_in, &headers, true) {
        return answer(status, body, false);
    }
    let mut params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    params.sort();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (injected, delay) = {
        let mut ledger = stand_in.ledger();
        ledger.post_requests += 1;
        (draw_fault(&mut ledger), ledger.processing_delay)
    };
    // Answered before the endpoint runs: nothing applied, nothing saved.
    let early = match injected {
        Some(Injected::RateLimited) => Some(rate_limited()),
        Some(Injected::ServerError) => Some(server_error()),
        _ => None,
    };
    if let Some((status, body)) = early {
        return answer(status, body, false);
    }
    // A request whose key is still being handled.
    if let Some(key) = &key {
        let mut ledger = stand_in.ledger();
        if ledger.in_flight.contains(key) {
            let (status, body) = error(
                StatusCode::CONFLICT,
                "idempotency_error",
                Some("idempotency_key_in_use"),
                None,
                "There is currently another in-progress request using this Idempotent Key \
                 (that probably means you submitted twice, and the other request is still going \
                 through). Please retry your request after a few seconds.",
            );
            return answer(status, body, false);
        }
        if !delay.is_zero() {
            ledger.in_flight.insert(key.clone());
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (status, body, replayed) = stand_in.apply(
        &params,
        key.as_deref(),
        injected == Some(Injected::InternalError),
    );
    if let Some(key) = &key {
        stand_in.ledger().in_flight.remove(key);
    }
    if injected == Some(Injected::TimeoutAfterApply) {
        tokio::time::sleep(stand_in.hang).await;
    }
    answer(status, body, replayed)
}

impl StandIn {
    /// Runs a create with Stripe's idempotency rules; returns status, body and whether replayed.
    /// `internal_error`: the endpoint fails with a 500 after validation (saved under the key).
    fn apply(
        &self,
        params: &[(String, String)],
        key: Option<&str>,
        internal_error: bool,
    ) -> (StatusCode, Value, bool) {
        let mut ledger = self.ledger();
        let now = self.clock(&ledger);
        if let Some(key) = key {
            ledger
                .keys
                .retain(|_, saved| now - saved.saved_at < KEY_LIFETIME_SECONDS);
            if let Some(saved) = ledger.keys.get(key) {
                if saved.params == params {
                    return (saved.status, saved.body.clone(), true);
                }
                let (status, body) = error(
                    StatusCode::BAD_REQUEST,
                    "idempotency_error",
                    None,
                    None,
                    &format!(
                        "Keys for idempotent requests can only be used with the same parameters \
                         they were first used with. Try using a key other than '{key}' if you \
                         meant to execute a different request."
                    ),
                );
                return (status, body, false);
            }
        }
        if let Some((status, body)) = invalid(params) {
            // Failed validation: nothing saved.
            return (status, body, false);
        }
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let amount: u64 = get("amount")
            .and_then(|a| a.parse().ok())
            .unwrap_or_default();
        let currency = get("currency").unwrap_or_default().to_ascii_lowercase();
        let destination = get("destination").unwrap_or_default().to_owned();
        // From here the endpoint runs: its result is saved under the key, success or not.
        let (status, body) = if internal_error {
            server_error()
        } else if !destination.starts_with("acct_") {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("resource_missing"),
                Some("destination"),
                &format!("No such destination: '{destination}'"),
            )
        } else if ledger.closed_accounts.contains(&destination) {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("account_invalid"),
                Some("destination"),
                &format!("The account {destination} has been closed and cannot receive transfers."),
            )
        } else if ledger.incapable_accounts.contains(&destination) {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("insufficient_capabilities_for_transfer"),
                Some("destination"),
                "Your destination account needs to have at least one of the following \
                 capabilities enabled: transfers, crypto_transfers, legacy_payments",
            )
        } else if ledger.balances.get(&currency).is_some_and(|b| *b < amount) {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("balance_insufficient"),
                None,
                "You have insufficient available funds in your Stripe account.",
            )
        } else {
            if let Some(balance) = ledger.balances.get_mut(&currency) {
                *balance -= amount;
            }
            ledger.next_id += 1;
            let transfer = Transfer {
                id: format!("tr_standin{:014}", ledger.next_id),
                amount,
                currency,
                destination,
                transfer_group: get("transfer_group").map(str::to_owned),
                metadata: params
                    .iter()
                    .filter_map(|(k, v)| {
                        let name = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                        Some((name.to_owned(), v.clone()))
                    })
                    .collect(),
                created: now,
            };
            let body = transfer.json();
            ledger.transfers.push(transfer);
            (StatusCode::OK, body)
        };
        if let Some(key) = key {
            ledger.keys.insert(
                key.to_owned(),
                Saved {
                    params: params.to_vec(),
                    status,
                    body: body.clone(),
                    saved_at: now,
                },
            );
        }
        (status, body, false)
    }
}

/// Parameter validation (before the endpoint runs: nothing is saved for these).
fn invalid(params: &[(String, String)]) -> Option<(StatusCode, Value)> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for name in ["amount", "currency", "destination"] {
        if get(name).is_none() {
            return Some(error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("parameter_missing"),
                Some(name),
                &format!("Missing required param: {name}."),
            ));
        }
    }
    match get("amount").and_then(|a| a.parse::<u64>().ok()) {
        Some(amount) if amount > MAX_AMOUNT => Some(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("amount_too_large"),
            Some("amount"),
            "Amount must be no more than $999,999.99",
        )),
        Some(amount) if amount > 0 => None,
        _ => Some(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("parameter_invalid_integer"),
            Some("amount"),
            "Invalid positive integer",
        )),
    }
}

async fn list(
    State(stand_in): State<StandIn>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some((status, body)) = refusal(&stand_in, &headers, false) {
        return answer(status, body, false);
    }
    let failure = {
        let mut ledger = stand_in.ledger();
        ledger.list_requests += 1;
        let failure = ledger.list_failure;
        if failure.is_some() {
            ledger.injected.list_failures += 1;
        }
        failure
    };
    if let Some(failure) = failure {
        let (status, body) = match failure {
            ListFailure::RateLimited => rate_limited(),
            ListFailure::ServerError => server_error(),
            ListFailure::Timeout => {
                tokio::time::sleep(stand_in.hang).await;
                server_error()
            }
        };
        return answer(status, body, false);
    }
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => {
            let (status, body) = error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("parameter_invalid_integer"),
                Some("limit"),
                "Invalid integer: limit must be between 1 and 100",
            );
            return answer(status, body, false);
        }
    };
    let ledger = stand_in.ledger();
    if let Some(after) = query.get("starting_after")
        && !ledger.transfers.iter().any(|t| &t.id == after)
    {
        let (status, body) = error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some("resource_missing"),
            Some("starting_after"),
            &format!("No such transfer: '{after}'"),
        );
        return answer(status, body, false);
    }
    // Newest first, like Stripe.
    let mut matching = ledger
        .transfers
        .iter()
        .rev()
        .filter(|t| {
            query
                .get("transfer_group")
                .is_none_or(|g| t.transfer_group.as_ref() == Some(g))
        })
        .skip_while(|t| {
            query
                .get("starting_after")
                .is_some_and(|after| &t.id != after)
        });
    if query.contains_key("starting_after") {
        matching.next();
    }
    let page: Vec<&Transfer> = matching.clone().take(limit).collect();
    let has_more = matching.nth(limit).is_some();
    let body = json!({
        "object": "list",
        "data": page.iter().map(|t| t.json()).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": "/v1/transfers",
    });
    answer(StatusCode::OK, body, false)
}
