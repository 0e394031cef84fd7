//! The client for merchants' endpoints (hand-offs, events out): it connects only to addresses
//! on the internet (`cartback_core::outbound::targets::allowed`) — every address a name
//! resolves to is checked when the request is made, so a name that resolves to the metadata
//! service or a private range, or is re-pointed there after the configuration was checked
//! (DNS rebinding), is never reached — and it follows no redirect (a 3xx is a refusal).

use cartback_core::outbound::targets;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Whether endpoints on this machine may be reached: only local mode's explicit development
/// flag (`cartback serve --allow-loopback-webhooks`) and tests say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    #[default]
    InternetOnly,
    AlsoLoopback,
}

impl Reach {
    fn loopback(self) -> bool {
        self == Reach::AlsoLoopback
    }
}

/// Resolves with the system's resolver, then keeps only the addresses an endpoint may be at.
struct Guarded(Reach);

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let loopback = self.0.loopback();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| targets::allowed(a.ip(), loopback)).collect();
            if kept.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves only to private, link-local or reserved addresses").into();
                return Err(e);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The client: guarded resolution, no redirects, the senders' timeouts.
pub fn client(timeout: Duration, reach: Reach) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(Guarded(reach)))
        .user_agent(concat!("cartback/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Why `url` may not be requested now, if so: an address written in the URL is not resolved,
/// so it is checked here (the resolver checks names).
pub fn refusal(url: &str, reach: Reach) -> Option<String> {
    if let Some(why) = targets::url_problem(url) {
        return Some(why);
    }
    let ip = targets::host_address(&url::Url::parse(url).ok()?)?;
    (!targets::allowed(ip, reach.loopback())).then(|| format!("{} is not an address on the internet", ip))
}
