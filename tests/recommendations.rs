//! Recommendations in e-mails (docs/recommendations.md) through the whole pipeline on memory and
//! on SQLite: the store uploads its catalogue, two carts reach the 24-hour e-mail, each carries
//! the products the rules give (never one in the cart), priced in the shopper's currency; a click
//! goes to the product's page and is counted and credited to the step; the order after it is
//! counted among those recommendations led to. The same on DynamoDB:
//! shared/aws/tests/recommendations.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/recommended_carts.rs"]
mod scenario;

use cartback_e2e::{DEMO_API_KEY, START, Server, order_event};

async fn run(s: &Server) {
    let put = s
        .http
        .put(s.url("/v1/stores/demo/catalogue"))
        .bearer_auth(DEMO_API_KEY)
        .header("content-type", "application/json")
        .body(scenario::CATALOGUE)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    for cart in [scenario::ADA, scenario::DENIZ] {
        let (status, body) = s.post_event(&scenario::event(cart, START)).await;
        assert_eq!(status, 202, "{body}");
    }
    for _ in 0..5 {
        s.advance(6 * 3600).await;
    }
    let outbox = s.outbox().await;
    let email = |cart: &str| {
        outbox.iter().find(|m| m["cart_id"] == cart && m["step"] == 1).unwrap_or_else(|| panic!("{cart}: {outbox:?}"))
    };
    let ada = email(scenario::ADA)["body"].as_str().unwrap().to_string();
    let picks = scenario::picks(&ada);
    let titles: Vec<&str> = picks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, scenario::ADA_PICKS, "{ada}");
    assert!(ada.contains("You might also like:") && ada.contains("39.00 EUR"), "{ada}");
    let deniz = email(scenario::DENIZ)["body"].as_str().unwrap().to_string();
    assert!(deniz.contains("Bunlar da hoşuna gidebilir:") && deniz.contains("≈") && deniz.contains("TRY"), "{deniz}");
    assert!(!deniz.contains("Merino Crew Sweater"), "the cart's own product is not recommended: {deniz}");

    // A click: the product's page, counted, credited to the step that showed it.
    let link = &picks[0].1;
    let resp = s.http.get(link.replace("http://127.0.0.1:8787", &s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 302, "{link}");
    assert_eq!(resp.headers()["location"], scenario::ADA_FIRST_PAGE);
    // A place no message of this cart showed: nothing to reach.
    let (base, _) = link.split_once("?rec=").unwrap();
    let wrong =
        s.http.get(format!("{}?rec=99.0", base.replace("http://127.0.0.1:8787", &s.base))).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let at = s.advance(60).await["now"].as_str().unwrap().to_string();
    let (status, _) = s.post_event(&order_event("ord-ada", scenario::ADA, &at, "108.90", "EUR")).await;
    assert_eq!(status, 202);

    let stats = s.stats().await;
    let rec = &stats["recommendations"];
    assert_eq!(rec["shown"], 6, "{rec}");
    assert_eq!((rec["clicks"].as_i64(), rec["orders"].as_i64()), (Some(1), Some(1)), "{rec}");
    assert_eq!(rec["revenue_EUR"], 10_890, "{rec}");
    assert_eq!(rec["picked.goes_with"], 2, "{rec}");
    let step1 = stats["experiments"]["by_step"].as_array().unwrap().iter().find(|a| a["name"] == "1").cloned();
    assert_eq!(step1.unwrap()["recommendation_clicks"], 1, "{}", stats["experiments"]["by_step"]);
}

#[tokio::test]
async fn e_mails_recommend_what_goes_with_the_cart_in_memory() {
    run(&Server::start().await).await;
}

#[tokio::test]
async fn e_mails_recommend_what_goes_with_the_cart_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cartback-recommendations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(&Server::with_sqlite(&dir).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}
