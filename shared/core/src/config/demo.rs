//! The demo store `cartback serve` starts without `--config`: the shipped example file itself,
//! so the documentation and the demo can never drift apart.

use super::Config;

pub const DEMO_STORE_ID: &str = "demo";
pub const DEMO_API_KEY: &str = "cbk_demo_0123456789abcdef";
pub const DEMO_TWILIO_AUTH_TOKEN: &str = "demo_twilio_auth_token";
pub const DEMO_SHOPIFY_WEBHOOK_SECRET: &str = "demo_shopify_webhook_secret";
pub const DEMO_WOOCOMMERCE_WEBHOOK_SECRET: &str = "demo_woocommerce_webhook_secret";
pub const DEMO_PUBLISHABLE_KEY: &str = "pk_demo_0123456789abcdef";

const EXAMPLE: &str = include_str!("../../../../docs/cartback.example.toml");

pub fn demo_config() -> Config {
    match Config::from_toml("docs/cartback.example.toml", EXAMPLE) {
        Ok(c) => c,
        // The example is tested (tests below); a broken one is a build defect, not user input.
        Err(e) => panic!("the built-in example configuration is invalid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_loads_and_matches_documented_credentials() {
        let c = demo_config();
        let s = c.store_for_key(DEMO_API_KEY).expect("demo key");
        assert_eq!(s.id, DEMO_STORE_ID);
        assert_eq!(s.twilio_auth_token.expose(), DEMO_TWILIO_AUTH_TOKEN);
        assert_eq!(
            s.woocommerce_webhook_secret.as_ref().map(crate::config::Secret::expose),
            Some(DEMO_WOOCOMMERCE_WEBHOOK_SECRET)
        );
        assert_eq!(s.publishable_key.as_deref(), Some(DEMO_PUBLISHABLE_KEY));
        assert_eq!(s.steps.len(), 6, "sms, e-mail in two branches, WhatsApp in two, web push");
        assert!(s.allows_url("https://shop.example/checkouts/abc"));
        assert!(s.allows_url("https://www.shop.example/x"));
        assert!(!s.allows_url("https://evilshop.example/x"));
        assert!(!s.allows_url("https://shop.example.evil.com/x"));
        assert!(!s.allows_url("javascript:alert(1)"));
    }

    #[test]
    fn invalid_files_name_every_problem() {
        let text = EXAMPLE
            .replace("abandon_after = \"30m\"", "abandon_after = \"30x\"")
            .replace("currency = \"EUR\"", "currency = \"EURO\"")
            .replace("channel = \"whatsapp\"", "channel = \"pigeon\"");
        let err = Config::from_toml("x.toml", &text).unwrap_err().to_string();
        assert!(err.contains("stores[0].abandon_after"), "{err}");
        assert!(err.contains("stores[0].currency"), "{err}");
        assert!(err.contains("stores[0].steps[3].channel"), "{err}");
        assert!(!err.contains(".when"), "no follow-on problem from the bad currency: {err}");
        let err = Config::from_toml("x.toml", "[[stores]]\nid = 1").unwrap_err().to_string();
        assert!(err.contains("x.toml"), "{err}");
        let err = Config::from_toml(
            "x.toml",
            &EXAMPLE.replace("last call for your cart ({{ total }})", "last call ({{ lnk }})"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("lnk"), "{err}");
    }
}
