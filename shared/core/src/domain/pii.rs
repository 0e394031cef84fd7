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

/// Free text written by a shopper (a reply) may itself hold an address or a number: for logs,
/// every word with an `@` is masked, and every run of 7 or more digits — even written with
/// spaces, dashes, dots or brackets between them ("+90 532 123 45 67") — becomes `[number]`.
pub fn redact_free_text(text: &str) -> String {
    let words: Vec<String> = text.split(' ').map(|w| if w.contains('@') { mask(w) } else { w.to_string() }).collect();
    let joined = words.join(" ");
    let chars: Vec<char> = joined.chars().collect();
    let mut out = String::with_capacity(joined.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || (c == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            // The run: digits and the separators people put between them.
            let mut j = i;
            let mut digits = 0;
            let mut last_digit = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || matches!(chars[j], '+' | ' ' | '-' | '.' | '(' | ')'))
            {
                if chars[j].is_ascii_digit() {
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
    out
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
    fn free_text_loses_addresses_and_numbers() {
        assert_eq!(redact_free_text("size 42 in 2 colours, order 123456"), "size 42 in 2 colours, order 123456");
        assert_eq!(redact_free_text("(0532) 123-4567!"), "([number]!");
        assert_eq!(
            redact_free_text("call me on +90 532 123 45 67 or +905321234567, or ayse@example.com please"),
            "call me on [number] or [number], or a***@example.com please"
        );
    }
}
