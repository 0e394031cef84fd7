//! The time zones a phone number can be in, for a shopper whose own zone is unknown. A number
//! only names its country (and in North America its area code); where a country spans several
//! zones, a text goes out only when it is allowed in every one of them (`send_policy`), so a
//! New York number is never texted at night because the store sits in Oslo.
//!
//! North American area codes whose zone the compliance rules know (`rules/compliance.toml`)
//! keep that one zone; any other `+1` number may be anywhere from Newfoundland to Hawaii.

/// Zones a `+1` number can be in when its area code's zone is not known.
const NANP: &[&str] = &[
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
];

/// Countries over several zones (ISO 3166 code, their zones west to east).
const MULTI_ZONE: &[(&str, &[&str])] = &[
    (
        "RU",
        &[
            "Europe/Kaliningrad",
            "Europe/Moscow",
            "Europe/Samara",
            "Asia/Yekaterinburg",
            "Asia/Omsk",
            "Asia/Novosibirsk",
            "Asia/Irkutsk",
            "Asia/Yakutsk",
            "Asia/Vladivostok",
            "Asia/Magadan",
            "Asia/Kamchatka",
        ],
    ),
    ("BR", &["America/Rio_Branco", "America/Manaus", "America/Sao_Paulo", "America/Noronha"]),
    (
        "AU",
        &[
            "Australia/Perth",
            "Australia/Darwin",
            "Australia/Adelaide",
            "Australia/Brisbane",
            "Australia/Sydney",
            "Australia/Lord_Howe",
        ],
    ),
    ("MX", &["America/Tijuana", "America/Hermosillo", "America/Mazatlan", "America/Mexico_City", "America/Cancun"]),
    ("ID", &["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
    ("KZ", &["Asia/Almaty", "Asia/Aqtobe"]),
    ("PT", &["Atlantic/Azores", "Europe/Lisbon"]),
    ("ES", &["Atlantic/Canary", "Europe/Madrid"]),
    ("CL", &["Pacific/Easter", "America/Santiago"]),
    ("EC", &["Pacific/Galapagos", "America/Guayaquil"]),
];

/// The zones `phone` (E.164) may be in, when it is more than one; `None` when the number names
/// one zone or none this table knows (the caller uses its fallback).
pub fn candidate_zones(phone: &str) -> Option<&'static [&'static str]> {
    if phone.starts_with("+1") {
        return Some(NANP);
    }
    let n = phonenumber::parse(None, phone).ok()?;
    let id = n.country().id()?;
    let id: &str = id.as_ref();
    MULTI_ZONE.iter().find(|(c, _)| *c == id).map(|(_, zones)| *zones)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_exists_and_countries_are_found() {
        for z in NANP.iter().chain(MULTI_ZONE.iter().flat_map(|(_, zs)| zs.iter())) {
            assert!(jiff::tz::TimeZone::get(z).is_ok(), "{z}");
        }
        assert_eq!(candidate_zones("+12125551234"), Some(NANP));
        assert_eq!(candidate_zones("+79161234567").map(<[_]>::len), Some(11));
        assert_eq!(candidate_zones("+4791234567"), None);
    }
}
