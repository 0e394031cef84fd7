//! The built-in messages for a real cart in each of the four languages: what each channel says,
//! and what every built-in SMS costs. `docs/sms-segments.md` holds the table this test computes
//! (the test fails if the document and the texts drift apart).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::Config;
use cartback_core::domain::Channel;
use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};

const INCENTIVES: [(&str, &str); 5] = [
    ("none", ""),
    ("percent_off", r#"incentive = { kind = "percent_off", percent = 15, expires = "30m" }"#),
    ("fixed_off", r#"incentive = { kind = "fixed_off", amount = "50.00", expires = "2h" }"#),
    ("free_shipping", r#"incentive = { kind = "free_shipping" }"#),
    ("cross_sell", r#"incentive = { kind = "cross_sell" }"#),
];

fn store(channel: &str) -> Config {
    let mut steps = String::new();
    for (i, (_, inc)) in INCENTIVES.iter().enumerate() {
        steps.push_str(&format!("[[stores.steps]]\nafter = \"{}m\"\nchannel = \"{channel}\"\n{inc}\n", 30 + i));
    }
    let text = format!(
        r#"public_url = "https://cb.example.com"
[[stores]]
id = "demo"
name = "Demo Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok"
currency = "EUR"
timezone = "Europe/Oslo"
allowed_domains = ["shop.example"]
free_shipping_threshold = "1500.00"
[[stores.cross_sell]]
sku = "SOCKS"
name = "Wool socks"
price = "129.00"
url = "https://shop.example/p/socks"
{steps}"#
    );
    Config::from_toml("t.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn render(channel: Channel, lang: &str, step: u32) -> cartback_core::ports::OutgoingMessage {
    render_for(channel, cartback_core::domain::samples::cart(lang), step)
}

fn render_for(channel: Channel, cart: cartback_core::domain::Cart, step: u32) -> cartback_core::ports::OutgoingMessage {
    let cfg = store(channel.as_str());
    let s = cfg.store("demo").unwrap();
    let link = "https://cb.example.com/r/AbCdEfGhIjKlMnOpQrStUv";
    let coupon = (step == 1 || step == 2).then_some("CB-2GA2BX2G026D");
    let input = ComposeInput { cart: &cart, cfg: s, step, variant: 0, link, coupon, now: cart.created_at };
    let d = Delivery {
        channel,
        seq: 1,
        public_url: &cfg.public_url,
        replies_url: &cfg.replies_url,
        contact_key: Some("k"),
        last_whatsapp_inbound_at: None,
        deliver_by: None,
    };
    compose(&input, &d).unwrap_or_else(|e| panic!("{channel} step {step}: {e}"))
}

#[test]
fn every_built_in_sms_is_at_most_two_segments_and_the_table_is_documented() {
    let doc = include_str!("../../../docs/sms-segments.md");
    let mut table = String::new();
    for lang in ["en", "tr", "nb", "fa"] {
        for (step, (incentive, _)) in INCENTIVES.iter().enumerate() {
            let m = render(Channel::Sms, lang, step as u32);
            let cost = cartback_core::text::sms_segments::segments(&m.body);
            assert!(cost.segments <= 2, "{lang} {incentive}: {} segments: {}", cost.segments, m.body);
            let row =
                format!("| {lang} | {incentive} | {} | {} | {} |", cost.encoding.as_str(), cost.units, cost.segments);
            table.push_str(&row);
            table.push('\n');
        }
    }
    assert!(doc.contains(&table), "docs/sms-segments.md is out of date; the table is now:\n{table}");
}

#[test]
fn free_shipping_is_offered_to_first_time_customers_only() {
    let first = render(Channel::Whatsapp, "en", 3);
    assert!(first.body.contains("Shipping is on us"), "{}", first.body);
    let mut returning = cartback_core::domain::samples::cart("en");
    std::sync::Arc::make_mut(&mut returning.customer).orders_count = Some(3);
    let again = render_for(Channel::Whatsapp, returning, 3);
    assert!(!again.body.contains("Shipping is on us"), "{}", again.body);
}

#[test]
fn each_channel_speaks_the_shoppers_language() {
    let sms = render(Channel::Sms, "tr", 1);
    assert!(sms.body.starts_with("Ayşe, Demo Shop sepetin: https://cb.example.com/r/"), "{}", sms.body);
    assert!(sms.body.contains("%15 indirim: CB-2GA2BX2G026D, son 13:30."), "{}", sms.body);
    let mail = render(Channel::Email, "nb", 0);
    assert_eq!(mail.subject.as_deref(), Some("Demo Shop: handlekurven din venter"));
    assert!(mail.body.contains("- 1 × Wool sweater, 1 399,80 EUR"), "{}", mail.body);
    assert!(mail.html.as_deref().unwrap().contains("lang=\"nb\" dir=\"ltr\""));
    let fa = render(Channel::Email, "fa", 0);
    assert!(fa.body.contains("۱٬۳۹۹٫۸۰ EUR"), "Persian digits and separators: {}", fa.body);
    assert!(fa.html.as_deref().unwrap().contains("dir=\"rtl\""));
    let wa = render(Channel::Whatsapp, "en", 4);
    assert!(wa.body.contains("Add Wool socks (129.00 EUR) and shipping is free"), "{}", wa.body);
    let values = wa.template_values.as_ref().unwrap();
    assert_eq!(
        (values.first_name.as_str(), values.store.as_str(), values.link.as_str()),
        ("Emma", "Demo Shop", "https://cb.example.com/r/AbCdEfGhIjKlMnOpQrStUv")
    );
    // Persian coupon times in Persian digits, in the shopper's zone (Tehran, UTC+3:30).
    let fa_sms = render(Channel::Sms, "fa", 1);
    assert!(fa_sms.body.contains("تا ۱۴:۰۰"), "{}", fa_sms.body);
}
