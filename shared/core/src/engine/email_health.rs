//! A store's e-mail reputation, in one place: when its bounces or spam complaints reach the
//! rates at which Amazon SES puts an account under review (5 % and 0.1 %), Cartback stops
//! sending that store's e-mail before SES stops the whole account's — one store's bad list must
//! not silence every store's. Read by the dispatcher before each e-mail step, written by the
//! SES events (`feedback::delivery`), lifted by the merchant (`POST
//! /v1/stores/{store}/email/resume`). docs/deploy-aws.md says what a merchant sees.
//!
//! The state is kept in the store's counters, so it needs no store of its own on any adapter:
//! a pause adds to `email.paused` (and one to `email.paused_for.{cause}`, for the report), a
//! resume makes `email.resumed` equal to `email.paused`; e-mail is paused while the pauses
//! outnumber the resumes. Both are written at once, never deferred
//! (`stats_buffer::is_read_back`), and kept by every adapter where one read finds them
//! (`is_state_key`: on DynamoDB one small item, not the daily ones). A host reads the state at
//! most once a minute per store (`PAUSE_READ_EVERY`): a pause reaches every warm Lambda within a
//! minute. A resume starts the window again (`RESET_*`).

use super::Kernel;
use super::counters::Counter;
use crate::ports::StoreError;
use std::collections::HashMap;

/// The days the rates are taken over (the store's calendar days, today included).
pub const WINDOW_DAYS: i64 = 7;
/// Below this many e-mails sent in the window a rate says little (one complaint in 50 is 2 %):
/// no pause.
pub const MIN_SENT: i64 = 100;
/// SES reviews an account at a 5 % bounce rate …
pub const BOUNCE_RATE: f64 = 0.05;
/// … and at a 0.1 % complaint rate.
pub const COMPLAINT_RATE: f64 = 0.001;

/// Counter keys.
pub const SENT: &str = "messages.sent.email";
pub const BOUNCES: &str = "email.bounces";
pub const COMPLAINTS: &str = "email.complaints";
pub const PAUSED: &str = "email.paused";
pub const PAUSED_FOR_PREFIX: &str = "email.paused_for.";
pub const RESUMED: &str = "email.resumed";
/// What a resume takes off each day of the window, so the window starts again.
pub const RESET_SENT: &str = "email.reset.sent";
pub const RESET_BOUNCES: &str = "email.reset.bounces";
pub const RESET_COMPLAINTS: &str = "email.reset.complaints";
/// Every e-mail-health counter starts so (`stats_buffer::is_read_back`).
pub const PREFIX: &str = "email.";

/// How long a host keeps the state it read.
pub const PAUSE_READ_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// Why e-mail was paused.
pub const BOUNCE_CAUSE: &str = "bounce_rate";
pub const COMPLAINT_CAUSE: &str = "complaint_rate";

/// The e-mails, bounces and complaints of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub sent: i64,
    pub bounces: i64,
    pub complaints: i64,
}

impl Window {
    /// The cause to pause for, if a rate has reached its threshold on enough mail.
    pub fn cause(&self) -> Option<&'static str> {
        if self.sent < MIN_SENT {
            return None;
        }
        let rate = |n: i64| n as f64 / self.sent as f64;
        if rate(self.complaints) >= COMPLAINT_RATE {
            Some(COMPLAINT_CAUSE)
        } else if rate(self.bounces) >= BOUNCE_RATE {
            Some(BOUNCE_CAUSE)
        } else {
            None
        }
    }

    /// "bounce rate 6.0 %, complaint rate 0.00 % of 400 e-mails in 7 days".
    pub fn describe(&self) -> String {
        let pct = |n: i64| if self.sent == 0 { 0.0 } else { 100.0 * n as f64 / self.sent as f64 };
        format!(
            "bounce rate {:.1} %, complaint rate {:.2} % of {} e-mails in {WINDOW_DAYS} days",
            pct(self.bounces),
            pct(self.complaints),
            self.sent
        )
    }
}

/// The states read, per store: when, and whether e-mail was paused.
#[derive(Default)]
pub(crate) struct PauseCache(std::sync::Mutex<HashMap<String, (jiff::Timestamp, bool)>>);

impl PauseCache {
    fn get(&self, store: &str, now: jiff::Timestamp) -> Option<bool> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(store).filter(|(at, _)| now.duration_since(*at) < PAUSE_READ_EVERY).map(|(_, p)| *p)
    }

    fn set(&self, store: &str, now: jiff::Timestamp, paused: bool) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(store.to_string(), (now, paused));
    }
}

impl Kernel {
    /// Pauses and resumes so far: (`email.paused`, `email.resumed`). Adapters keep these two
    /// counters where one read finds them (`is_state_key`).
    async fn pause_counts(&self, store: &str) -> Result<(i64, i64), StoreError> {
        let state = self.stats.get_state(store, &STATE_KEYS).await?;
        let n = |k: &str| state.get(k).copied().unwrap_or(0);
        Ok((n(PAUSED), n(RESUMED)))
    }

    /// Whether the store's e-mail is paused (read at most once a minute).
    pub(crate) async fn email_paused(&self, store: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        if let Some(p) = self.email_pauses.get(store, now) {
            return Ok(p);
        }
        let (paused, resumed) = self.pause_counts(store).await?;
        self.email_pauses.set(store, now, paused > resumed);
        Ok(paused > resumed)
    }

    /// The window's days, from the store's daily series.
    async fn window_days(&self, store: &str) -> Result<crate::ports::Series, StoreError> {
        let today = self.config.stats_day(store, self.clock.now());
        let from = today.checked_sub(jiff::Span::new().days(WINDOW_DAYS - 1)).unwrap_or(today);
        self.stats.series(store, from, today).await
    }

    /// The window's counts since the last resume: each counter plus its reset (`RESET_*`, the
    /// negative of what a resume found on that day).
    pub(crate) async fn email_window(&self, store: &str) -> Result<Window, StoreError> {
        let mut w = Window::default();
        for day in self.window_days(store).await?.values() {
            let d = day_counts(day);
            w.sent += d.sent;
            w.bounces += d.bounces;
            w.complaints += d.complaints;
        }
        Ok(w)
    }

    /// After a bounce or a complaint: pauses the store's e-mail if a rate has reached its
    /// threshold and it is not paused already. Returns the cause when it paused. The pause is
    /// written at once and its failure returned, never taken for done.
    pub(crate) async fn review_email(&self, store: &str) -> Result<Option<&'static str>, StoreError> {
        let (paused, resumed) = self.pause_counts(store).await?;
        if paused > resumed {
            return Ok(None);
        }
        let window = self.email_window(store).await?;
        let Some(cause) = window.cause() else { return Ok(None) };
        // Enough to outnumber the resumes, whatever two resumes at once may have written.
        let add = 1 + (resumed - paused).max(0);
        self.count_now(store, &[(Counter::EmailPaused, add), (Counter::EmailPausedFor(cause), 1)]).await?;
        self.email_pauses.set(store, self.clock.now(), true);
        tracing::error!(store, cause, rates = %window.describe(), "e-mail paused for this store: resume it with POST /v1/stores/{store}/email/resume once the list is cleaned");
        Ok(Some(cause))
    }

    /// Lifts the pause; returns how many pauses were open. The window starts again: each of
    /// its days gets the negative of its counts as a reset, so the bounces that caused the
    /// pause cannot pause the store again on the next one.
    pub(crate) async fn resume_email(&self, store: &str) -> Result<i64, StoreError> {
        let (paused, resumed) = self.pause_counts(store).await?;
        let open = (paused - resumed).max(0);
        if open > 0 {
            for (day, counters) in self.window_days(store).await? {
                let d = day_counts(&counters);
                let resets: Vec<(String, i64)> =
                    [(RESET_SENT, d.sent), (RESET_BOUNCES, d.bounces), (RESET_COMPLAINTS, d.complaints)]
                        .into_iter()
                        .filter(|(_, n)| *n != 0)
                        .map(|(k, n)| (k.to_string(), -n))
                        .collect();
                if !resets.is_empty() {
                    self.stats.add(store, day, &resets).await?;
                }
            }
            self.count_now(store, &[(Counter::EmailResumed, open)]).await?;
            tracing::info!(store, "e-mail resumed by the merchant");
        }
        self.email_pauses.set(store, self.clock.now(), false);
        Ok(open)
    }
}

/// One day's counts, its resets included.
fn day_counts(day: &std::collections::BTreeMap<String, i64>) -> Window {
    let n = |k: &str| day.get(k).copied().unwrap_or(0);
    Window {
        sent: n(SENT) + n(RESET_SENT),
        bounces: n(BOUNCES) + n(RESET_BOUNCES),
        complaints: n(COMPLAINTS) + n(RESET_COMPLAINTS),
    }
}

/// The counters an adapter keeps where one read finds them (not only in the daily items):
/// the pause state, read before e-mail steps.
pub fn is_state_key(key: &str) -> bool {
    STATE_KEYS.contains(&key)
}

pub const STATE_KEYS: [&str; 2] = [PAUSED, RESUMED];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_pauses_only_at_its_threshold_and_on_enough_mail() {
        let w = |sent, bounces, complaints| Window { sent, bounces, complaints }.cause();
        assert_eq!(w(100, 5, 0), Some(BOUNCE_CAUSE));
        assert_eq!(w(100, 4, 0), None);
        assert_eq!(w(1000, 0, 1), Some(COMPLAINT_CAUSE));
        assert_eq!(w(1001, 0, 1), None);
        // Complaints first: the stricter of SES's two reviews.
        assert_eq!(w(100, 50, 1), Some(COMPLAINT_CAUSE));
        assert_eq!(w(99, 99, 99), None);
    }
}
