//! Quiet hours in the recipient's local time, correct across DST changes.

use crate::config::QuietHours;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The first instant at or after `now` that falls inside the allowed window.
pub fn next_allowed(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> Timestamp {
    let local = now.to_zoned_datetime(tz.clone());
    let time = local.time();
    if q.start <= time && time < q.end {
        return now;
    }
    let date = if time < q.start {
        local.date()
    } else {
        // Tomorrow; `tomorrow()` only fails at the end of time.
        local.date().tomorrow().unwrap_or(local.date())
    };
    // A start time inside a DST gap resolves to the first instant after it ("compatible").
    match date.to_datetime(q.start).to_zoned_datetime(tz.clone()) {
        Ok(z) if z.timestamp() > now => z.timestamp(),
        _ => now,
    }
}

/// When the allowed window `now` is in closes; `None` when `now` is outside it.
pub fn window_end(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(tz.clone());
    if !(q.start <= local.time() && local.time() < q.end) {
        return None;
    }
    local.date().to_datetime(q.end).to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp()).filter(|t| *t > now)
}

pub fn is_allowed(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> bool {
    next_allowed(now, tz, q) == now
}

/// The recipient's zone: theirs if known and valid, else the store's, else UTC.
pub fn zone_for(customer_tz: Option<&str>, store_tz: &str) -> TimeZone {
    customer_tz.and_then(|t| TimeZone::get(t).ok()).or_else(|| TimeZone::get(store_tz).ok()).unwrap_or(TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn q() -> QuietHours {
        QuietHours { start: time(8, 0, 0, 0), end: time(21, 0, 0, 0) }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn inside_window_is_now() {
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let now = ts("2026-11-23T10:00:00Z"); // 13:00 in Istanbul
        assert_eq!(next_allowed(now, &tz, &q()), now);
    }

    #[test]
    fn late_evening_defers_to_next_morning_local() {
        let tz = TimeZone::get("Europe/Istanbul").unwrap();
        let now = ts("2026-11-23T19:30:00Z"); // 22:30 local
        assert_eq!(next_allowed(now, &tz, &q()), ts("2026-11-24T05:00:00Z")); // 08:00 local
        let early = ts("2026-11-23T02:00:00Z"); // 05:00 local
        assert_eq!(next_allowed(early, &tz, &q()), ts("2026-11-23T05:00:00Z"));
    }

    #[test]
    fn correct_across_dst_changes() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-03-08: clocks go 02:00 → 03:00 (EST -5 → EDT -4). 22:00 EST on the 7th.
        let now = ts("2026-03-08T03:00:00Z");
        assert_eq!(next_allowed(now, &ny, &q()), ts("2026-03-08T12:00:00Z")); // 08:00 EDT
        // 2026-11-01: clocks go 02:00 → 01:00 (EDT → EST). 23:00 EDT on Oct 31.
        let now = ts("2026-11-01T03:00:00Z");
        assert_eq!(next_allowed(now, &ny, &q()), ts("2026-11-01T13:00:00Z")); // 08:00 EST
        let oslo = TimeZone::get("Europe/Oslo").unwrap();
        // 2026-03-29 02:00 CET → 03:00 CEST; 07:59 CEST is 05:59Z.
        assert_eq!(next_allowed(ts("2026-03-29T05:59:00Z"), &oslo, &q()), ts("2026-03-29T06:00:00Z"));
    }

    #[test]
    fn start_inside_a_dst_gap_resolves_forward() {
        // America/Havana jumps 00:00 → 01:00; a window starting at 00:30 lands at 01:00 local.
        let havana = TimeZone::get("America/Havana").unwrap();
        let w = QuietHours { start: time(0, 30, 0, 0), end: time(23, 0, 0, 0) };
        let now = ts("2026-03-08T04:10:00Z"); // 23:10 CST on Mar 7
        let got = next_allowed(now, &havana, &w);
        assert!(got > now);
        assert!(is_allowed(got, &havana, &w));
    }
}
