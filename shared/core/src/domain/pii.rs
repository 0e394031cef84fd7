//! Personal data that must never reach a log in clear text.
//!
//! `Pii<T>` prints masked through both `Debug` and `Display`; the clear value is only reachable
//! through `expose()`, which makes every use that needs it visible in review.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Pii(String);

impl Pii {
    pub fn new(value: impl Into<String>) -> Self {
        Pii(value.into())
    }

    /// The clear value: only for sending a message or computing a keyed hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A masked form safe for logs: `+9053*****67`, `a***@example.com`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks a phone number (keeps the country prefix and the last two digits) or an e-mail address
/// (keeps the first letter and the domain).
pub fn mask(value: &str) -> String {
    if let Some((local, domain)) = value.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

/// A character that must never reach a log line or a terminal as itself: C0 and C1 controls
/// (a newline forges a log line, ESC drives the terminal), DEL, and the direction overrides and
/// isolates that make text display in another order than it is stored.
pub fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `s` safe to print: every `unprintable` character written as `\u{…}`.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Digits in any script: ASCII, Arabic-Indic and Persian (۰۹۱۲…), full-width (０９…) and the rest
/// of Unicode's decimal digits, which shoppers type as readily as ASCII ones.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_plus(c: char) -> bool {
    matches!(c, '+' | '\u{FF0B}')
}

/// What people put between a number's digits: spaces (also no-break and ideographic), dashes of
/// every width, dots, brackets.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '/' | '_' | '(' | ')' | '\u{00A0}' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}' | '\u{3000}' | '\u{FF08}' | '\u{FF09}' | '\u{FF0D}' | '\u{FF0E}' | '\u{FF0F}'
    )
}

/// Free text written by a shopper (a reply) may itself hold an address or a number: for logs,
/// every word with an `@` is masked, and every run of 7 or more digits — even written with
/// spaces, dashes, dots or brackets between them ("+90 532 123 45 67") — becomes `[number]`.
pub fn redact_free_text(text: &str) -> String {
    // `＠` (full-width) and `﹫` (small) read as `@` to people: such a word is an address too.
    let words: Vec<String> = text
        .split(' ')
        .map(|w| {
            if w.contains(['@', '\u{FF20}', '\u{FE6B}']) {
                mask(&w.replace(['\u{FF20}', '\u{FE6B}'], "@"))
            } else {
                w.to_string()
            }
        })
        .collect();
    let joined = words.join(" ");
    let chars: Vec<char> = joined.chars().collect();
    let mut out = String::with_capacity(joined.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_digit(c) || (is_plus(c) && chars.get(i + 1).is_some_and(|n| is_digit(*n))) {
            // The run: digits and the separators people put between them.
            let mut j = i;
            let mut digits = 0;
            let mut last_digit = i;
            while j < chars.len() && (is_digit(chars[j]) || is_plus(chars[j]) || is_separator(chars[j])) {
                if is_digit(chars[j]) {
                    digits += 1;
                    last_digit = j;
                }
                j += 1;
            }
            if digits >= 7 {
                out.push_str("[number]");
                i = last_digit + 1;
                continue;
            }
            out.extend(&chars[i..=last_digit]);
            i = last_digit + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // …and nothing in it drives the terminal or forges a line.
    printable(&out).into_owned()
}

impl fmt::Debug for Pii {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pii({})", self.masked())
    }
}

impl fmt::Display for Pii {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_clear_values() {
        let phone = Pii::new("+905321234567");
        assert_eq!(format!("{phone}"), "+905*******67");
        assert!(!format!("{phone:?}").contains("5321234"));
        let email = Pii::new("ayse@example.com");
        assert_eq!(email.to_string(), "a***@example.com");
    }

    #[test]
    fn numbers_in_every_script_are_redacted() {
        // Persian, Arabic-Indic, full-width (with full-width dashes and plus), and mixed.
        assert_eq!(redact_free_text("شماره من ۰۹۱۲ ۳۴۵ ۶۷۸۹ است"), "شماره من [number] است");
        assert_eq!(redact_free_text("رقمي ٠٥٣٢١٢٣٤٥٦٧"), "رقمي [number]");
        assert_eq!(redact_free_text("電話 ＋９０－５３２－１２３－４５６７ まで"), "電話 [number] まで");
        assert_eq!(redact_free_text("call ۰912 345 67 89"), "call [number]");
        // Short numbers stay: sizes, quantities.
        assert_eq!(redact_free_text("سایز ۴۲"), "سایز ۴۲");
    }

    #[test]
    fn free_text_loses_addresses_and_numbers() {
        assert_eq!(redact_free_text("size 42 in 2 colours, order 123456"), "size 42 in 2 colours, order 123456");
        assert_eq!(redact_free_text("(0532) 123-4567!"), "([number]!");
        assert_eq!(
            redact_free_text("call me on +90 532 123 45 67 or +905321234567, or ayse@example.com please"),
            "call me on [number] or [number], or a***@example.com please"
        );
    }
}
