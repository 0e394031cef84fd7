//! `[stores.webpush]` (docs/web-push.md): the fourth channel, notifications in the shopper's
//! browser, sent with the store's VAPID key pair. `cartback store` makes the pair; the private
//! half is the secret `webpush_vapid_private_key`.

use super::problems::Problems;
use crate::config::providers::{Secret, Vapid, WebpushProvider};
use base64::Engine as _;
use serde::Deserialize;

/// A push service keeps a notification at most this long for a browser that is offline
/// (a longer TTL is cut to what the service allows; after a day a cart reminder is stale).
pub const DEFAULT_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
pub const MAX_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(28 * 24);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebpush {
    provider: String,
    vapid_public_key: Option<String>,
    subject: Option<String>,
    ttl: Option<String>,
    urgency: Option<String>,
}

pub(super) fn webpush(
    at: &str,
    raw: Option<RawWebpush>,
    private_key: Option<String>,
    p: &mut Problems,
) -> WebpushProvider {
    let Some(w) = raw else {
        if private_key.is_some() {
            p.add(&format!("{at}.webpush_vapid_private_key"), "set `[stores.webpush] provider = \"vapid\"` to use it");
        }
        return WebpushProvider::Console;
    };
    let k = |f: &str| format!("{at}.webpush.{f}");
    match w.provider.as_str() {
        "console" => WebpushProvider::Console,
        "vapid" => {
            let public_key = w.vapid_public_key.unwrap_or_default();
            if decoded(&public_key).is_none_or(|b| b.len() != 65 || b[0] != 4) {
                p.add(
                    &k("vapid_public_key"),
                    "the VAPID public key: an uncompressed P-256 point, base64url (`cartback store` makes the pair)",
                );
            }
            let private = private_key.unwrap_or_default();
            if decoded(&private).is_none_or(|b| b.len() != 32) {
                p.add(
                    &format!("{at}.webpush_vapid_private_key"),
                    "the VAPID private key: 32 bytes, base64url (`cartback store` makes the pair)",
                );
            }
            let subject = w.subject.unwrap_or_default();
            if !(subject.starts_with("mailto:") && subject.len() > 8
                || subject.starts_with("https://") && subject.len() > 9)
            {
                p.add(&k("subject"), "`mailto:` and an address, or an `https://` URL: whom a push service may contact");
            }
            let ttl = p.duration(&k("ttl"), w.ttl.as_deref(), DEFAULT_TTL);
            if ttl > MAX_TTL {
                p.add(&k("ttl"), "at most 28d (push services keep a message no longer)");
            }
            let urgency = match w.urgency.as_deref().unwrap_or("normal") {
                "very-low" => "very-low",
                "low" => "low",
                "normal" => "normal",
                "high" => "high",
                other => {
                    p.add(&k("urgency"), format!("`{other}` is not very-low, low, normal or high"));
                    "normal"
                }
            };
            WebpushProvider::Vapid(Vapid {
                public_key,
                private_key: Secret(private),
                subject,
                ttl_secs: u32::try_from(ttl.as_secs().clamp(0, MAX_TTL.as_secs())).unwrap_or(0),
                urgency,
            })
        }
        other => {
            p.add(&k("provider"), format!("`{other}` is not console or vapid"));
            WebpushProvider::Console
        }
    }
}

fn decoded(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim().trim_end_matches('=')).ok()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::config::providers::WebpushProvider;

    /// The example configuration with its `[stores.webpush]` lines (and private key) replaced.
    fn with(section: &str, private: Option<&str>) -> Result<Config, String> {
        let example = include_str!("../../../../../docs/cartback.example.toml");
        let start = example.find("[stores.webpush]").expect("the example has web push");
        let end = start + example[start..].find("\n\n").expect("a blank line after it");
        let mut text = format!("{}{section}{}", &example[..start], &example[end..]);
        let line = text.lines().find(|l| l.starts_with("webpush_vapid_private_key")).expect("the key").to_string();
        text =
            text.replace(&line, &private.map(|k| format!("webpush_vapid_private_key = \"{k}\"")).unwrap_or_default());
        Config::from_toml("t.toml", &text).map_err(|e| e.to_string())
    }

    const PUBLIC: &str = "BI-kRtt9efrnQfGw9LSCWy3b2wvrsx3X65jRLo-vhUXwx3xthdvSthaFbxt4Vqll_0CCWAwClwwJDeXoIqfftWg";
    const PRIVATE: &str = "NuiGadeuUAKChBUBdA2UyUdADaO0ofWCC5smnaoVIbQ";

    #[test]
    fn the_example_sends_with_its_key_pair_and_defaults() {
        let c = with(
            &format!("[stores.webpush]\nprovider = \"vapid\"\nvapid_public_key = \"{PUBLIC}\"\nsubject = \"mailto:a@b.example\""),
            Some(PRIVATE),
        )
        .unwrap();
        let WebpushProvider::Vapid(v) = &c.store("demo").unwrap().providers.webpush else { panic!("vapid") };
        assert_eq!((v.ttl_secs, v.urgency, v.private_key.expose()), (86_400, "normal", PRIVATE));
        assert!(!format!("{c:?}").contains(PRIVATE), "the private key is never printed");
    }

    #[test]
    fn each_problem_is_named_with_its_key() {
        let err = with(
            "[stores.webpush]\nprovider = \"vapid\"\nvapid_public_key = \"BAAA\"\nsubject = \"push@shop\"\nttl = \"30d\"\nurgency = \"now\"",
            Some("short"),
        )
        .unwrap_err();
        for key in [
            "stores[0].webpush.vapid_public_key",
            "stores[0].webpush_vapid_private_key",
            "stores[0].webpush.subject",
            "stores[0].webpush.ttl: at most 28d",
            "stores[0].webpush.urgency: `now`",
        ] {
            assert!(err.contains(key), "{key} in {err}");
        }
        let err = with("[stores.webpush]\nprovider = \"fcm\"", None).unwrap_err();
        assert!(err.contains("stores[0].webpush.provider: `fcm` is not console or vapid"), "{err}");
        // A private key without the section would do nothing: said, not ignored.
        let err = with("", Some(PRIVATE)).unwrap_err();
        assert!(err.contains("stores[0].webpush_vapid_private_key: set `[stores.webpush]"), "{err}");
    }
}
