//! Message providers at the edge: each a real client of the provider's HTTP API behind the
//! core's `ChannelSender` port, and `ProviderChannel`, which sends each message through the
//! provider its store configured for its channel.

pub mod handoff_webhook;
pub mod provider_errors;
pub mod router;
pub mod twilio;
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
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            twilio: "https://api.twilio.com".into(),
            meta_graph: "https://graph.facebook.com".into(),
            meta_version: "v21.0".into(),
        }
    }
}

/// A provider that does not answer within this is treated as down (retried later). Sending may
/// still have happened; the engine's claim keeps a retry from sending twice to a shopper who got it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(3))
        .user_agent(concat!("cartback/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
