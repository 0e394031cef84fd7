//! Twilio webhook signatures (`X-Twilio-Signature`) and TwiML answers.
//!
//! Algorithm (twilio.com/docs/usage/security), as Twilio's own `RequestValidator` computes it
//! (twilio-python 9.13, held to it by `scripts/twilio-reference`): base64(HMAC(key, full URL +
//! for each distinct parameter name in sorted order, each of its distinct values in sorted order,
//! name then value)). The HMAC is SHA-1 with the auth token, or the algorithm named in
//! `X-Twilio-Webhooks-Signature-Settings` (`HMAC_SHA1`, `HMAC_SHA256`) with the SharedKey secret
//! the request says it was signed with. Like Twilio's validators, the URL is also tried with the
//! port removed and with the scheme's default port added, since proxies disagree.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The HMAC a request is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
}

impl Algorithm {
    /// From `X-Twilio-Webhooks-Signature-Settings` (`key=…,algorithm=HMAC_SHA256`): absent or
    /// without `algorithm=` is the legacy HMAC-SHA1; an algorithm this build does not know is
    /// `Err` with its name (the request is refused).
    pub fn from_settings(header: Option<&str>) -> Result<Algorithm, String> {
        let named = header.unwrap_or_default().split(',').find_map(|part| {
            let (name, value) = part.split_once('=')?;
            (name.trim() == "algorithm" && !value.trim().is_empty()).then(|| value.trim().to_ascii_uppercase())
        });
        match named.as_deref() {
            None | Some("HMAC_SHA1") => Ok(Algorithm::HmacSha1),
            Some("HMAC_SHA256") => Ok(Algorithm::HmacSha256),
            Some(other) => Err(other.to_string()),
        }
    }
}

/// The string Twilio signs: the URL, then each distinct parameter name in order with each of
/// its distinct values in order (a repeated `Tag=x&Tag=x` counts once, as in Twilio's library).
fn signed_text(url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = url.as_bytes().to_vec();
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    signature_with(Algorithm::HmacSha1, auth_token, url, params)
}

pub fn signature_with(algorithm: Algorithm, key: &str, url: &str, params: &[(String, String)]) -> String {
    let text = signed_text(url, params);
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let digest = match algorithm {
        Algorithm::HmacSha1 => Hmac::<Sha1>::new_from_slice(key.as_bytes()).map(|mut m| {
            m.update(&text);
            m.finalize().into_bytes().to_vec()
        }),
        Algorithm::HmacSha256 => Hmac::<Sha256>::new_from_slice(key.as_bytes()).map(|mut m| {
            m.update(&text);
            m.finalize().into_bytes().to_vec()
        }),
    };
    digest.map(|d| base64::engine::general_purpose::STANDARD.encode(d)).unwrap_or_default()
}

/// The URL as given, without its port, and with the scheme's default port.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let has_port =
        hostport.rsplit_once(':').is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if has_port {
        if let Some((host, _)) = hostport.rsplit_once(':') {
            out.push(format!("{scheme}://{userinfo}{host}{path}"));
        }
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
        out.push(format!("{scheme}://{userinfo}{hostport}:{port}{path}"));
    }
    out
}

/// Constant-time check of a signature against every accepted form of the URL.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    verify_with(Algorithm::HmacSha1, auth_token, url, params, header)
}

pub fn verify_with(algorithm: Algorithm, key: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    let header = header.trim().as_bytes();
    let mut ok = false;
    for u in url_variants(url) {
        ok |= bool::from(signature_with(algorithm, key, &u, params).as_bytes().ct_eq(header));
    }
    ok
}

/// A TwiML response with at most one message.
pub fn twiml(message: Option<&str>) -> String {
    match message {
        Some(m) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escape(m)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".to_string(),
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Twilio's published vectors, from tests/fixtures/signature-vectors.json.
    #[test]
    fn matches_twilio_test_vectors() {
        let text = include_str!("../../../../tests/fixtures/signature-vectors.json");
        let vectors: Vec<Value> = serde_json::from_str(text).unwrap();
        let mut checked = 0;
        for v in vectors.iter().filter(|v| v["alg"] == "X-Twilio-Signature") {
            let params: Vec<(String, String)> = v["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, x)| (k.clone(), x.as_str().unwrap().to_string()))
                .collect();
            let url = v["url"].as_str().unwrap();
            let expected = v["expected"].as_str().unwrap();
            assert!(verify(v["auth_token"].as_str().unwrap(), url, &params, expected), "{}", v["id"]);
            assert!(!verify("wrong", url, &params, expected), "{}", v["id"]);
            checked += 1;
        }
        assert_eq!(checked, 7);
    }

    #[test]
    fn port_443_signature_validates_without_port_too() {
        let params = vec![("From".to_string(), "+14158675309".to_string())];
        let sig = signature("t", "https://mycompany.com:443/x", &params);
        assert!(verify("t", "https://mycompany.com/x", &params, &sig));
        let mut tampered = params.clone();
        tampered[0].1.push('1');
        assert!(!verify("t", "https://mycompany.com/x", &tampered, &sig));
    }

    #[test]
    fn twiml_escapes() {
        assert_eq!(
            twiml(Some("a<b & 'c'")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>a&lt;b &amp; &apos;c&apos;</Message></Response>"
        );
    }
}
