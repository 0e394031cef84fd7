//! `[stores.conversations]`: when a reply goes to a person, and how long transcripts are kept.

use jiff::SignedDuration;
use serde::Deserialize;

use super::commerce::money;
use super::problems::Problems;
use crate::config::ConversationPolicy;
use crate::domain::Reason;
use crate::domain::money::Currency;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConversations {
    retention: Option<String>,
    handoff_above: Option<String>,
    #[serde(default)]
    handoff_reasons: Vec<String>,
    handoff_when_asked: Option<bool>,
}

pub(super) fn conversations(
    at: &str,
    raw: Option<RawConversations>,
    currency: Option<Currency>,
    p: &mut Problems,
) -> ConversationPolicy {
    let raw = raw.unwrap_or_default();
    let at = format!("{at}.conversations");
    let retention =
        p.duration(&format!("{at}.retention"), raw.retention.as_deref(), SignedDuration::from_hours(90 * 24));
    if retention < SignedDuration::from_hours(24) {
        p.add(&format!("{at}.retention"), "at least 1d: a person needs time to answer");
    }
    let handoff_above_minor =
        raw.handoff_above.as_deref().and_then(|t| money(p, currency, &format!("{at}.handoff_above"), t));
    let mut handoff_reasons = Vec::new();
    for (i, r) in raw.handoff_reasons.iter().enumerate() {
        match Reason::parse(r) {
            Some(r) => handoff_reasons.push(r),
            None => {
                let known: Vec<&str> = Reason::ALL.iter().map(Reason::as_str).collect();
                p.add(&format!("{at}.handoff_reasons[{i}]"), format!("`{r}` is not one of {}", known.join(", ")));
            }
        }
    }
    ConversationPolicy {
        retention,
        handoff_above_minor,
        handoff_reasons,
        handoff_when_asked: raw.handoff_when_asked.unwrap_or(true),
    }
}
