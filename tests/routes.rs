//! Routes are one set: the HTTP crate's route table (from which the routers are built),
//! `docs/openapi.yaml`, the HTTP API events of `infra/template.yaml` (per function) and the
//! function table of docs/deploy-aws.md. Each test names the routes missing on either side. And every
//! documented operation reaches a real route (not the fallback).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request};
use cartback_core::config::demo_config;
use cartback_http::routes;
use cartback_local::{LocalOptions, LocalRuntime};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "options", "head"];

/// (METHOD, path) for every operation under `paths:` (two-space paths, four-space methods).
fn documented() -> BTreeSet<(String, String)> {
    let text = include_str!("../docs/openapi.yaml");
    let mut ops = BTreeSet::new();
    let mut in_paths = false;
    let mut path = None;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            path = Some(format!("/{p}"));
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':'))
            && METHODS.contains(&m)
        {
            ops.insert((m.to_uppercase(), path.clone().expect("a method before any path")));
        }
    }
    ops
}

/// (METHOD, path) for every route of the table the routers are built from.
fn declared() -> BTreeSet<(String, String)> {
    routes().map(|r| (r.method.to_string(), r.path.to_string())).collect()
}

fn declared_by(binary: &str) -> BTreeSet<(String, String)> {
    routes().filter(|r| r.host.binary() == binary).map(|r| (r.method.to_string(), r.path.to_string())).collect()
}

/// `infra/template.yaml`'s HTTP API events, by the binary of the function they trigger. The
/// template writes each function's `BuildProperties: { Binary: … }` before its `Events:`, and
/// each event on one line as `{ Type: HttpApi, Properties: { …, Method: M, Path: P } }`.
fn deployed() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let text = include_str!("../infra/template.yaml");
    let mut by_binary: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut binary = None;
    for line in text.lines() {
        if let Some(rest) = line.split("Binary: ").nth(1) {
            binary = Some(rest.trim_end_matches(['}', ' ']).to_string());
        }
        if !line.contains("Type: HttpApi") {
            continue;
        }
        let field = |name: &str| {
            let v = line.split(&format!("{name}: ")).nth(1).expect("an HttpApi event names Method and Path");
            v.split([',', ' ']).next().unwrap().trim_matches('"').to_string()
        };
        let owner = binary.clone().expect("an HttpApi event before any function's Binary");
        by_binary.entry(owner).or_default().insert((field("Method"), field("Path")));
    }
    by_binary
}

/// docs/deploy-aws.md's function table: for each `cartback-…` function row, the `METHOD /path` routes
/// written in backquotes in its last column.
fn deploy_table() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let text = include_str!("../docs/deploy-aws.md");
    let mut by_binary = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `cartback-")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let binary = cells[0].trim_start_matches("| ").trim_matches('`').to_string();
        let routes: BTreeSet<(String, String)> = cells
            .last()
            .unwrap()
            .split('`')
            .skip(1)
            .step_by(2)
            .filter_map(|code| code.split_once(' '))
            .filter(|(m, p)| METHODS.contains(&m.to_lowercase().as_str()) && p.starts_with('/'))
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        by_binary.insert(binary, routes);
    }
    by_binary
}

fn assert_same(what: &str, a_name: &str, a: &BTreeSet<(String, String)>, b_name: &str, b: &BTreeSet<(String, String)>) {
    let only_a: Vec<_> = a.difference(b).map(|(m, p)| format!("{m} {p}")).collect();
    let only_b: Vec<_> = b.difference(a).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "{what}: in {a_name} but not in {b_name}: {only_a:?}; in {b_name} but not in {a_name}: {only_b:?}"
    );
}

#[test]
fn every_declared_route_is_documented_and_nothing_else() {
    let (doc, code) = (documented(), declared());
    assert!(code.len() >= 10, "the route table is too small: {code:?}");
    assert_same("routes", "the route table", &code, "docs/openapi.yaml", &doc);
}

#[test]
fn every_route_is_deployed_on_the_function_that_serves_it() {
    let deployed = deployed();
    assert_eq!(deployed.keys().collect::<Vec<_>>(), ["cartback-ingest", "cartback-replies"], "{deployed:?}");
    for (binary, routes) in &deployed {
        assert_same(binary, "the route table", &declared_by(binary), "infra/template.yaml", routes);
    }
}

#[test]
fn the_deploy_guide_lists_the_template_routes() {
    let (readme, deployed) = (deploy_table(), deployed());
    assert!(readme.contains_key("cartback-dispatcher") && readme.contains_key("cartback-scheduler"), "{readme:?}");
    for (binary, routes) in &readme {
        let empty = BTreeSet::new();
        let template = deployed.get(binary).unwrap_or(&empty);
        assert_same(binary, "docs/deploy-aws.md's function table", routes, "infra/template.yaml", template);
    }
}

#[tokio::test]
async fn every_documented_operation_reaches_its_route() {
    let rt = LocalRuntime::new(demo_config(), LocalOptions { print: false, ..LocalOptions::default() });
    // Only requests that matched a route pass this layer: the fallback's answers carry no mark.
    let app = cartback_http::public_router(rt.engine.clone()).route_layer(axum::middleware::map_response(
        |mut r: axum::response::Response| async move {
            r.headers_mut().insert("x-test-routed", axum::http::HeaderValue::from_static("1"));
            r
        },
    ));
    for (method, path) in documented() {
        let concrete = path.replace("{store}", "demo").replace("{token}", "AAAAAAAAAAAAAAAAAAAAAA");
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&concrete)
            .header("origin", "https://shop.example")
            .body(Body::from("{}"))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert!(resp.headers().contains_key("x-test-routed"), "{method} {path} fell through to the fallback");
        assert_ne!(resp.status().as_u16(), 405, "{method} {path}: method not routed");
    }
    // The mark is real: an undocumented path falls through.
    let req = Request::builder().uri("/v1/nope").body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert!(!resp.headers().contains_key("x-test-routed"));
}
