//! Phone numbers in E.164, validated against libphonenumber's metadata (the `phonenumber` crate).
//!
//! `phonenumber::parse` + `is_valid` cost ≈ 4.5 µs per number, a fifth of the whole pipeline's
//! time per cart: every metadata pattern goes through the crate's shared LRU regex cache, which
//! hashes and compares the full pattern text under a mutex on every match. Most numbers arrive
//! already canonical (`+` and digits), and for those the fast path below answers from the same
//! metadata with regexes compiled once per region. It only ever says "valid, unchanged"; for
//! anything else — formatting characters, a national prefix the parser might strip or rewrite,
//! an unknown code, an invalid number — it defers to the crate. A differential property test
//! checks the two agree.

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

/// A phone number in E.164, or `None` if it is not a valid number written with `+` and its
/// country code.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if !trimmed.starts_with('+') {
        return None;
    }
    if fast_valid(trimmed) {
        return Some(trimmed.to_string());
    }
    reference(trimmed)
}

/// A number as a shopper types it in a billing form ("0412 345 678", "(555) 010-1234"), read in
/// the billing country (ISO 3166 alpha-2), in E.164; `None` when it is not a valid number there.
pub fn normalize_national(raw: &str, country: &str) -> Option<String> {
    let id: phonenumber::country::Id = country.trim().to_ascii_uppercase().parse().ok()?;
    let n = phonenumber::parse(Some(id), raw.trim()).ok()?;
    phonenumber::is_valid(&n).then(|| n.format().mode(phonenumber::Mode::E164).to_string())
}

/// Whether a number (E.164) is a United States one: `+1` and the US region — not Canada nor
/// the Caribbean, which share the country code (Meta's pause on marketing messages is for US
/// numbers only).
pub fn is_us(e164: &str) -> bool {
    e164.starts_with("+1")
        && phonenumber::parse(None, e164).ok().and_then(|n| n.country().id()).is_some_and(|id| id.as_ref() == "US")
}

/// The crate's full parse and validation: the definition of a valid number here.
pub fn reference(trimmed: &str) -> Option<String> {
    if !trimmed.starts_with('+') {
        return None;
    }
    let n = phonenumber::parse(None, trimmed).ok()?;
    if !phonenumber::is_valid(&n) {
        return None;
    }
    Some(n.format().mode(phonenumber::Mode::E164).to_string())
}

/// One metadata descriptor with its pattern compiled as the crate compiles it (whitespace in the
/// metadata is layout), anchored at the start as the crate matches it (`find` starting at 0).
struct Pattern {
    re: Regex,
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(d: &Descriptor) -> Option<Pattern> {
        let re = Regex::new(&format!("(?x)^(?:{})", d.national_number().as_str())).ok()?;
        Some(Pattern { re, lengths: d.possible_length().to_vec() })
    }

    fn is_match(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16))) && self.re.is_match(national)
    }
}

/// A region's patterns, in the order the crate's `number_type` tries them.
struct Region {
    general: Pattern,
    types: Vec<Pattern>,
    leading_digits: Option<Regex>,
    prefix_for_parsing: Option<Regex>,
    national_prefix: Option<String>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Region> {
        let d = meta.descriptors();
        let kinds = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        let mut types = Vec::new();
        for k in kinds.into_iter().flatten() {
            types.push(Pattern::new(k)?);
        }
        let anchored = |src: &str| Regex::new(&format!("(?x)^(?:{src})")).ok();
        Some(Region {
            general: Pattern::new(d.general())?,
            types,
            leading_digits: match meta.leading_digits() {
                Some(r) => Some(anchored(r.as_str())?),
                None => None,
            },
            prefix_for_parsing: match meta.national_prefix_for_parsing() {
                Some(r) => Some(anchored(r.as_str())?),
                None => None,
            },
            national_prefix: meta.national_prefix().map(str::to_string),
        })
    }

    /// `number_type(..) != Unknown`.
    fn is_valid(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|p| p.is_match(national))
    }

    /// Whether the crate's parser would leave this national number exactly as it is.
    fn keeps(&self, national: &str) -> bool {
        let stripped_by_parsing_rule = self.prefix_for_parsing.as_ref().is_some_and(|r| r.is_match(national));
        let starts_with_prefix = self.national_prefix.as_deref().is_some_and(|p| national.starts_with(p));
        !stripped_by_parsing_rule && !starts_with_prefix
    }
}

/// Regions compiled on first use (a cold start pays only for the regions it sees).
static REGIONS: LazyLock<RwLock<HashMap<String, Option<Arc<Region>>>>> = LazyLock::new(Default::default);

fn region(key: &str, meta: impl FnOnce() -> Option<&'static Metadata>) -> Option<Arc<Region>> {
    if let Some(r) = REGIONS.read().unwrap_or_else(|e| e.into_inner()).get(key) {
        return r.clone();
    }
    let compiled = meta().and_then(Region::new).map(Arc::new);
    REGIONS.write().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), compiled.clone());
    compiled
}

/// True only when the number is canonical E.164, the parser would not rewrite it, and it is
/// valid. `false` means "ask the crate", not "invalid".
fn fast_valid(s: &str) -> bool {
    let digits = &s[1..];
    if !(8..=16).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return false;
    }
    // Country codes are prefix-free; the parser takes the first length that exists.
    let Some((code, national)) = (1..=3).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        DATABASE.by_code(&code).map(|_| (code, &digits[len..]))
    }) else {
        return false;
    };
    if national.starts_with('0') {
        return false;
    }
    let Some(ids) = DATABASE.region(&code) else { return false };
    // Which region's rules apply, as the crate's `source_for` decides.
    let chosen = if ids.len() == 1 {
        if ids[0] == "001" {
            // Non-geographic codes share the id "001": key them by code.
            region(&format!("001+{code}"), || DATABASE.by_code(&code).and_then(|m| m.into_iter().next()))
        } else if ids[0].parse::<phonenumber::country::Id>().is_err() {
            return false;
        } else {
            region(ids[0], || DATABASE.by_id(ids[0]))
        }
    } else {
        ids.iter().filter_map(|id| region(id, || DATABASE.by_id(*id))).find(|r| match &r.leading_digits {
            Some(ld) => ld.is_match(national),
            None => r.is_valid(national),
        })
    };
    chosen.is_some_and(|r| r.keeps(national) && r.is_valid(national))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_numbers_in_several_regions() {
        for n in ["+4791234567", "+905321234567", "+989121234567", "+447911123456", "+14155552671", "+12025550143"] {
            assert_eq!(normalize_phone(n), reference(n), "{n}");
        }
        assert_eq!(normalize_phone(" +4791234567 ").as_deref(), Some("+4791234567"));
    }

    #[test]
    fn refuses_what_the_crate_refuses() {
        for n in ["4791234567", "+47", "+4700000000", "+999123456789", "+0123", "+1 415 555", "hello"] {
            assert_eq!(normalize_phone(n), None, "{n}");
        }
    }

    #[test]
    fn fast_path_is_taken_for_canonical_numbers() {
        assert!(fast_valid("+4791234567"));
        assert!(fast_valid("+905321234567"));
        assert!(!fast_valid("+47 912 34 567"));
    }

    /// Country codes from every zone, with prefixes shared between regions (+1, +7, +44, +47,
    /// +262, +590, +599) and non-geographic ones (+800, +882).
    /// Every region's example mobile and fixed-line numbers: the fast path agrees with the crate
    /// on all of them and answers most of them itself.
    #[test]
    fn every_regions_examples() {
        let (mut valid, mut fast) = (0, 0);
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            for desc in [d.mobile(), d.fixed_line()].into_iter().flatten() {
                let Some(ex) = desc.example() else { continue };
                let n = format!("+{}{ex}", meta.country_code());
                assert_eq!(normalize_phone(&n), reference(&n), "{n}");
                valid += usize::from(reference(&n).is_some());
                fast += usize::from(fast_valid(&n));
            }
        }
        assert!(valid > 400, "{valid}");
        assert!(fast * 10 >= valid * 8, "fast path answered {fast} of {valid}");
    }

    const CODES: &[&str] = &[
        "1", "7", "20", "27", "30", "31", "33", "34", "39", "40", "44", "46", "47", "49", "52", "55", "61", "62", "64",
        "81", "86", "90", "91", "98", "212", "234", "254", "262", "351", "353", "358", "380", "420", "590", "599",
        "800", "882", "971", "972",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The fast path never disagrees with the crate.
        #[test]
        fn agrees_with_the_crate(code in proptest::sample::select(CODES), rest in "[0-9]{4,13}") {
            let n = format!("+{code}{rest}");
            prop_assert_eq!(normalize_phone(&n), reference(&n), "{}", n);
        }

        /// Numbers built from each region's own example numbers, which are valid, so the fast
        /// path's "valid" answers are exercised too, and one-digit variations of them.
        #[test]
        fn agrees_on_variations_of_examples(pick in 0usize..10_000, digit in 0u8..10, pos in 0usize..16) {
            let metas: Vec<_> = DATABASE.iter().collect();
            let meta = metas[pick % metas.len()];
            let d = meta.descriptors();
            for desc in [d.mobile(), d.fixed_line(), d.toll_free()].into_iter().flatten() {
                let Some(ex) = desc.example() else { continue };
                let n = format!("+{}{ex}", meta.country_code());
                prop_assert_eq!(normalize_phone(&n), reference(&n), "{}", n);
                let mut v: Vec<u8> = n.clone().into_bytes();
                let i = 1 + pos % (v.len() - 1);
                v[i] = b'0' + digit;
                let n = String::from_utf8(v).unwrap_or_default();
                prop_assert_eq!(normalize_phone(&n), reference(&n), "{}", n);
            }
        }
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
