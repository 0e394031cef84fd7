//! How a store's approved WhatsApp template is filled in: its languages as Meta names them, the
//! values of its body's `{{1}}`, `{{2}}`, … and its buttons. Meta rejects a message whose
//! parameters do not match the template (error 132000) or whose language the template is not
//! approved in (132001), so both are stated in the configuration, checked at load, and sent
//! exactly so (`channels::whatsapp`).
//! Reference: developers.facebook.com/docs/whatsapp/cloud-api/reference/messages (template
//! object, components, button parameters) and …/business-management-api/message-templates/
//! supported-languages.

/// The language codes Meta accepts for templates ("Supported languages").
pub const META_LANGUAGES: &[&str] = &[
    "af", "sq", "ar", "ar_EG", "ar_AE", "ar_LB", "ar_MA", "ar_QA", "az", "be_BY", "bn", "bn_IN", "bg", "ca", "zh_CN",
    "zh_HK", "zh_TW", "hr", "cs", "da", "prs_AF", "nl", "nl_BE", "en", "en_GB", "en_US", "en_AE", "en_AU", "en_CA",
    "en_GH", "en_IE", "en_IN", "en_JM", "en_MY", "en_NZ", "en_QA", "en_SG", "en_UG", "en_ZA", "et", "fil", "fi", "fr",
    "fr_BE", "fr_CA", "fr_CH", "fr_CI", "fr_MA", "ka", "de", "de_AT", "de_CH", "el", "gu", "ha", "he", "hi", "hu",
    "id", "ga", "it", "ja", "kn", "kk", "rw_RW", "ko", "ky_KG", "lo", "lv", "lt", "mk", "ms", "ml", "mr", "nb",
    "ps_AF", "fa", "pl", "pt_BR", "pt_PT", "pa", "ro", "ru", "sr", "si_LK", "sk", "sl", "es", "es_AR", "es_CL",
    "es_CO", "es_CR", "es_DO", "es_EC", "es_HN", "es_MX", "es_PA", "es_PE", "es_ES", "es_UY", "sw", "sv", "ta", "te",
    "th", "tr", "uk", "ur", "uz", "vi", "zu",
];

/// A value of the template's body, in the order of its placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyValue {
    FirstName,
    Store,
    /// The restore link, whole.
    Link,
    /// The discount code of the step, when it offers one.
    Code,
}

/// One of the template's buttons, in the order the template lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// A URL button whose URL ends in `{{1}}`: Cartback sends the restore link's last path
    /// segment (the template's URL is `https://<public_url>/r/{{1}}`).
    RestoreUrl,
    /// A copy-code button carrying the step's discount code.
    CopyCode,
    /// Quick replies whose taps come back with the payloads `RESTORE` and `STOP`.
    Restore,
    Stop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsappTemplate {
    pub name: String,
    /// The languages the template is approved in, as Meta writes them; the first is the
    /// fallback for shoppers whose language is not among them. Empty: the shopper's language as
    /// Meta writes it, else the store's.
    pub languages: Vec<String>,
    pub body: Vec<BodyValue>,
    pub buttons: Vec<Button>,
}

impl WhatsappTemplate {
    /// Whether the shopper can see a discount code sent with this template.
    pub fn carries_code(&self) -> bool {
        self.body.contains(&BodyValue::Code) || self.buttons.contains(&Button::CopyCode)
    }

    /// The language to send in for a shopper with `locale`, in a store whose language is
    /// `store_locale`: the first of the shopper's candidates the template is approved in, else
    /// the first of the store's, else the template's first language. With no approved
    /// languages configured, the shopper's language as Meta writes it, else the store's.
    pub fn language(&self, locale: Option<&str>, store_locale: &str) -> String {
        if self.languages.is_empty() {
            return locale.and_then(meta_language).or_else(|| meta_language(store_locale)).unwrap_or("en").to_string();
        }
        let approved = |l: &str| candidates(l).into_iter().find(|c| self.languages.iter().any(|a| a == c));
        locale
            .and_then(approved)
            .or_else(|| approved(store_locale))
            .map(str::to_string)
            .or_else(|| self.languages.first().cloned())
            .unwrap_or_else(|| "en".into())
    }
}

/// Meta's codes for a BCP 47 locale, best first: the language in the locale's region
/// ("pt-BR" → `pt_BR`), the language alone (`en`), then the language in Meta's other regions
/// (`pt_PT`). Norwegian (`no`, `nn`) is `nb`; Chinese goes by region or script (`zh-Hant` →
/// `zh_TW`).
pub fn candidates(locale: &str) -> Vec<&'static str> {
    let mut parts = locale.split(['-', '_']);
    let Some(first) = parts.next() else { return Vec::new() };
    let primary = match first.to_ascii_lowercase().as_str() {
        "no" | "nn" => "nb".to_string(),
        "tl" => "fil".to_string(),
        "iw" => "he".to_string(),
        other => other.to_string(),
    };
    let rest: Vec<&str> = parts.collect();
    let region = rest.iter().find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let region = region.map(|r| r.to_ascii_uppercase());
    let find = |code: &str| META_LANGUAGES.iter().copied().find(|l| *l == code);
    if primary == "zh" {
        let traditional = rest.iter().any(|p| p.eq_ignore_ascii_case("hant"));
        let code = match region.as_deref() {
            Some("HK") | Some("MO") => "zh_HK",
            Some("TW") => "zh_TW",
            _ if traditional => "zh_TW",
            _ => "zh_CN",
        };
        return find(code).into_iter().collect();
    }
    let mut out: Vec<&'static str> = Vec::new();
    out.extend(region.and_then(|r| find(&format!("{primary}_{r}"))));
    out.extend(find(&primary));
    for l in META_LANGUAGES.iter().copied().filter(|l| l.split('_').next() == Some(primary.as_str())) {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// The code to use for a locale when the store has not said which languages its template is
/// approved in: the language alone when Meta has it (`en-GB` → `en`, the usual way templates are
/// created), else its first regional code (`pt` → `pt_BR`, `zh-TW` → `zh_TW`).
pub fn meta_language(locale: &str) -> Option<&'static str> {
    let c = candidates(locale);
    c.iter().copied().find(|l| !l.contains('_')).or_else(|| c.first().copied())
}

pub fn body_value(s: &str) -> Option<BodyValue> {
    Some(match s {
        "first_name" => BodyValue::FirstName,
        "store" => BodyValue::Store,
        "link" => BodyValue::Link,
        "code" => BodyValue::Code,
        _ => return None,
    })
}

pub fn button(s: &str) -> Option<Button> {
    Some(match s {
        "restore_url" => Button::RestoreUrl,
        "copy_code" => Button::CopyCode,
        "restore" => Button::Restore,
        "stop" => Button::Stop,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(languages: &[&str]) -> WhatsappTemplate {
        WhatsappTemplate {
            name: "cart".into(),
            languages: languages.iter().map(|s| s.to_string()).collect(),
            body: vec![BodyValue::FirstName],
            buttons: Vec::new(),
        }
    }

    #[test]
    fn locales_become_metas_codes() {
        for (locale, code) in [
            ("pt-BR", "pt_BR"),
            ("pt-PT", "pt_PT"),
            ("pt", "pt_BR"),
            ("zh-TW", "zh_TW"),
            ("zh-Hant", "zh_TW"),
            ("zh", "zh_CN"),
            ("en-US", "en"),
            ("en", "en"),
            ("de-DE", "de"),
            ("no", "nb"),
            ("nb-NO", "nb"),
            ("nn", "nb"),
            ("tr-TR", "tr"),
            ("fa-IR", "fa"),
        ] {
            assert_eq!(meta_language(locale), Some(code), "{locale}");
        }
        assert_eq!(meta_language("xx"), None);
        assert_eq!(candidates("es-MX")[..2], ["es_MX", "es"]);
        assert_eq!(candidates("pt-PT"), ["pt_PT", "pt_BR"]);
        assert_eq!(candidates("en-GB")[..2], ["en_GB", "en"]);
    }

    /// A template approved only in `en_US` and `pt_BR` gets `pt_BR` for a Portuguese shopper
    /// and the store's language (`en_US` for an English store) for a Turkish one; never a code
    /// it is not approved in.
    #[test]
    fn approved_languages_decide() {
        let t = template(&["en_US", "pt_BR"]);
        assert_eq!(t.language(Some("pt-PT"), "en"), "pt_BR");
        assert_eq!(t.language(Some("pt-BR"), "en"), "pt_BR");
        assert_eq!(t.language(Some("tr"), "en"), "en_US");
        assert_eq!(t.language(None, "pt-BR"), "pt_BR");
        let t = template(&["nb", "en"]);
        assert_eq!(t.language(Some("tr"), "nb-NO"), "nb");
        assert_eq!(t.language(Some("en-GB"), "nb-NO"), "en");
        let t = template(&["es", "es_MX"]);
        assert_eq!(t.language(Some("es-MX"), "en"), "es_MX");
        assert_eq!(t.language(Some("es-CL"), "en"), "es");
        assert_eq!(template(&[]).language(Some("pt-BR"), "en"), "pt_BR");
        assert_eq!(template(&[]).language(Some("xx"), "nb"), "nb");
    }
}
