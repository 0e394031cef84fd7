//! `cartback allowed-from`: when a text may go, for the differential test against Python's
//! `zoneinfo` and an independent reading of rules/compliance.toml
//! (tests/references/quiet_hours.py, run by `scripts/references`).
//!
//! Reads JSON lines `{"at": UNIX_SECONDS, "zone": "IANA", "quiet": "HH:MM-HH:MM", "phone":
//! "+E164" | null}` and prints, per line, the first instant at or after `at` that the store's
//! window and the phone's jurisdiction both allow, in Unix seconds, and the rule's name (`-`
//! when none applies).

use cartback_core::abandonment::compliance::rule_for;
use cartback_core::abandonment::send_policy::allowed_from;
use cartback_core::config::QuietHours;
use serde::Deserialize;
use std::io::{BufRead, Write};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    at: i64,
    zone: String,
    quiet: String,
    phone: Option<String>,
}

fn window(s: &str) -> Option<QuietHours> {
    let (a, b) = s.split_once('-')?;
    Some(QuietHours { start: a.parse().ok()?, end: b.parse().ok()? })
}

pub fn run() -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let bad = |why: String| anyhow::anyhow!("line {}: {why}", i + 1);
        let case: Case =
            serde_json::from_str(&line?).map_err(|e| bad(format!("expected {{at, zone, quiet, phone}}: {e}")))?;
        let at = jiff::Timestamp::from_second(case.at).map_err(|e| bad(e.to_string()))?;
        let tz = jiff::tz::TimeZone::get(&case.zone).map_err(|e| bad(e.to_string()))?;
        let quiet = window(&case.quiet).ok_or_else(|| bad(format!("`{}` is not HH:MM-HH:MM", case.quiet)))?;
        let rule = case.phone.as_deref().and_then(rule_for);
        let t = allowed_from(at, &tz, &quiet, rule);
        writeln!(out, "{} {}", t.as_second(), rule.map_or("-", |r| r.name.as_str()))?;
    }
    out.flush()?;
    Ok(())
}
