//! Which provider carries each channel for a store, with its settings. Secrets are redacted in
//! `Debug` so a logged configuration never shows them.

pub use super::secrets::Secret;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SmsProvider {
    /// Local mode's console (and the default): nothing leaves the process.
    #[default]
    Console,
    /// Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`.
    Twilio {
        account_sid: String,
        /// The store's `twilio_auth_token` (basic auth password, and webhook signatures).
        auth_token: Secret,
        /// A sender number (E.164) or, preferred, a Messaging Service.
        from: Option<String>,
        messaging_service_sid: Option<String>,
    },
    /// AWS End User Messaging SMS (`pinpoint-sms-voice-v2` `SendTextMessage`).
    Aws {
        /// Phone number, sender id or pool (id or ARN); absent: the account's default.
        origination_identity: Option<String>,
        configuration_set: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EmailProvider {
    #[default]
    Console,
    /// Amazon SES v2 `SendEmail`, raw MIME (text + HTML, `List-Unsubscribe`).
    Ses { from: String, configuration_set: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WhatsappProvider {
    #[default]
    Console,
    /// Meta WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages`, bearer token.
    Meta {
        phone_number_id: String,
        access_token: Secret,
        /// The approved template for business-initiated recovery messages, and how it is
        /// filled in (`whatsapp_template`).
        template: crate::config::whatsapp_template::WhatsappTemplate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WebpushProvider {
    /// Local mode's console (and the default).
    #[default]
    Console,
    /// The browser's own push service (RFC 8030), reached with the store's VAPID key pair
    /// (RFC 8292): `POST {subscription endpoint}`, the body encrypted for that browser (RFC 8291).
    Vapid(Vapid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vapid {
    /// The uncompressed P-256 public key, base64url: the snippet subscribes with it.
    pub public_key: String,
    /// `webpush_vapid_private_key`: the 32-byte private scalar, base64url.
    pub private_key: Secret,
    /// Who the push service may contact about this sender (`mailto:` or `https:`).
    pub subject: String,
    /// How long a push service may hold a notification for a browser that is offline.
    pub ttl_secs: u32,
    /// RFC 8030 §5.3: `very-low`, `low`, `normal` or `high`.
    pub urgency: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Providers {
    pub sms: SmsProvider,
    pub email: EmailProvider,
    pub whatsapp: WhatsappProvider,
    pub webpush: WebpushProvider,
}
