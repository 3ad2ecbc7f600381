//! Review M5: shares stay secret. A producer knows their own share and their own figures (their
//! summary); if any answer showed, for other producers, a figure proportional to contribution,
//! they could work out everyone's share as `share_x = figure_x × own share ÷ own figure`, and
//! with the pool on their own statement, everyone's payout. So every answer a signed-in producer
//! can get on a generated catalog is read, every numeric figure given per producer is collected,
//! and the derivation is tried with each producer of the list as the one who knows their own
//! share. No figure may predict the others' shares.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use results::lists::{Board, Period};
use serde_json::{Value, json};
use store::Store;

use crate::support::dynamodb::TestTable;
use crate::support::events::{Http, Reply};
use crate::support::fixtures::{as_of, generated, run_at};

/// Two figures agree when within this fraction of each other.
const SAME: f64 = 1e-3;

/// Whether `figures` (producer → figure) lets someone who knows one producer's share predict
/// the others': with some producer as the reader, the prediction is right for more than half of
/// the rest. Judged only where at least three producers have both a share and a figure.
fn predicts_shares(figures: &BTreeMap<String, f64>, shares: &BTreeMap<String, f64>) -> bool {
    let known: Vec<(f64, f64)> = figures
        .iter()
        .filter_map(|(id, f)| Some((*f, *shares.get(id)?)))
        .filter(|(f, share)| *f > 0.0 && *share > 0.0)
        .collect();
    if known.len() < 3 {
        return false;
    }
    known.iter().any(|(own_figure, own_share)| {
        let right = known
            .iter()
            .filter(|(f, share)| {
                let predicted = f * own_share / own_figure;
                (predicted - share).abs() <= SAME * share
            })
            .count()
            - 1; // the reader's own, always right
        right * 2 > known.len() - 1
    })
}

/// Every numeric field of every object carrying a `producerId` in `answer`, keyed
/// `<label> <path to the list>.<field>`, as producer → figure. Ranks are order, not amounts.
fn figures_of(label: &str, answer: &Value, found: &mut BTreeMap<String, BTreeMap<String, f64>>) {
    fn walk(
        label: &str,
        path: &str,
        v: &Value,
        found: &mut BTreeMap<String, BTreeMap<String, f64>>,
    ) {
        match v {
            Value::Array(items) => {
                for item in items {
                    walk(label, &format!("{path}[]"), item, found);
                }
            }
            Value::Object(fields) => {
                if let Some(id) = fields.get("producerId").and_then(Value::as_str) {
                    for (name, value) in fields {
                        if let Some(figure) = value.as_f64()
                            && name != "rank"
                        {
                            found
                                .entry(format!("{label} {path}.{name}"))
                                .or_default()
                                .insert(id.to_owned(), figure);
                        }
                    }
                }
                for (name, value) in fields {
                    walk(label, &format!("{path}.{name}"), value, found);
                }
            }
            _ => {}
        }
    }
    walk(label, "", answer, found);
}

async fn get(store: &Store, caller: &str, path: &str, query: &[(&str, &str)]) -> Reply {
    let mut http = Http::get(path).caller(caller);
    for (name, value) in query {
        http = http.query(name, value);
    }
    crate::support::api::call(store, http).await
}

#[tokio::test]
async fn no_answer_lets_a_producer_work_out_anothers_share() {
    let table = TestTable::create("share-secrecy").await;
    let store = table.store();
    let catalog = generated(&store, 40, 400).await;
    run_at(&store, as_of()).await;
    // Plays move on and a second run a day later, so the window boards have gains to rank.
    let lines: Vec<Value> = catalog
        .lines()
        .map(|l| serde_json::from_str(l).expect("a catalog line"))
        .collect();
    let producers: Vec<String> = lines
        .iter()
        .filter(|l| l["kind"] == "producer")
        .map(|l| l["id"].as_str().expect("an id").to_owned())
        .collect();
    let tracks: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "track").collect();
    let counts: Vec<Value> = tracks
        .iter()
        .step_by(3)
        .take(100)
        .enumerate()
        .map(|(i, t)| {
            json!({"trackId": t["id"], "plays": t["plays"].as_u64().unwrap_or(0) + 10 * i as u64 + 1})
        })
        .collect();
    let message = json!({"type": "plays", "at": (as_of() + TimeDelta::hours(12)).to_rfc3339(),
        "counts": counts});
    assert_eq!(
        crate::support::feed::deliver_at(&store, &[message], as_of() + TimeDelta::hours(12)).await,
        Vec::<String>::new()
    );
    run_at(&store, as_of() + TimeDelta::days(1)).await;

    // Each producer's own share, as their summary tells them.
    let mut shares = BTreeMap::new();
    for id in &producers {
        let summary = get(&store, id, &format!("/producers/{id}/summary"), &[]).await;
        assert_eq!(summary.status, 200, "{}", summary.body);
        shares.insert(id.clone(), summary.body["share"].as_f64().expect("a share"));
    }
    assert!(
        shares.values().filter(|s| **s > 0.0).count() >= 20,
        "enough producers earn to judge: {shares:?}"
    );

    // Everything a signed-in producer (the first) can read about the others.
    let reader = producers[0].as_str();
    let mut figures: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut answers = 0;
    let mut read = |label: String, reply: Reply, figures: &mut BTreeMap<_, _>| {
        if reply.status == 200 {
            answers += 1;
            figures_of(&label, &reply.body, figures);
        } else {
            assert!(
                [400, 403].contains(&reply.status),
                "{label}: {}",
                reply.body
            );
        }
    };
    for board in Board::ALL {
        for period in Period::ALL {
            let path = format!("/leaderboard/{}", board.as_str());
            let reply = get(
                &store,
                reader,
                &path,
                &[("period", period.as_str()), ("limit", "200")],
            )
            .await;
            read(
                format!("{path}?period={}", period.as_str()),
                reply,
                &mut figures,
            );
        }
    }
    let trending = get(
        &store,
        reader,
        "/collaborations/trending",
        &[("limit", "200")],
    )
    .await;
    read("/collaborations/trending".into(), trending, &mut figures);
    for id in &producers {
        for view in [
            "summary",
            "contributions",
            "collaborators",
            "tracks",
            "recommendations",
            "payouts",
        ] {
            let path = format!("/producers/{id}/{view}");
            let reply = get(&store, reader, &path, &[("limit", "200")]).await;
            // The figures of one list are compared with each other, whoever's list it is.
            read(
                format!("/producers/{{id}}/{view} of {id}"),
                reply,
                &mut figures,
            );
        }
    }
    for track in tracks.iter().take(60) {
        let path = format!("/tracks/{}/credits", track["id"].as_str().expect("an id"));
        let reply = get(&store, reader, &path, &[]).await;
        read(path, reply, &mut figures);
    }
    assert!(answers > 100, "{answers} answers read");
    assert!(
        figures.keys().any(|k| k.contains("/leaderboard/plays")),
        "the boards' figures were collected: {:?}",
        figures.keys().collect::<Vec<_>>()
    );

    // The detector finds a figure that would leak: every producer's contribution value.
    let mut values = BTreeMap::new();
    for id in &producers {
        let summary = get(&store, id, &format!("/producers/{id}/summary"), &[]).await;
        let value = summary.body["contributionValue"].as_f64().expect("a value");
        values.insert(id.clone(), value);
    }
    assert!(
        predicts_shares(&values, &shares),
        "contribution values predict shares"
    );

    let leaking: Vec<&String> = figures
        .iter()
        .filter(|(_, by_producer)| predicts_shares(by_producer, &shares))
        .map(|(label, _)| label)
        .collect();
    assert_eq!(
        leaking,
        Vec::<&String>::new(),
        "figures that give away shares"
    );
}
