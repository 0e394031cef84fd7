//! One-click unsubscribe tokens (RFC 8058): `{contact key}.{MAC}`, where the MAC is
//! HMAC-SHA256 over the store and contact key under the deployment's secret, so a link works
//! for exactly one shopper of one store, cannot be forged or altered, and survives a rotation
//! of the store's API key. The contact key is itself keyed by that secret: the link holds
//! nothing a phone number could be recovered from.
//!
//! Links sent before (MAC under a digest of the API key, legacy contact key) still work: they
//! verify as `Token::Legacy`, and the migration left a record from the legacy key to the new.

use crate::config::StoreConfig;
use crate::messaging::Links;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

fn mac(store: &StoreConfig, contact_key: &str) -> Vec<u8> {
    mac_under(crate::domain::contact::deployment_key(), store, contact_key)
}

fn mac_under(key: &[u8], store: &StoreConfig, contact_key: &str) -> Vec<u8> {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length.
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("hmac key");
    m.update(b"cartback-unsubscribe\0");
    m.update(store.id.as_bytes());
    m.update(b"\0");
    m.update(contact_key.as_bytes());
    m.finalize().into_bytes()[..18].to_vec()
}

pub fn token(store: &StoreConfig, contact_key: &str) -> String {
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac(store, contact_key));
    format!("{contact_key}.{tag}")
}

/// What a valid token names.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// The contact's key.
    Current(&'a str),
    /// A link sent before keyed contact keys: the legacy key, resolved through
    /// `contact::legacy_link`.
    Legacy(&'a str),
}

/// The contact key a token was made for, if it was made by this store.
pub fn verify<'a>(store: &StoreConfig, token: &'a str) -> Option<Token<'a>> {
    let (key, tag) = token.split_once('.')?;
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let given = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag).ok()?;
    if bool::from(given.ct_eq(&mac(store, key))) {
        return Some(Token::Current(key));
    }
    bool::from(given.ct_eq(&mac_under(&store.api_key_sha256, store, key))).then_some(Token::Legacy(key))
}

/// A link in the form the first versions sent (tests of the migration).
pub fn legacy_token(store: &StoreConfig, legacy_key: &str) -> String {
    let tag =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac_under(&store.api_key_sha256, store, legacy_key));
    format!("{legacy_key}.{tag}")
}

/// The one-click URL for a contact of a store.
pub fn url(public_url: &str, store: &StoreConfig, contact_key: &str) -> String {
    format!("{public_url}/v1/unsubscribe/{}/{}", store.id, token(store, contact_key))
}

impl Links {
    /// The contact an unsubscribe link names, if the link is this store's: its own key, or for
    /// a link sent before contact keys were keyed, where the migration recorded it points.
    pub async fn unsubscribe_link_contact(
        &self,
        store: &StoreConfig,
        token: &str,
    ) -> Result<Option<String>, crate::engine::EngineError> {
        Ok(match verify(store, token) {
            None => None,
            Some(Token::Current(key)) => Some(key.to_string()),
            Some(Token::Legacy(old)) => {
                let link = self.carts.get_link(&crate::domain::contact::legacy_link(&store.id, old)).await?;
                link.filter(|l| l.store == store.id).map(|l| l.cart)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::demo_config;

    #[test]
    fn a_token_opens_for_its_contact_only() {
        let c = demo_config();
        let s = c.store("demo").unwrap();
        let t = token(s, "abc123");
        assert_eq!(verify(s, &t), Some(Token::Current("abc123")));
        assert_eq!(verify(s, &legacy_token(s, "abc123")), Some(Token::Legacy("abc123")));
        assert_eq!(verify(s, &t.replace("abc123", "abc124")), None, "another contact with the same MAC");
        let mut bad = t.clone();
        bad.pop();
        assert_eq!(verify(s, &bad), None);
        assert_eq!(verify(s, "abc123"), None);
        assert_eq!(verify(s, ".x"), None);
    }

    #[test]
    fn a_link_survives_a_rotation_of_the_api_key() {
        let before = demo_config();
        let t = token(before.store("demo").unwrap(), "abc123");
        let text = include_str!("../../../../docs/cartback.example.toml")
            .replace("cbk_demo_0123456789abcdef", "cbk_demo_rotated_0123456789");
        let after = crate::config::Config::from_toml("rotated.toml", &text).unwrap();
        assert_eq!(verify(after.store("demo").unwrap(), &t), Some(Token::Current("abc123")));
    }
}
