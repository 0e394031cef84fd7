//! The shopper's language: which built-in text, how numbers are written (separators, and
//! Persian digits), and the direction of the text.

use crate::domain::money::Money;

/// The languages Cartback ships texts for; anything else falls back along `chain`.
pub const BUILT_IN: [&str; 4] = ["en", "tr", "nb", "fa"];

/// The lowercase primary language of a BCP 47 tag ("tr-TR" → "tr", "no" → "nb").
pub fn primary(locale: &str) -> Option<String> {
    primary_borrowed(locale).map(std::borrow::Cow::into_owned)
}

/// `primary`, borrowed from the tag when it is already a bare lower-case language ("tr"), as
/// most are: what a hot path reads without copying.
pub fn primary_borrowed(locale: &str) -> Option<std::borrow::Cow<'_, str>> {
    let p = locale.split(['-', '_']).next()?.trim();
    if !(2..=3).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    // Norwegian without a written standard is Bokmål in practice.
    Some(match p {
        _ if p.eq_ignore_ascii_case("no") => "nb".into(),
        _ if p.bytes().all(|b| b.is_ascii_lowercase()) => p.into(),
        _ => p.to_ascii_lowercase().into(),
    })
}

/// Where to look, in order: the full tag, its language, the store's language, English.
pub fn chain(locale: Option<&str>, store_default: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(4);
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(l) = locale {
        let full = l.trim().to_ascii_lowercase().replace('_', "-");
        if full.len() <= 35 && !full.is_empty() {
            push(full);
        }
        if let Some(p) = primary(l) {
            push(p);
        }
    }
    push(store_default.to_ascii_lowercase());
    push("en".into());
    out
}

/// The first built-in language on the chain (without allocating: it runs for every message).
pub fn built_in(locale: Option<&str>, store_default: &str) -> &'static str {
    let find = |tag: &str| {
        let p = tag.split(['-', '_']).next().unwrap_or_default().trim();
        let p = if p.eq_ignore_ascii_case("no") { "nb" } else { p };
        BUILT_IN.iter().find(|b| b.eq_ignore_ascii_case(p)).copied()
    };
    locale.and_then(find).or_else(|| find(store_default)).unwrap_or("en")
}

pub fn is_rtl(lang: &str) -> bool {
    matches!(lang, "fa" | "ar" | "he" | "ur")
}

/// ASCII digits as the language writes them (Persian: ۰–۹).
pub fn digits(lang: &str, s: &str) -> String {
    if lang != "fa" {
        return s.to_string();
    }
    s.chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(0x06F0 + (c as u32 - 0x30)).unwrap_or(c) } else { c })
        .collect()
}

/// An amount as the language writes it, with the currency code: "1,399.80 TRY",
/// "1.399,80 TRY", "1 399,80 NOK", "۱٬۳۹۹٫۸۰ TRY".
pub fn money(m: Money, lang: &str) -> String {
    let plain = m.currency.format_amount(m.minor);
    let (int, frac) = match plain.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (plain.clone(), None),
    };
    let (group, decimal) = match lang {
        "tr" => (".", ","),
        "nb" => (" ", ","),
        "fa" => ("\u{066C}", "\u{066B}"),
        _ => (",", "."),
    };
    let (sign, digits_only) = match int.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits_only.chars().enumerate() {
        if i > 0 && (digits_only.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    let number = match frac {
        Some(f) => format!("{sign}{grouped}{decimal}{f}"),
        None => format!("{sign}{grouped}"),
    };
    format!("{} {}", digits(lang, &number), m.currency.code())
}

/// The recipient's zone: theirs if known and valid, else the store's, else UTC.
pub fn zone_for(customer_tz: Option<&str>, store_tz: &str) -> jiff::tz::TimeZone {
    use jiff::tz::TimeZone;
    customer_tz.and_then(|t| TimeZone::get(t).ok()).or_else(|| TimeZone::get(store_tz).ok()).unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    #[test]
    fn amounts_as_each_language_writes_them() {
        let m = |minor, c| Money { minor, currency: Currency::parse(c).unwrap() };
        assert_eq!(money(m(139_980, "TRY"), "en"), "1,399.80 TRY");
        assert_eq!(money(m(139_980, "TRY"), "tr"), "1.399,80 TRY");
        assert_eq!(money(m(139_980, "NOK"), "nb"), "1 399,80 NOK");
        assert_eq!(money(m(139_980, "TRY"), "fa"), "۱٬۳۹۹٫۸۰ TRY");
        assert_eq!(money(m(69_980, "TRY"), "en"), "699.80 TRY");
        assert_eq!(money(m(1_200, "JPY"), "en"), "1,200 JPY");
        assert_eq!(money(m(1_234_567, "EUR"), "tr"), "12.345,67 EUR");
    }

    #[test]
    fn languages_fall_back_in_order() {
        assert_eq!(chain(Some("tr-TR"), "en"), ["tr-tr", "tr", "en"]);
        assert_eq!(chain(Some("no"), "en"), ["no", "nb", "en"]);
        assert_eq!(chain(None, "nb"), ["nb", "en"]);
        assert_eq!(built_in(Some("fa-IR"), "en"), "fa");
        assert_eq!(built_in(Some("de-DE"), "nb"), "nb");
        assert_eq!(built_in(Some("de-DE"), "de"), "en");
        assert_eq!(digits("fa", "14:30"), "۱۴:۳۰");
    }
}
