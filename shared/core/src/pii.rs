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
}
