//! Property tests of the sending windows: for any moment, recipient zone (DST or not) and
//! jurisdiction, the time chosen is allowed by both the store's quiet hours and the
//! jurisdiction's rule, never earlier than asked, and no allowed minute is skipped before it;
//! 24-hour caps are never exceeded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::abandonment::compliance::{Rule, cap_free_at, next_allowed as rule_next, rule_for};
use cartback_core::abandonment::quiet_hours;
use cartback_core::abandonment::send_policy::allowed_from;
use cartback_core::config::QuietHours;
use jiff::civil::time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const ZONES: [&str; 8] = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Paris",
    "Europe/Istanbul",
    "Asia/Tehran",
    "Australia/Lord_Howe",
    "UTC",
];
/// Phones in FL (cap, 20:00), TX (Sunday noon), NY (federal), France (no Sundays), Norway (none).
const PHONES: [&str; 5] = ["+13055550123", "+12145550123", "+12125550123", "+33612345678", "+4791234567"];

fn allowed(t: Timestamp, tz: &TimeZone, store: &QuietHours, rule: Option<&Rule>) -> bool {
    quiet_hours::is_allowed(t, tz, store) && rule.is_none_or(|r| rule_next(t, tz, r) == t)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_chosen_time_is_allowed_and_nothing_earlier_was(
        secs in 1_767_225_600i64..1_830_297_600, // 2026 to 2028, through every DST change
        zone in prop::sample::select(ZONES.to_vec()),
        phone in prop::sample::select(PHONES.to_vec()),
        start_h in 6i8..11, end_h in 18i8..23,
    ) {
        let t = Timestamp::from_second(secs).unwrap();
        let tz = TimeZone::get(zone).unwrap();
        let store = QuietHours { start: time(start_h, 0, 0, 0), end: time(end_h, 0, 0, 0) };
        let rule = rule_for(phone);
        let got = allowed_from(t, &tz, &store, rule);
        prop_assert!(got >= t);
        prop_assert!(got - t <= SignedDuration::from_hours(8 * 24), "more than a week: {t} → {got}");
        prop_assert!(allowed(got, &tz, &store, rule), "{t} → {got} is not allowed in {zone} for {phone}");
        // No allowed minute between: walk the gap a minute at a time.
        let mut m = t;
        while m < got {
            prop_assert!(!allowed(m, &tz, &store, rule), "{m} was allowed but {t} waited until {got} ({zone}, {phone})");
            m += SignedDuration::from_secs(60);
        }
    }

    #[test]
    fn a_24_hour_cap_is_never_exceeded(
        gaps in prop::collection::vec(0i64..40_000, 1..12),
    ) {
        let fl = rule_for("+13055550123").unwrap();
        let mut now = Timestamp::from_second(1_767_225_600).unwrap();
        let mut sent: Vec<Timestamp> = Vec::new();
        for g in gaps {
            now += SignedDuration::from_secs(g);
            let at = cap_free_at(fl, &sent, now).unwrap_or(now).max(now);
            sent.push(at);
            now = at;
            let day = SignedDuration::from_hours(24);
            let in_window = sent.iter().filter(|s| **s > at - day).count();
            prop_assert!(in_window <= 3, "{in_window} messages within 24 h of {at}");
        }
    }
}
