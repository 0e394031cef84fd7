//! `[stores.catalogue]` (docs/catalogue.md): where the store's products are read from, how
//! often, and the policies product answers may quote.

use jiff::SignedDuration;
use serde::Deserialize;

use super::problems::Problems;
use crate::config::CatalogueConfig;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalogue {
    shopify_shop: Option<String>,
    refresh_every: Option<String>,
    answer_questions: Option<bool>,
    returns_days: Option<u32>,
    shipping_days: Option<String>,
}

pub(super) fn catalogue(at: &str, raw: Option<RawCatalogue>, allowed: &[String], p: &mut Problems) -> CatalogueConfig {
    let raw = raw.unwrap_or_default();
    let at = format!("{at}.catalogue");
    // "off": read only when asked (`POST …/catalogue/refresh`), never on the schedule.
    let refresh_every = match raw.refresh_every.as_deref() {
        Some("off") => None,
        text => Some(p.duration(&format!("{at}.refresh_every"), text, SignedDuration::from_hours(6))),
    };
    if refresh_every.is_some_and(|r| r < SignedDuration::from_mins(15)) {
        p.add(
            &format!("{at}.refresh_every"),
            "at least 15m, or \"off\": the platform's rate limits are the store's too",
        );
    }
    let shopify_shop = raw.shopify_shop.map(|s| s.trim().trim_end_matches('/').to_string());
    if let Some(shop) = &shopify_shop {
        match url::Url::parse(shop) {
            // Plain HTTP only on this machine: a storefront fake in tests, a shop in development.
            Ok(u) if (u.scheme() == "https" || loopback(&u)) && u.path() == "/" && u.query().is_none() => {
                let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
                if !loopback(&u) && !allowed.iter().any(|d| host == *d || host.ends_with(&format!(".{d}"))) {
                    p.add(&format!("{at}.shopify_shop"), format!("`{host}` is not in allowed_domains"));
                }
            }
            _ => p.add(
                &format!("{at}.shopify_shop"),
                "the shop's origin, like https://shop.example (https, no path; http only for 127.0.0.1)",
            ),
        }
    }
    if let Some(d) = &raw.shipping_days
        && (d.is_empty() || d.len() > 20 || !d.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' '))
    {
        p.add(&format!("{at}.shipping_days"), "days as a number or a range, like \"2-4\"");
    }
    if raw.returns_days.is_some_and(|d| d == 0 || d > 365) {
        p.add(&format!("{at}.returns_days"), "1 to 365");
    }
    CatalogueConfig {
        shopify_shop,
        refresh_every,
        answer_questions: raw.answer_questions.unwrap_or(true),
        returns_days: raw.returns_days,
        shipping_days: raw.shipping_days,
    }
}

fn loopback(u: &url::Url) -> bool {
    matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}
