//! A store's identity and secrets: its id, API key, Twilio token, webhook secrets and the
//! publishable key of the capture snippet.

use super::problems::Problems;
use super::store::RawStore;

pub(super) fn credentials(at: &str, rs: &RawStore, p: &mut Problems) {
    let valid_id = !rs.id.is_empty()
        && rs.id.len() <= 64
        && rs.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_id {
        p.add(&format!("{at}.id"), "1..64 characters of letters, digits, - and _");
    }
    if rs.api_key.len() < 16 {
        p.add(&format!("{at}.api_key"), "must be at least 16 characters");
    }
    if rs.twilio_auth_token.is_empty() {
        p.add(&format!("{at}.twilio_auth_token"), "must not be empty");
    }
    if rs.shopify_webhook_secret.as_deref().is_some_and(str::is_empty) {
        p.add(&format!("{at}.shopify_webhook_secret"), "must not be empty (leave it out to disable Shopify webhooks)");
    }
    if rs.woocommerce_webhook_secret.as_deref().is_some_and(str::is_empty) {
        p.add(
            &format!("{at}.woocommerce_webhook_secret"),
            "must not be empty (leave it out to disable WooCommerce webhooks)",
        );
    }
    if let Some(pk) = &rs.publishable_key {
        if !pk.starts_with("pk_") || pk.len() < 16 || !pk.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            p.add(&format!("{at}.publishable_key"), "must start with pk_ and be at least 16 letters, digits or _");
        }
        if *pk == rs.api_key {
            p.add(&format!("{at}.publishable_key"), "must differ from api_key (it is published in the shop's pages)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(extra: &str) -> RawStore {
        let text = format!(
            "id = \"shop-1\"\nname = \"S\"\napi_key = \"cbk_0123456789abcdef\"\ntwilio_auth_token = \"t\"\n\
             currency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n{extra}"
        );
        toml::from_str(&text).expect("a store table")
    }

    fn problems(rs: &RawStore) -> Vec<String> {
        let mut p = Problems(Vec::new());
        credentials("stores[0]", rs, &mut p);
        p.0
    }

    #[test]
    fn good_credentials_pass() {
        assert!(problems(&store("publishable_key = \"pk_live_0123456789\"")).is_empty());
    }

    #[test]
    fn each_bad_credential_is_named_by_its_key() {
        let mut rs = store("shopify_webhook_secret = \"\"\npublishable_key = \"cbk_0123456789abcdef\"");
        rs.id = "shop 1".into();
        rs.api_key = "short".into();
        rs.twilio_auth_token = String::new();
        let keys: Vec<String> =
            problems(&rs).iter().map(|m| m.split(':').next().unwrap_or_default().to_string()).collect();
        assert_eq!(
            keys,
            [
                "stores[0].id",
                "stores[0].api_key",
                "stores[0].twilio_auth_token",
                "stores[0].shopify_webhook_secret",
                "stores[0].publishable_key",
            ]
        );
    }

    #[test]
    fn the_publishable_key_may_not_be_the_api_key() {
        let rs = store("publishable_key = \"pk_0123456789abcdef\"\n");
        let mut same = rs;
        same.api_key = "pk_0123456789abcdef".into();
        assert!(problems(&same).iter().any(|m| m.contains("must differ from api_key")));
    }
}
