//! `cartback store --check`'s warnings about SMS that can grow past the store's
//! `max_sms_segments` for some shopper: every SMS step, variant and language is composed for a
//! set of plausible shoppers and carts (names from many scripts, a name with an emoji, five
//! items with long names, large totals), after the fallbacks `compose` applies (the name spelled
//! in GSM-7, then dropped, then one item). A text that is still too long for one of them would be
//! skipped for that shopper (`steps_skipped.too_long`); the warning names the shopper.

use crate::config::{Config, StoreConfig};
use crate::domain::pii::Pii;
use crate::domain::{Cart, Channel, Customer, Item};
use crate::messaging::compose::{ComposeError, ComposeInput, Delivery, compose};
use std::sync::Arc;

/// First names from the scripts and spellings shoppers use, the long and the decorated.
pub const PLAUSIBLE_NAMES: &[&str] = &[
    "Emma",
    "Zoë",
    "Łukasz",
    "Dāvis",
    "Ayşe",
    "Nguyễn Thị Minh Khai",
    "Maximilian-Alexander",
    "Ольга",
    "سارا",
    "张伟",
    "Kari 😀",
];

const LANGS: [&str; 4] = ["en", "tr", "nb", "fa"];

/// Product names as shops write them: short, long as marketplaces write them, and in a script
/// GSM-7 cannot carry (which no fallback changes).
const ITEM_NAMES: [&str; 3] = [
    "Wool sweater",
    "Merino wool crew-neck sweater for men and women, oatmeal melange, size XL, machine washable, responsibly sourced",
    "ژاکت پشمی مرینو یقه گرد، رنگ جو دوسر، سایز XL",
];

fn cart(store: &StoreConfig, name: &str, lang: &str, (items, item_name): (usize, &str)) -> Cart {
    let created = "2026-11-23T10:00:00Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut c = Cart::new(&store.id, "check", created, false);
    c.currency = Some(store.currency);
    c.items = Arc::new(
        (0..items)
            .map(|i| Item {
                sku: format!("SKU{i}"),
                name: item_name.into(),
                quantity: 2,
                unit_price_minor: 129_900,
                url: None,
                image_url: None,
            })
            .collect(),
    );
    c.customer = Arc::new(Customer {
        first_name: Some(name.into()),
        phone: Some(Pii::new("+4791234567")),
        locale: Some(lang.into()),
        ..Customer::default()
    });
    c
}

/// One line per SMS step, variant and language that is too long for some plausible shopper.
pub fn warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let link = format!("{}/r/AbCdEfGhIjKlMnOpQrStUv", config.public_url);
    for store in config.stores() {
        let mut langs: Vec<String> = LANGS.iter().map(|l| l.to_string()).collect();
        langs.push(store.locale.clone());
        for (i, step) in store.steps.iter().enumerate().filter(|(_, s)| s.channel == Channel::Sms) {
            for (v, variant) in step.variants.iter().enumerate() {
                for lang in &langs {
                    let coupon = variant.incentive.as_ref().filter(|i| i.issues_code()).map(|_| "CB-2GA2BX2G026D");
                    let shapes = [(1, ITEM_NAMES[0]), (5, ITEM_NAMES[0]), (1, ITEM_NAMES[1]), (1, ITEM_NAMES[2])];
                    let shoppers = PLAUSIBLE_NAMES.iter().flat_map(|n| shapes.map(|s| (n, s)));
                    let too_long = shoppers.into_iter().find_map(|(name, shape)| {
                        let c = cart(store, name, lang, shape);
                        let input = ComposeInput {
                            cart: &c,
                            cfg: store,
                            step: i as u32,
                            variant: v,
                            link: &link,
                            coupon,
                            now: c.created_at,
                        };
                        let d = Delivery {
                            channel: Channel::Sms,
                            seq: 1,
                            public_url: &config.public_url,
                            replies_url: &config.replies_url,
                            contact_key: None,
                            last_whatsapp_inbound_at: None,
                            deliver_by: None,
                        };
                        match compose(&input, &d) {
                            Err(ComposeError::TooLong { segments, .. }) => Some((*name, shape, segments)),
                            _ => None,
                        }
                    });
                    if let Some((name, (items, item), segments)) = too_long {
                        out.push(format!(
                            "stores.{}.steps[{i}] variant {} ({lang}): {segments} segments for a shopper named {name:?} with {items} × {:?}, over max_sms_segments = {}; such shoppers get no SMS (steps_skipped.too_long)",
                            store.id, variant.name, item.chars().take(24).collect::<String>() + "…", store.max_sms_segments
                        ));
                    }
                }
            }
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "public_url = \"https://cb.example.com\"\n[[stores]]\nid = \"s\"\nname = \"Demo Shop\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"tok\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n{extra}"
        );
        Config::from_toml("t.toml", &text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The built-in texts fit every plausible shopper within the default cap; a store's own
    /// text that lists every item cannot, and is named.
    #[test]
    fn the_built_ins_fit_and_a_long_own_text_is_named() {
        assert_eq!(warnings(&config("")), Vec::<String>::new());
        let filler = "We kept everything exactly as you left it, and our team is ready to help. ";
        let long = format!(
            "[[stores.steps]]\nafter = \"30m\"\nchannel = \"sms\"\ntemplate = \"{{{{ first_name }}}}, {{{{ store_name }}}} kept {{% for i in items %}}{{{{ i.quantity }}}} x {{{{ i.name }}}} ({{{{ i.price }}}}), {{% endfor %}}total {{{{ total }}}}. {filler}{{{{ link }}}}\"\n"
        );
        let w = warnings(&config(&long));
        assert!(!w.is_empty() && w[0].contains("steps[0] variant A (en)") && w[0].contains("ژاکت"), "{w:?}");
    }
}
