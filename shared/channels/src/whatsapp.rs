//! WhatsApp through Meta's Cloud API: `POST /{version}/{phone-number-id}/messages` with a bearer
//! token. Business-initiated recovery messages are approved *template* messages; free-form text
//! is only allowed inside the 24-hour customer-service window after the shopper's last message.

use crate::provider_errors;
use cartback_core::config::whatsapp_template::{BodyValue, Button, WhatsappTemplate};
use cartback_core::conversations::whatsapp_inbound::{RESTORE_BUTTON_PAYLOAD, STOP_BUTTON_PAYLOAD};
use cartback_core::ports::{ChannelError, Interactive, OutgoingMessage};
use serde_json::{Value, json};

/// Meta's limit on `biz_opaque_callback_data` (Cloud API reference, "messages": "Maximum 512
/// characters").
pub const CALLBACK_DATA_MAX: usize = 512;

use cartback_core::domain::channel::WHATSAPP_INTERACTIVE_BODY_MAX as INTERACTIVE_BODY_MAX;

/// The `interactive` object for `msg`'s buttons (Cloud API reference, "Interactive object":
/// `cta_url` with `action.name = "cta_url"` and its `display_text`/`url` parameters; `button`
/// with up to three `reply` buttons, each an `id` and a `title`).
fn interactive(body: &str, i: &Interactive) -> Value {
    match i {
        Interactive::Link { label, url } => json!({
            "type": "cta_url", "body": {"text": body},
            "action": {"name": "cta_url", "parameters": {"display_text": label, "url": url}},
        }),
        Interactive::Replies(buttons) => json!({
            "type": "button", "body": {"text": body},
            "action": {"buttons": buttons.iter().take(cartback_core::domain::channel::WHATSAPP_REPLY_BUTTONS_MAX).map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": b.title}})).collect::<Vec<_>>()},
        }),
    }
}

/// The JSON Meta receives for `msg`: free-form text inside the customer-service window (as an
/// interactive message when it carries buttons and its text fits one), else the
/// store's template filled in as its configuration says (Cloud API reference, "Template
/// object": `components` of type `body` with `text` parameters and of type `button` with
/// `sub_type` `url` (a `text` suffix), `copy_code` (a `coupon_code`) or `quick_reply` (a
/// `payload`), each with its `index`).
pub fn body(msg: &OutgoingMessage, template: &WhatsappTemplate) -> Result<Value, ChannelError> {
    let to = msg.to.trim_start_matches('+');
    // Handed back with every status of this message: how a status finds its send record. A
    // cart id long enough to break Meta's limit goes without (its statuses are not matched).
    let callback = Some(cartback_core::feedback::whatsapp_statuses::callback_data(&msg.cart, msg.seq))
        .filter(|c| c.chars().count() <= CALLBACK_DATA_MAX);
    let buttons = msg.interactive.as_ref().filter(|_| msg.body.chars().count() <= INTERACTIVE_BODY_MAX);
    let mut out = if let (true, Some(i)) = (msg.session_open, buttons) {
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive", "interactive": interactive(&msg.body, i),
        })
    } else if msg.session_open {
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": true, "body": msg.body},
        })
    } else {
        let values = msg
            .template_values
            .as_ref()
            .ok_or_else(|| ChannelError::Permanent("whatsapp: no template values for a template message".into()))?;
        let code = || {
            values.code.as_deref().ok_or_else(|| {
                ChannelError::Permanent("whatsapp: the template needs a discount code and this message has none".into())
            })
        };
        let mut params = Vec::new();
        for v in &template.body {
            let text = match v {
                BodyValue::FirstName => values.first_name.as_str(),
                BodyValue::Store => values.store.as_str(),
                BodyValue::Link => values.link.as_str(),
                BodyValue::Code => code()?,
            };
            params.push(json!({"type": "text", "text": text}));
        }
        let mut components = vec![json!({"type": "body", "parameters": params})];
        for (index, b) in template.buttons.iter().enumerate() {
            let index = index.to_string();
            components.push(match b {
                // The template's URL ends in `{{1}}`: the restore link's token completes it.
                Button::RestoreUrl => json!({
                    "type": "button", "sub_type": "url", "index": index,
                    "parameters": [{"type": "text", "text": values.link.rsplit('/').next().unwrap_or_default()}],
                }),
                Button::CopyCode => json!({
                    "type": "button", "sub_type": "copy_code", "index": index,
                    "parameters": [{"type": "coupon_code", "coupon_code": code()?}],
                }),
                // A tap comes back with its payload, whatever the label says in the shopper's
                // language.
                Button::Restore | Button::Stop => json!({
                    "type": "button", "sub_type": "quick_reply", "index": index,
                    "parameters": [{"type": "payload", "payload":
                        if *b == Button::Restore { RESTORE_BUTTON_PAYLOAD } else { STOP_BUTTON_PAYLOAD }}],
                }),
            });
        }
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "template",
            "template": {
                "name": template.name,
                "language": {"code": template.language(msg.locale.as_deref(), &values.store_locale)},
                "components": components,
            },
        })
    };
    if let (Some(c), Some(o)) = (callback, out.as_object_mut()) {
        o.insert("biz_opaque_callback_data".into(), Value::String(c));
    }
    Ok(out)
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
    pub template: &'a WhatsappTemplate,
}

pub async fn send(
    http: &reqwest::Client,
    graph: &str,
    version: &str,
    msg: &OutgoingMessage,
    account: &Account<'_>,
) -> Result<String, ChannelError> {
    let Account { phone_number_id, token, template } = *account;
    if !msg.session_open && is_us_number(&msg.to) {
        return Err(ChannelError::Permanent("whatsapp: marketing templates are not delivered to +1 numbers".into()));
    }
    let url = format!("{graph}/{version}/{phone_number_id}/messages");
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body(msg, template)?)
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
