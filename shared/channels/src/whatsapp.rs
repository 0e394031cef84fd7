//! WhatsApp through Meta's Cloud API: `POST /{version}/{phone-number-id}/messages` with a bearer
//! token. Business-initiated recovery messages are approved *template* messages; free-form text
//! is only allowed inside the 24-hour customer-service window after the shopper's last message.

use crate::provider_errors;
use cartback_core::conversations::whatsapp_inbound::{RESTORE_BUTTON_PAYLOAD, STOP_BUTTON_PAYLOAD};
use cartback_core::ports::{ChannelError, OutgoingMessage};
use serde_json::{Value, json};

/// Meta's template language code for a shopper's locale: its primary language ("tr-TR" → "tr"),
/// English when unknown.
pub fn language(locale: Option<&str>) -> String {
    locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase)
        .filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()))
        .unwrap_or_else(|| "en".into())
}

/// The JSON Meta receives for `msg`.
pub fn body(msg: &OutgoingMessage, template: &str, quick_replies: bool) -> Value {
    let to = msg.to.trim_start_matches('+');
    // Handed back with every status of this message: how a status finds its send record.
    let callback = cartback_core::feedback::whatsapp_statuses::callback_data(&msg.cart, msg.seq);
    if msg.session_open {
        return json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": true, "body": msg.body},
            "biz_opaque_callback_data": callback,
        });
    }
    let params: Vec<Value> = msg.template_params.iter().map(|p| json!({"type": "text", "text": p})).collect();
    let mut components = vec![json!({"type": "body", "parameters": params})];
    if quick_replies {
        // The template's buttons, in order: "Complete my order", "Stop promotions". A tap comes
        // back with its payload, whatever the label says in the shopper's language.
        for (index, payload) in [RESTORE_BUTTON_PAYLOAD, STOP_BUTTON_PAYLOAD].iter().enumerate() {
            components.push(json!({
                "type": "button", "sub_type": "quick_reply", "index": index.to_string(),
                "parameters": [{"type": "payload", "payload": payload}],
            }));
        }
    }
    json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language(msg.locale.as_deref())},
            "components": components,
        },
        "biz_opaque_callback_data": callback,
    })
}

/// Meta delivers no marketing template messages to US (+1) numbers; sending one only costs a
/// failure. The engine sends SMS instead where the shopper consented (send_policy).
pub fn is_us_number(to: &str) -> bool {
    cartback_core::domain::phone::is_us(to)
}

/// A store's WhatsApp Business number and its recovery template (`[stores.whatsapp]`).
pub struct Account<'a> {
    pub phone_number_id: &'a str,
    pub token: &'a str,
    pub template: &'a str,
    pub quick_replies: bool,
}

pub async fn send(
    http: &reqwest::Client,
    graph: &str,
    version: &str,
    msg: &OutgoingMessage,
    account: &Account<'_>,
) -> Result<String, ChannelError> {
    let Account { phone_number_id, token, template, quick_replies } = *account;
    if !msg.session_open && is_us_number(&msg.to) {
        return Err(ChannelError::Permanent("whatsapp: marketing templates are not delivered to +1 numbers".into()));
    }
    let url = format!("{graph}/{version}/{phone_number_id}/messages");
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body(msg, template, quick_replies))
        .send()
        .await
        .map_err(|e| provider_errors::transport("whatsapp", &e))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(provider_errors::whatsapp(status, &text));
    }
    let id = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("messages")?.get(0)?.get("id")?.as_str().map(str::to_string));
    Ok(id.unwrap_or_else(|| "whatsapp-accepted".into()))
}

#[cfg(test)]
mod tests {
    use super::language;

    #[test]
    fn languages_from_locales() {
        assert_eq!(language(Some("tr-TR")), "tr");
        assert_eq!(language(Some("nb_NO")), "nb");
        assert_eq!(language(Some("fa")), "fa");
        assert_eq!(language(Some("??")), "en");
        assert_eq!(language(None), "en");
    }
}
