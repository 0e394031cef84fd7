//! One Standard Webhooks message POSTed with retries: what the hand-off webhook and the event
//! webhooks share. 3 tries with backoff on a 5xx, a 429 or a network error; any other 4xx is
//! final. The timestamp is the sending time, so a retry is not refused as stale; the id stays.

use cartback_core::config::Secret;
use cartback_core::outbound::standard_webhooks;
use std::time::Duration;

pub const ATTEMPTS: usize = 3;
const BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_millis(750)];
/// The work that raised a message waits for its tries (Twilio gives a webhook 15 s): three
/// take at most 10 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a message was not delivered after its tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What the last try met (no response body: it may echo what was sent).
    pub why: String,
    /// Tries made.
    pub attempts: u32,
    /// Whether a later try may succeed (a 5xx, a 429, a timeout, an unreachable endpoint); a
    /// refusal (another 4xx, a redirect, an address inside the network, a bad secret) is final.
    pub retryable: bool,
    /// The endpoint answered `410 Gone`: by the REST Hook convention Zapier, Make and n8n
    /// follow, the subscription is to be removed.
    pub gone: bool,
}

fn fin(why: impl Into<String>, attempts: u32) -> Failure {
    Failure { why: why.into(), attempts, retryable: false, gone: false }
}

/// The outcome after every try.
pub async fn post_signed(
    client: &reqwest::Client,
    reach: crate::outbound_target::Reach,
    url: &str,
    secret: &Secret,
    id: &str,
    body: &[u8],
) -> Result<(), Failure> {
    // An endpoint written as an address inside the network is refused before any try (a name
    // is checked as it resolves: `outbound_target`).
    if let Some(why) = crate::outbound_target::refusal(url, reach) {
        return Err(fin(format!("refused: {why}"), 0));
    }
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF[attempt - 1]).await;
        }
        let now = jiff::Timestamp::now().as_second();
        let headers = standard_webhooks::headers(secret, id, now, body)
            .ok_or_else(|| fin("the secret is not a whsec_ secret", 0))?;
        let mut req =
            client.post(url).timeout(ATTEMPT_TIMEOUT).header("content-type", "application/json").body(body.to_vec());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if r.status().is_redirection() => {
                return Err(fin(
                    format!("the endpoint redirected (HTTP {}): redirects are not followed", r.status().as_u16()),
                    attempt as u32 + 1,
                ));
            }
            // 408 and 429 say "later": retried like a 5xx.
            Ok(r) if r.status().is_client_error() && !matches!(r.status().as_u16(), 408 | 429) => {
                let mut f = fin(format!("the endpoint refused it: HTTP {}", r.status().as_u16()), attempt as u32 + 1);
                f.gone = r.status().as_u16() == 410;
                return Err(f);
            }
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) if is_refused_address(&e) => {
                return Err(fin("refused: the name resolves only to addresses inside the network", attempt as u32 + 1));
            }
            Err(e) => last = if e.is_timeout() { "timed out".into() } else { "unreachable".into() },
        }
    }
    Err(Failure {
        why: format!("{last} after {ATTEMPTS} tries"),
        attempts: ATTEMPTS as u32,
        retryable: true,
        gone: false,
    })
}

/// Whether the request failed because the guarded resolver kept no address (final: retrying
/// resolves to the same place).
fn is_refused_address(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("resolves only to private") {
            return true;
        }
        source = s.source();
    }
    false
}
