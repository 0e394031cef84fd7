//! Meta's WhatsApp webhooks: the `X-Hub-Signature-256` check (`sha256=` + hex HMAC-SHA256 of
//! the raw body under the app secret) and the message statuses in a delivery. Cartback sends
//! each message with `biz_opaque_callback_data` naming its send record (`cart=…&seq=…`), which
//! Meta hands back with every status of that message.

use crate::domain::DeliveryStatus;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub fn verify(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else { return false };
    if hex.len() != 64 {
        return false;
    }
    let given: Option<Vec<u8>> = (0..32).map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()).collect();
    let Some(given) = given else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else { return false };
    mac.update(body);
    bool::from(given.as_slice().ct_eq(mac.finalize().into_bytes().as_slice()))
}

/// What a message carries for its statuses to find their way back.
pub fn callback_data(cart: &str, seq: u64) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("cart", cart)
        .append_pair("seq", &seq.to_string())
        .finish()
}

/// One status of one message Cartback sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub cart: String,
    pub seq: u64,
    pub status: DeliveryStatus,
}

/// The statuses in a webhook delivery that name a send of ours, and how many statuses were left
/// out (of messages sent by other tools, without our callback data, or of a kind we do not use,
/// like `warning`): the caller counts those, so none is dropped in silence. Inbound messages are
/// read elsewhere (`conversations::whatsapp_inbound`).
pub fn statuses(body: &[u8]) -> Result<(Vec<StatusUpdate>, usize), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if v.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        return Err("not a WhatsApp Business Account webhook (`object`)".into());
    }
    let mut out = Vec::new();
    let mut left_out = 0;
    let entries = v.get("entry").and_then(Value::as_array).into_iter().flatten();
    for change in entries.filter_map(|e| e.get("changes")?.as_array()).flatten() {
        let statuses = change.get("value").and_then(|v| v.get("statuses")).and_then(Value::as_array);
        for s in statuses.into_iter().flatten() {
            let Some(status) = s.get("status").and_then(Value::as_str).and_then(DeliveryStatus::parse) else {
                left_out += 1;
                continue;
            };
            let Some(data) = s.get("biz_opaque_callback_data").and_then(Value::as_str) else {
                left_out += 1;
                continue;
            };
            let pairs: Vec<(String, String)> = form_urlencoded::parse(data.as_bytes()).into_owned().collect();
            let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let (Some(cart), Some(seq)) = (get("cart"), get("seq").and_then(|s| s.parse().ok())) {
                out.push(StatusUpdate { cart, seq, status });
            } else {
                left_out += 1;
            }
        }
    }
    Ok((out, left_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_signature_vector_verifies() {
        // tests/fixtures/signature-vectors.json, "x-hub-signature-256-basic".
        let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(verify("It's a Secret to Everybody", b"Hello, World!", sig));
        assert!(!verify("It's a Secret to Everybody", b"Hello, World?", sig));
        assert!(!verify("another", b"Hello, World!", sig));
        assert!(!verify("It's a Secret to Everybody", b"Hello, World!", &sig[..20]));
        assert!(!verify("It's a Secret to Everybody", b"Hello, World!", "md5=abc"));
    }

    #[test]
    fn statuses_are_read_from_a_delivery() {
        let body = format!(
            r#"{{"object": "whatsapp_business_account", "entry": [{{"id": "1", "changes": [{{"field": "messages",
                "value": {{"messaging_product": "whatsapp", "statuses": [
                  {{"id": "wamid.1", "status": "delivered", "timestamp": "1700000000", "recipient_id": "905321234567",
                    "biz_opaque_callback_data": "{}"}},
                  {{"id": "wamid.2", "status": "read", "recipient_id": "905321234567"}},
                  {{"id": "wamid.3", "status": "warning", "biz_opaque_callback_data": "cart=x&seq=1"}}]}}}}]}}]}}"#,
            callback_data("c 1&x", 7)
        );
        let (got, left_out) = statuses(body.as_bytes()).unwrap();
        assert_eq!(got, [StatusUpdate { cart: "c 1&x".into(), seq: 7, status: DeliveryStatus::Delivered }]);
        assert_eq!(left_out, 2, "another tool's message and a `warning`");
        assert!(statuses(b"{\"object\": \"page\"}").is_err());
        assert!(statuses(b"nope").is_err());
    }
}
