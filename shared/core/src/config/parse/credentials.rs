//! A store's identity and secrets: its id, API key, Twilio token, webhook secrets and the
//! publishable key of the capture snippet.

use super::problems::Problems;
use super::store::RawStore;
use crate::config::{AlertWebhook, Secret};
use crate::outbound::standard_webhooks;

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

/// Where hand-offs go: an https URL (http only to this machine, for local mode) and a
/// Standard Webhooks secret (`whsec_` + base64 of at least 24 bytes) to sign them with.
pub(super) fn alert_webhook(
    at: &str,
    url: Option<String>,
    secret: Option<String>,
    p: &mut Problems,
) -> Option<AlertWebhook> {
    let (url, secret) = match (url, secret) {
        (None, None) => return None,
        (Some(_), None) => {
            p.add(
                &format!("{at}.alert_webhook_secret"),
                "required with alert_webhook: `whsec_` and base64, as Standard Webhooks receivers expect",
            );
            return None;
        }
        (None, Some(_)) => {
            p.add(&format!("{at}.alert_webhook"), "alert_webhook_secret is set but alert_webhook is not");
            return None;
        }
        (Some(u), Some(s)) => (u, s),
    };
    if let Some(why) = crate::outbound::targets::url_problem(&url) {
        p.add(&format!("{at}.alert_webhook"), why);
    }
    if standard_webhooks::secret_key(&secret).is_none() {
        p.add(
            &format!("{at}.alert_webhook_secret"),
            format!("`whsec_` and the base64 of at least {} random bytes", standard_webhooks::MIN_SECRET_BYTES),
        );
    }
    Some(AlertWebhook { url, secret: Secret(secret) })
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
    fn an_alert_webhook_needs_https_and_a_standard_webhooks_secret() {
        let secret = || Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string());
        let mut p = Problems(Vec::new());
        let ok = alert_webhook("s", Some("https://hooks.example/cartback".into()), secret(), &mut p);
        assert!(ok.is_some() && p.0.is_empty(), "{:?}", p.0);
        assert!(alert_webhook("s", None, None, &mut p).is_none() && p.0.is_empty());
        alert_webhook("s", Some("http://hooks.example/x".into()), secret(), &mut p);
        alert_webhook("s", Some("https://hooks.example/x".into()), Some("hunter2".into()), &mut p);
        alert_webhook("s", Some("https://hooks.example/x".into()), None, &mut p);
        let keys: Vec<&str> = p.0.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.alert_webhook", "s.alert_webhook_secret", "s.alert_webhook_secret"]);
        let mut q = Problems(Vec::new());
        assert!(alert_webhook("s", Some("http://127.0.0.1:9000/h".into()), secret(), &mut q).is_some());
        assert!(q.0.is_empty(), "local mode may post to this machine over http");
        // Issue #28: addresses inside the network are refused when written, in every form.
        for inside in
            ["https://169.254.169.254/x", "https://10.0.0.1/x", "https://[fd00:ec2::254]/x", "https://0xa9fea9fe/x"]
        {
            let mut r = Problems(Vec::new());
            alert_webhook("s", Some(inside.into()), secret(), &mut r);
            assert!(r.0.iter().any(|m| m.contains("private, link-local or reserved")), "{inside}: {:?}", r.0);
        }
    }

    #[test]
    fn the_publishable_key_may_not_be_the_api_key() {
        let rs = store("publishable_key = \"pk_0123456789abcdef\"\n");
        let mut same = rs;
        same.api_key = "pk_0123456789abcdef".into();
        assert!(problems(&same).iter().any(|m| m.contains("must differ from api_key")));
    }
}
