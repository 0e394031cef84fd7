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

/// The outcome after every try: `Err` holds why the last one failed and how many were made.
pub async fn post_signed(
    client: &reqwest::Client,
    reach: crate::outbound_target::Reach,
    url: &str,
    secret: &Secret,
    id: &str,
    body: &[u8],
) -> Result<(), (String, u32)> {
    // An endpoint written as an address inside the network is refused before any try (a name
    // is checked as it resolves: `outbound_target`).
    if let Some(why) = crate::outbound_target::refusal(url, reach) {
        return Err((format!("refused: {why}"), 0));
    }
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF[attempt - 1]).await;
        }
        let now = jiff::Timestamp::now().as_second();
        let headers = standard_webhooks::headers(secret, id, now, body)
            .ok_or_else(|| ("the secret is not a whsec_ secret".to_string(), 0))?;
        let mut req =
            client.post(url).timeout(ATTEMPT_TIMEOUT).header("content-type", "application/json").body(body.to_vec());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if r.status().is_redirection() => {
                return Err((
                    format!("the endpoint redirected (HTTP {}): redirects are not followed", r.status().as_u16()),
                    attempt as u32 + 1,
                ));
            }
            Ok(r) if r.status().is_client_error() && r.status().as_u16() != 429 => {
                return Err((format!("the endpoint refused it: HTTP {}", r.status().as_u16()), attempt as u32 + 1));
            }
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) if is_refused_address(&e) => {
                return Err((
                    "refused: the name resolves only to addresses inside the network".into(),
                    attempt as u32 + 1,
                ));
            }
            Err(e) => last = if e.is_timeout() { "timed out".into() } else { "unreachable".into() },
        }
    }
    Err((format!("{last} after {ATTEMPTS} tries"), ATTEMPTS as u32))
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
