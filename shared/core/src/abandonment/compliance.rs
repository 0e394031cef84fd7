//! The jurisdiction rules for text messages (`rules/compliance.toml`): allowed hours, Sunday
//! rules and 24-hour caps by the recipient's country and US state. Pure lookups and time
//! arithmetic; the send policy applies them on top of the store's own quiet hours.

use crate::abandonment::quiet_hours;
use crate::config::QuietHours;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

const SOURCE: &str = include_str!("../../rules/compliance.toml");

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where the rule comes from ("US", "US-FL"): recorded with deferrals.
    pub name: String,
    pub hours: QuietHours,
    /// Sundays: `Some(None)` closed, `Some(Some(w))` another window, `None` as every day.
    pub sunday: Option<Option<QuietHours>>,
    pub max_per_24h: Option<u32>,
    pub zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    hours: String,
    sunday: Option<String>,
    max_per_24h: Option<u32>,
    zone: Option<String>,
    #[serde(default)]
    area_codes: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    countries: BTreeMap<String, RawRule>,
    #[serde(default)]
    us_states: BTreeMap<String, RawRule>,
}

struct Table {
    countries: HashMap<String, Rule>,
    /// "+1", "+33": only numbers under these calling codes are parsed for their country.
    prefixes: Vec<String>,
    by_area_code: HashMap<u16, Rule>,
}

fn window(s: &str) -> Result<QuietHours, String> {
    let (a, b) = s.split_once('-').ok_or_else(|| format!("`{s}` is not HH:MM-HH:MM"))?;
    let t = |x: &str| x.trim().parse::<Time>().map_err(|_| format!("`{x}` is not HH:MM"));
    let (start, end) = (t(a)?, t(b)?);
    if start >= end {
        return Err(format!("`{s}` ends before it starts"));
    }
    Ok(QuietHours { start, end })
}

fn rule(name: String, r: &RawRule) -> Result<Rule, String> {
    let sunday = match r.sunday.as_deref() {
        None => None,
        Some("closed") => Some(None),
        Some(w) => Some(Some(window(w).map_err(|e| format!("{name}.sunday: {e}"))?)),
    };
    if let Some(z) = &r.zone
        && TimeZone::get(z).is_err()
    {
        return Err(format!("{name}.zone: `{z}` is not an IANA zone"));
    }
    Ok(Rule {
        hours: window(&r.hours).map_err(|e| format!("{name}.hours: {e}"))?,
        sunday,
        max_per_24h: r.max_per_24h,
        zone: r.zone.clone(),
        name,
    })
}

/// The table as shipped, checked.
fn parse(text: &str) -> Result<Table, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut countries = HashMap::new();
    for (c, r) in &raw.countries {
        countries.insert(c.clone(), rule(c.clone(), r)?);
    }
    let mut by_area_code = HashMap::new();
    for (state, r) in &raw.us_states {
        let name = format!("US-{state}");
        let parsed = rule(name.clone(), r)?;
        for code in &r.area_codes {
            if !(200..=999).contains(code) {
                return Err(format!("{name}.area_codes: {code} is not a NANP area code"));
            }
            if by_area_code.insert(*code, parsed.clone()).is_some() {
                return Err(format!("{name}.area_codes: {code} is listed for two states"));
            }
        }
    }
    let mut prefixes: Vec<String> = countries
        .keys()
        .filter_map(|c| c.parse::<phonenumber::country::Id>().ok())
        .filter_map(|id| phonenumber::metadata::DATABASE.by_id(id.as_ref()).map(|m| format!("+{}", m.country_code())))
        .collect();
    if prefixes.len() != countries.len() {
        return Err("countries: every key must be an ISO 3166 alpha-2 code libphonenumber knows".into());
    }
    prefixes.sort();
    prefixes.dedup();
    Ok(Table { countries, prefixes, by_area_code })
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // the shipped file is checked by the tests below
    parse(SOURCE).expect("rules/compliance.toml is valid")
});

/// The rule for a recipient's phone (E.164), if their jurisdiction has one.
pub fn rule_for(phone: &str) -> Option<&'static Rule> {
    let t = &*TABLE;
    if let Some(national) = phone.strip_prefix("+1") {
        let area: Option<u16> = national.get(..3).and_then(|a| a.parse().ok());
        if let Some(r) = area.and_then(|a| t.by_area_code.get(&a)) {
            return Some(r);
        }
    }
    // Parsing costs microseconds: only for numbers that can be in a listed country.
    if !t.prefixes.iter().any(|p| phone.starts_with(p.as_str())) {
        return None;
    }
    let n = phonenumber::parse(None, phone).ok()?;
    let id = n.country().id()?;
    t.countries.get(id.as_ref())
}

fn window_on(rule: &Rule, weekday: Weekday) -> Option<QuietHours> {
    match (weekday, rule.sunday) {
        (Weekday::Sunday, Some(w)) => w,
        _ => Some(rule.hours),
    }
}

/// The first instant at or after `now` when the rule allows a message.
pub fn next_allowed(now: Timestamp, tz: &TimeZone, rule: &Rule) -> Timestamp {
    let local = now.to_zoned_datetime(tz.clone());
    let mut date = local.date();
    for day in 0..8 {
        if let Some(w) = window_on(rule, date.weekday()) {
            if day == 0 {
                let t = local.time();
                if w.start <= t && t < w.end {
                    return now;
                }
            }
            if let Some(t) = quiet_hours::reaches(date, w.start, tz, now) {
                return t;
            }
        }
        date = date.tomorrow().unwrap_or(date);
    }
    now
}

/// When the rule's window `now` is in closes; `None` when `now` is outside it.
pub fn window_end(now: Timestamp, tz: &TimeZone, rule: &Rule) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(tz.clone());
    let w = window_on(rule, local.date().weekday())?;
    if !(w.start <= local.time() && local.time() < w.end) {
        return None;
    }
    quiet_hours::reaches(local.date(), w.end, tz, now)
}

/// When the next message may go under a 24-hour cap, given the recipient's recent sends.
pub fn cap_free_at(rule: &Rule, recent: &[Timestamp], now: Timestamp) -> Option<Timestamp> {
    let max = rule.max_per_24h? as usize;
    let day = SignedDuration::from_hours(24);
    let mut within: Vec<Timestamp> = recent.iter().copied().filter(|t| *t > now - day).collect();
    if within.len() < max {
        return None;
    }
    within.sort();
    Some(within[within.len() - max] + day + SignedDuration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_table_is_valid_and_finds_jurisdictions() {
        assert!(parse(SOURCE).is_ok());
        assert_eq!(rule_for("+13055550123").map(|r| r.name.as_str()), Some("US-FL"));
        assert_eq!(rule_for("+12125550123").map(|r| r.name.as_str()), Some("US"), "New York: federal");
        assert_eq!(rule_for("+12145550123").map(|r| r.name.as_str()), Some("US-TX"));
        assert_eq!(rule_for("+33612345678").map(|r| r.name.as_str()), Some("FR"));
        assert_eq!(rule_for("+4791234567"), None);
        assert_eq!(rule_for("+14165550123").map(|r| r.name.as_str()), None, "Toronto is +1 but not US");
    }

    #[test]
    fn bad_tables_are_refused_with_the_entry_named() {
        let e = |t: &str| parse(t).err().unwrap_or_default();
        assert!(e("[countries.X]\nhours = \"21:00-08:00\"").contains("X.hours"));
        assert!(e("[countries.X]\nhours = \"08:00-21:00\"\nsunday = \"noon\"").contains("X.sunday"));
        assert!(e("[us_states.A]\nhours = \"08:00-21:00\"\narea_codes = [305]\n[us_states.B]\nhours = \"08:00-21:00\"\narea_codes = [305]").contains("two states"));
        assert!(e("[countries.X]\nhours = \"08:00-21:00\"\nzone = \"Mars/Base\"").contains("X.zone"));
    }

    #[test]
    fn texas_sundays_start_at_noon_and_france_skips_sundays() {
        let tx = rule_for("+12145550123").unwrap();
        let chicago = TimeZone::get("America/Chicago").unwrap();
        // Sunday 2026-11-22 10:00 CST → noon.
        assert_eq!(next_allowed(ts("2026-11-22T16:00:00Z"), &chicago, tx), ts("2026-11-22T18:00:00Z"));
        // Saturday 08:30 → 09:00.
        assert_eq!(next_allowed(ts("2026-11-21T14:30:00Z"), &chicago, tx), ts("2026-11-21T15:00:00Z"));
        let fr = rule_for("+33612345678").unwrap();
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // Saturday 22:30 → Monday 08:00.
        assert_eq!(next_allowed(ts("2026-11-21T21:30:00Z"), &paris, fr), ts("2026-11-23T07:00:00Z"));
    }

    #[test]
    fn florida_allows_three_a_day() {
        let fl = rule_for("+13055550123").unwrap();
        let now = ts("2026-11-23T15:00:00Z");
        let sends = [ts("2026-11-22T16:00:00Z"), ts("2026-11-23T10:00:00Z"), ts("2026-11-23T12:00:00Z")];
        assert_eq!(cap_free_at(fl, &sends[1..], now), None);
        assert_eq!(cap_free_at(fl, &sends, now), Some(ts("2026-11-23T16:00:01Z")));
    }
}
