//! RFC 8291 message encryption for web push, in RFC 8188's `aes128gcm` content coding: one
//! record, a fresh P-256 key pair and salt per message.
//!
//! ```text
//! ecdh_secret = ECDH(as_private, ua_public)
//! IKM   = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info\0" ‖ ua_public ‖ as_public, 32)
//! CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm\0", 16)
//! NONCE = HKDF(salt, IKM, "Content-Encoding: nonce\0", 12)
//! body  = salt(16) ‖ rs(4) ‖ idlen(1) = 65 ‖ as_public(65) ‖ AES-128-GCM(plaintext ‖ 0x02 ‖ 0x00…)
//! ```

use super::WebPushError;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, agreement, hkdf};

/// The record size written in the header. One record carries the whole message.
pub const RECORD_SIZE: u32 = 4096;
/// The header: salt, record size, key id length, the sender's public key.
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// What a push service accepts in a body (RFC 8030 §7.2 lets it refuse more than 4 096 bytes),
/// less the header, the padding delimiter and the tag.
pub const MAX_PLAINTEXT: usize = 4096 - HEADER_LEN - 1 - 16;

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Result<Vec<u8>, WebPushError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let mut out = vec![0u8; len];
    prk.expand(info, Len(len)).and_then(|okm| okm.fill(&mut out)).map_err(|_| WebPushError::Random)?;
    Ok(out)
}

/// The body of a push message for the subscription (`p256dh`, `auth`: the browser's raw bytes),
/// its plaintext padded with zeros to a multiple of `pad_to` bytes (0: no padding) so that
/// lengths say less about the text.
pub fn encrypt(ua_public: &[u8], auth_secret: &[u8], plaintext: &[u8], pad_to: usize) -> Result<Vec<u8>, WebPushError> {
    if ua_public.len() != 65 || ua_public[0] != 0x04 {
        return Err(WebPushError::BadClientKey);
    }
    if auth_secret.len() != 16 {
        return Err(WebPushError::BadAuthSecret);
    }
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(WebPushError::TooLarge(plaintext.len()));
    }
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| WebPushError::Random)?;
    let as_private =
        agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).map_err(|_| WebPushError::Random)?;
    let as_public = as_private.compute_public_key().map_err(|_| WebPushError::Random)?;
    let as_public = as_public.as_ref().to_vec();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public);
    // A point off the curve is refused here: the browser's key was not what it said.
    let ecdh_secret =
        agreement::agree_ephemeral(as_private, &peer, |s| s.to_vec()).map_err(|_| WebPushError::BadClientKey)?;
    let ikm = hkdf(auth_secret, &ecdh_secret, &[b"WebPush: info\0", ua_public, &as_public], 32)?;
    let cek = hkdf(&salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16)?;
    let nonce = hkdf(&salt, &ikm, &[b"Content-Encoding: nonce\0"], 12)?;

    let mut record = plaintext.to_vec();
    record.push(0x02); // the last (and only) record's delimiter
    if pad_to > 1 {
        let padded = record.len().div_ceil(pad_to) * pad_to;
        record.resize(padded.min(MAX_PLAINTEXT + 1), 0);
    }
    let key =
        aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| WebPushError::Random)?);
    let nonce = aead::Nonce::try_assume_unique_for_key(&nonce).map_err(|_| WebPushError::Random)?;
    key.seal_in_place_append_tag(nonce, aead::Aad::empty(), &mut record).map_err(|_| WebPushError::Random)?;

    let mut body = Vec::with_capacity(HEADER_LEN + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser_key() -> Vec<u8> {
        let rng = SystemRandom::new();
        let k = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        k.compute_public_key().unwrap().as_ref().to_vec()
    }

    #[test]
    fn header_layout_and_sizes() {
        let body = encrypt(&browser_key(), &[7u8; 16], b"hello", 0).unwrap();
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!((body[20], body[21]), (65, 0x04));
        // 5 bytes, the delimiter, the 16-byte tag.
        assert_eq!(body.len(), HEADER_LEN + 5 + 1 + 16);
        let padded = encrypt(&browser_key(), &[7u8; 16], b"hello", 64).unwrap();
        assert_eq!(padded.len(), HEADER_LEN + 64 + 16);
        // Two messages never share a salt or a key.
        let again = encrypt(&browser_key(), &[7u8; 16], b"hello", 0).unwrap();
        assert_ne!(body[..HEADER_LEN], again[..HEADER_LEN]);
    }

    #[test]
    fn refuses_what_cannot_be_sent() {
        let key = browser_key();
        assert_eq!(encrypt(&key[..64], &[0; 16], b"x", 0), Err(WebPushError::BadClientKey));
        let mut off_curve = key.clone();
        off_curve[64] ^= 1;
        assert_eq!(encrypt(&off_curve, &[0; 16], b"x", 0), Err(WebPushError::BadClientKey));
        assert_eq!(encrypt(&key, &[0; 15], b"x", 0), Err(WebPushError::BadAuthSecret));
        let big = vec![b'a'; MAX_PLAINTEXT + 1];
        assert_eq!(encrypt(&key, &[0; 16], &big, 0), Err(WebPushError::TooLarge(MAX_PLAINTEXT + 1)));
        assert_eq!(encrypt(&key, &[0; 16], &big[1..], 0).unwrap().len(), 4096);
    }
}
