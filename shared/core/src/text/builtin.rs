//! The built-in texts (`templates/builtin.toml`): message templates per channel and language,
//! and the phrases the composer fills in (subject, incentive sentences). Compiled once; the
//! file is part of the binary and checked by the tests below, so it cannot fail at runtime.

use crate::domain::Channel;
use crate::text::template::Template;
use std::collections::HashMap;
use std::sync::LazyLock;

const SOURCE: &str = include_str!("../../templates/builtin.toml");

struct Builtin {
    templates: HashMap<(Channel, &'static str), Template>,
    /// By key, then language.
    phrases: HashMap<String, HashMap<&'static str, String>>,
}

static BUILTIN: LazyLock<Builtin> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a defect of the shipped file, caught by the tests
    let doc: toml::Table = toml::from_str(SOURCE).expect("templates/builtin.toml parses");
    let mut templates = HashMap::new();
    let mut phrases: HashMap<String, HashMap<&'static str, String>> = HashMap::new();
    for (section, table) in &doc {
        let Some(table) = table.as_table() else { continue };
        for lang in crate::domain::locale::BUILT_IN {
            let Some(text) = table.get(lang).and_then(|v| v.as_str()) else { continue };
            match Channel::parse(section) {
                Some(ch) => {
                    #[allow(clippy::expect_used)]
                    let t = Template::compile(text).expect("a built-in template compiles");
                    templates.insert((ch, lang), t);
                }
                None => {
                    phrases.entry(section.clone()).or_default().insert(lang, text.to_string());
                }
            }
        }
    }
    Builtin { templates, phrases }
});

/// The built-in template of a channel in a language (English when it has none).
pub fn template(channel: Channel, lang: &str) -> &'static Template {
    let b = &*BUILTIN;
    let lang = crate::domain::locale::BUILT_IN.iter().find(|l| **l == lang).copied().unwrap_or("en");
    #[allow(clippy::expect_used)] // every channel has English, checked by the tests
    b.templates.get(&(channel, lang)).or_else(|| b.templates.get(&(channel, "en"))).expect("an English built-in")
}

/// A phrase with its `{name}` placeholders filled.
pub fn phrase(key: &str, lang: &str, values: &[(&str, &str)]) -> String {
    let b = &*BUILTIN;
    let lang = crate::domain::locale::BUILT_IN.iter().find(|l| **l == lang).copied().unwrap_or("en");
    let texts = b.phrases.get(key);
    let text = texts.and_then(|t| t.get(lang).or_else(|| t.get("en")));
    let mut out = text.cloned().unwrap_or_default();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_and_phrase_exists_in_every_language() {
        for lang in crate::domain::locale::BUILT_IN {
            for ch in Channel::ALL {
                assert!(BUILTIN.templates.contains_key(&(ch, lang)), "{ch} {lang}");
            }
            for key in [
                "subject",
                "offer_title",
                "offer_body",
                "offer_field_email",
                "offer_field_sms",
                "offer_consent_email",
                "offer_consent_sms",
                "offer_button",
                "offer_dismiss",
                "offer_thanks",
                "offer_no_code",
                "percent_off",
                "fixed_off",
                "free_shipping",
                "cross_sell",
                "reply_help",
                "reply_stop",
                "reply_start",
                "reply_handoff",
                "reply_held",
                "reply_wrong_number",
                "reply_restore",
                "unsubscribe",
                "recommended",
                "price_from",
            ] {
                assert!(BUILTIN.phrases.get(key).is_some_and(|t| t.contains_key(lang)), "{key} {lang}");
            }
        }
        assert_eq!(phrase("subject", "nb", &[("store", "Butikk")]), "Butikk: handlekurven din venter");
        assert_eq!(phrase("subject", "de", &[("store", "Laden")]), "Laden: your cart is waiting");
    }
}
