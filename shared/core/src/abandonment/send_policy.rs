//! The rules checked at send time (docs/architecture.md, "Abandonment"), in order. Pure.

use crate::config::StoreConfig;
use crate::domain::channel::whatsapp_window_open;
use crate::domain::{Cart, Channel, Contact, Stopped};
use crate::{abandonment::ab, abandonment::compliance, abandonment::number_zones, abandonment::quiet_hours};
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

/// Where a message to this cart's shopper lands: the zones it may be read in (the shopper's
/// own; else, for texts, every zone the number can be in; else the store's) and, for texts, the
/// jurisdiction's rule (rules/compliance.toml) on top of the store's quiet hours.
struct Recipient {
    zones: Vec<jiff::tz::TimeZone>,
    rule: Option<&'static compliance::Rule>,
}

fn recipient(cart: &Cart, cfg: &StoreConfig, channel: Channel) -> Recipient {
    let phone = cart.customer.phone.as_ref().filter(|_| channel.uses_phone()).map(|p| p.expose());
    let rule = phone.and_then(compliance::rule_for);
    let customer_tz = cart.customer.timezone.as_deref().or_else(|| rule.and_then(|r| r.zone.as_deref()));
    let from_number: Vec<jiff::tz::TimeZone> = match customer_tz {
        None => phone
            .and_then(number_zones::zones_for_number)
            .map(|zs| zs.iter().filter_map(|z| jiff::tz::TimeZone::get(z).ok()).collect())
            .unwrap_or_default(),
        Some(_) => Vec::new(),
    };
    let zones =
        if from_number.is_empty() { vec![quiet_hours::zone_for(customer_tz, &cfg.timezone)] } else { from_number };
    Recipient { zones, rule }
}

/// The latest moment a text composed at `now` may still reach the phone: when the allowed
/// window closes in the first of the recipient's zones to close (the store's quiet hours and the
/// jurisdiction's). Sent to the provider as the message's validity (Twilio `ValidityPeriod`,
/// End User Messaging `TimeToLive`), so a text held in a queue is dropped rather than delivered
/// at night. `None` for e-mail and WhatsApp, or when `now` is not inside a window.
pub fn deliver_by(cart: &Cart, cfg: &StoreConfig, channel: Channel, now: Timestamp) -> Option<Timestamp> {
    if channel != Channel::Sms {
        return None;
    }
    let Recipient { zones, rule } = recipient(cart, cfg, channel);
    zones
        .iter()
        .map(|z| {
            let store = quiet_hours::window_end(now, z, &cfg.quiet_hours)?;
            match rule {
                Some(r) => Some(store.min(compliance::window_end(now, z, r)?)),
                None => Some(store),
            }
        })
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min()
}

/// An SMS reminder later than this after the shopper left is not sent.
pub const SMS_WITHIN: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

/// The skip reason that also ends the cart's sequence: its shopper has ordered.
pub const ORDERED_ELSEWHERE: &str = "ordered_elsewhere";
/// The skip of a step (or of all its variants) whose condition the cart does not meet
/// (`when`, docs/sequences.md).
pub const CONDITION: &str = "condition";
/// The skip of a step whose contact has a reply held for a person (docs/replies.md).
pub const HELD: &str = "held";

/// Decides what to do with `step` of an abandoned cart right now.
pub fn plan_send(
    cart: &Cart,
    contact: Option<&Contact>,
    cfg: &StoreConfig,
    step_index: u32,
    now: Timestamp,
) -> SendPlan {
    plan_send_with(cart, contact, cfg, step_index, now, None)
}

/// `plan_send` with the store's catalogue, for conditions on the items' tags, collections and
/// types (without it they hold for no cart).
pub fn plan_send_with(
    cart: &Cart,
    contact: Option<&Contact>,
    cfg: &StoreConfig,
    step_index: u32,
    now: Timestamp,
    catalogue: Option<&crate::domain::catalogue::Catalogue>,
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
    // The step's condition, then its variants': a cart none of whose variants fits is skipped
    // like one the step is not for.
    let facts = super::conditions::Facts::new(cart, contact, cfg).with_catalogue(catalogue);
    if !facts.fits(&step.when) {
        return SendPlan::Skip(CONDITION);
    }
    let Some(variant) = ab::variant_among(&cfg.id, &cart.id, step_index, step, |v| facts.fits(&v.when)) else {
        return SendPlan::Skip(CONDITION);
    };
    if cart.customer.address(channel).is_none() {
        return SendPlan::Skip("no_address");
    }
    // E-mail may rely on the store's soft opt-in for existing customers (an account with the
    // store, and no "no" ever said); every other channel needs an explicit yes.
    if !consented(cart, cfg, channel) {
        return SendPlan::Skip("no_consent");
    }
    // An SMS needs consent given before the cart was abandoned, not after.
    if channel == Channel::Sms {
        let abandoned_at = cart.last_activity + cfg.abandon_after;
        let granted_at = cart.consent_log.iter().rev().find(|c| c.channel == Channel::Sms && c.granted).map(|c| c.at);
        if granted_at.is_some_and(|g| g > abandoned_at) {
            return SendPlan::Skip("sms_consent_after_abandonment");
        }
    }
    match contact.and_then(|c| c.stopped(channel, now)) {
        Some(Stopped::OptedOut) => return SendPlan::Skip("opted_out"),
        Some(Stopped::Held) => return SendPlan::Skip(HELD),
        None => {}
    }
    if channel == Channel::Sms && cart.sms_sent_in_epoch(cart.epoch) {
        return SendPlan::Skip("one_sms_per_episode");
    }
    // Carrier practice for cart reminders: the one SMS goes within 48 hours of abandonment.
    if channel == Channel::Sms && now > cart.last_activity + SMS_WITHIN {
        return SendPlan::Skip("sms_after_48h");
    }
    let Recipient { zones, rule } = recipient(cart, cfg, channel);
    let allowed_everywhere = |t: Timestamp| {
        let mut t = t;
        for _ in 0..16 {
            let next = zones.iter().map(|z| allowed_from(t, z, &cfg.quiet_hours, rule)).max().unwrap_or(t);
            if next == t {
                break;
            }
            t = next;
        }
        t
    };
    let allowed = allowed_everywhere(now);
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
            return SendPlan::Defer(allowed_everywhere(free_at), "frequency_cap");
        }
        if let Some(free_at) = rule.and_then(|r| compliance::cap_free_at(r, &c.recent_sends, now)) {
            return SendPlan::Defer(allowed_everywhere(free_at), "jurisdiction_cap");
        }
    }
    // Meta delivers no marketing templates to US numbers. Outside the 24-hour window that is all
    // WhatsApp could send, so the shopper gets the step as SMS if they consented to SMS (and no
    // SMS went out this episode), else nothing.
    let window_open = whatsapp_window_open(contact.and_then(|c| c.last_whatsapp_inbound_at), now);
    let us = cart.customer.phone.as_ref().is_some_and(|p| crate::domain::phone::is_us(p.expose()));
    if channel == Channel::Whatsapp && us && !window_open {
        let sms_ok = cart.customer.consent.get(Channel::Sms)
            && contact.and_then(|c| c.stopped(Channel::Sms, now)).is_none()
            && !cart.sms_sent_in_epoch(cart.epoch);
        return if sms_ok {
            SendPlan::Send { variant, channel: Channel::Sms }
        } else {
            SendPlan::Skip("whatsapp_us_marketing")
        };
    }
    SendPlan::Send { variant, channel }
}

fn consented(cart: &Cart, cfg: &StoreConfig, channel: Channel) -> bool {
    let soft_opt_in = channel == Channel::Email
        && cfg.email_soft_opt_in
        && cart.customer.consent.email.is_none()
        && cart.customer.id.is_some();
    cart.customer.consent.get(channel) || soft_opt_in
}

/// Whether a step on this channel could reach the shopper at all (an address and consent).
pub fn reachable(cart: &Cart, cfg: &StoreConfig, channel: Channel) -> bool {
    cart.customer.address(channel).is_some() && consented(cart, cfg, channel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::pii::Pii;
    use crate::domain::{ConsentChange, Customer};
    use std::sync::Arc;

    fn cfg(extra: &str) -> Config {
        let text = format!(
            "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"S\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n{extra}"
        );
        Config::from_toml("t.toml", &text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cart(customer: Customer) -> Cart {
        let mut c = Cart::new("s", "c", "2026-11-23T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH), false);
        c.customer = Arc::new(customer);
        c
    }

    #[test]
    fn the_default_sequence_and_soft_opt_in_for_existing_customers() {
        let off = cfg("");
        let on = cfg("email_soft_opt_in = true");
        let (off, on) = (off.store("s").cloned(), on.store("s").cloned());
        let (Some(off), Some(on)) = (off, on) else { panic!("no store") };
        assert_eq!(off.steps.iter().map(|s| s.channel.as_str()).collect::<Vec<_>>(), ["sms", "email", "whatsapp"]);
        let customer = Customer { id: Some("cust-1".into()), email: Some(Pii::new("a@b.co")), ..Customer::default() };
        let now: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let c = cart(customer.clone());
        assert_eq!(plan_send(&c, None, &off, 1, now), SendPlan::Skip("no_consent"));
        assert!(matches!(plan_send(&c, None, &on, 1, now), SendPlan::Send { .. }));
        // A guest (no account) or a shopper who said no: never.
        let guest = cart(Customer { id: None, ..customer.clone() });
        assert_eq!(plan_send(&guest, None, &on, 1, now), SendPlan::Skip("no_consent"));
        let mut refused = customer;
        refused.consent.email = Some(false);
        assert_eq!(plan_send(&cart(refused), None, &on, 1, now), SendPlan::Skip("no_consent"));
    }

    /// A New York number without a zone, in a store in Oslo: over two days, every 10 minutes,
    /// an SMS may go only between 08:00 and 21:00 New York time (the 212 area code names New
    /// York in libphonenumber's map), and some time it does go.
    #[test]
    fn a_new_york_number_without_a_zone_is_never_texted_at_night_there() {
        let cfg = cfg("timezone = \"Europe/Oslo\"");
        let Some(store) = cfg.store("s").cloned() else { panic!("no store") };
        let ny = jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC);
        let customer = Customer {
            phone: Some(Pii::new("+12125551234")),
            consent: crate::domain::Consent { sms: Some(true), ..Default::default() },
            ..Customer::default()
        };
        let mut c = cart(customer);
        let start: Timestamp = "2026-11-23T10:30:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        c.last_activity = start;
        let mut sent = 0;
        for i in 0..(48 * 6) {
            let now = start + jiff::SignedDuration::from_mins(10 * i);
            match plan_send(&c, None, &store, 0, now) {
                SendPlan::Send { .. } => {
                    let local = now.to_zoned_datetime(ny.clone()).time();
                    assert!(
                        local >= jiff::civil::time(8, 0, 0, 0) && local < jiff::civil::time(21, 0, 0, 0),
                        "{now}: {local} in New York"
                    );
                    sent += 1;
                }
                SendPlan::Defer(until, "quiet_hours") => {
                    let local = until.to_zoned_datetime(ny.clone()).time();
                    assert!(
                        local >= jiff::civil::time(8, 0, 0, 0) && local < jiff::civil::time(21, 0, 0, 0),
                        "deferred to {local}"
                    );
                }
                other => panic!("{now}: {other:?}"),
            }
        }
        assert!(sent > 0, "never allowed");
    }

    /// A number that can be in many zones (a Moscow mobile: libphonenumber gives every zone of
    /// Russia and Kazakhstan, which share +7): over three days, including a week-end, a text goes
    /// only when it is daytime in every one of them, and some time it does go.
    #[test]
    fn a_number_in_many_zones_is_texted_only_when_all_allow() {
        let cfg = cfg("timezone = \"Europe/Oslo\"");
        let Some(store) = cfg.store("s").cloned() else { panic!("no store") };
        let customer = Customer {
            phone: Some(Pii::new("+79161234567")),
            consent: crate::domain::Consent { sms: Some(true), ..Default::default() },
            ..Customer::default()
        };
        let zones: Vec<jiff::tz::TimeZone> = number_zones::zones_for_number("+79161234567")
            .unwrap_or_default()
            .iter()
            .filter_map(|z| jiff::tz::TimeZone::get(z).ok())
            .collect();
        assert!(zones.len() > 10);
        let mut c = cart(customer);
        let start: Timestamp = "2026-03-27T00:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let mut sent = 0;
        for i in 0..(72 * 6) {
            let now = start + jiff::SignedDuration::from_mins(10 * i);
            c.last_activity = now;
            if let SendPlan::Send { .. } = plan_send(&c, None, &store, 0, now) {
                for z in &zones {
                    let local = now.to_zoned_datetime(z.clone()).time();
                    assert!(
                        local >= jiff::civil::time(8, 0, 0, 0) && local < jiff::civil::time(21, 0, 0, 0),
                        "{now}: {local}"
                    );
                }
                sent += 1;
            }
        }
        assert!(sent > 0, "never allowed");
    }

    /// A text composed at 20:59 New York time, for a New York number with no zone, may wait in
    /// the provider's queue for one minute; an e-mail has no such limit. With the shopper's
    /// own zone, theirs decides.
    #[test]
    fn a_text_is_valid_only_until_quiet_hours_begin_there() {
        let cfg = cfg("timezone = \"Europe/Oslo\"");
        let Some(store) = cfg.store("s").cloned() else { panic!("no store") };
        let customer = Customer { phone: Some(Pii::new("+12125551234")), ..Customer::default() };
        let mut c = cart(customer);
        let now: Timestamp = "2026-11-24T01:59:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH); // 20:59 EST
        assert_eq!(deliver_by(&c, &store, Channel::Sms, now), Some(now + jiff::SignedDuration::from_mins(1)));
        assert_eq!(deliver_by(&c, &store, Channel::Email, now), None);
        std::sync::Arc::make_mut(&mut c.customer).timezone = Some("America/Los_Angeles".into()); // 17:59 there
        assert_eq!(deliver_by(&c, &store, Channel::Sms, now), Some(now + jiff::SignedDuration::from_mins(181)));
        std::sync::Arc::make_mut(&mut c.customer).timezone = Some("Europe/Oslo".into()); // 02:59: not a moment to send at all
        assert_eq!(deliver_by(&c, &store, Channel::Sms, now), None);
    }

    #[test]
    fn sms_consent_given_after_abandonment_does_not_count() {
        let config = cfg("");
        let Some(store) = config.store("s").cloned() else { panic!("no store") };
        let mut customer = Customer { phone: Some(Pii::new("+4791234567")), ..Customer::default() };
        customer.consent.sms = Some(true);
        let mut c = cart(customer);
        let at = |s: &str| s.parse::<Timestamp>().unwrap_or(Timestamp::UNIX_EPOCH);
        let change = |t: &str| ConsentChange {
            at: at(t),
            channel: Channel::Sms,
            granted: true,
            source: "event".into(),
            reference: "e".into(),
            text_version: Some("v3".into()),
        };
        Arc::make_mut(&mut c.consent_log).push(change("2026-11-23T10:45:00Z")); // idle since 10:00, abandoned 10:30
        assert_eq!(
            plan_send(&c, None, &store, 0, at("2026-11-23T11:00:00Z")),
            SendPlan::Skip("sms_consent_after_abandonment")
        );
        Arc::make_mut(&mut c.consent_log)[0] = change("2026-11-23T10:00:00Z");
        assert!(matches!(plan_send(&c, None, &store, 0, at("2026-11-23T11:00:00Z")), SendPlan::Send { .. }));
    }
}
