//! Problems with a configuration, collected with their key paths instead of stopping at the
//! first, so one `cartback store --check` names every one.

use super::super::parse_duration;
use jiff::SignedDuration;

/// Collects problems with their key paths instead of stopping at the first.
pub(in crate::config) struct Problems(pub(in crate::config) Vec<String>);

impl Problems {
    pub(in crate::config) fn add(&mut self, key: &str, msg: impl std::fmt::Display) {
        self.0.push(format!("{key}: {msg}"));
    }
    pub(in crate::config) fn duration(
        &mut self,
        key: &str,
        value: Option<&str>,
        default: SignedDuration,
    ) -> SignedDuration {
        match value.map(parse_duration) {
            None => default,
            Some(Ok(d)) if d.as_secs() > 0 => d,
            Some(Ok(_)) => {
                self.add(key, "must be longer than zero");
                default
            }
            Some(Err(e)) => {
                self.add(key, e);
                default
            }
        }
    }
}
