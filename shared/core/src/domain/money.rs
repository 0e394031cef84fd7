//! Money in integer minor units with its ISO 4217 currency.
//!
//! Amounts arrive as decimal strings in major units ("349.90"); they are parsed exactly (never
//! through a float) and refused when they carry more decimals than the currency allows.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An ISO 4217 currency code, validated against the standard's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("`{0}` is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("`{0}` is not a decimal amount like \"12.50\"")]
    NotAnAmount(String),
    #[error("`{amount}` has more decimals than {currency} allows ({allowed})")]
    TooManyDecimals { amount: String, currency: String, allowed: u16 },
    #[error("`{0}` is too large (at most 10^13 minor units: 100 000 000 000.00 in a currency with cents)")]
    TooLarge(String),
    #[error("amount must not be negative")]
    Negative,
}

/// The largest amount Cartback accepts, in minor units: far above any real cart or order, and
/// low enough that the counters summing them (revenue per currency) cannot overflow before
/// 900 000 such orders. An order above it is a mistake or an attack.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        iso_currency::Currency::from_code(code)
            .map(Currency)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u16 {
        self.0.exponent().unwrap_or(0)
    }

    /// Parses a non-negative decimal string in major units into minor units, exactly.
    pub fn parse_amount(&self, text: &str) -> Result<i64, MoneyError> {
        let text = text.trim();
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(frac) || (text.contains('.') && frac.is_empty()) {
            return Err(MoneyError::NotAnAmount(text.to_string()));
        }
        let exp = self.exponent();
        if frac.len() > usize::from(exp) {
            return Err(MoneyError::TooManyDecimals {
                amount: text.to_string(),
                currency: self.code().to_string(),
                allowed: exp,
            });
        }
        let too_large = || MoneyError::TooLarge(text.to_string());
        let whole: i64 = whole.parse().map_err(|_| too_large())?;
        let mut frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| too_large())? };
        for _ in frac.len()..usize::from(exp) {
            frac_value *= 10;
        }
        whole
            .checked_mul(10_i64.pow(u32::from(exp)))
            .and_then(|w| w.checked_add(frac_value))
            .filter(|minor| *minor <= MAX_AMOUNT_MINOR)
            .ok_or_else(too_large)
    }

    /// Formats minor units as a plain decimal in major units ("349.90").
    pub fn format_amount(&self, minor: i64) -> String {
        let exp = u32::from(self.exponent());
        if exp == 0 {
            return minor.to_string();
        }
        let scale = 10_i64.pow(exp);
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = exp as usize)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

/// An amount in minor units with its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn display(&self) -> String {
        let mut s = self.currency.format_amount(self.minor);
        s.push(' ');
        s.push_str(self.currency.code());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_minor_units() {
        let try_ = Currency::parse("TRY").unwrap();
        assert_eq!(try_.parse_amount("349.90"), Ok(34990));
        assert_eq!(try_.parse_amount("349.9"), Ok(34990));
        assert_eq!(try_.parse_amount("349"), Ok(34900));
        assert!(matches!(try_.parse_amount("349.901"), Err(MoneyError::TooManyDecimals { .. })));
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_amount("1200"), Ok(1200));
        assert!(matches!(jpy.parse_amount("1200.5"), Err(MoneyError::TooManyDecimals { .. })));
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.parse_amount("1.234"), Ok(1234));
    }

    #[test]
    fn refuses_non_amounts() {
        let eur = Currency::parse("EUR").unwrap();
        for bad in ["", "abc", "1.", ".5", "1e3", "-1", "1,50", "99999999999999999999"] {
            assert!(eur.parse_amount(bad).is_err(), "{bad} accepted");
        }
        assert!(Currency::parse("XYZ").is_err());
    }

    #[test]
    fn formats_round_trip() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(eur.format_amount(69980), "699.80");
        assert_eq!(eur.format_amount(5), "0.05");
        assert_eq!(Currency::parse("JPY").unwrap().format_amount(1200), "1200");
    }
}
