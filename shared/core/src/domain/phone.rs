//! Phone numbers in E.164, read and validated as Google's libphonenumber does, from its metadata
//! (the `phonenumber` crate's copy, 9.0.33).
//!
//! The crate's own `parse` + `is_valid` are not used for verdicts: it matches a type's pattern
//! against the *start* of the national number only (so `+35322123453` passed) and refused
//! numbers whose national part begins with the national prefix (`+78121234567`, St Petersburg).
//! What follows is libphonenumber's `parse` for numbers written with `+` and its
//! `isValidNumber`/`getNumberType`, step by step, over the same metadata, with every pattern
//! compiled once per region. `scripts/references` holds it to the pinned Python `phonenumbers`
//! (the same metadata version) over generated numbers from every region; docs/references.md.

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

/// libphonenumber's bounds on a national significant number.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// What kind of line a number is, as far as Cartback needs to know (libphonenumber's
/// `PhoneNumberType` folded: premium, toll-free, VoIP, … are `Other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    FixedLine,
    Mobile,
    FixedLineOrMobile,
    Other,
}

/// A valid number: its country calling code, national significant number and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub country_code: u16,
    pub national: String,
    pub kind: Kind,
    /// ISO 3166 region ("001" for non-geographic codes).
    pub region: &'static str,
}

impl Number {
    pub fn e164(&self) -> String {
        format!("+{}{}", self.country_code, self.national)
    }
}

/// A phone number in E.164, or `None` if it is not a valid number written with `+` and its
/// country code (spaces, dashes, dots, slashes and parentheses allowed; letters and
/// extensions are not).
pub fn normalize_phone(raw: &str) -> Option<String> {
    parse_international(raw).map(|n| n.e164())
}

/// A number written with `+`, parsed and validated.
pub fn parse_international(raw: &str) -> Option<Number> {
    let digits = digits_only(raw.trim().strip_prefix('+')?)?;
    after_country_code(&digits)
}

/// Digits that begin with a country code (after `+` or an international prefix): the code,
/// then the national number with the code's main region's national prefix rules.
fn after_country_code(digits: &str) -> Option<Number> {
    // Country codes are prefix-free and never start with 0: the first length that exists.
    if digits.len() <= MIN_NSN || digits.starts_with('0') {
        return None;
    }
    let (code, national) = (1..=3.min(digits.len())).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        DATABASE.region(&code).map(|_| (code, &digits[len..]))
    })?;
    finish(code, &*main_region(code)?, national)
}

/// `parseHelper`'s end: the national prefix stripped by `rules`, lengths checked, validated.
fn finish(code: u16, rules: &Region, national: &str) -> Option<Number> {
    let national = rules.strip_national_prefix(national);
    if !(MIN_NSN..=MAX_NSN).contains(&national.len()) {
        return None;
    }
    validate(code, national)
}

/// A national significant number of country `code`, validated (`isValidNumber`).
fn validate(code: u16, national: String) -> Option<Number> {
    let ids = DATABASE.region(&code)?;
    let chosen = if ids.len() == 1 {
        Some((ids[0], region_for(code, ids[0])?))
    } else {
        // `getRegionCodeForNumberFromRegionList`: leading digits decide, else a matching type.
        ids.iter().filter_map(|id| Some((*id, region_for(code, id)?))).find(|(_, r)| match &r.leading_digits {
            Some(ld) => ld.is_match(&national),
            None => r.kind(&national).is_some(),
        })
    };
    let (id, region) = chosen?;
    let kind = region.kind(&national)?;
    Some(Number { country_code: code, national, kind, region: id })
}

/// The digits once formatting is removed; `None` for anything else (letters, extensions).
fn digits_only(rest: &str) -> Option<String> {
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// A number as a shopper types it in a billing form ("0412 345 678", "(555) 010-1234"), read in
/// the billing country (ISO 3166 alpha-2), in E.164; `None` when it is not a valid number there.
/// libphonenumber's `parse` with a default region: an international prefix ("00 47 …"), the
/// country's own code typed without `+`, or a national number with its national prefix.
pub fn normalize_national(raw: &str, country: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.starts_with('+') {
        return normalize_phone(raw);
    }
    let id = country.trim().to_ascii_uppercase();
    let meta = DATABASE.by_id(&id)?;
    let code = meta.country_code();
    let rules = region_for(code, &id)?;
    let digits = digits_only(raw)?;
    if let Some(m) = rules.international_prefix.as_ref().and_then(|re| re.find(&digits)) {
        // `parsePrefixAsIdd`: not when a 0 follows, as no country code starts with one.
        let rest = &digits[m.end()..];
        if !rest.starts_with('0') {
            return after_country_code(rest).map(|n| n.e164());
        }
    }
    // The country's own code typed without `+`: kept off when the number reads better so.
    if let Some(rest) = digits.strip_prefix(&code.to_string()) {
        let potential = rules.stripped(rest).unwrap_or_else(|| rest.to_string());
        let general = &rules.general.re;
        let better = !general.is_match(&digits) && general.is_match(&potential);
        if better || matches!(rules.length_verdict(&digits), Length::TooLong) {
            return finish(code, &*main_region(code)?, &potential).map(|n| n.e164());
        }
    }
    finish(code, &rules, &digits).map(|n| n.e164())
}

/// Whether a number (E.164) is a United States one: `+1` and the US region — not Canada nor
/// the Caribbean, which share the country code (Meta's pause on marketing messages is for US
/// numbers only).
pub fn is_us(e164: &str) -> bool {
    e164.starts_with("+1") && parse_international(e164).is_some_and(|n| n.region == "US")
}

/// One metadata descriptor, its pattern compiled to match the whole national number
/// (libphonenumber's `matchNationalNumber` without prefix matches).
struct Desc {
    re: Regex,
    lengths: Vec<u16>,
}

impl Desc {
    fn new(d: &Descriptor) -> Option<Desc> {
        // Whitespace in the metadata's patterns is layout, as the crate compiles them.
        let re = Regex::new(&format!("(?x)^(?:{})$", d.national_number().as_str())).ok()?;
        Some(Desc { re, lengths: d.possible_length().to_vec() })
    }

    /// `isNumberMatchingDesc`.
    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16))) && self.re.is_match(national)
    }
}

/// A region's rules, compiled.
struct Region {
    general: Desc,
    general_local_lengths: Vec<u16>,
    /// Premium, toll-free, shared cost, VoIP, personal, pager, UAN, voicemail: in the order
    /// `getNumberTypeHelper` tries them.
    other: Vec<Desc>,
    fixed: Option<Desc>,
    mobile: Option<Desc>,
    same_mobile_and_fixed: bool,
    leading_digits: Option<Regex>,
    international_prefix: Option<Regex>,
    prefix_for_parsing: Option<Regex>,
    transform: Option<String>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Region> {
        let d = meta.descriptors();
        let others = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ];
        let other = others.into_iter().flatten().map(Desc::new).collect::<Option<Vec<_>>>()?;
        // libphonenumber's build derives the general lengths from every type's (the XML, which
        // the crate reads as it is, leaves them out).
        let types = || others.into_iter().chain([d.fixed_line(), d.mobile()]).flatten();
        let mut lengths: Vec<u16> = types().flat_map(|t| t.possible_length().iter().copied()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let mut local: Vec<u16> = types().flat_map(|t| t.possible_local_length().iter().copied()).collect();
        local.retain(|l| !lengths.contains(l));
        let mut general = Desc::new(d.general())?;
        if general.lengths.is_empty() {
            general.lengths = lengths;
        }
        let anchored = |src: &str| Regex::new(&format!("(?x)^(?:{src})")).ok();
        let opt = |d: Option<&Descriptor>| match d {
            None => Some(None),
            Some(d) => Desc::new(d).map(Some),
        };
        Some(Region {
            general,
            general_local_lengths: local,
            other,
            fixed: opt(d.fixed_line())?,
            mobile: opt(d.mobile())?,
            same_mobile_and_fixed: match (d.fixed_line(), d.mobile()) {
                (Some(f), Some(m)) => f.national_number().as_str() == m.national_number().as_str(),
                _ => false,
            },
            leading_digits: match meta.leading_digits() {
                Some(r) => Some(anchored(r.as_str())?),
                None => None,
            },
            international_prefix: match meta.international_prefix() {
                Some(r) => Some(anchored(r.as_str())?),
                None => None,
            },
            // Without its own rule, the national prefix itself is stripped (libphonenumber's
            // metadata build fills this in; the crate does not).
            prefix_for_parsing: match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
                (Some(r), _) => Some(anchored(r.as_str())?),
                (None, Some(p)) if !p.is_empty() => Some(anchored(&regex::escape(p))?),
                _ => None,
            },
            transform: meta.national_prefix_transform_rule().map(braced_groups),
        })
    }

    /// `getNumberTypeHelper`, `None` for UNKNOWN.
    fn kind(&self, n: &str) -> Option<Kind> {
        if !self.general.matches(n) {
            return None;
        }
        if self.other.iter().any(|d| d.matches(n)) {
            return Some(Kind::Other);
        }
        let mobile = |n: &str| self.mobile.as_ref().is_some_and(|d| d.matches(n));
        if self.fixed.as_ref().is_some_and(|d| d.matches(n)) {
            return Some(if self.same_mobile_and_fixed || mobile(n) {
                Kind::FixedLineOrMobile
            } else {
                Kind::FixedLine
            });
        }
        (!self.same_mobile_and_fixed && mobile(n)).then_some(Kind::Mobile)
    }

    /// `maybeStripNationalPrefixAndCarrierCode`, kept only when what remains has a possible
    /// length (`parseHelper`): a number written in full after `+` may still carry the prefix.
    fn strip_national_prefix(&self, national: &str) -> String {
        let Some(stripped) = self.stripped(national) else { return national.to_string() };
        match self.length_verdict(&stripped) {
            Length::TooShort | Length::LocalOnly | Length::Invalid => national.to_string(),
            Length::Possible | Length::TooLong => stripped,
        }
    }

    fn stripped(&self, national: &str) -> Option<String> {
        let re = self.prefix_for_parsing.as_ref()?;
        let caps = re.captures(national)?;
        let whole = caps.get(0)?;
        let viable = self.general.re.is_match(national);
        let last_group = caps.len().checked_sub(1).filter(|n| *n > 0).and_then(|n| caps.get(n));
        let result = match (&self.transform, last_group) {
            (Some(rule), Some(_)) if !rule.is_empty() => {
                let mut out = String::new();
                caps.expand(rule, &mut out);
                out.push_str(&national[whole.end()..]);
                out
            }
            _ => national[whole.end()..].to_string(),
        };
        // A number viable as written stays as written if stripping would make it unviable.
        (!viable || self.general.re.is_match(&result)).then_some(result)
    }

    /// `testNumberLength` against the general descriptor.
    fn length_verdict(&self, n: &str) -> Length {
        let lengths = &self.general.lengths;
        let len = n.len() as u16;
        if self.general_local_lengths.contains(&len) {
            return Length::LocalOnly;
        }
        let (Some(min), Some(max)) = (lengths.first(), lengths.last()) else { return Length::Invalid };
        if len == *min {
            Length::Possible
        } else if len < *min {
            Length::TooShort
        } else if len > *max {
            Length::TooLong
        } else if lengths[1..].contains(&len) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }
}

/// The metadata writes group references as `$1`; the regex crate would read `$15` as group
/// "15", so each becomes `${1}`.
fn braced_groups(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            out.extend(chars.next());
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

enum Length {
    Possible,
    TooShort,
    TooLong,
    LocalOnly,
    Invalid,
}

/// Regions compiled on first use (a cold start pays only for the regions it sees).
static REGIONS: LazyLock<RwLock<HashMap<String, Option<Arc<Region>>>>> = LazyLock::new(Default::default);

fn compiled(key: &str, meta: impl FnOnce() -> Option<&'static Metadata>) -> Option<Arc<Region>> {
    if let Some(r) = REGIONS.read().unwrap_or_else(|e| e.into_inner()).get(key) {
        return r.clone();
    }
    let region = meta().and_then(Region::new).map(Arc::new);
    REGIONS.write().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), region.clone());
    region
}

/// A region's rules; non-geographic codes share the id "001" and are keyed by code.
fn region_for(code: u16, id: &str) -> Option<Arc<Region>> {
    if id == "001" {
        compiled(&format!("001+{code}"), || DATABASE.by_code(&code).and_then(|m| m.into_iter().next()))
    } else {
        compiled(id, || DATABASE.by_id(id))
    }
}

/// The code's main region, whose national prefix rules apply while parsing.
fn main_region(code: u16) -> Option<Arc<Region>> {
    region_for(code, DATABASE.region(&code)?.first()?)
}

/// The ISO 3166 country of a valid E.164 number (`+905…` → `TR`): the region libphonenumber's
/// `getRegionCodeForNumber` gives, read by this module's parse (a tenth of the cost of the
/// crate's `parse`, which a store's `countries` condition paid once a cart); `None` for an
/// invalid number and a non-geographic code ("001"). `scripts/references` holds it to Python's
/// `phonenumbers.region_code_for_number`.
pub fn country(e164: &str) -> Option<String> {
    parse_international(e164).map(|n| n.region).filter(|r| *r != "001").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_in_several_regions() {
        for n in ["+4791234567", "+905321234567", "+989121234567", "+447911123456", "+14155552671", "+12025550143"] {
            assert_eq!(normalize_phone(n).as_deref(), Some(n), "{n}");
        }
        assert_eq!(normalize_phone(" +47 912 34 567 ").as_deref(), Some("+4791234567"));
        assert_eq!(normalize_phone("+1 (415) 555-2671").as_deref(), Some("+14155552671"));
    }

    #[test]
    fn refuses_invalid_numbers() {
        for n in [
            "4791234567",
            "+47",
            "+4700000000",
            "+999123456789",
            "+0123",
            "+1 415 555",
            "hello",
            "+47 912 34 567 ext 5",
        ] {
            assert_eq!(normalize_phone(n), None, "{n}");
        }
    }

    /// The numbers libphonenumber 9.0.33 (Python `phonenumbers`) calls invalid that a
    /// start-of-number pattern match accepted, and the valid ones whose national part starts
    /// with the national prefix.
    #[test]
    fn whole_number_matches_and_national_prefixes_as_libphonenumber() {
        for n in [
            "+35322123453",
            "+86101234567",
            "+8623123456789",
            "+632323456785",
            "+6323234567",
            "+36401234567",
            "+3532521674880",
            "+822323922284",
        ] {
            assert_eq!(normalize_phone(n), None, "{n}");
        }
        for n in ["+78121234567", "+78432123456", "+78001234567", "+3758011234567"] {
            assert_eq!(normalize_phone(n).as_deref(), Some(n), "{n}");
        }
    }

    /// Every region's example numbers of every kind are valid, as libphonenumber's own tests
    /// require of its metadata.
    #[test]
    fn every_regions_examples_are_valid() {
        let mut checked = 0;
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            for desc in [d.mobile(), d.fixed_line(), d.toll_free()].into_iter().flatten() {
                let Some(ex) = desc.example() else { continue };
                let n = format!("+{}{ex}", meta.country_code());
                assert_eq!(normalize_phone(&n).as_deref(), Some(n.as_str()), "{n} ({})", meta.id());
                checked += 1;
            }
        }
        assert!(checked > 600, "{checked}");
    }

    #[test]
    fn kinds_and_regions() {
        let n = parse_international("+4791234567").unwrap_or_else(|| panic!("valid"));
        assert_eq!((n.kind, n.region), (Kind::Mobile, "NO"));
        let n = parse_international("+12125551234").unwrap_or_else(|| panic!("valid"));
        assert_eq!((n.kind, n.region), (Kind::FixedLineOrMobile, "US"));
        let n = parse_international("+14165551234").unwrap_or_else(|| panic!("valid"));
        assert_eq!(n.region, "CA");
    }

    #[test]
    fn national_forms_in_the_billing_country() {
        assert_eq!(normalize_national("0412 345 678", "AU").as_deref(), Some("+61412345678"));
        assert_eq!(normalize_national("8 (812) 123-45-67", "RU").as_deref(), Some("+78121234567"));
        assert_eq!(normalize_national("06 12345678", "IT").as_deref(), Some("+390612345678"));
        assert_eq!(normalize_national("912 34 567", "no").as_deref(), Some("+4791234567"));
        assert_eq!(normalize_national("123", "NO"), None);
    }
}

#[cfg(test)]
mod us_tests {
    #[test]
    fn us_is_the_us_region_not_every_plus_one() {
        assert!(super::is_us("+12125551234")); // New York
        assert!(super::is_us("+14155552671")); // San Francisco
        assert!(!super::is_us("+14165551234")); // Toronto
        assert!(!super::is_us("+18765551234")); // Jamaica
        assert!(!super::is_us("+4791234567"));
    }
}
