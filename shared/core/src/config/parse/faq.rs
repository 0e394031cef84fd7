//! The `faq` and `faq_translations` sections: an answer per reason a shopper gives, and its
//! translations, each of an answer the store wrote.

use super::problems::Problems;
use super::texts::{checked_template, language_tag};
use crate::config::Localized;
use crate::domain::Reason;
use std::collections::BTreeMap;

const NOT_A_REASON: &str = "not a reason (payment_problem, unexpected_fees, technical_issue, shipping_time, trust, product_question, price_discount, not_interested, other)";

/// The FAQ: an answer per reason, and its translations, each of an answer the store wrote.
pub(super) fn faq_answers(
    p: &mut Problems,
    at: &str,
    answers: BTreeMap<String, String>,
    translations: BTreeMap<String, BTreeMap<String, String>>,
) -> BTreeMap<Reason, Localized> {
    let mut faq = BTreeMap::new();
    for (k, v) in answers {
        match Reason::parse(&k) {
            Some(r) => {
                if let Some(t) = checked_template(p, &format!("{at}.faq.{k}"), &v) {
                    faq.insert(r, Localized { own: Some(t), translations: Vec::new() });
                }
            }
            None => p.add(&format!("{at}.faq.{k}"), NOT_A_REASON),
        }
    }
    for (lang, answers) in translations {
        let Some(tag) = language_tag(p, &format!("{at}.faq_translations.{lang}"), &lang) else { continue };
        for (k, v) in answers {
            let key = format!("{at}.faq_translations.{lang}.{k}");
            let Some(r) = Reason::parse(&k) else {
                p.add(&key, NOT_A_REASON);
                continue;
            };
            let Some(base) = faq.get_mut(&r) else {
                p.add(&key, format!("translates no answer: set `faq.{k}` too"));
                continue;
            };
            if let Some(t) = checked_template(p, &key, &v) {
                base.translations.push((tag.clone(), t));
            }
        }
    }
    faq
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn answers_and_their_translations_by_reason() {
        let mut p = Problems(Vec::new());
        let translations = BTreeMap::from([("tr".to_string(), map(&[("unexpected_fees", "Kargo bedava")]))]);
        let faq = faq_answers(&mut p, "s", map(&[("unexpected_fees", "Free shipping over 50")]), translations);
        assert!(p.0.is_empty(), "{:?}", p.0);
        let answer = &faq[&Reason::UnexpectedFees];
        assert!(answer.own.is_some());
        assert_eq!(answer.translations.len(), 1);
        assert_eq!(answer.translations[0].0, "tr");
    }

    #[test]
    fn a_translation_needs_an_answer_a_reason_and_a_language() {
        let mut p = Problems(Vec::new());
        let translations = BTreeMap::from([
            ("tr".to_string(), map(&[("trust", "Güvenli")])),
            ("??".to_string(), map(&[("trust", "x")])),
        ]);
        faq_answers(&mut p, "s", map(&[("cheap", "x")]), translations);
        let keys: Vec<&str> = p.0.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.faq.cheap", "s.faq_translations.??", "s.faq_translations.tr.trust"]);
    }
}
