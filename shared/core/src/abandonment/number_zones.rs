//! The time zones a phone number can be in, for a shopper whose own zone is unknown:
//! libphonenumber's time-zone map (`data/number-zones.tsv`, generated from the pinned Python
//! `phonenumbers` by `scripts/gen-number-zones`) read as its `time_zones_for_number` reads it.
//! A fixed line (or a mobile in the countries whose mobile numbers are geographic) is looked up
//! by its longest listed prefix — a New York area code names New York; any other number gets its
//! country's zones. Where that is several (Russia, Brazil, an unlisted `+1` prefix, a Russian
//! mobile), a text goes out only when every one of them allows it (`send_policy`), so a New York
//! number is never texted at night because the store sits in Oslo.

use crate::domain::phone::{self, Kind};
use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../data/number-zones.tsv");

/// libphonenumber's longest prefix in the table.
const LONGEST_PREFIX: usize = 9;

/// Countries whose mobile numbers are geographic (libphonenumber's `GEO_MOBILE_COUNTRIES`).
const GEO_MOBILE_COUNTRIES: [u16; 5] = [52, 54, 55, 62, 86];

static ZONES: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(prefix, zones)| (prefix, zones.split(' ').collect()))
        .collect()
});

/// The zones `phone` (E.164) may be in; `None` when the number is not valid or the map does not
/// know it (the caller falls back to the store's zone).
pub fn zones_for_number(phone: &str) -> Option<&'static [&'static str]> {
    let n = phone::parse_international(phone)?;
    let geographic = match n.kind {
        Kind::FixedLine | Kind::FixedLineOrMobile => true,
        Kind::Mobile => GEO_MOBILE_COUNTRIES.contains(&n.country_code),
        Kind::Other => false,
    };
    let zones = if geographic {
        let digits = format!("{}{}", n.country_code, n.national);
        (1..=LONGEST_PREFIX.min(digits.len())).rev().find_map(|len| ZONES.get(&digits[..len]))
    } else {
        ZONES.get(n.country_code.to_string().as_str())
    };
    zones.map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every zone the map names is one the time-zone database knows, so none is dropped when the
    /// policy resolves them.
    #[test]
    fn every_zone_exists() {
        let mut missing: Vec<&str> =
            ZONES.values().flatten().copied().filter(|z| jiff::tz::TimeZone::get(z).is_err()).collect();
        missing.sort_unstable();
        missing.dedup();
        assert!(missing.is_empty(), "{missing:?}");
        assert!(ZONES.len() > 3000, "{}", ZONES.len());
    }

    #[test]
    fn numbers_find_their_zones() {
        assert_eq!(zones_for_number("+12125551234"), Some(&["America/New_York"][..]));
        // +47 is Norway and Svalbard.
        assert_eq!(zones_for_number("+4791234567"), Some(&["Arctic/Longyearbyen", "Europe/Oslo"][..]));
        assert_eq!(zones_for_number("+12085551234"), Some(&["America/Boise", "America/Los_Angeles"][..]));
        // A Russian mobile could be anywhere Russia (or Kazakhstan, which shares +7) reaches.
        assert!(zones_for_number("+79161234567").is_some_and(|z| z.len() > 10));
        assert_eq!(zones_for_number("+4700000000"), None);
    }
}
