//! The merchant's report over HTTP: the counters per day (`/stats/daily`, JSON and CSV) add up
//! to the totals of `/stats`, land on the store's days, and bad ranges get clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_e2e::{DEMO_API_KEY, START, Server, example_event, order_event};
use serde_json::Value;

async fn daily(s: &Server, query: &str, key: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = s.http.get(s.url(&format!("/v1/stores/demo/stats/daily{query}"))).bearer_auth(key).send().await.unwrap();
    (r.status().as_u16(), r.headers().clone(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_days_add_up_to_the_totals_and_export_as_csv() {
    let s = Server::start().await;
    // Day 1 (2026-11-23): two carts, both messaged after 30 minutes; one orders on day 3.
    for (e, c) in [("e1", "c1"), ("e2", "c2")] {
        assert_eq!(s.post_event(&example_event(e, c, START)).await.0, 202);
    }
    s.advance(31 * 60).await;
    s.advance(2 * 86_400).await;
    let at = "2026-11-25T09:30:00Z";
    assert_eq!(s.post_event(&order_event("e3", "c1", at, "699.80", "TRY")).await.0, 202);

    let (st, _, body) = daily(&s, "?from=2026-11-22&to=2026-11-26", DEMO_API_KEY).await;
    assert_eq!(st, 200, "{body}");
    let d: Value = serde_json::from_str(&body).unwrap();
    let days = d["days"].as_array().unwrap();
    assert_eq!(days.len(), 5, "every day present");
    assert_eq!(days[0]["date"], "2026-11-22");
    assert_eq!(days[0]["carts_tracked"], 0);
    let total = |k: &str| days.iter().map(|x| x[k].as_i64().unwrap()).sum::<i64>();
    let stats = s.stats().await;
    assert_eq!(total("carts_tracked"), stats["carts_tracked"].as_i64().unwrap());
    assert_eq!(total("carts_abandoned"), stats["carts_abandoned"].as_i64().unwrap());
    let messages: i64 = stats["messages_by_channel"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
    // Each cart's SMS at 30 minutes (day 1) and its e-mail at 24 hours (day 2); the WhatsApp
    // step (72 h) is not due, and the shopper gave it no consent.
    assert_eq!(stats["messages_by_channel"], serde_json::json!({"sms": 2, "email": 2}));
    assert_eq!(messages, 4);
    assert_eq!(days.iter().map(|x| x["messages"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 2, 2, 0, 0]);
    assert_eq!(total("messages"), messages);
    assert_eq!(total("orders_recovered"), 1);
    assert_eq!(days[1]["carts_tracked"], 2, "counted on the day it happened");
    assert_eq!(days[3]["orders_recovered"], 1);
    assert_eq!(days[3]["revenue_recovered"]["TRY"], stats["revenue_recovered"]["TRY"]);

    let (st, h, csv) = daily(&s, "?from=2026-11-22&to=2026-11-26&format=csv", DEMO_API_KEY).await;
    assert_eq!(st, 200);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(h["content-disposition"].to_str().unwrap().contains("cartback-demo-2026-11-22-2026-11-26.csv"));
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "date,carts_tracked,carts_abandoned,carts_messaged,messages,clicks,orders_recovered,orders_converted,opt_outs,revenue_recovered_TRY_minor"
    );
    assert_eq!(rows.len(), 6);
    assert!(rows[4].starts_with("2026-11-25,") && rows[4].ends_with(",69980"), "{}", rows[4]);

    // Default: the 30 days to the store's today.
    let (st, _, body) = daily(&s, "", DEMO_API_KEY).await;
    assert_eq!(st, 200);
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["days"].as_array().unwrap().len(), 30);
    assert_eq!(d["to"], "2026-11-25");
}

#[tokio::test]
async fn bad_ranges_and_other_keys_get_clear_answers() {
    let s = Server::start().await;
    for (q, code) in [
        ("?from=2026-11-30&to=2026-11-01", "invalid_range"),
        ("?from=2024-01-01&to=2026-11-01", "invalid_range"),
        ("?from=yesterday", "invalid_date"),
        ("?to=2026-02-30", "invalid_date"),
        ("?format=xlsx", "invalid_format"),
    ] {
        let (st, _, body) = daily(&s, q, DEMO_API_KEY).await;
        assert_eq!(st, 400, "{q}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], code, "{q}");
    }
    let (st, _, _) = daily(&s, "?from=2025-10-26&to=2026-11-30", DEMO_API_KEY).await;
    assert_eq!(st, 200, "401 days is the most");
    assert_eq!(daily(&s, "", "cbk_other_0123456789abcdef").await.0, 401);
    let r = s.http.get(s.url("/v1/stores/demo/stats/daily")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
