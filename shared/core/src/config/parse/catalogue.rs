//! `[stores.catalogue]` (docs/catalogue.md): where the store's products are read from, how
//! often, and the policies product answers may quote.

use jiff::SignedDuration;
use serde::Deserialize;

use super::problems::Problems;
use crate::config::{CatalogueConfig, Secret, ShopifyAdmin};

/// The Admin API version read when the store names none: a stable version Shopify supports
/// until 2026-07 at the earliest (each is supported for twelve months).
pub const SHOPIFY_API_VERSION: &str = "2025-07";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalogue {
    shopify_shop: Option<String>,
    shopify_admin: Option<String>,
    shopify_api_version: Option<String>,
    woocommerce_site: Option<String>,
    woocommerce_checkout_links: Option<bool>,
    refresh_every: Option<String>,
    answer_questions: Option<bool>,
    returns_days: Option<u32>,
    shipping_days: Option<String>,
    #[serde(default)]
    recommend_fallback: Vec<String>,
}

/// The platform tokens, secrets at the store's top level (moved to SSM by `cartback store`).
pub(super) struct Tokens {
    pub(super) shopify_admin_token: Option<String>,
    pub(super) woocommerce_consumer_key: Option<String>,
    pub(super) woocommerce_consumer_secret: Option<String>,
}

pub(super) fn catalogue(
    at: &str,
    raw: Option<RawCatalogue>,
    tokens: Tokens,
    allowed: &[String],
    p: &mut Problems,
) -> CatalogueConfig {
    let raw = raw.unwrap_or_default();
    let store_at = at;
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
    let shopify_shop = origin(&at, "shopify_shop", raw.shopify_shop, allowed, p);
    let woocommerce_site = origin(&at, "woocommerce_site", raw.woocommerce_site, allowed, p);
    // The Admin API lives on the shop's myshopify.com origin, whatever its public domain.
    let admin = raw.shopify_admin.map(|s| s.trim().trim_end_matches('/').to_string());
    let admin_ok = admin.as_deref().map(|a| match url::Url::parse(a) {
        Ok(u) if loopback(&u) && u.path() == "/" => true,
        Ok(u) => {
            u.scheme() == "https"
                && u.path() == "/"
                && u.query().is_none()
                && u.host_str().is_some_and(|h| h.ends_with(".myshopify.com") && h.len() > ".myshopify.com".len())
        }
        Err(_) => false,
    });
    if admin_ok == Some(false) {
        p.add(&format!("{at}.shopify_admin"), "the shop's admin origin, like https://my-shop.myshopify.com");
    }
    let api_version = raw.shopify_api_version.unwrap_or_else(|| SHOPIFY_API_VERSION.to_string());
    let version_ok = api_version.len() == 7
        && api_version.as_bytes()[4] == b'-'
        && api_version.chars().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit());
    if !version_ok {
        p.add(&format!("{at}.shopify_api_version"), "a stable Admin API version, like \"2025-07\"");
    }
    let token = tokens.shopify_admin_token.filter(|t| !t.trim().is_empty());
    let shopify_admin = match (admin, token) {
        (Some(origin), Some(token)) => Some(ShopifyAdmin { origin, api_version, token: Secret(token) }),
        (Some(_), None) => {
            p.add(
                &format!("{store_at}.shopify_admin_token"),
                "required with catalogue.shopify_admin: the app's Admin API access token (shpat_…)",
            );
            None
        }
        (None, Some(_)) => {
            p.add(
                &format!("{store_at}.shopify_admin_token"),
                "set, but there is no catalogue.shopify_admin to read with it",
            );
            None
        }
        (None, None) => None,
    };
    let keys = match (tokens.woocommerce_consumer_key, tokens.woocommerce_consumer_secret) {
        (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => Some((Secret(k), Secret(s))),
        (None, None) => None,
        _ => {
            p.add(
                &format!("{store_at}.woocommerce_consumer_key"),
                "the REST API's consumer key and secret go together (ck_… and cs_…)",
            );
            None
        }
    };
    if keys.is_some() && woocommerce_site.is_none() {
        p.add(
            &format!("{store_at}.woocommerce_consumer_key"),
            "set, but there is no catalogue.woocommerce_site to read with it",
        );
    }
    if woocommerce_site.is_some() && keys.is_none() {
        p.add(
            &format!("{at}.woocommerce_site"),
            "needs woocommerce_consumer_key and woocommerce_consumer_secret (a read-only REST API key)",
        );
    }
    if woocommerce_site.is_some() && (shopify_shop.is_some() || shopify_admin.is_some()) {
        p.add(&format!("{at}.woocommerce_site"), "a store reads one platform: Shopify or WooCommerce, not both");
    }
    if let Some(d) = &raw.shipping_days
        && (d.is_empty() || d.len() > 20 || !d.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' '))
    {
        p.add(&format!("{at}.shipping_days"), "days as a number or a range, like \"2-4\"");
    }
    if raw.returns_days.is_some_and(|d| d == 0 || d > 365) {
        p.add(&format!("{at}.returns_days"), "1 to 365");
    }
    for (k, f) in raw.recommend_fallback.iter().enumerate() {
        if f.trim().is_empty() || f.len() > 255 || f.chars().any(char::is_control) {
            p.add(&format!("{at}.recommend_fallback[{k}]"), "a product's handle or id, 1 to 255 characters");
        }
    }
    if raw.recommend_fallback.len() > 20 {
        p.add(&format!("{at}.recommend_fallback"), "at most 20 products");
    }
    CatalogueConfig {
        recommend_fallback: raw.recommend_fallback.iter().map(|f| f.trim().to_string()).collect(),
        shopify_shop,
        shopify_admin,
        woocommerce_site,
        woocommerce_keys: keys,
        woocommerce_checkout_links: raw.woocommerce_checkout_links.unwrap_or(true),
        refresh_every,
        answer_questions: raw.answer_questions.unwrap_or(true),
        returns_days: raw.returns_days,
        shipping_days: raw.shipping_days,
    }
}

/// A shop's origin: https (plain HTTP only on this machine: a fake in tests, a shop in
/// development), no path, on one of the store's `allowed_domains`.
fn origin(at: &str, key: &str, raw: Option<String>, allowed: &[String], p: &mut Problems) -> Option<String> {
    let shop = raw.map(|s| s.trim().trim_end_matches('/').to_string())?;
    match url::Url::parse(&shop) {
        Ok(u) if (u.scheme() == "https" || loopback(&u)) && u.path() == "/" && u.query().is_none() => {
            let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
            if !loopback(&u) && !allowed.iter().any(|d| host == *d || host.ends_with(&format!(".{d}"))) {
                p.add(&format!("{at}.{key}"), format!("`{host}` is not in allowed_domains"));
            }
        }
        _ => p.add(
            &format!("{at}.{key}"),
            "the shop's origin, like https://shop.example (https, no path; http only for 127.0.0.1)",
        ),
    }
    Some(shop)
}

fn loopback(u: &url::Url) -> bool {
    matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}
