//! When a store may send: the daily window (`quiet_hours`: sending allowed from start to end in
//! the shopper's zone) and the frequency cap.

use super::problems::Problems;
use crate::config::{FrequencyCap, QuietHours};
use jiff::SignedDuration;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuietHours {
    pub(super) start: String,
    pub(super) end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCap {
    pub(super) max: u32,
    pub(super) window: String,
}

/// 08:00 to 21:00 in the shopper's zone unless the store says otherwise.
fn default_window() -> QuietHours {
    QuietHours { start: jiff::civil::time(8, 0, 0, 0), end: jiff::civil::time(21, 0, 0, 0) }
}

pub(super) fn quiet_hours(at: &str, raw: Option<RawQuietHours>, p: &mut Problems) -> QuietHours {
    let Some(q) = raw else { return default_window() };
    let start = q.start.parse().map_err(|_| p.add(&format!("{at}.quiet_hours.start"), "expected HH:MM")).ok();
    let end = q.end.parse().map_err(|_| p.add(&format!("{at}.quiet_hours.end"), "expected HH:MM")).ok();
    match (start, end) {
        (Some(start), Some(end)) if start < end => QuietHours { start, end },
        (Some(_), Some(_)) => {
            p.add(&format!("{at}.quiet_hours"), "start must be before end (the allowed window is within one day)");
            default_window()
        }
        _ => default_window(),
    }
}

/// At most 3 messages a day per shopper unless the store says otherwise.
pub(super) fn frequency_cap(at: &str, raw: Option<RawCap>, p: &mut Problems) -> FrequencyCap {
    let Some(c) = raw else { return FrequencyCap { max: 3, window: SignedDuration::from_hours(24) } };
    if c.max == 0 {
        p.add(&format!("{at}.frequency_cap.max"), "must be at least 1");
    }
    let window = p.duration(&format!("{at}.frequency_cap.window"), Some(&c.window), SignedDuration::from_hours(24));
    FrequencyCap { max: c.max, window }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: &str, end: &str) -> (QuietHours, Vec<String>) {
        let mut p = Problems(Vec::new());
        let q = quiet_hours("s", Some(RawQuietHours { start: start.into(), end: end.into() }), &mut p);
        (q, p.0)
    }

    #[test]
    fn the_window_defaults_to_eight_to_nine() {
        let mut p = Problems(Vec::new());
        let q = quiet_hours("s", None, &mut p);
        assert_eq!((q.start.hour(), q.end.hour()), (8, 21));
        assert!(p.0.is_empty());
    }

    #[test]
    fn a_window_must_be_two_times_in_order() {
        let (q, problems) = window("09:30", "20:00");
        assert_eq!((q.start.hour(), q.start.minute(), q.end.hour()), (9, 30, 20));
        assert!(problems.is_empty());
        assert_eq!(window("9h", "20:00").1, ["s.quiet_hours.start: expected HH:MM"]);
        assert_eq!(window("22:00", "07:00").1.len(), 1);
        assert!(window("22:00", "07:00").1[0].starts_with("s.quiet_hours: start must be before end"));
    }

    #[test]
    fn the_cap_needs_a_positive_max_and_a_duration() {
        let mut p = Problems(Vec::new());
        let cap = frequency_cap("s", Some(RawCap { max: 2, window: "12h".into() }), &mut p);
        assert_eq!((cap.max, cap.window), (2, SignedDuration::from_hours(12)));
        assert!(p.0.is_empty());
        frequency_cap("s", Some(RawCap { max: 0, window: "soon".into() }), &mut p);
        let keys: Vec<&str> = p.0.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["s.frequency_cap.max", "s.frequency_cap.window"]);
    }
}
