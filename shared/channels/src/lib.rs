//! Message providers at the edge: each a real client of the provider's HTTP API behind the
//! core's `ChannelSender` port, and `ProviderChannel`, which sends each message through the
//! provider its store configured for its channel.

pub mod event_webhooks;
pub mod handoff_webhook;
pub mod outbound_target;
pub mod product_pages;
pub mod provider_errors;
pub mod reply_reader;
pub mod router;
pub mod signed_post;
pub mod twilio;
pub mod web_push;
pub mod whatsapp;

pub use router::ProviderChannel;

use std::time::Duration;

/// Where the HTTPS providers are reached (tests point these at local fakes).
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub twilio: String,
    pub meta_graph: String,
    /// The Graph API version of the WhatsApp Cloud API.
    pub meta_version: String,
    /// How long a send waits for the provider's answer (`TIMEOUT`; tests shorten it).
    pub timeout: Duration,
    /// Where web push endpoints may be: a browser chose them, so on the internet only, but for
    /// tests whose push service listens on loopback.
    pub push_reach: outbound_target::Reach,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            twilio: "https://api.twilio.com".into(),
            meta_graph: "https://graph.facebook.com".into(),
            meta_version: "v21.0".into(),
            timeout: TIMEOUT,
            push_reach: outbound_target::Reach::InternetOnly,
        }
    }
}

/// How long a send waits for the provider's answer. A provider that does not answer within it
/// may still have taken the message, so the send is recorded `unknown`, never resent.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The senders' HTTP client: no retries of its own (reqwest has none), a connect timeout (a
/// connection that never opened sent nothing: retryable) and an overall `timeout`.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(3))
        .user_agent(concat!("cartback/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
