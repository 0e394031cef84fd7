//! Templates and their translations, as every section that holds text checks them: compiled,
//! held to their channel's limits on a realistic sample cart, keyed by a language tag.

use super::problems::Problems;
use crate::config::Localized;
use crate::domain::Channel;
use crate::text::template::Template;
use std::collections::BTreeMap;

/// A translation's language, as the fallback chain compares it ("pt_BR" → "pt-br").
pub(super) fn language_tag(p: &mut Problems, key: &str, lang: &str) -> Option<String> {
    if crate::domain::locale::primary(lang).is_none() || lang.len() > 35 {
        p.add(key, "not a language tag like tr, nb or pt-BR");
        return None;
    }
    Some(lang.to_ascii_lowercase().replace('_', "-"))
}

pub(super) fn checked_template(p: &mut Problems, key: &str, source: &str) -> Option<Template> {
    match Template::compile(source) {
        Ok(t) => Some(t),
        Err(e) => {
            p.add(key, e);
            None
        }
    }
}

pub(super) struct Limits {
    pub(super) channel: Option<Channel>,
    pub(super) max_sms_segments: usize,
}

/// WhatsApp's limit on a free-form text message.
const WHATSAPP_MAX_CHARS: usize = 4096;
/// A notification's text: browsers show a few lines; the encrypted payload carries ~4 KB.
const WEBPUSH_MAX_CHARS: usize = 500;

/// A template compiled and held to its channel's limits, measured on a realistic sample cart.
pub(super) fn checked_for(p: &mut Problems, key: &str, source: &str, limits: &Limits) -> Option<Template> {
    let t = checked_template(p, key, source)?;
    let sample = t.render(&crate::text::template::MessageContext::sample()).unwrap_or_default();
    match limits.channel {
        Some(Channel::Sms) => {
            let cost = crate::text::sms_segments::segments(&sample);
            if cost.segments > limits.max_sms_segments {
                p.add(
                    key,
                    format!(
                        "renders to {} SMS segments ({}, {} characters) for a sample cart; the store allows {} (max_sms_segments)",
                        cost.segments,
                        cost.encoding.as_str(),
                        cost.units,
                        limits.max_sms_segments
                    ),
                );
            }
        }
        Some(Channel::Whatsapp) if sample.chars().count() > WHATSAPP_MAX_CHARS => {
            p.add(key, format!("renders longer than WhatsApp's {WHATSAPP_MAX_CHARS} characters"));
        }
        Some(Channel::Webpush) if sample.chars().count() > WEBPUSH_MAX_CHARS => {
            p.add(key, format!("renders longer than {WEBPUSH_MAX_CHARS} characters, more than a notification shows"));
        }
        _ => {}
    }
    Some(t)
}

pub(super) fn localized(
    p: &mut Problems,
    at: &str,
    own: Option<&str>,
    translations: &BTreeMap<String, String>,
    limits: &Limits,
) -> Option<Localized> {
    let mut out = Localized::default();
    let mut ok = true;
    if let Some(src) = own {
        out.own = checked_for(p, &format!("{at}.template"), src, limits);
        ok &= out.own.is_some();
    }
    for (lang, src) in translations {
        let key = format!("{at}.templates.{lang}");
        let Some(tag) = language_tag(p, &key, lang) else {
            ok = false;
            continue;
        };
        match checked_for(p, &key, src, limits) {
            Some(t) => out.translations.push((tag, t)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_compared_in_one_spelling() {
        let mut p = Problems(Vec::new());
        assert_eq!(language_tag(&mut p, "k", "pt_BR").as_deref(), Some("pt-br"));
        assert_eq!(language_tag(&mut p, "k", "nb").as_deref(), Some("nb"));
        assert_eq!(language_tag(&mut p, "k", "not a tag"), None);
        assert_eq!(p.0, ["k: not a language tag like tr, nb or pt-BR"]);
    }

    #[test]
    fn a_template_that_does_not_compile_is_named() {
        let mut p = Problems(Vec::new());
        assert!(checked_template(&mut p, "k", "Hi {{ first_name }}").is_some());
        assert!(checked_template(&mut p, "k", "Hi {{ first_name").is_none());
        assert_eq!(p.0.len(), 1);
        assert!(p.0[0].starts_with("k: "));
    }

    #[test]
    fn whatsapp_text_is_held_to_metas_limit() {
        let mut p = Problems(Vec::new());
        let limits = Limits { channel: Some(Channel::Whatsapp), max_sms_segments: 3 };
        assert!(checked_for(&mut p, "k", &"x".repeat(WHATSAPP_MAX_CHARS), &limits).is_some());
        assert!(p.0.is_empty());
        checked_for(&mut p, "k", &"x".repeat(WHATSAPP_MAX_CHARS + 1), &limits);
        assert_eq!(p.0.len(), 1);
    }
}
