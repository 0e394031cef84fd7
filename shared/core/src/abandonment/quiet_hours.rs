//! Quiet hours in the recipient's local time, correct across DST changes.

use crate::config::QuietHours;
use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The first instant at or after `now` that falls inside the allowed window.
pub fn next_allowed(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> Timestamp {
    let local = now.to_zoned_datetime(tz.clone());
    let time = local.time();
    if q.start <= time && time < q.end {
        return now;
    }
    // Today's start (before it, or its second pass in a fold), else tomorrow's.
    let mut date = local.date();
    for _ in 0..3 {
        if let Some(t) = reaches(date, q.start, tz, now) {
            return t;
        }
        // `tomorrow()` only fails at the end of time.
        date = date.tomorrow().unwrap_or(date);
    }
    now
}

/// The first instant after `after` at which the local clock on `date` reads `time` or later:
/// that instant; in a DST gap that skips `time`, the transition itself (the clock jumps past
/// `time` there — resolving the gap "compatibly" would be up to an hour late); in a fold that
/// reads `time` twice, the first of the two after `after`. `None` if all of them are not after
/// `after`.
pub fn reaches(date: Date, time: Time, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let amb = tz.to_ambiguous_timestamp(date.to_datetime(time));
    let candidates: [Option<Timestamp>; 2] = match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => [amb.compatible().ok(), None],
        AmbiguousOffset::Gap { .. } => {
            // The compatible instant lies just past the transition; the transition is the
            // first instant whose local time is past `time`.
            let past = amb.compatible().ok();
            [past.and_then(|p| tz.preceding(p + SignedDuration::from_nanos(1)).next().map(|tr| tr.timestamp())), None]
        }
        AmbiguousOffset::Fold { .. } => [amb.earlier().ok(), amb.later().ok()],
    };
    candidates.into_iter().flatten().find(|t| *t > after)
}

/// When the allowed window `now` is in closes; `None` when `now` is outside it.
pub fn window_end(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(tz.clone());
    if !(q.start <= local.time() && local.time() < q.end) {
        return None;
    }
    reaches(local.date(), q.end, tz, now)
}

pub fn is_allowed(now: Timestamp, tz: &TimeZone, q: &QuietHours) -> bool {
    next_allowed(now, tz, q) == now
}

pub use crate::domain::locale::zone_for;

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

    /// Found by the differential test against Python's zoneinfo (tests/references/
    /// quiet_hours.py): a start inside a DST gap opens the window at the transition, not an
    /// hour of the gap later; a start the clock reads twice (a fold) is not passed by the
    /// second reading.
    #[test]
    fn a_start_in_a_gap_opens_at_the_transition_and_a_fold_reads_it_twice() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let w = QuietHours { start: time(2, 30, 0, 0), end: time(20, 30, 0, 0) };
        // 2028-03-11 23:34:21 EST; on the 12th the clock jumps 02:00 EST → 03:00 EDT (07:00Z).
        assert_eq!(next_allowed(Timestamp::from_second(1_836_448_461).unwrap(), &ny, &w), ts("2028-03-12T07:00:00Z"));
        let havana = TimeZone::get("America/Havana").unwrap();
        let w = QuietHours { start: time(0, 30, 0, 0), end: time(13, 59, 0, 0) };
        // 2028-11-05 00:24:30 CST, after the clock fell back from 01:00 CDT to 00:00 CST: 00:30
        // CDT has passed, 00:30 CST has not.
        let now = Timestamp::from_second(1_857_014_670).unwrap();
        assert!(!is_allowed(now, &havana, &w));
        assert_eq!(next_allowed(now, &havana, &w), Timestamp::from_second(1_857_015_000).unwrap());
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
