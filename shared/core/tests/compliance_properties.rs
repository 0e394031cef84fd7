//! Property test of the 24-hour caps: never exceeded, counted here from the sends themselves.
//! (When a text may go — quiet hours and the jurisdictions' windows over every zone, DST change
//! and instant — is held to an independent reference instead: Python's zoneinfo and its own
//! reading of rules/compliance.toml, tests/references/quiet_hours.py, run by
//! `scripts/references`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::abandonment::compliance::{cap_free_at, rule_for};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

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
