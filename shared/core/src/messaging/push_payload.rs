//! What a web push message carries to the service worker (`clients/web/cartback-sw.js`): one
//! small JSON document, encrypted for the browser by the sender. The service worker shows
//! `title` and `body` and opens `url` on a click; `tag` makes a cart's next notification
//! replace its last one instead of stacking.

use crate::ports::OutgoingMessage;

/// The document, as the service worker reads it. Its fields are the contract with
/// `cartback-sw.js` (and `tests/references/web_push.py` decrypts it back to this).
pub fn payload(msg: &OutgoingMessage) -> String {
    serde_json::json!({
        "v": 1,
        "title": msg.subject.as_deref().unwrap_or(&msg.store),
        "body": msg.body,
        "url": msg.link,
        "lang": msg.locale,
        "tag": topic(&msg.store, &msg.cart),
    })
    .to_string()
}

/// One per cart, saying nothing of the cart's id: the notification's `tag` and the push
/// message's `Topic` (RFC 8030 §5.4: at most 32 base64url characters), so a cart's newer
/// message replaces an older one the browser has not collected or still shows.
pub fn topic(store: &str, cart: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::new().chain_update(store).chain_update([0]).chain_update(cart).finalize();
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}
