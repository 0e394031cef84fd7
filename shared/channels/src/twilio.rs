//! SMS through Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`,
//! form-encoded, HTTP basic auth (Account SID and auth token), with a `StatusCallback` so
//! delivery reports come back to `/v1/status/twilio/{store}`.

use crate::provider_errors;
use cartback_core::ports::{ChannelError, OutgoingMessage};
use serde_json::Value;

pub struct TwilioAccount<'a> {
    pub account_sid: &'a str,
    pub auth_token: &'a str,
    pub from: Option<&'a str>,
    pub messaging_service_sid: Option<&'a str>,
}

/// The form Twilio receives for `msg`, in order.
pub fn form<'a>(
    msg: &'a OutgoingMessage,
    account: &TwilioAccount<'a>,
) -> Vec<(&'static str, std::borrow::Cow<'a, str>)> {
    let mut form: Vec<(&'static str, std::borrow::Cow<'a, str>)> =
        vec![("To", msg.to.as_str().into()), ("Body", msg.body.as_str().into())];
    // A Messaging Service picks the sender (and handles STOP at the carrier level) when given.
    match (account.messaging_service_sid, account.from) {
        (Some(mss), _) => form.push(("MessagingServiceSid", mss.into())),
        (None, Some(from)) => form.push(("From", from.into())),
        (None, None) => {}
    }
    if let Some(cb) = msg.status_callback.as_deref() {
        form.push(("StatusCallback", cb.into()));
    }
    // Twilio drops a text still queued when the recipient's window closes rather than deliver
    // it at night ("ValidityPeriod": 1 to 36 000 seconds, the default).
    if let Some(secs) = msg.valid_for_secs {
        form.push(("ValidityPeriod", secs.clamp(1, 36_000).to_string().into()));
    }
    form
}

/// Sends one SMS; returns Twilio's message SID.
pub async fn send(
    http: &reqwest::Client,
    base: &str,
    msg: &OutgoingMessage,
    account: &TwilioAccount<'_>,
) -> Result<String, ChannelError> {
    let url = format!("{base}/2010-04-01/Accounts/{}/Messages.json", account.account_sid);
    let resp = http
        .post(url)
        .basic_auth(account.account_sid, Some(account.auth_token))
        .form(&form(msg, account))
        .send()
        .await
        .map_err(|e| provider_errors::transport("twilio", &e))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(provider_errors::twilio(status, &body));
    }
    // Accepted. A body without a SID is odd but the message was taken: never resend it.
    let sid = serde_json::from_str::<Value>(&body).ok().and_then(|v| v.get("sid")?.as_str().map(str::to_string));
    Ok(sid.unwrap_or_else(|| "twilio-accepted".into()))
}
