//! Secrets in a store's configuration, in one place: which fields are secrets (`SECRET_FIELDS`,
//! what `cartback store` moves to SSM SecureStrings) and the `Secret` type every one of them is
//! held in, so a logged configuration never shows one.

/// The store fields (`[[stores]]` in the TOML) that are secrets; `section.field` names one in a
/// store's sub-table (`[stores.sms]`). `api_key` is kept only as its digest once loaded;
/// `whatsapp_access_token` lives in the WhatsApp provider's settings. The Twilio Account SID is
/// an identifier rather than a secret, but with it anyone holding a leaked auth token can act
/// for the account: it is kept beside the token.
pub const SECRET_FIELDS: &[&str] = &[
    "sms.twilio_account_sid",
    "whatsapp_verify_token",
    "api_key",
    "twilio_auth_token",
    "twilio_webhook_shared_key",
    "shopify_webhook_secret",
    "woocommerce_webhook_secret",
    "whatsapp_access_token",
    "whatsapp_app_secret",
    "alert_webhook_secret",
    "event_webhook_secret",
    "reader_api_key",
    "shopify_admin_token",
    "woocommerce_consumer_key",
    "woocommerce_consumer_secret",
    "webpush_vapid_private_key",
];

pub use crate::domain::secret::Secret;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Every secret of the documented example is absent from the loaded configuration's
    /// `Debug` output (what a log line of it would show).
    #[test]
    fn no_secret_field_shows_in_a_printed_configuration() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cartback.example.toml");
        let text = std::fs::read_to_string(path).expect("the example");
        let config = Config::load(path).expect("the example loads");
        let printed = format!("{config:?}");
        let doc: toml::Table = toml::from_str(&text).expect("TOML");
        let mut checked = 0;
        for store in doc["stores"].as_array().expect("stores") {
            let secrets = SECRET_FIELDS.iter().filter_map(|f| store.get(*f).and_then(|v| v.as_str()));
            for value in secrets.filter(|v| v.len() >= 8) {
                checked += 1;
                assert!(!printed.contains(value), "a secret shows in the printed configuration");
            }
        }
        assert!(checked >= 4, "the example has only {checked} secrets to check");
    }
}
