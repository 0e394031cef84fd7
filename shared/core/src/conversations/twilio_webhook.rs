//! Twilio webhook signatures (`X-Twilio-Signature`) and TwiML answers.
//!
//! Algorithm (twilio.com/docs/usage/security): base64(HMAC-SHA1(auth token, full URL + every POST
//! parameter's name and value, sorted by name)). Like Twilio's own validators, the URL is also
//! tried with the port removed and with the scheme's default port added, since proxies disagree.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut mac = match Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(), // HMAC takes keys of any length; unreachable
    };
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
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
    let header = header.trim().as_bytes();
    let mut ok = false;
    for u in url_variants(url) {
        ok |= bool::from(signature(auth_token, &u, params).as_bytes().ct_eq(header));
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
