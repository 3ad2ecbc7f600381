//! A loopback stand-in for the part of Stripe's API the payouts function uses: `POST
//! /v1/transfers` and `GET /v1/transfers?transfer_group=`. No machine here can reach Stripe, so
//! local runs (`cargo xtask dev`) and tests talk to this instead, through the same HTTP client
//! the deployed function uses.
//!
//! It follows Stripe's documented behaviour (stripe.com/docs/api/transfers,
//! /docs/api/idempotent_requests, /docs/api/errors):
//! - a bearer secret key is required (401 otherwise); bodies are form-encoded, `metadata[k]=v`;
//! - a transfer object with a `tr_…` id; lists are `{"object":"list","data":[…],"has_more"}`,
//!   newest first, paged by `limit` and `starting_after`;
//! - errors are `{"error":{"type","code","message","param"}}`;
//! - an `Idempotency-Key` replays the first result for the same parameters (with
//!   `Idempotent-Replayed: true`), and a key reused with different parameters is a 400
//!   `idempotency_error`; requests that fail validation save nothing;
//! - a platform balance per currency (unlimited unless set): a transfer beyond it is a 400
//!   `balance_insufficient`.
//!
//! Switchable faults, each drawn per transfer request with its own probability: 429
//! `rate_limit` and 500 `api_error` answered before the request reaches the endpoint (so nothing
//! is applied or saved, and a retry with the same key runs it), and a *timeout after applying*:
//! the transfer is made and its result saved under the key, but the answer never comes (the
//! connection hangs), as when a network drops a reply. Stripe can also save a 500 from inside
//! the endpoint and replay it; that is not simulated (see `docs/payouts.md`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

/// How often each fault happens (0 to 1 each), drawn per `POST /v1/transfers`; or, with
/// `rotate_every = n`, exactly every n-th request faults, the kinds taking turns (429, 500,
/// timeout after apply), so a test sees each kind a known number of times.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    pub rate_limited: f64,
    pub server_error: f64,
    /// Apply the transfer, then never answer.
    pub timeout_after_apply: f64,
    pub rotate_every: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Injected {
    RateLimited,
    ServerError,
    TimeoutAfterApply,
}

/// Faults injected so far, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultTally {
    pub rate_limited: u64,
    pub server_error: u64,
    pub timeout_after_apply: u64,
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

/// A saved idempotent result: the request's parameters and the answer.
#[derive(Debug, Clone)]
struct Saved {
    params: Vec<(String, String)>,
    status: StatusCode,
    body: Value,
}

#[derive(Debug, Default)]
struct Ledger {
    transfers: Vec<Transfer>,
    keys: HashMap<String, Saved>,
    balances: HashMap<String, u64>,
    faults: Faults,
    next_id: u64,
    post_requests: u64,
    rng: Option<fastrand::Rng>,
    injected: FaultTally,
}

/// The running stand-in: its address, and the ledger to inspect and steer.
#[derive(Clone)]
pub struct StandIn {
    pub base_url: String,
    ledger: Arc<Mutex<Ledger>>,
    hang: Duration,
}

/// How long a "timeout after apply" holds the connection (longer than any client timeout).
const DEFAULT_HANG: Duration = Duration::from_secs(120);

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
        };
        let app = Router::new()
            .route("/v1/transfers", get(list).post(create))
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

    pub fn set_faults(&self, faults: Faults) {
        self.ledger().faults = faults;
    }

    /// Limits the platform balance in `currency` (lowercase), in minor units.
    pub fn set_balance(&self, currency: &str, minor: u64) {
        self.ledger().balances.insert(currency.to_owned(), minor);
    }

    /// Every transfer made, oldest first.
    pub fn transfers(&self) -> Vec<Transfer> {
        self.ledger().transfers.clone()
    }

    /// `POST /v1/transfers` requests received (replays and faults included).
    pub fn post_requests(&self) -> u64 {
        self.ledger().post_requests
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

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| key.starts_with("sk_"))
}

fn unauthorised() -> Response {
    let (status, body) = error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        None,
        "Invalid API Key provided.",
    );
    answer(status, body, false)
}

async fn create(State(stand_in): State<StandIn>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let mut params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    params.sort();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let injected = {
        let mut ledger = stand_in.ledger();
        ledger.post_requests += 1;
        let n = ledger.post_requests;
        let faults = ledger.faults;
        let injected = match faults.rotate_every {
            Some(every) if every > 0 => (n % every == 0).then(|| match (n / every) % 3 {
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
            None => {}
        }
        injected
    };
    let fault = match injected {
        Some(Injected::RateLimited) => Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_request_error",
            Some("rate_limit"),
            None,
            "Too many requests hit the API too quickly.",
        )),
        Some(Injected::ServerError) => Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            None,
            None,
            "An unknown error occurred while processing the request.",
        )),
        _ => None,
    };
    let timeout = injected == Some(Injected::TimeoutAfterApply);
    if let Some((status, body)) = fault {
        return answer(status, body, false);
    }
    let (status, body, replayed) = stand_in.apply(&params, key.as_deref());
    if timeout {
        tokio::time::sleep(stand_in.hang).await;
    }
    answer(status, body, replayed)
}

impl StandIn {
    /// Runs a create with Stripe's idempotency rules; returns status, body and whether replayed.
    fn apply(&self, params: &[(String, String)], key: Option<&str>) -> (StatusCode, Value, bool) {
        let mut ledger = self.ledger();
        if let Some(key) = key
            && let Some(saved) = ledger.keys.get(key)
        {
            if saved.params == params {
                return (saved.status, saved.body.clone(), true);
            }
            let (status, body) = error(
                StatusCode::BAD_REQUEST,
                "idempotency_error",
                None,
                None,
                &format!(
                    "Keys for idempotent requests can only be used with the same parameters they \
                     were first used with. Try using a key other than '{key}' if you meant to \
                     execute a different request."
                ),
            );
            return (status, body, false);
        }
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        for name in ["amount", "currency", "destination"] {
            if get(name).is_none() {
                let (status, body) = error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    Some("parameter_missing"),
                    Some(name),
                    &format!("Missing required param: {name}."),
                );
                return (status, body, false);
            }
        }
        let Some(amount) = get("amount")
            .and_then(|a| a.parse::<u64>().ok())
            .filter(|a| *a > 0)
        else {
            let (status, body) = error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("parameter_invalid_integer"),
                Some("amount"),
                "Invalid positive integer",
            );
            return (status, body, false);
        };
        let currency = get("currency").unwrap_or_default().to_ascii_lowercase();
        let destination = get("destination").unwrap_or_default().to_owned();
        // From here the endpoint runs: its result is saved under the key, success or not.
        let (status, body) = if !destination.starts_with("acct_") {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                Some("resource_missing"),
                Some("destination"),
                &format!("No such destination: '{destination}'"),
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
                created: 1_795_000_000 + ledger.next_id as i64,
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
                },
            );
        }
        (status, body, false)
    }
}

async fn list(
    State(stand_in): State<StandIn>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return unauthorised();
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
