//! The rules checked at send time (design.md §4), in order. Pure.

use crate::compose::WHATSAPP_WINDOW;
use crate::config::StoreConfig;
use crate::domain::{Cart, Channel, Contact};
use crate::rules::{ab, compliance, quiet_hours};
use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendPlan {
    /// Pass this step over for good; the reason is recorded.
    Skip(&'static str),
    /// Not now: look again at this time.
    Defer(Timestamp, &'static str),
    /// Send this variant, on this channel (the step's, or SMS in place of a WhatsApp template
    /// that cannot reach the number).
    Send { variant: usize, channel: Channel },
}

/// The first instant at or after `t` that both the store's quiet hours and the recipient's
/// jurisdiction allow (each move only goes forward; a week covers every weekly rule).
pub fn allowed_from(
    t: Timestamp,
    tz: &jiff::tz::TimeZone,
    store: &crate::config::QuietHours,
    rule: Option<&compliance::Rule>,
) -> Timestamp {
    let mut t = t;
    for _ in 0..16 {
        let s = quiet_hours::next_allowed(t, tz, store);
        let r = rule.map_or(s, |r| compliance::next_allowed(s, tz, r));
        if r == t {
            return t;
        }
        t = r;
    }
    t
}

/// The skip reason that also ends the cart's sequence: its shopper has ordered.
pub const ORDERED_ELSEWHERE: &str = "ordered_elsewhere";

/// Decides what to do with `step` of an abandoned cart right now.
pub fn plan_send(
    cart: &Cart,
    contact: Option<&Contact>,
    cfg: &StoreConfig,
    step_index: u32,
    now: Timestamp,
) -> SendPlan {
    let Some(step) = cfg.steps.get(step_index as usize) else {
        return SendPlan::Skip("no_such_step");
    };
    let channel = step.channel;
    if cart.holdout {
        return SendPlan::Skip("holdout");
    }
    // The shopper ordered (through a checkout we could not tie to this cart) after last
    // touching it: they are done, whichever cart it was.
    if contact.and_then(|c| c.last_order_at).is_some_and(|o| o >= cart.last_activity) {
        return SendPlan::Skip(ORDERED_ELSEWHERE);
    }
    if !step.leads.is_empty() && !step.leads.contains(&cart.temperature) {
        return SendPlan::Skip("lead_temperature");
    }
    if cart.customer.address(channel).is_none() {
        return SendPlan::Skip("no_address");
    }
    if !cart.customer.consent.get(channel) {
        return SendPlan::Skip("no_consent");
    }
    if contact.is_some_and(|c| c.is_opted_out(channel)) {
        return SendPlan::Skip("opted_out");
    }
    if channel == Channel::Sms && cart.sms_sent_in_epoch(cart.epoch) {
        return SendPlan::Skip("one_sms_per_episode");
    }
    // Texts also follow the recipient's jurisdiction (rules/compliance.toml), on top of the
    // store's quiet hours; its zone stands in when the shopper's own is unknown.
    let rule = if channel.uses_phone() {
        cart.customer.phone.as_ref().and_then(|p| compliance::rule_for(p.expose()))
    } else {
        None
    };
    let customer_tz = cart.customer.timezone.as_deref().or_else(|| rule.and_then(|r| r.zone.as_deref()));
    let tz = quiet_hours::zone_for(customer_tz, &cfg.timezone);
    let allowed = allowed_from(now, &tz, &cfg.quiet_hours, rule);
    if allowed > now {
        return SendPlan::Defer(allowed, "quiet_hours");
    }
    if let Some(c) = contact {
        let since = now - cfg.frequency_cap.window;
        let mut recent: Vec<Timestamp> = c.recent_sends.iter().copied().filter(|t| *t > since).collect();
        if recent.len() >= cfg.frequency_cap.max as usize {
            recent.sort();
            // When the oldest send in the window leaves it, one more is allowed.
            let idx = recent.len() - cfg.frequency_cap.max as usize;
            let free_at = recent[idx] + cfg.frequency_cap.window + jiff::SignedDuration::from_secs(1);
            // …and that moment must itself be outside quiet hours.
            return SendPlan::Defer(allowed_from(free_at, &tz, &cfg.quiet_hours, rule), "frequency_cap");
        }
        if let Some(free_at) = rule.and_then(|r| compliance::cap_free_at(r, &c.recent_sends, now)) {
            return SendPlan::Defer(allowed_from(free_at, &tz, &cfg.quiet_hours, rule), "jurisdiction_cap");
        }
    }
    let variant = ab::variant_index(&cfg.id, &cart.id, step_index, step);
    // Meta delivers no marketing templates to US numbers. Outside the 24-hour window that is all
    // WhatsApp could send, so the shopper gets the step as SMS if they consented to SMS (and no
    // SMS went out this episode), else nothing.
    let window_open = contact.and_then(|c| c.last_inbound_at).is_some_and(|t| now < t + WHATSAPP_WINDOW);
    let us = cart.customer.phone.as_ref().is_some_and(|p| p.expose().starts_with("+1"));
    if channel == Channel::Whatsapp && us && !window_open {
        let sms_ok = cart.customer.consent.get(Channel::Sms)
            && !contact.is_some_and(|c| c.is_opted_out(Channel::Sms))
            && !cart.sms_sent_in_epoch(cart.epoch);
        return if sms_ok {
            SendPlan::Send { variant, channel: Channel::Sms }
        } else {
            SendPlan::Skip("whatsapp_us_marketing")
        };
    }
    SendPlan::Send { variant, channel }
}
