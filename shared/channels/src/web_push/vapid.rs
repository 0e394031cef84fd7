//! VAPID (RFC 8292): the store's application server key. The browser subscribes with its public
//! half (`applicationServerKey`); each push request carries
//! `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed ES256 with the private half,
//! claiming the push service's origin (`aud`), an expiry within 24 hours (`exp`) and a contact
//! (`sub`). Keys are written as web push libraries write them: base64url of the 32-byte private
//! scalar and of the 65-byte uncompressed public point.

use super::{WebPushError, b64url, unb64url};
use ring::rand::SystemRandom;
use ring::signature::{self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

/// The longest a claim may live (RFC 8292 §2: no more than 24 hours).
pub const MAX_LIFETIME_SECS: i64 = 24 * 3600;
/// What Cartback claims: 12 hours, so that a push service's clock ahead of ours still accepts it.
pub const LIFETIME_SECS: i64 = 12 * 3600;

/// A store's VAPID key pair.
#[derive(Clone)]
pub struct VapidKey {
    private: Vec<u8>,
    public: Vec<u8>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public_base64url()).finish_non_exhaustive()
    }
}

/// ring's PKCS#8 document for a P-256 key is fixed: this prefix, the private scalar, a fixed
/// middle, the public point.
const PKCS8_PREFIX: [u8; 36] = [
    0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20,
];
const PKCS8_MIDDLE: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];

impl VapidKey {
    /// A new key pair from the system's random source.
    pub fn generate() -> Result<VapidKey, WebPushError> {
        let rng = SystemRandom::new();
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|_| WebPushError::Random)?;
        let d = doc.as_ref();
        if d.len() != 36 + 32 + 5 + 65 || d[..36] != PKCS8_PREFIX || d[68..73] != PKCS8_MIDDLE {
            return Err(WebPushError::Random);
        }
        VapidKey::from_raw(&d[36..68], &d[73..])
    }

    /// The pair as stored (base64url, padded or not); refused unless the two halves match.
    pub fn from_base64url(private: &str, public: &str) -> Result<VapidKey, WebPushError> {
        let (Some(d), Some(q)) = (unb64url(private), unb64url(public)) else {
            return Err(WebPushError::BadVapidKey);
        };
        VapidKey::from_raw(&d, &q)
    }

    fn from_raw(private: &[u8], public: &[u8]) -> Result<VapidKey, WebPushError> {
        let key = VapidKey { private: private.to_vec(), public: public.to_vec() };
        key.pair()?;
        Ok(key)
    }

    fn pair(&self) -> Result<EcdsaKeyPair, WebPushError> {
        EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &self.private,
            &self.public,
            &SystemRandom::new(),
        )
        .map_err(|_| WebPushError::BadVapidKey)
    }

    /// The public half, as the snippet hands it to `pushManager.subscribe`.
    pub fn public_base64url(&self) -> String {
        b64url(&self.public)
    }

    /// The private half, for the store's secret.
    pub fn private_base64url(&self) -> String {
        b64url(&self.private)
    }

    /// The `Authorization` header for a push to `endpoint` at `now` (seconds since the epoch),
    /// claiming `subject` (`mailto:…` or `https://…`).
    pub fn authorization(&self, endpoint: &str, subject: &str, now: i64) -> Result<String, WebPushError> {
        let url = url::Url::parse(endpoint).map_err(|_| WebPushError::BadEndpoint)?;
        if url.scheme() != "https" && !is_loopback(&url) || url.host_str().is_none() {
            return Err(WebPushError::BadEndpoint);
        }
        let audience = url.origin().ascii_serialization();
        let header = b64url(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({"aud": audience, "exp": now + LIFETIME_SECS, "sub": subject});
        let signing_input = format!("{header}.{}", b64url(claims.to_string().as_bytes()));
        let pair = self.pair()?;
        let sig = pair.sign(&SystemRandom::new(), signing_input.as_bytes()).map_err(|_| WebPushError::Random)?;
        debug_assert_eq!(pair.public_key().as_ref(), self.public.as_slice());
        Ok(format!("vapid t={signing_input}.{}, k={}", b64url(sig.as_ref()), self.public_base64url()))
    }
}

/// A push service on this machine (the tests' fake) may be plain HTTP; any other must be HTTPS.
fn is_loopback(url: &url::Url) -> bool {
    url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// Whether `jwt` is a valid ES256 signature by `public` (the push-service fake's check).
pub fn verify(jwt: &str, public: &[u8]) -> bool {
    let Some((input, sig)) = jwt.rsplit_once('.') else { return false };
    let Some(sig) = unb64url(sig) else { return false };
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public)
        .verify(input.as_bytes(), &sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_and_sign() {
        let k = VapidKey::generate().unwrap();
        let again = VapidKey::from_base64url(&k.private_base64url(), &k.public_base64url()).unwrap();
        assert_eq!(again.public_base64url(), k.public_base64url());
        let h = k
            .authorization("https://fcm.googleapis.com/fcm/send/abc", "mailto:shop@example.com", 1_800_000_000)
            .unwrap();
        let (t, key) = h.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(key, k.public_base64url());
        assert!(verify(t, &unb64url(key).unwrap()));
        let claims: serde_json::Value =
            serde_json::from_slice(&unb64url(t.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://fcm.googleapis.com");
        assert_eq!(claims["exp"], 1_800_000_000 + LIFETIME_SECS);
        // Another key's signature does not verify.
        let other = VapidKey::generate().unwrap();
        assert!(!verify(t, &unb64url(&other.public_base64url()).unwrap()));
    }

    #[test]
    fn mismatched_or_malformed_keys_are_refused() {
        let a = VapidKey::generate().unwrap();
        let b = VapidKey::generate().unwrap();
        assert_eq!(
            VapidKey::from_base64url(&a.private_base64url(), &b.public_base64url()).err(),
            Some(WebPushError::BadVapidKey)
        );
        assert_eq!(
            VapidKey::from_base64url("not base64!", &a.public_base64url()).err(),
            Some(WebPushError::BadVapidKey)
        );
        assert_eq!(a.authorization("http://push.example/x", "mailto:a@b.c", 0).err(), Some(WebPushError::BadEndpoint));
        assert!(format!("{a:?}").contains(&a.public_base64url()) && !format!("{a:?}").contains(&a.private_base64url()));
    }
}
