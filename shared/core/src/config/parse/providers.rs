//! The `[stores.sms]`, `[stores.email]` and `[stores.whatsapp]` sections: which provider carries
//! each channel, with its settings and the secrets it needs.

use super::problems::Problems;
use crate::config::providers::{EmailProvider, Providers, Secret, SmsProvider, WhatsappProvider};
use crate::config::whatsapp_template::WhatsappTemplate;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSms {
    pub(super) provider: String,
    pub(super) twilio_account_sid: Option<String>,
    pub(super) from: Option<String>,
    pub(super) messaging_service_sid: Option<String>,
    pub(super) origination_identity: Option<String>,
    pub(super) configuration_set: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub(super) provider: String,
    pub(super) from: Option<String>,
    pub(super) configuration_set: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWhatsapp {
    pub(super) provider: String,
    pub(super) phone_number_id: Option<String>,
    pub(super) template: Option<String>,
    pub(super) quick_replies: Option<bool>,
    pub(super) template_languages: Option<Vec<String>>,
    pub(super) body_parameters: Option<Vec<String>>,
    pub(super) buttons: Option<Vec<String>>,
}

pub(super) fn providers(
    at: &str,
    sms: Option<RawSms>,
    email: Option<RawEmail>,
    whatsapp: Option<RawWhatsapp>,
    twilio_auth_token: &str,
    whatsapp_access_token: Option<String>,
    p: &mut Problems,
) -> Providers {
    let mut out = Providers::default();
    if let Some(s) = sms {
        let k = |f: &str| format!("{at}.sms.{f}");
        out.sms = match s.provider.as_str() {
            "console" => SmsProvider::Console,
            "twilio" => {
                let sid = s.twilio_account_sid.unwrap_or_default();
                if !(sid.starts_with("AC") && sid.len() == 34 && sid.bytes().all(|b| b.is_ascii_alphanumeric())) {
                    p.add(&k("twilio_account_sid"), "a Twilio Account SID: AC and 32 hex characters");
                }
                if let Some(f) = &s.from
                    && crate::domain::phone::normalize_phone(f).is_none()
                {
                    p.add(&k("from"), "a sender number in E.164 (+ and country code)");
                }
                if s.messaging_service_sid.as_deref().is_some_and(|m| !m.starts_with("MG")) {
                    p.add(&k("messaging_service_sid"), "a Messaging Service SID starts with MG");
                }
                if s.from.is_none() && s.messaging_service_sid.is_none() {
                    p.add(&k("from"), "set `from` (a Twilio number) or `messaging_service_sid`");
                }
                SmsProvider::Twilio {
                    account_sid: sid,
                    auth_token: Secret(twilio_auth_token.to_string()),
                    from: s.from,
                    messaging_service_sid: s.messaging_service_sid,
                }
            }
            "aws" => SmsProvider::Aws {
                origination_identity: s.origination_identity,
                configuration_set: s.configuration_set,
            },
            other => {
                p.add(&k("provider"), format!("`{other}` is not console, twilio or aws"));
                SmsProvider::Console
            }
        };
    }
    if let Some(e) = email {
        let k = |f: &str| format!("{at}.email.{f}");
        out.email = match e.provider.as_str() {
            "console" => EmailProvider::Console,
            "ses" => {
                let from = e.from.unwrap_or_default();
                if !from.contains('@') || from.contains(['\r', '\n']) {
                    p.add(&k("from"), "a sender address SES has verified, like \"Shop <shop@shop.example>\"");
                }
                EmailProvider::Ses { from, configuration_set: e.configuration_set }
            }
            other => {
                p.add(&k("provider"), format!("`{other}` is not console or ses"));
                EmailProvider::Console
            }
        };
    }
    if let Some(w) = whatsapp {
        let k = |f: &str| format!("{at}.whatsapp.{f}");
        out.whatsapp = match w.provider.as_str() {
            "console" => WhatsappProvider::Console,
            "meta" => {
                let id = w.phone_number_id.clone().unwrap_or_default();
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                    p.add(&k("phone_number_id"), "the WhatsApp phone number id (digits) from Meta's app dashboard");
                }
                let template = w.template.clone().unwrap_or_default();
                if template.is_empty() {
                    p.add(&k("template"), "the name of the approved template for recovery messages");
                }
                let token = whatsapp_access_token.clone().unwrap_or_default();
                if token.is_empty() {
                    p.add(&format!("{at}.whatsapp_access_token"), "required for the meta provider");
                }
                let template = whatsapp_template(template, &w, &k, p);
                WhatsappProvider::Meta { phone_number_id: id, access_token: Secret(token), template }
            }
            other => {
                p.add(&k("provider"), format!("`{other}` is not console or meta"));
                WhatsappProvider::Console
            }
        };
    }
    out
}

/// `template_languages`, `body_parameters` and `buttons`, each checked against what Meta and
/// Cartback know.
fn whatsapp_template(name: String, w: &RawWhatsapp, k: &dyn Fn(&str) -> String, p: &mut Problems) -> WhatsappTemplate {
    use crate::config::whatsapp_template::{BodyValue, Button, META_LANGUAGES, body_value, button};
    let languages = w.template_languages.clone().unwrap_or_default();
    for l in &languages {
        if !META_LANGUAGES.contains(&l.as_str()) {
            let hint = crate::config::whatsapp_template::meta_language(l)
                .map(|m| format!(" (Meta writes it `{m}`)"))
                .unwrap_or_default();
            p.add(&k("template_languages"), format!("`{l}` is not one of Meta's template language codes{hint}"));
        }
    }
    let body = match &w.body_parameters {
        None => vec![BodyValue::FirstName, BodyValue::Store, BodyValue::Link],
        Some(names) => names
            .iter()
            .filter_map(|n| {
                body_value(n).or_else(|| {
                    p.add(&k("body_parameters"), format!("`{n}` is not first_name, store, link or code"));
                    None
                })
            })
            .collect(),
    };
    let buttons = match (&w.buttons, w.quick_replies) {
        (Some(_), Some(_)) => {
            p.add(&k("quick_replies"), "give either buttons or quick_replies, not both");
            Vec::new()
        }
        (Some(names), None) => names
            .iter()
            .filter_map(|n| {
                button(n).or_else(|| {
                    p.add(&k("buttons"), format!("`{n}` is not restore_url, copy_code, restore or stop"));
                    None
                })
            })
            .collect(),
        (None, quick) => {
            if quick.unwrap_or(true) {
                vec![Button::Restore, Button::Stop]
            } else {
                Vec::new()
            }
        }
    };
    for (i, b) in buttons.iter().enumerate() {
        if buttons[..i].contains(b) {
            p.add(&k("buttons"), format!("`{b:?}` is listed twice"));
        }
    }
    WhatsappTemplate { name, languages, body, buttons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        sms: Option<RawSms>,
        email: Option<RawEmail>,
        whatsapp: Option<RawWhatsapp>,
        whatsapp_access_token: Option<String>,
    }

    fn parse(text: &str) -> (Providers, Vec<String>) {
        let d: Doc = toml::from_str(text).expect("TOML");
        let mut p = Problems(Vec::new());
        let out = providers("s", d.sms, d.email, d.whatsapp, "token", d.whatsapp_access_token, &mut p);
        (out, p.0)
    }

    #[test]
    fn nothing_configured_is_the_console_everywhere() {
        let (out, problems) = parse("");
        assert_eq!(out, Providers::default());
        assert!(problems.is_empty());
    }

    #[test]
    fn twilio_needs_an_account_and_a_sender_and_carries_the_store_token() {
        let (out, problems) = parse(
            "[sms]\nprovider = \"twilio\"\ntwilio_account_sid = \"AC0123456789abcdef0123456789abcdef\"\nfrom = \"+14155550100\"\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        match out.sms {
            SmsProvider::Twilio { auth_token, .. } => assert_eq!(auth_token.expose(), "token"),
            other => panic!("{other:?}"),
        }
        let (_, problems) = parse("[sms]\nprovider = \"twilio\"\ntwilio_account_sid = \"nope\"\n");
        let keys: Vec<&str> = problems.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.sms.twilio_account_sid", "s.sms.from"]);
    }

    #[test]
    fn meta_needs_a_phone_number_id_a_template_and_a_token() {
        let (_, problems) = parse("[whatsapp]\nprovider = \"meta\"\n");
        let keys: Vec<&str> = problems.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.whatsapp.phone_number_id", "s.whatsapp.template", "s.whatsapp_access_token"]);
        let (_, problems) = parse("[email]\nprovider = \"pigeon\"\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("s.email.provider"), "{problems:?}");
    }

    const META: &str = "[whatsapp]\nprovider = \"meta\"\nphone_number_id = \"1065\"\ntemplate = \"cart\"\nwhatsapp_access_token = \"t\"\n";

    #[test]
    fn whatsapp_templates_are_described_in_metas_terms() {
        let (out, problems) = parse(&format!(
            "whatsapp_access_token = \"t\"\n{}template_languages = [\"en_US\", \"pt_BR\"]\nbody_parameters = [\"first_name\", \"code\"]\nbuttons = [\"restore_url\", \"copy_code\"]\n",
            META.replace("whatsapp_access_token = \"t\"\n", "")
        ));
        assert!(problems.is_empty(), "{problems:?}");
        let WhatsappProvider::Meta { template, .. } = out.whatsapp else { panic!("meta") };
        assert!(template.carries_code());
        assert_eq!(template.languages, ["en_US", "pt_BR"]);
        // Defaults: first name, store, link; the two quick replies.
        let (out, _) =
            parse(&format!("whatsapp_access_token = \"t\"\n{}", META.replace("whatsapp_access_token = \"t\"\n", "")));
        let WhatsappProvider::Meta { template, .. } = out.whatsapp else { panic!("meta") };
        assert_eq!(template.buttons.len(), 2);
        assert!(!template.carries_code());
        for (extra, key, says) in [
            ("template_languages = [\"pt-BR\"]\n", "s.whatsapp.template_languages", "Meta writes it `pt_BR`"),
            ("body_parameters = [\"email\"]\n", "s.whatsapp.body_parameters", "`email`"),
            ("buttons = [\"stop\", \"stop\"]\n", "s.whatsapp.buttons", "twice"),
            ("buttons = [\"stop\"]\nquick_replies = false\n", "s.whatsapp.quick_replies", "not both"),
        ] {
            let text = format!(
                "whatsapp_access_token = \"t\"\n{}{extra}",
                META.replace("whatsapp_access_token = \"t\"\n", "")
            );
            let (_, problems) = parse(&text);
            assert!(problems.iter().any(|m| m.starts_with(key) && m.contains(says)), "{extra}: {problems:?}");
        }
    }
}
