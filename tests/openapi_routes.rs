//! `docs/openapi.yaml` is true to the router: every route the HTTP crate declares is documented
//! with its methods, and every documented operation reaches a real route (not the fallback).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request};
use cartback_core::config::demo_config;
use cartback_core::local::{LocalOptions, LocalRuntime};
use std::collections::BTreeSet;
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

/// (METHOD, path) for every `.route("path", get(..).post(..))` in the HTTP crate's router.
fn declared() -> BTreeSet<(String, String)> {
    let src = include_str!("../shared/http/src/lib.rs");
    let mut ops = BTreeSet::new();
    for chunk in src.split(".route(\"").skip(1) {
        let (path, rest) = chunk.split_once('"').unwrap();
        // The method router runs to the end of the `.route(...)` call: up to the next newline
        // that starts another builder call.
        let call = rest.split("\n        .").next().unwrap();
        for m in METHODS {
            let first = call.contains(&format!(", {m}("));
            let chained = call.contains(&format!(".{m}("));
            if first || chained {
                ops.insert((m.to_uppercase(), path.to_string()));
            }
        }
    }
    ops
}

#[test]
fn every_declared_route_is_documented_and_nothing_else() {
    let (doc, code) = (documented(), declared());
    assert!(code.len() >= 10, "the route scan found too little: {code:?}");
    let undocumented: Vec<_> = code.difference(&doc).collect();
    let phantom: Vec<_> = doc.difference(&code).collect();
    assert!(undocumented.is_empty(), "routes missing from docs/openapi.yaml: {undocumented:?}");
    assert!(phantom.is_empty(), "documented but not routed: {phantom:?}");
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
