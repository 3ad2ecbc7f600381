//! The API's routes and who may call them are decided once, in `infra/openapi.yaml`; the
//! template's `HttpApi` events must say the same. A route the spec marks `security: []` is public
//! (`Auth: Authorizer: NONE`), every other route goes through the API's default JWT authorizer,
//! and nothing is routed that the spec lacks. The local stack cannot show a difference (the dev
//! header stands in for the authorizer), so this is where one shows: review M6 found
//! `/leaderboard/{board}` public in the template while the handler needs the authorizer's claims.

use std::collections::BTreeMap;

use serde_norway::Value;

const TEMPLATE: &str = include_str!("../../infra/template.yaml");
const SPEC: &str = include_str!("../../infra/openapi.yaml");

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    SignedIn,
}

/// `(METHOD, path)` of every operation in the spec, with its access.
fn spec_routes(spec: &str) -> BTreeMap<(String, String), Access> {
    let spec: Value = serde_norway::from_str(spec).expect("the spec is YAML");
    let default_public = spec["security"]
        .as_sequence()
        .is_some_and(|requirements| requirements.is_empty());
    let mut routes = BTreeMap::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("a path").to_owned();
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let public = match operation.get("security") {
                Some(requirements) => requirements.as_sequence().is_some_and(|r| r.is_empty()),
                None => default_public,
            };
            let access = if public {
                Access::Public
            } else {
                Access::SignedIn
            };
            routes.insert((method.to_uppercase(), path.clone()), access);
        }
    }
    routes
}

/// `(METHOD, path)` of every `HttpApi` event in the template, with its access, and the function
/// that serves it.
fn template_routes(template: &str) -> BTreeMap<(String, String), (Access, String)> {
    let template: Value = serde_norway::from_str(template).expect("the template is YAML");
    let resources = template["Resources"].as_mapping().expect("resources");
    let api = &resources["Api"]["Properties"]["Auth"];
    let default = api["DefaultAuthorizer"]
        .as_str()
        .expect("the API has a default authorizer");
    assert!(
        api["Authorizers"][default]["JwtConfiguration"].is_mapping(),
        "the default authorizer {default} verifies JWTs"
    );
    let mut routes = BTreeMap::new();
    for (name, resource) in resources {
        let function = name.as_str().expect("a resource name").to_owned();
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|events| events.values())
            .filter(|event| event["Type"].as_str() == Some("HttpApi"))
        {
            let properties = &event["Properties"];
            let method = properties["Method"].as_str().expect("a method");
            let path = properties["Path"].as_str().expect("a path");
            let access = match properties["Auth"]["Authorizer"].as_str() {
                None => Access::SignedIn,
                Some("NONE") => Access::Public,
                Some(other) if other == default => Access::SignedIn,
                Some(other) => panic!("{method} {path} names an unknown authorizer {other}"),
            };
            let previous = routes.insert(
                (method.to_uppercase(), path.to_owned()),
                (access, function.clone()),
            );
            assert!(previous.is_none(), "{method} {path} is routed twice");
        }
    }
    routes
}

/// Every difference between the spec's routes and the template's, one line each.
fn differences(spec: &str, template: &str) -> Vec<String> {
    let spec = spec_routes(spec);
    let template = template_routes(template);
    let mut found = Vec::new();
    for ((method, path), access) in &spec {
        match template.get(&(method.clone(), path.clone())) {
            None => found.push(format!("{method} {path} is in the spec but not routed")),
            Some((routed, function)) if routed != access => found.push(format!(
                "{method} {path} is {access:?} in the spec but {routed:?} in the template ({function})"
            )),
            Some(_) => {}
        }
    }
    for ((method, path), (_, function)) in &template {
        if !spec.contains_key(&(method.clone(), path.clone())) {
            found.push(format!(
                "{method} {path} is routed to {function} but not in the spec"
            ));
        }
    }
    found
}

#[test]
fn every_route_and_its_auth_come_from_the_spec() {
    let spec = spec_routes(SPEC);
    assert!(
        spec.len() >= 14,
        "the spec's operations were read: {spec:?}"
    );
    assert!(
        spec.values().any(|a| *a == Access::Public)
            && spec.values().any(|a| *a == Access::SignedIn),
        "both kinds of route were read: {spec:?}"
    );
    assert_eq!(differences(SPEC, TEMPLATE), Vec::<String>::new());
    let board = &template_routes(TEMPLATE)[&("GET".to_owned(), "/leaderboard/{board}".to_owned())];
    assert_eq!(
        board.0,
        Access::SignedIn,
        "M6: the boards need the JWT claims"
    );
}

/// The comparison itself catches each kind of drift: a public route made private or the reverse,
/// a spec operation left unrouted, and a route the spec lacks.
#[test]
fn each_kind_of_drift_is_reported() {
    let board = "            Path: /leaderboard/{board}\n";
    assert!(TEMPLATE.contains(board), "the template routes the boards");

    let opened = TEMPLATE.replace(
        board,
        &format!("{board}            Auth:\n              Authorizer: NONE\n"),
    );
    assert_eq!(
        differences(SPEC, &opened),
        [
            "GET /leaderboard/{board} is SignedIn in the spec but Public in the template (LeaderboardFunction)"
        ]
    );

    let trending = "      operationId: trendingCollaborations\n      security: []\n";
    assert!(SPEC.contains(trending));
    let closed = SPEC.replace(trending, "      operationId: trendingCollaborations\n");
    assert_eq!(
        differences(&closed, TEMPLATE),
        [
            "GET /collaborations/trending is SignedIn in the spec but Public in the template (LeaderboardFunction)"
        ]
    );

    let renamed = TEMPLATE.replace(board, "            Path: /boards/{board}\n");
    assert_eq!(
        differences(SPEC, &renamed),
        [
            "GET /leaderboard/{board} is in the spec but not routed",
            "GET /boards/{board} is routed to LeaderboardFunction but not in the spec",
        ]
    );
}

/// `cargo xtask dev` serves the API through `cargo lambda watch`, whose router is a table in the
/// workspace manifest: every path either function answers must reach that function there (a
/// route added without it answered "default function route is disabled" locally, seen trying
/// `GET /me` through `cargo xtask dev`).
#[test]
fn the_local_watch_router_sends_every_route_to_its_function() {
    let manifest: toml::Value =
        toml::from_str(include_str!("../../Cargo.toml")).expect("the manifest is TOML");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("a watch router");
    let fits = |pattern: &str, path: &str| {
        let (parts, segments): (Vec<&str>, Vec<&str>) =
            (pattern.split('/').collect(), path.split('/').collect());
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || p.starts_with('{'))
    };
    let served = credits::ROUTES
        .iter()
        .map(|r| (r.label, "credits"))
        .chain(leaderboard::ROUTES.iter().map(|r| (r.label, "leaderboard")));
    let mut missing = Vec::new();
    for (label, function) in served {
        let path = label.split_once(' ').map_or(label, |(_, p)| p);
        // The most literal pattern wins, as the router matches.
        let target = router
            .iter()
            .filter(|(pattern, _)| fits(pattern, path))
            .max_by_key(|(pattern, _)| pattern.split('/').filter(|p| !p.starts_with('{')).count())
            .and_then(|(_, f)| f.as_str());
        if target != Some(function) {
            missing.push(format!("{label} → {target:?}, not {function}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
