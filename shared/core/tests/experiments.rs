//! The experiment counters as the engine writes them: each step's variants count their carts
//! (once per cart), the clicks after them and the eventual orders and revenue of the carts that
//! got them; the holdout and treated groups count every order of an abandoned cart with its
//! revenue. Checked against the carts' own records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::collections::BTreeMap;

const AB_STEPS: &str = r#"
[[stores.steps]]
after = "30m"
channel = "sms"
template = "Hi {{ first_name }}: {{ link }}"
variants = [{ name = "B", weight = 1, template = "Still there, {{ first_name }}? {{ link }}" }]
[[stores.steps]]
after = "24h"
channel = "email"
template = "Your cart: {{ total }} {{ link }}"
"#;

#[tokio::test]
async fn variants_and_holdout_count_their_carts_clicks_and_orders() {
    let t = start(config("holdout_percent = 20", AB_STEPS), "2026-11-23T09:00:00Z");
    for i in 0..60 {
        t.event(cart_event(&format!("c{i}"), &format!("e{i}"), t.now(), &format!("+47912345{i:02}"), "UTC", true))
            .await;
    }
    t.advance_mins(30).await;
    // A third of the carts click their link; every other cart orders (holdout ones too).
    let carts = t.rt.store.carts_of("s");
    // The driver's own tally of clicks, by the variant of the step-0 message before each.
    let mut clicks_want: BTreeMap<String, i64> = BTreeMap::new();
    for c in carts.iter().filter(|c| c.link_token.is_some()).step_by(3) {
        t.rt.engine.links.open_link(c.link_token.as_deref().unwrap()).await.unwrap();
        let sent = c.sends.iter().find(|s| s.step == 0 && s.reached()).expect("a link without a message");
        *clicks_want.entry(sent.variant.to_string()).or_default() += 1;
    }
    assert!(!clicks_want.is_empty());
    for (i, c) in carts.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        t.order(&c.id, &format!("o{i}")).await;
    }
    t.advance_hours(30).await;

    let carts = t.rt.store.carts_of("s");
    let mut want: BTreeMap<(u32, String), (i64, i64, i64)> = BTreeMap::new();
    for c in &carts {
        let mut seen = Vec::new();
        for s in c.sends.iter().filter(|s| s.reached()) {
            want.entry((s.step, s.variant.to_string())).or_default().1 += 1;
            if !seen.contains(&(s.step, s.variant.clone())) {
                seen.push((s.step, s.variant.clone()));
                let e = want.entry((s.step, s.variant.to_string())).or_default();
                e.0 += 1;
                e.2 += i64::from(c.order.is_some());
            }
        }
    }
    let s = t.stats().await;
    let step0 = &s.experiments.steps[0];
    assert_eq!(step0.control, "A");
    assert_eq!(step0.variants.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["A", "B"]);
    for a in &step0.variants {
        let (carts, messages, orders) = want[&(0, a.name.clone())];
        assert!(carts > 0, "variant {} got no carts", a.name);
        assert_eq!((a.carts, a.messages, a.orders), (carts, messages, orders), "variant {}", a.name);
        assert_eq!(a.revenue.get("EUR").copied().unwrap_or(0), orders * 4200);
        // Clicks go to the message before them: all step 0 (the e-mail came after).
        assert_eq!(a.clicks, clicks_want.get(&a.name).copied().unwrap_or(0), "variant {} clicks", a.name);
    }
    // The e-mail step has one variant: not an experiment.
    assert_eq!(s.experiments.steps.len(), 1);
    // Fewer than 100 carts a group: no verdict.
    assert_eq!(
        serde_json::to_value(step0.comparisons[0].orders.verdict).unwrap(),
        serde_json::json!("not_enough_data")
    );

    let h = s.experiments.holdout.as_ref().expect("the store keeps a holdout");
    let held = carts.iter().filter(|c| c.holdout).count() as i64;
    let held_orders = carts.iter().filter(|c| c.holdout && c.order.is_some()).count() as i64;
    assert!(held > 0);
    let treated = carts.iter().filter(|c| !c.holdout).count() as i64;
    let treated_orders = carts.iter().filter(|c| !c.holdout && c.order.is_some()).count() as i64;
    assert_eq!((h.holdout.carts, h.holdout.orders), (held, held_orders));
    assert_eq!((h.treated.carts, h.treated.orders), (treated, treated_orders));
    assert_eq!(held + treated, 60);
    assert_eq!(h.treated.revenue["EUR"], treated_orders * 4200);
    assert_eq!(h.holdout.revenue_per_cart["EUR"], (held_orders * 4200) as f64 / held as f64);
}
