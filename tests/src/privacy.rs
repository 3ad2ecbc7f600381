//! `docs/privacy.md`, walked row by row against the real handlers: for every route and caller
//! (anonymous, another producer, themselves), the status and the exact set of fields the page
//! promises. A new field in any answer fails here until the page lists it for its callers. The
//! page's 401s and 403s are also read against the access each route table declares
//! (`http_edge::Access`), so the policy the router enforces and the one the page states are one.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use http_edge::Access;
use serde_json::{Value, json};

use crate::support::api::call;
use crate::support::api::published_streaming;
use crate::support::events::Http;
use crate::support::fixtures::at;
use crate::support::fixtures::{as_of, run_at};

const PAGE: &str = include_str!("../../docs/privacy.md");

/// The callers, as the table's columns name them. In the fixture, `pa` uploaded `t2` (credited
/// `pa` and `pb`) and is the producer `{id}` names; `pc` is "another producer" for both.
const CALLERS: [(&str, Option<&str>); 3] = [
    ("anonymous", None),
    ("another producer", Some("pc")),
    ("themselves", Some("pa")),
];

/// One row of the page: the route, per caller what they get, and the `Cache-Control` of its
/// `200`s.
struct Row {
    route: String,
    cells: Vec<String>,
    cache: String,
}

fn rows() -> Vec<Row> {
    let table = PAGE
        .split("## The table")
        .nth(1)
        .expect("docs/privacy.md has a section \"The table\"");
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            assert_eq!(cells.len(), 5, "{line}");
            Row {
                route: cells[0].trim_matches('`').to_owned(),
                cells: cells[1..4].to_vec(),
                cache: cells[4].clone(),
            }
        })
        .collect()
}

/// `a, list[b, c], d` as a set of normalised fields (`list[b,c]`, inner names sorted).
fn documented_fields(cell: &str) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in cell.chars().chain(std::iter::once(',')) {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => {
                let field = current.trim();
                if !field.is_empty() {
                    fields.insert(normalise(field));
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    fields
}

fn normalise(field: &str) -> String {
    match field.split_once('[') {
        None => field.to_owned(),
        Some((name, inner)) => {
            let inner: BTreeSet<&str> = inner
                .trim_end_matches(']')
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            format!(
                "{name}[{}]",
                inner.into_iter().collect::<Vec<_>>().join(",")
            )
        }
    }
}

/// The fields of an answer in the same notation; every list of objects must be non-empty, or
/// its fields would go unchecked.
fn answered_fields(route: &str, body: &Value) -> BTreeSet<String> {
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("{route}: {body}"));
    object
        .iter()
        .map(|(name, value)| match value.as_array() {
            Some(list) if !list.iter().all(Value::is_object) => name.clone(),
            Some(list) => {
                assert!(
                    !list.is_empty(),
                    "{route}: {name} is empty, so its fields go unchecked"
                );
                let inner: BTreeSet<&str> = list
                    .iter()
                    .flat_map(|entry| entry.as_object().into_iter().flat_map(|o| o.keys()))
                    .map(String::as_str)
                    .collect();
                format!(
                    "{name}[{}]",
                    inner.into_iter().collect::<Vec<_>>().join(",")
                )
            }
            None => name.clone(),
        })
        .collect()
}

/// The fixture's request for a route of the page.
fn request(route: &str) -> Http {
    let (method, target) = route.split_once(' ').expect("METHOD /path");
    let (template, query) = target.split_once('?').unwrap_or((target, ""));
    // A credit is removed by the uploader (pa) from pb, whom pc cannot remove; a decline is
    // lifted by the producer it names, so that row names pa, the third column's caller.
    let named = if template.ends_with("/decline") {
        "pa"
    } else {
        "pb"
    };
    let path = template
        .replace("{trackId}", "t2")
        .replace("{producerId}", named)
        .replace("{id}", "pa")
        .replace("{period}", "2026-10");
    let http = request_for(method, template, &path);
    // A row may name a query (`?with={otherId}`): pb shares t2 with pa.
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .fold(http, |http, (name, value)| {
            http.query(name, &value.replace("{otherId}", "pb"))
        })
}

fn request_for(method: &str, template: &str, path: &str) -> Http {
    let path = path.to_owned();
    match (method, template) {
        ("GET", "/artists") => Http::get(&path).query("q", "a"),
        ("POST", _) => Http::post(&path, json!({"producerId": "pc"})),
        ("PUT", _) => Http::put(&path, json!({"producerIds": ["pa", "pb"]})),
        (method, _) => Http::new(method, &path),
    }
}

#[tokio::test]
async fn every_route_gives_each_caller_exactly_the_documented_fields() {
    let table = published_streaming("privacy").await;
    let store = table.store();
    // A second run a day later, after t2 (pa + pb) gained plays, so trending pairs exist.
    // pa connects Stripe, so the month's pool pays pa (pb and pc are Excluded).
    let plays = json!({"type": "plays", "at": "2026-11-21T06:00:00Z",
                       "counts": [{"trackId": "t2", "plays": 5000}]});
    let ready = json!({"type": "producer", "at": "2026-11-21T06:00:00Z", "id": "pa",
        "name": "Alpha", "genres": ["trap"], "styles": ["dark"], "stripeAccountId": "acct_pa",
        "chargesEnabled": true, "payoutsEnabled": true, "profileComplete": true});
    let failed =
        crate::support::feed::deliver_at(&store, &[plays, ready], at("2026-11-21T07:00:00Z")).await;
    assert!(failed.is_empty());
    run_at(&store, as_of() + TimeDelta::days(1)).await;
    crate::support::payouts::pay_pool(&store, 10_000).await;
    // The shared-track entries, kept from the table's stream.
    crate::support::fanout::FanoutWorld::start(&store)
        .await
        .drain()
        .await;

    let rows = rows();
    let routes: BTreeSet<String> = rows.iter().map(|r| r.route.clone()).collect();
    let mut served: BTreeSet<String> = BTreeSet::new();
    let labels = credits::ROUTES.iter().map(|r| r.label);
    for route in labels.chain(leaderboard::ROUTES.iter().map(|r| r.label)) {
        served.insert(route.to_owned());
    }
    // Every route is on the page (boards once per board).
    for route in &served {
        let prefix = route.split('{').next().unwrap_or(route);
        assert!(
            routes
                .iter()
                .any(|r| r == route || (route.contains("{board}") && r.starts_with(prefix))),
            "{route} is not in docs/privacy.md"
        );
    }

    let mut checked = 0;
    for row in &rows {
        for ((who, caller), cell) in CALLERS.iter().zip(&row.cells) {
            let mut http = request(&row.route);
            if let Some(caller) = caller {
                http = http.caller(caller);
            }
            let reply = call(&store, http).await;
            match cell.parse::<u16>() {
                Ok(status) => {
                    assert_eq!(
                        reply.status,
                        i64::from(status),
                        "{} as {who}: {}",
                        row.route,
                        reply.body
                    );
                    assert_eq!(reply.header("cache-control"), Some("no-store"));
                }
                Err(_) => {
                    assert_eq!(reply.status, 200, "{} as {who}: {}", row.route, reply.body);
                    assert_eq!(
                        answered_fields(&row.route, &reply.body),
                        documented_fields(cell),
                        "{} as {who}",
                        row.route
                    );
                    assert_eq!(
                        reply.header("cache-control"),
                        Some(row.cache.as_str()),
                        "{} as {who}",
                        row.route
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, rows.len() * 3);
    assert!(rows.len() >= served.len(), "{} rows", rows.len());
}

#[test]
fn the_notation_parses() {
    assert_eq!(
        documented_fields("a, list[c, b], d"),
        BTreeSet::from(["a".into(), "list[b,c]".into(), "d".into()])
    );
    let body = json!({"a": 1, "list": [{"c": 1}, {"b": 2}], "ids": ["x"]});
    assert_eq!(
        answered_fields("test", &body),
        BTreeSet::from(["a".into(), "list[b,c]".into(), "ids".into()])
    );
}

/// Every route both API functions serve, with the access its table declares.
fn declared_access() -> Vec<(&'static str, Access)> {
    let credits = credits::ROUTES.iter().map(|r| (r.label, r.access));
    credits
        .chain(leaderboard::ROUTES.iter().map(|r| (r.label, r.access)))
        .collect()
}

/// Whether the page's route (`GET /leaderboard/plays`, `GET /producers/{id}/tracks?with=…`) is
/// served by the route labelled `label` (`GET /leaderboard/{board}`).
fn serves(label: &str, route: &str) -> bool {
    let route = route.split('?').next().unwrap_or(route);
    let (Some((method, template)), Some((wanted, path))) =
        (label.split_once(' '), route.split_once(' '))
    else {
        return false;
    };
    let (parts, segments): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    method == wanted
        && parts.len() == segments.len()
        && parts
            .iter()
            .zip(&segments)
            .all(|(part, segment)| part == segment || part.starts_with('{'))
}

/// Where the page and the route tables disagree on who may call a route: a route that is not
/// public must answer the anonymous caller 401 and a public one must not; a route only its
/// producer may call must answer another producer 403.
fn access_mismatches(rows: &[Row], declared: &[(&str, Access)]) -> Vec<String> {
    let mut mismatches = Vec::new();
    for row in rows {
        let Some((label, access)) = declared.iter().find(|(label, _)| serves(label, &row.route))
        else {
            mismatches.push(format!("{}: no route serves it", row.route));
            continue;
        };
        let (anonymous, another) = (row.cells[0].as_str(), row.cells[1].as_str());
        let wrong = match access {
            Access::Public => anonymous == "401",
            Access::SignedIn => anonymous != "401",
            Access::Producer { .. } => anonymous != "401" || another != "403",
        };
        if wrong {
            mismatches.push(format!(
                "{}: the page says {anonymous:?} / {another:?}, {label} declares {access:?}",
                row.route
            ));
        }
    }
    mismatches
}

#[test]
fn the_page_states_the_access_the_route_tables_declare() {
    let rows = rows();
    assert!(rows.len() > 20, "{} rows", rows.len());
    let mismatches = access_mismatches(&rows, &declared_access());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_access_check_catches_a_page_that_opens_a_private_route() {
    let row = |route: &str, anonymous: &str, another: &str| Row {
        route: route.to_owned(),
        cells: vec![
            anonymous.to_owned(),
            another.to_owned(),
            "fields".to_owned(),
        ],
        cache: "private, max-age=60".to_owned(),
    };
    let declared = [
        (
            "GET /producers/{id}/summary",
            Access::Producer {
                param: "id",
                what: "the summary",
            },
        ),
        ("GET /leaderboard/{board}", Access::SignedIn),
        ("GET /collaborations/trending", Access::Public),
    ];
    let agreeing = [
        row("GET /producers/{id}/summary", "401", "403"),
        row("GET /leaderboard/plays", "401", "entries"),
        row("GET /collaborations/trending", "trending", "trending"),
    ];
    assert!(access_mismatches(&agreeing, &declared).is_empty());
    let opened = [
        row("GET /producers/{id}/summary", "401", "producerId, share"),
        row("GET /leaderboard/plays", "entries", "entries"),
        row("GET /collaborations/trending", "401", "trending"),
        row("GET /producers/{id}/secrets", "401", "403"),
    ];
    assert_eq!(access_mismatches(&opened, &declared).len(), 4);
}
