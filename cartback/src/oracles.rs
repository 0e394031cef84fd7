//! The hidden commands the reference checks drive (tests/references/): each reads one JSON
//! request a line on stdin and writes one answer a line, so an independent implementation
//! (Python's libraries, libphonenumber, Twilio's helper, scipy) can be compared with ours over
//! thousands of cases in one process.

use std::io::{BufRead, Write};

/// `cartback sms-segments`: a JSON string a line → `{encoding} {segments}`.
pub fn sms_segments() -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        let body: String =
            serde_json::from_str(&line).map_err(|e| anyhow::anyhow!("line {}: not a JSON string: {e}", i + 1))?;
        let s = cartback_core::text::sms_segments::segments(&body);
        writeln!(out, "{} {}", s.encoding.as_str(), s.segments)?;
    }
    Ok(())
}

/// `cartback phone-numbers`: `{raw, region?}` a line → `{e164}\t{zones}\t{country}` (`-` for
/// none; the country is `phone::country` of the number).
pub fn phone_numbers() -> anyhow::Result<()> {
    use cartback_core::domain::phone;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let req: serde_json::Value = serde_json::from_str(&line?)
            .map_err(|e| anyhow::anyhow!("line {}: expected {{raw, region}}: {e}", i + 1))?;
        let raw = req.get("raw").and_then(serde_json::Value::as_str).unwrap_or_default();
        let e164 = match req.get("region").and_then(serde_json::Value::as_str) {
            Some(region) => phone::normalize_national(raw, region),
            None => phone::normalize_phone(raw),
        };
        let zones = e164.as_deref().and_then(cartback_core::abandonment::number_zones::zones_for_number);
        let country = e164.as_deref().and_then(phone::country);
        writeln!(
            out,
            "{}\t{}\t{}",
            e164.as_deref().unwrap_or("-"),
            zones.map_or_else(|| "-".to_string(), |z| z.join(" ")),
            country.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

/// `cartback sequential-test`: `{a, b, tau, alpha}` a line → `{difference} {low} {high} {p}`.
pub fn sequential_test() -> anyhow::Result<()> {
    use cartback_core::engine::sequential_test::{Sample, compare};
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let bad = || anyhow::anyhow!("line {}: expected {{a, b, tau, alpha}}", i + 1);
        let req: serde_json::Value = serde_json::from_str(&line?).map_err(|_| bad())?;
        let sample = |k: &str| -> anyhow::Result<Sample> {
            let [n, mean, variance]: [f64; 3] =
                serde_json::from_value(req.get(k).cloned().ok_or_else(bad)?).map_err(|_| bad())?;
            Ok(Sample { n, mean, variance })
        };
        let num = |k: &str| req.get(k).and_then(serde_json::Value::as_f64).ok_or_else(bad);
        match compare(&sample("a")?, &sample("b")?, num("tau")?, num("alpha")?) {
            Some(c) => writeln!(out, "{} {} {} {}", c.difference, c.low, c.high, c.p_value)?,
            None => writeln!(out, "-")?,
        }
    }
    Ok(())
}

/// `cartback twilio-sign --batch`: `{url, token, params, algorithm}` a line → the signature.
pub fn twilio_signatures() -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        let bad = || anyhow::anyhow!("line {}: expected {{url, token, params, algorithm}}", i + 1);
        let req: serde_json::Value = serde_json::from_str(&line).map_err(|_| bad())?;
        let text = |k: &str| req.get(k).and_then(serde_json::Value::as_str).ok_or_else(bad);
        let params: Vec<(String, String)> =
            serde_json::from_value(req.get("params").cloned().unwrap_or_default()).map_err(|_| bad())?;
        let algorithm = cartback_core::conversations::twilio_webhook::Algorithm::from_settings(Some(&format!(
            "algorithm={}",
            text("algorithm")?
        )))
        .map_err(|a| anyhow::anyhow!("line {}: unknown algorithm {a}", i + 1))?;
        let sig = cartback_core::conversations::twilio_webhook::signature_with(
            algorithm,
            text("token")?,
            text("url")?,
            &params,
        );
        writeln!(out, "{sig}")?;
    }
    Ok(())
}

/// `cartback web-push`: each case's encrypted body and VAPID header, or why it cannot be sent.
pub fn web_push() -> anyhow::Result<()> {
    use base64::Engine as _;
    use cartback_channels::web_push::{ece, vapid::VapidKey};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        let bad = || {
            anyhow::anyhow!(
                "line {}: expected {{p256dh, auth, plaintext, pad_to, vapid_private, vapid_public, endpoint, subject, now}}",
                i + 1
            )
        };
        let case: serde_json::Value = serde_json::from_str(&line).map_err(|_| bad())?;
        let text = |k: &str| case.get(k).and_then(serde_json::Value::as_str).ok_or_else(bad);
        let bytes = |k: &str| -> anyhow::Result<Vec<u8>> { b64.decode(text(k)?).map_err(|_| bad()) };
        let built = ece::encrypt(
            &bytes("p256dh")?,
            &bytes("auth")?,
            &bytes("plaintext")?,
            case["pad_to"].as_u64().unwrap_or(0) as usize,
        )
        .and_then(|body| {
            let key =
                VapidKey::from_base64url(text("vapid_private").unwrap_or(""), text("vapid_public").unwrap_or(""))?;
            let auth = key.authorization(
                text("endpoint").unwrap_or(""),
                text("subject").unwrap_or(""),
                case["now"].as_i64().unwrap_or(0),
            )?;
            Ok((body, auth))
        });
        let answer = match built {
            Ok((body, authorization)) => serde_json::json!({"body": b64.encode(body), "authorization": authorization}),
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        writeln!(out, "{answer}")?;
    }
    Ok(())
}
